"""``dicom-net scp`` that fails to start leaves nothing it made behind (the folder it created,
or the ``.dicom-net/`` with two 16 MiB journal files, the index and its lock it made in an
existing one), and names the option or the configuration's setting, the path and the reason of
a folder it cannot use."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def _scp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dicom_runtime.net.cli", "scp", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def _tree(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_a_busy_port_leaves_no_new_folder(busy_port: int, tmp_path: Path) -> None:
    out = tmp_path / "archive"
    result = _scp("--host", "127.0.0.1", "--port", str(busy_port), "--out", str(out))
    assert result.returncode == 1
    assert "address already in use" in result.stderr and result.stderr.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize("configured", [False, True])
def test_a_storage_folder_whose_parent_is_missing_is_refused(tmp_path: Path, configured: bool) -> None:
    # --out /nonexistent/dir made the folder and its parents: a mistyped path became a new,
    # empty archive (dcmtk's storescp -od refuses a missing folder); the last component only is made
    out = tmp_path / "typo" / "archive"
    if configured:
        config = tmp_path / "scp.toml"
        config.write_text(f'[[ae]]\ntitle = "A"\nport = 0\nstorage = "{out}"\n')
        result = _scp("--config", str(config))
        setting = f"{config}: ae[0].storage"
    else:
        result = _scp("--port", "0", "--out", str(out))
        setting = "--out"
    assert result.returncode == 1
    assert result.stderr == (
        f"dicom-net scp: {setting} = {str(out)!r}: its parent folder {str(out.parent)!r} does not exist "
        "(only the storage folder itself is made: make its parents first)\n"
    )
    assert not (tmp_path / "typo").exists()


def test_a_busy_port_leaves_an_existing_folder_as_it_was(busy_port: int, tmp_path: Path) -> None:
    out = tmp_path / "archive"
    (out / "kept").mkdir(parents=True)
    (out / "kept" / "note.txt").write_text("mine")
    result = _scp("--host", "127.0.0.1", "--port", str(busy_port), "--out", str(out))
    assert result.returncode == 1 and "address already in use" in result.stderr
    assert _tree(out) == ["kept", "kept/note.txt"]


def test_a_started_scp_keeps_its_journal(tmp_path: Path) -> None:
    """What the undo removes is what a failed start made: a running SCP has its .dicom-net/.
    The storage folder itself is made (its parent exists; a missing parent is refused above)."""
    out = tmp_path / "archive"
    assert not out.exists()
    process = subprocess.Popen(
        [sys.executable, "-m", "dicom_runtime.net.cli", "scp", "--host", "127.0.0.1", "--port", "0", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        assert "listening on" in process.stdout.readline()
        assert (out / ".dicom-net" / ".journal.0").stat().st_size == 16 * 1024 * 1024
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert (out / ".dicom-net").is_dir()


def test_out_naming_a_file(tmp_path: Path) -> None:
    file = tmp_path / "passwd"
    file.write_text("not a folder")
    result = _scp("--port", "0", "--out", str(file))
    assert result.returncode == 1
    assert result.stderr == f"dicom-net scp: --out = {str(file)!r}: not a folder (a file of that name is there)\n"
    assert file.read_text() == "not a folder"


def test_journal_that_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = tmp_path / "archive"
    result = _scp("--port", "0", "--out", str(out), "--journal", str(blocker / "journal"))
    assert result.returncode == 1
    assert result.stderr.startswith(f"dicom-net scp: --journal = {str(blocker / 'journal')!r}: cannot make or open this folder: ")
    assert not out.exists()


def test_a_configured_storage_that_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    config = tmp_path / "scp.toml"
    config.write_text(f'[[ae]]\ntitle = "A"\nport = 0\n\n[[ae]]\ntitle = "B"\nport = 0\nstorage = "{blocker / "sub"}"\n')
    result = _scp("--config", str(config), "--ae", "B")
    assert result.returncode == 1
    assert result.stderr.startswith(f"dicom-net scp: {config}: ae[1].storage = {str(blocker / 'sub')!r}: cannot make or open this folder: ")
    assert "Errno" not in result.stderr


def test_a_configured_scp_on_a_busy_port_leaves_no_folder(busy_port: int, tmp_path: Path) -> None:
    config = tmp_path / "scp.toml"
    config.write_text(f'[[ae]]\ntitle = "A"\nhost = "127.0.0.1"\nport = {busy_port}\nstorage = "archive"\n')
    result = _scp("--config", str(config))
    assert result.returncode == 1 and "address already in use" in result.stderr
    assert _tree(tmp_path) == ["scp.toml"]
