"""dicom-net get --out: a path that cannot be the folder of the instances received is one
line naming it and the reason, before any association (it ran the C-FIND and the C-GET,
then said "[Errno 17] File exists: 'x'")."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_runtime.net.cli import main
from tests.runtime.net.helpers import free_port


@pytest.mark.parametrize(
    ("out", "reason"), [("afile", "not a folder"), ("afile/sub", "cannot make the folder: Not a directory")]
)
def test_an_out_that_is_no_folder_is_said_before_associating(
    out: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "afile").write_bytes(b"")
    port = free_port()  # nothing listens: an association attempted would say "cannot connect"
    status = main(["get", "127.0.0.1", str(port), "--out", str(tmp_path / out), "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3"])
    error = capsys.readouterr().err
    assert status == 1
    assert error == f"dicom-net get: --out {tmp_path / out}: {reason}\n"


def test_an_out_whose_parent_is_missing_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As scp --out: the folder itself is made, not its parents, so a mistyped path is not a
    new folder (it was made with its parents, mkdir -p)."""
    out = tmp_path / "typo" / "received"
    status = main(["get", "127.0.0.1", str(free_port()), "--out", str(out), "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3"])
    assert status == 1
    assert capsys.readouterr().err == (
        f"dicom-net get: --out {out}: its parent folder {str(out.parent)!r} does not exist "
        "(only the folder itself is made: make its parents first)\n"
    )
    assert not (tmp_path / "typo").exists()
