"""``fetch`` and ``update`` online, against a fake NEMA on 127.0.0.1 (no ../shared needed).

The fake serves the default editions as complete parts of its own (their bytes are
not the offline mirror's: PS3.3 2016c is not the excerpt), and 2025c and 2025d
(``current``), which differ by one data element and one enumerated value.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from rich.console import Console

from dicom_codegen import cli, fetch, transfer
from dicom_codegen.manifest import load_manifest
from tests.conftest import REPO
from tests.generator.fake_nema import CURRENT, PREVIOUS, FakeNema, serving, standard_site, url_path

EXCERPT_SHA256 = json.loads((REPO / "standard_xml" / "manifest.json").read_text(encoding="utf-8"))["editions"][
    "2016c"
]["part03"]["mirror"]["sha256"]


def _standard(tmp_path: Path, edit: dict[tuple[str, str], dict[str, object]] | None = None) -> Path:
    """A standard_xml/ with a copy of the committed manifest, entries replaced by ``edit``."""
    standard = tmp_path / "standard_xml"
    standard.mkdir()
    manifest = json.loads((REPO / "standard_xml" / "manifest.json").read_text(encoding="utf-8"))
    for (edition, part), entry in (edit or {}).items():
        manifest["editions"].setdefault(edition, {})[part] = entry
    (standard / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return standard


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error:")]


@pytest.fixture
def site() -> Iterator[FakeNema]:
    with serving(standard_site()) as fake:
        yield fake


def test_readme_command_1_online(
    tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str]
) -> None:
    """fetch defaults --fallback-from (a mirror the user does not have) && generate."""
    standard = _standard(tmp_path)
    served = site.files["/medical/dicom" + url_path("2016c", 3)]
    assert hashlib.sha256(served).hexdigest() != EXCERPT_SHA256
    status = cli.main(
        ["fetch", "defaults", "--fallback-from", str(tmp_path / "shared-absent"), "--base-url", site.base,
         "--standard", str(standard)]
    )
    err = capsys.readouterr().err
    assert status == 0, err
    assert (standard / "2016c" / "part03.xml").read_bytes() == served
    found = sorted(p.relative_to(standard).as_posix() for p in standard.rglob("*.xml"))
    assert found == ["2015b/part06.xml", "2016c/part03.xml", "2020c/part04.xml", "2020c/part07.xml"]
    line = next(line for line in err.splitlines() if line.startswith("PS3.3 2016c"))
    assert f"from {site.url('2016c', 3)}" in line
    assert f"sha256 {hashlib.sha256(served).hexdigest()}: not in the manifest" in line
    assert "excerpt" not in line.lower() and "FALLBACK" not in err and "warning" not in err
    assert "4 part(s): 4 downloaded from " + site.base in err
    record = json.loads((standard / "fetched.json").read_text(encoding="utf-8"))
    entry = record["files"]["2016c/part03.xml"]
    assert (entry["known_as"], entry["via"], entry["origin"]) == ("unknown", "download", site.url("2016c", 3))
    assert entry["sha256"] == hashlib.sha256(served).hexdigest()
    assert entry["etag"] and entry["last_modified"]

    out = tmp_path / "generated"
    assert cli.main(["generate", "--standard", str(standard), "--out", str(out), "-q"]) == 0
    assert (out / "dicom_model" / "modules" / "patient_module.py").is_file()
    sources = {s["part"]: s["edition"] for s in (
        json.loads((out / "model.json").read_text(encoding="utf-8"))[k]["source"]
        for k in ("objects", "services", "dictionary", "commands")
    )}
    assert sources == {3: "2016c", 4: "2020c", 6: "2015b", 7: "2020c"}


def test_a_known_official_sha256_that_mismatches_is_refused(
    tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str]
) -> None:
    entry: dict[str, object] = {"file": "part03.xml", "official_sha256": "0" * 64, "mirror": None}
    standard = _standard(tmp_path, {("2016c", "part03"): entry})
    before = _snapshot(standard)
    assert cli.main(["fetch", "defaults", "--base-url", site.base, "--standard", str(standard)]) == 2
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1
    assert site.url("2016c", 3) in errors[0]
    assert "does not match the manifest's official NEMA sha256 " + "0" * 64 in errors[0]
    assert _snapshot(standard) == before


def test_a_known_official_sha256_that_matches_is_verified(
    tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = hashlib.sha256(site.files["/medical/dicom" + url_path("2016c", 3)]).hexdigest()
    entry: dict[str, object] = {"file": "part03.xml", "official_sha256": digest, "mirror": None}
    standard = _standard(tmp_path, {("2016c", "part03"): entry})
    assert cli.main(["fetch", "2016c", "--base-url", site.base, "--standard", str(standard)]) == 0
    err = capsys.readouterr().err
    assert "PS3.3 2016c" in err and "(official NEMA file, sha256 verified)" in err
    assert json.loads((standard / "fetched.json").read_text())["files"]["2016c/part03.xml"]["known_as"] == "official"


def test_bytes_equal_to_the_excerpt_are_called_the_excerpt(
    tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the very bytes of the manifest's excerpt are ever called an excerpt."""
    excerpt_like = site.files["/medical/dicom" + url_path("2016c", 3)]
    entry: dict[str, object] = {
        "file": "part03.xml", "official_sha256": None,
        "mirror": {"kind": "excerpt", "sha256": hashlib.sha256(excerpt_like).hexdigest(), "note": "test"},
    }
    standard = _standard(tmp_path, {("2016c", "part03"): entry})
    assert cli.main(["fetch", "2016c", "--base-url", site.base, "--standard", str(standard)]) == 0
    err = capsys.readouterr().err
    assert "mirror EXCERPT: not the complete part" in err
    assert "note: PS3.3 2016c is an excerpt (test)" in err


