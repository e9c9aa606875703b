"""``dicom-net scp --config``: the options the configuration decides are refused beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_runtime.net.cli import main

ARCHIVE = Path(__file__).resolve().parents[3] / "examples" / "archive.toml"


@pytest.mark.parametrize(
    "extra",
    [["--dest", "NATIVE=127.0.0.1:11116"], ["--duplicates", "reject"], ["--allow", "NOBODY"], ["--aet", "OTHER"], ["--no-fsync"]],
)
def test_an_option_the_configuration_decides_is_refused(extra: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["scp", "--config", str(ARCHIVE), "--port", "1", "--out", str(tmp_path), *extra])
    error = capsys.readouterr().err
    assert status == 1
    assert f"with --config, {extra[0]} is set in the configuration file ({ARCHIVE})" in error
    assert list(tmp_path.iterdir()) == []  # nothing was started or written
