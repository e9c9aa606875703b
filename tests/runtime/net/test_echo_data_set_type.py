"""A C-ECHO-RQ whose Command Data Set Type (0000,0800) says a data set follows (not 0101H,
PS3.7 9.3.5.1) is an A-ABORT at once, as a command set without that element is: it was
answered Success when a data set followed, and without one the SCP waited for it until the
idle timeout. dcmtk's echoscu (0101H) is still answered Success."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from dicom_runtime.net.dimse import command_set
from dicom_runtime.net.messages import command
from dicom_runtime.net.pdu import Abort, PDataTF, PresentationDataValue, decode_pdu
from tests.runtime.net.helpers import VERIFICATION, ScpProcess, associated, still_serves, tool


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("echo_type")
    process = ScpProcess(folder / "out", folder / "scp.log").start()
    yield process
    assert process.stop() == 0
    assert "Traceback" not in process.log.read_text()


def _echo(kind: int) -> bytes:
    echo = command("C-ECHO-RQ", MessageID=7, AffectedSOPClassUID=VERIFICATION)
    echo.add(0x00000800, "US", kind)  # replaces the 0101H command() puts
    return command_set(echo)


@pytest.mark.parametrize("kind", [0x0000, 0x0102, 0xFEFE])
@pytest.mark.parametrize("data_set", [True, False], ids=["with a data set", "without one"])
def test_a_c_echo_rq_saying_a_data_set_follows_is_aborted(scp: ScpProcess, kind: int, data_set: bool) -> None:
    sock = associated(scp.port)
    values = [PresentationDataValue(1, True, True, _echo(kind))]
    if data_set:
        values.append(PresentationDataValue(1, False, True, b"\x08\x00\x30\x10\x04\x00\x00\x00ECHO"))
    sock.sendall(PDataTF(tuple(values)).encode())
    sock.settimeout(10)
    started = time.monotonic()
    header = sock.recv(6, socket.MSG_WAITALL)
    assert isinstance(decode_pdu(header + sock.recv(int.from_bytes(header[2:6], "big"), socket.MSG_WAITALL)), Abort)
    assert time.monotonic() - started < 5
    sock.close()
    reason = f"a C-ECHO-RQ whose Command Data Set Type (0000,0800) is {kind:04X}H, saying a data set follows (PS3.7 9.3.5.1"
    deadline = time.monotonic() + 5
    while reason not in scp.log.read_text():
        assert time.monotonic() < deadline, scp.log.read_text()[-2000:]
        time.sleep(0.05)
    still_serves(scp.port)


def test_echoscu_is_still_answered_success(scp: ScpProcess) -> None:
    run = subprocess.run([tool("echoscu"), "-v", "-aec", "OURSCP", "127.0.0.1", str(scp.port)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0 and "Received Echo Response (Success)" in run.stdout + run.stderr, run.stdout + run.stderr