def test_a_part_the_defaults_need_that_cannot_be_had_fails(
    tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str]
) -> None:
    site.faults["/medical/dicom" + url_path("2016c", 3)] = "404"
    standard = _standard(tmp_path)
    before = _snapshot(standard)
    status = cli.main(
        ["fetch", "defaults", "--fallback-from", str(tmp_path / "absent"), "--base-url", site.base,
         "--standard", str(standard)]
    )
    err = capsys.readouterr().err
    assert status == 2
    errors = _errors(err)
    assert len(errors) == 1
    assert errors[0].startswith(f"error: {site.url('2016c', 3)}: HTTP 404 Not Found")
    assert "PS3.3 2016c is needed (defaults)" in errors[0]
    assert _snapshot(standard) == before


def test_the_offline_mirror_is_the_fallback_and_named_so(
    tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "2016c").mkdir(parents=True)
    excerpt = site.files["/medical/dicom" + url_path("2016c", 3)].replace(b"Test Image IOD", b"Excerpt IOD")
    (mirror / "2016c" / "part03.xml").write_bytes(excerpt)
    entry: dict[str, object] = {
        "file": "part03.xml", "official_sha256": None,
        "mirror": {"kind": "excerpt", "sha256": hashlib.sha256(excerpt).hexdigest(), "note": "a test excerpt"},
    }
    standard = _standard(tmp_path, {("2016c", "part03"): entry})
    site.faults["/medical/dicom" + url_path("2016c", 3)] = "404"
    status = cli.main(
        ["fetch", "defaults", "--fallback-from", str(mirror), "--base-url", site.base, "--standard", str(standard)]
    )
    err = capsys.readouterr().err
    assert status == 0, err
    assert f"warning: {site.url('2016c', 3)}: HTTP 404 Not Found; trying the offline mirror {mirror}" in err
    line = next(line for line in err.splitlines() if line.startswith("PS3.3 2016c"))
    assert "from the offline mirror (FALLBACK: the download failed)" in line and "EXCERPT" in line
    assert f"4 part(s): 3 downloaded from {site.base}, 1 from the offline mirror {mirror} as FALLBACK" in err
    assert (standard / "2016c" / "part03.xml").read_bytes() == excerpt


