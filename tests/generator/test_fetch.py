"""dicom-codegen fetch offline: from a mirror, the manifest's truth, fallback, nothing half-written.

These read the offline mirror (../shared/dicom-standard or $DICOM_STANDARD_MIRROR);
the online path is tested against a fake NEMA in test_fetch_online.py.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import socket
from pathlib import Path

import pytest

from dicom_codegen import cli
from dicom_codegen.diff import diff_models
from dicom_codegen.generate import Selection, build_model
from dicom_codegen.manifest import load_manifest
from dicom_codegen.render import dump_json
from dicom_codegen.report import Report
from dicom_codegen.update import load_model
from tests.conftest import MIRROR, REPO, mirror_file


def _standard(tmp_path: Path, *, sha_override: str | None = None) -> Path:
    standard = tmp_path / "standard_xml"
    standard.mkdir()
    manifest = json.loads((REPO / "standard_xml" / "manifest.json").read_text(encoding="utf-8"))
    if sha_override is not None:
        manifest["editions"]["2015b"]["part06"]["mirror"]["sha256"] = sha_override
    (standard / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return standard


def _closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens: every download is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/medical/dicom"


def test_the_manifest_tells_where_each_file_came_from() -> None:
    """Mirror digests are the mirror's SHA256SUMS; only PS3.3 2016c is an excerpt; no official
    NEMA digest is claimed (none is known from NEMA)."""
    manifest = load_manifest(REPO / "standard_xml" / "manifest.json")
    sums = {}
    for line in (MIRROR / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split()
        sums[name] = digest
    assert manifest.files, "empty manifest"
    for (edition, part), known in manifest.files.items():
        assert known.official_sha256 is None
        assert known.mirror is not None
        assert known.mirror.sha256 == sums[f"{edition}/part{part:02d}.xml"]
        assert known.mirror.kind == ("excerpt" if (edition, part) == ("2016c", 3) else "copy")
    assert "EXCERPT" in manifest.files[("2016c", 3)].mirror.note  # type: ignore[union-attr]
    assert manifest.defaults == {3: "2016c", 4: "2020c", 6: "2015b", 7: "2020c"}


def test_a_format_1_manifest_is_read_as_mirror_copies(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(
        json.dumps({"defaults": {"ps6": "2015b"}, "editions": {"2015b": {"part06": {"file": "part06.xml", "sha256": "a" * 64}}}}),
        encoding="utf-8",
    )
    known = load_manifest(path).files[("2015b", 6)]
    assert known.official_sha256 is None
    assert known.mirror is not None and (known.mirror.kind, known.mirror.sha256) == ("copy", "a" * 64)


def test_a_malformed_manifest_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard = _standard(tmp_path)
    manifest = json.loads((standard / "manifest.json").read_text(encoding="utf-8"))
    manifest["editions"]["2015b"]["part06"]["mirror"]["kind"] = "complete"
    (standard / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert cli.main(["fetch", "2015b", "--from", str(MIRROR), "--standard", str(standard)]) == 2
    assert "editions.2015b.part06.mirror.kind: 'complete' is not one of" in capsys.readouterr().err


def test_fetch_from_mirror_verifies_checksums(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "2015b", "--from", str(MIRROR), "--standard", str(standard)]) == 0
    assert sorted(p.name for p in (standard / "2015b").iterdir()) == ["part04.xml", "part06.xml"]
    assert (standard / "2015b" / "part06.xml").read_bytes() == (MIRROR / "2015b" / "part06.xml").read_bytes()
    err = capsys.readouterr().err
    assert err.count("sha256 verified against the manifest's mirror copy") == 2
    assert "PS3.3 2015b: not available, skipped (not in the mirror)" in err
    record = json.loads((standard / "fetched.json").read_text(encoding="utf-8"))
    assert record["files"]["2015b/part06.xml"]["via"] == "mirror"
    assert record["files"]["2015b/part06.xml"]["known_as"] == "copy"


def test_fetch_defaults_takes_each_parts_default_edition(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "defaults", "--from", str(MIRROR), "--standard", str(standard)]) == 0
    found = sorted(p.relative_to(standard).as_posix() for p in standard.rglob("*.xml"))
    assert found == ["2015b/part06.xml", "2016c/part03.xml", "2020c/part04.xml", "2020c/part07.xml"]
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if line.startswith("PS3.3 2016c"))
    assert "mirror EXCERPT: not the complete part" in line
    assert "note: PS3.3 2016c is an excerpt (an EXCERPT of PS3.3 2016c" in err
    assert f"4 part(s): 4 from the offline mirror {MIRROR}" in err


def test_checksum_mismatch_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard = _standard(tmp_path, sha_override="0" * 64)
    assert cli.main(["fetch", "2015b", "--from", str(MIRROR), "--standard", str(standard)]) == 2
    err = capsys.readouterr().err
    assert f"{MIRROR / '2015b' / 'part06.xml'}: sha256 " in err
    assert "does not match the manifest's " + "0" * 64 + " for the mirror's copy of 2015b part06" in err
    assert not (standard / "2015b").exists()  # part04, checked first, is not written either
    assert sorted(p.name for p in standard.iterdir()) == ["manifest.json"]


def test_unknown_edition_in_mirror_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "1999a", "--from", str(MIRROR), "--standard", str(standard)]) == 2
    assert "nothing fetched for '1999a'" in capsys.readouterr().err


def test_a_default_part_missing_from_the_mirror_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror = tmp_path / "mirror"
    for edition, part in (("2015b", 6), ("2016c", 3), ("2020c", 4)):
        (mirror / edition).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(mirror_file(edition, part), mirror / edition / f"part{part:02d}.xml")
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "defaults", "--from", str(mirror), "--standard", str(standard)]) == 2
    err = capsys.readouterr().err
    assert f"error: {mirror / '2020c' / 'part07.xml'}: not in the mirror; PS3.7 2020c is needed (defaults)" in err
    assert sorted(p.name for p in standard.iterdir()) == ["manifest.json"]


def test_download_failure_falls_back_to_the_mirror(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard = _standard(tmp_path)
    base = _closed_port_url()
    status = cli.main(
        ["fetch", "2013", "--standard", str(standard), "--fallback-from", str(MIRROR), "--base-url", base]
    )
    err = capsys.readouterr().err
    assert status == 0, err
    assert sorted(p.name for p in (standard / "2013").iterdir()) == ["part04.xml", "part06.xml"]
    assert f"warning: {base}/2013/source/docbook/part04/part04.xml: cannot connect: " in err
    assert f"2 part(s): 2 from the offline mirror {MIRROR} as FALLBACK" in err
    assert "PS3.3 2013: not available, skipped" in err


def test_readme_offline_command_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No network: fetch defaults --fallback-from the mirror, then generate."""
    standard = _standard(tmp_path)
    status = cli.main(
        ["fetch", "defaults", "--fallback-from", str(MIRROR), "--base-url", _closed_port_url(),
         "--standard", str(standard)]
    )
    assert status == 0
    assert f"4 part(s): 4 from the offline mirror {MIRROR} as FALLBACK" in capsys.readouterr().err
    out = tmp_path / "out"
    assert cli.main(["generate", "--standard", str(standard), "--out", str(out), "-q"]) == 0
    assert (out / "model.json").read_text(encoding="utf-8") == (REPO / "generated" / "model.json").read_text(
        encoding="utf-8"
    )


