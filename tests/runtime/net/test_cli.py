"""``dicom-net`` as a person uses it: exit status 0 on success, else 1 and one line saying why."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_runtime.net.instances import Instance
from tests.runtime.net.helpers import ScpProcess, free_port, write_ct_files


def dicom_net(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dicom_runtime.net.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("cli")
    destination = ScpProcess(folder / "moved", folder / "dest.log", "--aet", "DEST").start()
    process = ScpProcess(folder / "out", folder / "scp.log", "--dest", f"DEST=127.0.0.1:{destination.port}").start()
    process.destination = destination  # type: ignore[attr-defined]
    yield process
    assert process.stop() == 0 and destination.stop() == 0


def test_echo_store_find_move_get(scp: ScpProcess, tmp_path: Path) -> None:
    port = str(scp.port)
    echo = dicom_net("echo", "127.0.0.1", port, "--aec", "OURSCP")
    assert echo.returncode == 0 and "0x0000 Success" in echo.stdout
    files = write_ct_files(tmp_path / "files", 4)
    (tmp_path / "files" / "notes.txt").write_text("not DICOM")
    store = dicom_net("store", "127.0.0.1", port, "--aec", "OURSCP", str(tmp_path / "files"))
    assert store.returncode == 0, store.stderr
    assert "4 of 4 stored, 1 skipped (not DICOM)" in store.stdout
    find = dicom_net("find", "127.0.0.1", port, "--aec", "OURSCP", "-k", "QueryRetrieveLevel=IMAGE", "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.1.1", "-k", "SeriesInstanceUID=1.2.826.0.1.3680043.10.1.1.1", "-k", "SOPInstanceUID")
    assert find.returncode == 0 and "4 matches, 0x0000 Success" in find.stdout
    move = dicom_net("move", "127.0.0.1", port, "--aec", "OURSCP", "--dest", "DEST", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.1.1")
    assert move.returncode == 0 and "4 completed, 0 failed" in move.stdout, move.stdout + move.stderr
    assert len(list(scp.destination.out.glob("*.dcm"))) == 4  # type: ignore[attr-defined]
    get = dicom_net("get", "127.0.0.1", port, "--aec", "OURSCP", "--out", str(tmp_path / "got"), "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.1.1")
    assert get.returncode == 0, get.stdout + get.stderr
    assert sorted(Instance.from_file(p).data for p in (tmp_path / "got").iterdir()) == sorted(Instance.from_file(p).data for p in files)


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["echo", "127.0.0.1", "{port}", "--aec", "WRONG"], "dicom-net echo: 127.0.0.1:{port} (WRONG): association rejected-permanent by DICOM UL service-user: called-AE-title-not-recognized"),
        (["echo", "127.0.0.1", "{closed}", "--aec", "OURSCP"], "dicom-net echo: 127.0.0.1:{closed} (OURSCP): cannot connect"),
        (["store", "127.0.0.1", "{port}", "--aec", "OURSCP", "/nonexistent"], "dicom-net store: /nonexistent: no such file or folder"),
        (["find", "127.0.0.1", "{port}", "--aec", "OURSCP", "-k", "PatientNam=X"], "dicom-net find: -k PatientNam=X: 'PatientNam' is not a DICOM keyword"),
        (["move", "127.0.0.1", "{port}", "--aec", "OURSCP", "--dest", "NOWHERE", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.3"], "C-MOVE 127.0.0.1:{port} (OURSCP): 0xA801 Refused: Move Destination unknown"),  # PS3.4 C.4.2.1.5's words
    ],
)
def test_failures_exit_1_with_one_line(scp: ScpProcess, arguments: list[str], reason: str) -> None:
    closed = str(free_port())
    result = dicom_net(*[a.format(port=scp.port, closed=closed) for a in arguments])
    assert result.returncode == 1
    shown = (result.stderr + result.stdout).strip()
    assert reason.format(port=scp.port, closed=closed) in shown
    assert len(result.stderr.strip().splitlines()) <= 1, result.stderr


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (
            ["echo", "127.0.0.1", "11119", "--aec", "THIS_IS_A_VERY_LONG_AE_TITLE"],
            "dicom-net echo: error: argument --aec: 'THIS_IS_A_VERY_LONG_AE_TITLE' is not an AE title (1 to 16 characters",
        ),
        (["scp", "--port", "99999", "--out", "/tmp/x"], "dicom-net scp: error: argument --port: 99999 is out of range (must be from 0 to 65535)"),
    ],
)
def test_usage_errors_exit_2_naming_the_option_and_the_reason(arguments: list[str], reason: str) -> None:
    # README said "otherwise 1 and one line on standard error": a usage error is argparse's exit 2,
    # its usage and then one line naming the option and why
    result = dicom_net(*arguments)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(reason)
    assert result.stdout == ""
    readme = " ".join((Path(__file__).parents[3] / "README.md").read_text().split())
    assert "A usage error (an unknown option, a missing argument, a value an option cannot take) exits 2" in readme
    assert reason.split(" (")[0] in readme


@pytest.mark.parametrize("command", ["echo", "find"])
def test_a_closed_pipe_ends_quietly(scp: ScpProcess, command: str) -> None:
    # `dicom-net find ... | head -1` said "dicom-net find: [Errno 32] Broken pipe" and exited 1;
    # dicom-dump ends quietly, with exit status 0: the reader leaving is no failure
    keys = ["-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID"] if command == "find" else []
    process = subprocess.Popen(
        [sys.executable, "-m", "dicom_runtime.net.cli", command, "127.0.0.1", str(scp.port), "--aec", "OURSCP", *keys],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, stderr
    assert stderr == ""


def test_a_peer_that_is_not_dicom_is_said_so() -> None:
    # an HTTP server's answer was read as a PDU length first: "invalid-PDU-parameter value:
    # byte 2: PDU length 1414541105 exceeds the maximum"; its first byte is no PDU type
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def answer() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            connection.recv(65536)  # the A-ABORT, or the close

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        result = dicom_net("echo", "127.0.0.1", str(port), "--timeout", "3")
    finally:
        thread.join(10)
        server.close()
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "unknown PDU type 0x48 ('H'), none of PS3.8's (0x01-0x07): not a DICOM peer?" in result.stderr
    assert "PDU length" not in result.stderr


def test_conformance_to_a_path_that_cannot_be_written(tmp_path: Path) -> None:
    # it said "dicom-net conformance: [Errno 2] No such file or directory: '/nonexist/x.md'"
    archive = Path(__file__).parents[3] / "examples" / "archive.toml"
    missing = tmp_path / "nonexist" / "x.md"
    result = dicom_net("conformance", str(archive), "-o", str(missing))
    assert result.returncode == 1
    assert result.stderr == f"dicom-net conformance: {missing}: cannot write (No such file or directory)\n"
    folder = dicom_net("conformance", str(archive), "-o", str(tmp_path))
    assert folder.returncode == 1
    assert folder.stderr == f"dicom-net conformance: {tmp_path}: cannot write (Is a directory)\n"