def test_fetch_current_resolves_the_edition_from_the_subtitle(
    tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str]
) -> None:
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "current", "--base-url", site.base, "--standard", str(standard)]) == 0
    err = capsys.readouterr().err
    assert sorted(p.name for p in (standard / CURRENT).iterdir()) == [
        "part03.xml", "part04.xml", "part06.xml", "part07.xml"
    ]
    assert not (standard / "current").exists()
    assert f"current is {CURRENT} (from the subtitles)" in err
    record = json.loads((standard / "fetched.json").read_text(encoding="utf-8"))
    assert record["current"]["edition"] == CURRENT
    assert record["files"][f"{CURRENT}/part06.xml"]["origin"] == site.url("current", 6)
    assert (standard / CURRENT / "part06.xml").read_bytes() == site.files["/medical/dicom" + url_path(CURRENT, 6)]


def test_current_changing_edition_is_followed(tmp_path: Path, site: FakeNema) -> None:
    standard = _standard(tmp_path)
    site.current = PREVIOUS
    assert cli.main(["fetch", "current", "--base-url", site.base, "--standard", str(standard)]) == 0
    site.current = CURRENT
    assert cli.main(["fetch", "current", "--base-url", site.base, "--standard", str(standard)]) == 0
    record = json.loads((standard / "fetched.json").read_text(encoding="utf-8"))
    assert record["current"]["edition"] == CURRENT
    assert (standard / PREVIOUS / "part03.xml").is_file() and (standard / CURRENT / "part03.xml").is_file()


def test_a_second_fetch_current_downloads_nothing(
    tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str]
) -> None:
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "current", "--base-url", site.base, "--standard", str(standard)]) == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in (standard / CURRENT).iterdir()}
    capsys.readouterr()
    assert cli.main(["fetch", "current", "--base-url", site.base, "--standard", str(standard)]) == 0
    err = capsys.readouterr().err
    assert [status for _, status in site.log] == [200] * 4 + [304] * 4
    assert err.count("unchanged (HTTP 304 Not Modified") == 4
    assert "4 part(s): 4 unchanged" in err
    assert {p.name: p.stat().st_mtime_ns for p in (standard / CURRENT).iterdir()} == stamps


def test_without_conditional_answers_the_recorded_sha256_avoids_rewriting(
    tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str]
) -> None:
    site.conditional = False
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "current", "--base-url", site.base, "--standard", str(standard)]) == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in (standard / CURRENT).iterdir()}
    capsys.readouterr()
    assert cli.main(["fetch", "current", "--base-url", site.base, "--standard", str(standard)]) == 0
    err = capsys.readouterr().err
    assert [status for _, status in site.log] == [200] * 8
    assert err.count("unchanged (same sha256 as the recorded file, not rewritten") == 4
    assert {p.name: p.stat().st_mtime_ns for p in (standard / CURRENT).iterdir()} == stamps


def test_fetch_current_from_a_mirror_folder_named_current(tmp_path: Path, site: FakeNema) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "current").mkdir(parents=True)
    for part in (3, 4, 6, 7):
        (mirror / "current" / f"part{part:02d}.xml").write_bytes(site.files["/medical/dicom" + url_path(CURRENT, part)])
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "current", "--from", str(mirror), "--standard", str(standard)]) == 0
    assert sorted(p.name for p in (standard / CURRENT).iterdir()) == ["part03.xml", "part04.xml", "part06.xml", "part07.xml"]
    assert json.loads((standard / "fetched.json").read_text())["current"]["edition"] == CURRENT
    assert site.log == []


def test_the_base_url_comes_from_the_environment(
    tmp_path: Path, site: FakeNema, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(fetch.BASE_URL_ENV, site.base)
    standard = _standard(tmp_path)
    assert cli.main(["fetch", PREVIOUS, "--standard", str(standard)]) == 0
    assert [path for path, _ in site.log] == ["/medical/dicom" + url_path(PREVIOUS, p) for p in (3, 4, 6, 7)]
    assert fetch.base_url("http://option.example/x/") == "http://option.example/x"


def test_the_default_base_url_is_nemas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fetch.BASE_URL_ENV, raising=False)
    assert fetch.part_url(fetch.base_url(), "2016c", 3) == (
        "https://dicom.nema.org/medical/dicom/2016c/source/docbook/part03/part03.xml"
    )


FAULT_REASONS = {
    "404": "HTTP 404 Not Found",
    "hang": "no answer within 0.5 s (timeout)",
    "stall": "no data for 0.5 s after ",
    "short": "body cut short: ",
    "html200": "an HTML page, not DocBook XML",
    "not-docbook": "not DocBook: the root element is 'error'",
    "wrong-part": "wrong part: this is PS3.4, expected PS3.3",
    "wrong-edition": "the subtitle names edition 2099z ('DICOM PS3.3 2099z - Test'), expected 2025d",
    "gzip": "the body is gzip-encoded (Content-Encoding: gzip)",
    "gzip-raw": "the body is gzip-compressed (it starts with the gzip magic bytes 1f 8b",
    "redirect-loop": "redirect loop: still redirected (HTTP 302)",
}


@pytest.mark.parametrize("fault", sorted(FAULT_REASONS))
def test_a_fault_is_one_line_and_changes_nothing(
    tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str], fault: str
) -> None:
    standard = _standard(tmp_path)
    assert cli.main(["fetch", PREVIOUS, "--base-url", site.base, "--standard", str(standard)]) == 0
    before = _snapshot(standard)
    capsys.readouterr()
    # part03 is the faulty one; 2025d's other parts would download fine (they are fetched
    # after it: nothing of them may appear either).
    site.faults["/medical/dicom" + url_path(CURRENT, 3)] = fault
    status = cli.main(["fetch", CURRENT, "--base-url", site.base, "--standard", str(standard), "--timeout", "0.5"])
    err = capsys.readouterr().err
    assert status == 2
    errors = _errors(err)
    assert len(errors) == 1, err
    assert errors[0].startswith(f"error: {site.url(CURRENT, 3)}: "), errors[0]
    assert FAULT_REASONS[fault] in errors[0]
    assert errors[0].endswith(f"; nothing was written to {standard}")
    assert _snapshot(standard) == before
    assert not (standard / CURRENT).exists()
    assert [p for p in standard.iterdir() if p.name.startswith(".")] == []


def test_a_fault_in_a_later_part_discards_the_earlier_ones(
    tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str]
) -> None:
    standard = _standard(tmp_path)
    site.faults["/medical/dicom" + url_path(CURRENT, 7)] = "short"
    assert cli.main(["fetch", "current", "--base-url", site.base, "--standard", str(standard)]) == 2
    assert [status for _, status in site.log] == [200] * 4
    assert "Content-Length not met" in _errors(capsys.readouterr().err)[0]
    assert sorted(p.name for p in standard.iterdir()) == ["manifest.json"]


def test_a_full_disk_is_one_line_and_changes_nothing(
    tmp_path: Path, site: FakeNema, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    standard = _standard(tmp_path)
    assert cli.main(["fetch", PREVIOUS, "--base-url", site.base, "--standard", str(standard)]) == 0
    before = _snapshot(standard)
    capsys.readouterr()
    real = transfer.open_staging

    def full_disk(folder: Path, name: str) -> tuple[BinaryIO, Path]:
        handle, path = real(folder, name)  # a real temporary file, that must be cleaned up
        handle.close()
        return open("/dev/full", "wb"), path  # writes fail with ENOSPC, as on a full disk

    monkeypatch.setattr(transfer, "open_staging", full_disk)
    assert cli.main(["fetch", CURRENT, "--base-url", site.base, "--standard", str(standard)]) == 2
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1
    assert errors[0].startswith(f"error: {site.url(CURRENT, 3)}: cannot write ")
    assert os.strerror(errno.ENOSPC) in errors[0]
    assert _snapshot(standard) == before
    assert [p for p in standard.iterdir() if p.name.startswith(".")] == []


def test_downloads_show_a_progress_bar(tmp_path: Path) -> None:
    with serving(standard_site(pad=400_000)) as site:
        standard = _standard(tmp_path)
        screen = io.StringIO()
        console = Console(file=screen, force_terminal=True, width=120)
        with fetch.progress_bar(console) as progress:
            result = fetch.fetch(load_manifest(standard / "manifest.json"), standard, PREVIOUS, base=site.base, progress=progress)
    assert len(result.fetched) == 4
    shown = screen.getvalue()
    assert "PS3.3 2025c" in shown and "PS3.7 2025c" in shown
    sizes = re.findall(r"(\d+\.\d)/(\d+\.\d) kB", shown)
    assert ("0.0", "403.3") in sizes or any(a == "0.0" for a, _ in sizes)  # bytes so far / total
    assert sum(1 for a, b in sizes if a == b and float(a) > 400) >= 4  # each bar completed
    assert re.search(r"\d+\.\d [kMG]B/s", shown)  # the transfer rate column


def test_update_regenerates_and_reports(
    tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str]
) -> None:
    standard = _standard(tmp_path)
    out = tmp_path / "generated"
    assert cli.main(["update", PREVIOUS, "--base-url", site.base, "--standard", str(standard), "--out", str(out)]) == 0
    capsys.readouterr()
    patient = (out / "dicom_model" / "modules" / "patient_module.py").read_text(encoding="utf-8")
    assert 'Literal["M", "F"]' in patient and "EthnicGroup" not in (out / "dicom_model" / "tags.py").read_text(encoding="utf-8")

    assert cli.main(["update", "--base-url", site.base, "--standard", str(standard), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    report, err = captured.out, captured.err
    assert report.splitlines()[0] == (
        f"{out} (PS3.3 {PREVIOUS}, PS3.4 {PREVIOUS}, PS3.6 {PREVIOUS}, PS3.7 {PREVIOUS}) -> "
        f"PS3.3 {CURRENT}, PS3.4 {CURRENT}, PS3.6 {CURRENT}, PS3.7 {CURRENT}"
    )
    assert "data element: 1 added" in report
    assert "== Python API (what mypy will report after regenerating)" in report
    assert "BREAKS narrowed      dicom_model.modules.patient_module.PatientModule.PatientSex  values no longer allowed: F" in report
    assert "added         dicom_model.tags.EthnicGroup  (0010,2160)" in report
    assert f"current is {CURRENT}" in err
    assert "Python API: 2 breaking (mypy will report code that uses them), 1 other" in err
    assert "file(s) changed, 0 added, 0 removed" in err
    # and the regenerated package says what the report predicted
    patient = (out / "dicom_model" / "modules" / "patient_module.py").read_text(encoding="utf-8")
    assert 'Literal["M", "O"]' in patient and '"F"' not in patient
    assert "EthnicGroup" in (out / "dicom_model" / "tags.py").read_text(encoding="utf-8")
    model = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert model["dictionary"]["source"]["edition"] == CURRENT

    # once more: nothing downloaded, nothing differs, nothing rewritten
    site.log.clear()
    assert cli.main(["update", "--base-url", site.base, "--standard", str(standard), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert [status for _, status in site.log] == [304] * 4
    assert "no differences" in captured.out
    assert f"{out}: unchanged (" in captured.err


def test_update_that_fails_leaves_everything_as_it_was(
    tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str]
) -> None:
    standard = _standard(tmp_path)
    out = tmp_path / "generated"
    assert cli.main(["update", PREVIOUS, "--base-url", site.base, "--standard", str(standard), "--out", str(out)]) == 0
    before_standard, before_out = _snapshot(standard), _snapshot(out)
    capsys.readouterr()
    site.faults["/medical/dicom" + url_path(CURRENT, 6)] = "html200"
    assert cli.main(["update", "--base-url", site.base, "--standard", str(standard), "--out", str(out)]) == 2
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1 and errors[0].startswith(f"error: {site.url('current', 6)}: an HTML page")
    assert _snapshot(standard) == before_standard
    assert _snapshot(out) == before_out


def test_update_needs_every_part(tmp_path: Path, site: FakeNema, capsys: pytest.CaptureFixture[str]) -> None:
    mirror = tmp_path / "mirror"
    (mirror / CURRENT).mkdir(parents=True)
    (mirror / CURRENT / "part06.xml").write_bytes(site.files["/medical/dicom" + url_path(CURRENT, 6)])
    standard = _standard(tmp_path)
    out = tmp_path / "generated"
    assert cli.main(["update", CURRENT, "--from", str(mirror), "--standard", str(standard), "--out", str(out)]) == 2
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1
    assert errors[0].startswith(f"error: {mirror / CURRENT / 'part03.xml'}: not in the mirror; PS3.3 {CURRENT} is needed")
    assert not out.exists()