def test_download_failure_without_fallback_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _closed_port_url()
    assert cli.main(["fetch", "2013", "--standard", str(_standard(tmp_path)), "--base-url", base]) == 2
    err = capsys.readouterr().err
    assert f"error: {base}/2013/source/docbook/part03/part03.xml: cannot connect: " in err
    assert "nothing was written to" in err


def test_generate_reads_what_fetch_wrote(tmp_path: Path) -> None:
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "2015b", "--from", str(MIRROR), "--standard", str(standard)]) == 0
    out = tmp_path / "out"
    assert cli.main(["generate", "--standard", str(standard), "--ps6", "2015b", "--out", str(out), "-q"]) == 0
    assert (out / "dicom_model" / "tags.py").is_file()


def test_the_model_of_generated_is_read_back_exactly() -> None:
    """update's "before" side: generated/model.json as a Model dumps to the same bytes."""
    text = (REPO / "generated" / "model.json").read_text(encoding="utf-8")
    model = load_model(REPO / "generated" / "model.json")
    assert dump_json(model) == text
    assert model.objects is not None and model.objects.classes  # the classes are derived again


def test_the_model_of_generated_diffs_empty_against_its_inputs() -> None:
    """Including the Python API part, which compares the (re-derived) PS3.3 classes."""
    committed = load_model(REPO / "generated" / "model.json")
    manifest = load_manifest(REPO / "standard_xml" / "manifest.json")
    standard = MIRROR  # laid out like standard_xml/: EDITION/partNN.xml
    rebuilt = build_model(standard, Selection.resolve(manifest, {3: None, 4: None, 6: None, 7: None}), Report(quiet=True))
    difference = diff_models(committed, rebuilt)
    assert difference.empty, difference.to_text()[:2000]
    # and the comparison can fail: one class fewer is a removed class in the API part
    assert rebuilt.objects is not None
    fewer = dataclasses.replace(rebuilt, objects=dataclasses.replace(rebuilt.objects, classes=rebuilt.objects.classes[1:]))
    api = diff_models(committed, fewer).api
    assert [(a.symbol.rsplit(".", 1)[-1], a.effect) for a in api] == [(rebuilt.objects.classes[0].name, "removed")]

def test_update_offline_from_the_mirror_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """update defaults over what generate made from the same inputs: an empty diff, no file rewritten."""
    standard = _standard(tmp_path)
    out = tmp_path / "generated"
    assert cli.main(["fetch", "defaults", "--from", str(MIRROR), "--standard", str(standard)]) == 0
    assert cli.main(["generate", "--standard", str(standard), "--out", str(out), "-q"]) == 0
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert cli.main(["update", "defaults", "--from", str(MIRROR), "--standard", str(standard), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "\nno differences\n" in captured.out
    assert f"{out}: unchanged (" in captured.err
    assert "PS3.3 2016c is an excerpt" in captured.err
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps
