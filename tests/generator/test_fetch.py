"""dicom-codegen fetch: from a mirror, checksums, fallback, nothing half-written."""

from __future__ import annotations

import email.message
import json
import shutil
import urllib.error
from pathlib import Path

import pytest

from dicom_codegen import cli, fetch
from tests.conftest import MIRROR, REPO


def _standard(tmp_path: Path, *, sha_override: str | None = None) -> Path:
    standard = tmp_path / "standard_xml"
    standard.mkdir()
    manifest = json.loads((REPO / "standard_xml" / "manifest.json").read_text(encoding="utf-8"))
    if sha_override is not None:
        manifest["editions"]["2015b"]["part06"]["sha256"] = sha_override
    (standard / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return standard


def test_fetch_from_mirror_verifies_checksums(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "2015b", "--from", str(MIRROR), "--standard", str(standard)]) == 0
    assert sorted(p.name for p in (standard / "2015b").iterdir()) == ["part04.xml", "part06.xml"]
    assert (standard / "2015b" / "part06.xml").read_bytes() == (MIRROR / "2015b" / "part06.xml").read_bytes()
    err = capsys.readouterr().err
    assert err.count("sha256 verified") == 2
    assert "PS3.3 2015b: not available, skipped" in err


def test_fetch_defaults_takes_each_parts_default_edition(tmp_path: Path) -> None:
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "defaults", "--from", str(MIRROR), "--standard", str(standard)]) == 0
    found = sorted(p.relative_to(standard).as_posix() for p in standard.rglob("*.xml"))
    assert found == ["2015b/part06.xml", "2016c/part03.xml", "2020c/part04.xml", "2020c/part07.xml"]


def test_checksum_mismatch_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard = _standard(tmp_path, sha_override="0" * 64)
    assert cli.main(["fetch", "2015b", "--from", str(MIRROR), "--standard", str(standard)]) == 2
    assert "does not match the manifest" in capsys.readouterr().err
    assert not (standard / "2015b" / "part06.xml").exists()
    leftovers = [p for p in standard.rglob("*") if p.name.startswith(".")]
    assert leftovers == []


def test_unknown_edition_in_mirror_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "1999a", "--from", str(MIRROR), "--standard", str(standard)]) == 2
    assert "nothing fetched for '1999a'" in capsys.readouterr().err


def test_download_failure_falls_back_to_the_mirror(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    urls: list[str] = []

    def offline(url: str, timeout: float) -> bytes:
        urls.append(url)
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(fetch, "_download", offline)
    standard = _standard(tmp_path)
    status = cli.main(
        ["fetch", "2013", "--standard", str(standard), "--fallback-from", str(MIRROR)]
    )
    assert status == 0
    assert urls[0] == "https://dicom.nema.org/medical/dicom/2013/source/docbook/part03/part03.xml"
    assert sorted(p.name for p in (standard / "2013").iterdir()) == ["part04.xml", "part06.xml"]
    assert "download failed" in capsys.readouterr().err


def test_download_failure_without_fallback_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def offline(url: str, timeout: float) -> bytes:
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(fetch, "_download", offline)
    assert cli.main(["fetch", "2013", "--standard", str(_standard(tmp_path))]) == 2
    assert "https://dicom.nema.org/medical/dicom/2013/source/docbook/part03/part03.xml: download failed" in (
        capsys.readouterr().err
    )


def test_downloaded_bytes_are_checked_like_local_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def served(url: str, timeout: float) -> bytes:
        if "part06" in url:
            return (MIRROR / "2015b" / "part06.xml").read_bytes()
        raise urllib.error.HTTPError(url, 404, "not found", email.message.Message(), None)

    monkeypatch.setattr(fetch, "_download", served)
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "2015b", "--standard", str(standard)]) == 0
    assert [p.name for p in (standard / "2015b").iterdir()] == ["part06.xml"]


def test_generate_reads_what_fetch_wrote(tmp_path: Path) -> None:
    standard = _standard(tmp_path)
    assert cli.main(["fetch", "2015b", "--from", str(MIRROR), "--standard", str(standard)]) == 0
    shutil.copy(MIRROR / "2020c" / "part07.xml", standard / "part07.xml")
    out = tmp_path / "out"
    assert cli.main(["generate", "--standard", str(standard), "--ps6", "2015b", "--out", str(out), "-q"]) == 0
    assert (out / "dicom_model" / "tags.py").is_file()
