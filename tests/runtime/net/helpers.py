"""Shared pieces of the networking tests: CT instances of a given size, a server in a thread."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dicom_runtime.fileformat import EXPLICIT_VR_LITTLE_ENDIAN
from dicom_runtime.net import blocking
from dicom_runtime.net.dimse import command_set
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.messages import command
from dicom_runtime.net.pdu import AssociateAC, AssociateRQ, PDataTF, PresentationContextRQ, PresentationDataValue, UserInformation, decode_pdu
from dicom_runtime.typed import to_dataset
from tests.test_iod_classes import _ct

CT = "1.2.840.10008.5.1.4.1.1.2"
VERIFICATION = "1.2.840.10008.1.1"
STUDY_FIND = "1.2.840.10008.5.1.4.1.2.2.1"
STUDY_MOVE = "1.2.840.10008.5.1.4.1.2.2.2"
STUDY_GET = "1.2.840.10008.5.1.4.1.2.2.3"


def ct_instance(index: int, *, size: int = 40_000, study: str = "1.2.826.0.1.3680043.10.1.1") -> Instance:
    """A generated CTImage with about ``size`` bytes of pixel data and unique UIDs."""
    side = max(2, int((size / 2) ** 0.5))
    image = _ct(
        SOPInstanceUID=f"1.2.826.0.1.3680043.10.2.{index}",
        StudyInstanceUID=study,
        SeriesInstanceUID=study + ".1",
        InstanceNumber=index,
        Rows=side,
        Columns=side,
        PixelData=bytes((index + i) & 0xFF for i in range(side * side * 2)),
    )
    return Instance.from_dataset(to_dataset(image), EXPLICIT_VR_LITTLE_ENDIAN)


def write_ct_files(folder: Path, count: int, *, size: int = 40_000) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(1, count + 1):
        path = folder / f"ct{index:04d}.dcm"
        path.write_bytes(ct_instance(index, size=size).file_bytes())
        paths.append(path)
    return paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tool(name: str) -> str:
    """A dcmtk program from Debian's package (not pynetdicom's same-named scripts on PATH)."""
    path = f"/usr/bin/{name}"
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: .ci/install installs Debian's dcmtk")
    return path


async def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)


def wait_listening(port: int, process: subprocess.Popen[bytes], name: str, timeout: float = 10.0) -> None:
    """Return once something accepts connections on ``port`` (the blocking twin of
    :func:`wait_for_port`); fail the test if ``process`` exits or ``timeout`` passes first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, f"{name} did not start"
            time.sleep(0.05)


def which(name: str) -> str:
    found = shutil.which(name)
    assert found, name
    return found


class ScpProcess:
    """``dicom-net scp`` in a process of its own, as a user runs it."""

    def __init__(self, out: Path, log: Path, *extra: str, port: int = 0, prefix: tuple[str, ...] = ()) -> None:
        """``prefix``: a command the SCP runs under (``prlimit --nofile=128:128``)."""
        import subprocess
        import sys

        self.out, self.log, self.extra = out, log, extra
        self.port = port or free_port()
        self._subprocess = subprocess
        self._command = [*prefix, sys.executable, "-m", "dicom_runtime.net.cli", "scp", "--port", str(self.port), "--aet", "OURSCP", "--out", str(out), "--host", "127.0.0.1", *extra]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ScpProcess:
        import time

        handle = self.log.open("ab")
        self.process = self._subprocess.Popen(self._command, stdout=handle, stderr=handle)
        deadline = time.monotonic() + 20
        while "listening on" not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"dicom-net scp did not start: {self.log.read_text()}")
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(20)


def scp_holding(folder: Path, files: list[Path]) -> Iterator[ScpProcess]:
    """For a module's fixture (``yield from``): ``dicom-net scp`` storing in ``folder/out``,
    ``files`` sent to it by dcmtk's storescu first; stopped, exit status 0, after."""
    process = ScpProcess(folder / "out", folder / "scp.log").start()
    stored = subprocess.run([tool("storescu"), "-aec", "OURSCP", "127.0.0.1", str(process.port), *map(str, files)],
                            capture_output=True, timeout=120)
    assert stored.returncode == 0, (stored.stdout + stored.stderr).decode("latin-1")
    yield process
    assert process.stop() == 0


def matched_by_index_and_scan(folder: Path, identifier: Any, level: str) -> set[int]:
    """The instances ``<n>.dcm`` of ``folder`` (its index rebuilt) that ``identifier`` matches at
    ``level``, asserting that the SQLite index and a scan of the files match the same."""
    from dicom_runtime.net.index import Index, SQLiteBackend, index_path
    from dicom_runtime.net.matching import ScanningQuery

    index = Index(folder, SQLiteBackend(index_path(folder)))
    try:
        found = {int(path.stem) for path, _ in index.matching(identifier, level)}
    finally:
        index.close()
    assert {int(path.stem) for path, _ in ScanningQuery(folder).matching(identifier, level)} == found
    return found


def wait_for_log(scp: ScpProcess, text: str, seconds: float = 5.0) -> None:
    """Wait until the SCP's log says ``text``; fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while text not in scp.log.read_text():
        assert time.monotonic() < deadline, scp.log.read_text()
        time.sleep(0.05)


IMPLICIT = "1.2.840.10008.1.2"


def peak_rss(scp: ScpProcess) -> int:
    """The SCP process's peak resident set size (VmHWM), bytes."""
    assert scp.process is not None
    for line in Path(f"/proc/{scp.process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def still_serves(port: int) -> None:
    """A C-ECHO to the SCP (called OURSCP) succeeds."""
    with blocking.associate("127.0.0.1", port, called_ae="OURSCP", contexts=[VERIFICATION]) as scu:
        assert scu.echo().is_success


def associated(port: int) -> socket.socket:
    """A raw socket on which an association (Verification and CT Image Storage in Implicit VR,
    contexts 1 and 3) has been accepted."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    request = AssociateRQ(
        "OURSCP", "GREEDY", (PresentationContextRQ(1, VERIFICATION, (IMPLICIT,)), PresentationContextRQ(3, CT, (IMPLICIT,))),
        UserInformation(max_length=0, implementation_class_uid="1.2.3"),
    )
    sock.sendall(request.encode())
    header = sock.recv(6, socket.MSG_WAITALL)
    assert isinstance(decode_pdu(header + sock.recv(int.from_bytes(header[2:6], "big"), socket.MSG_WAITALL)), AssociateAC)
    return sock


def echo_requests(count: int) -> bytes:
    """``count`` C-ECHO-RQs in P-DATA-TF PDUs, for a peer that pipelines them and never reads."""
    echo = PDataTF((PresentationDataValue(1, True, True, command_set(command("C-ECHO-RQ", MessageID=1, AffectedSOPClassUID=VERIFICATION))),)).encode()
    return echo * count


def send_until_dropped(sock: socket.socket, chunk: bytes, limit: int, outcome: dict[str, Any]) -> None:
    """Send ``chunk`` again and again, never reading, up to ``limit`` bytes or until the SCP drops us."""
    sent = 0
    sock.settimeout(120)
    try:
        while sent < limit:
            sock.sendall(chunk)
            sent += len(chunk)
        outcome["result"] = "all sent"
    except OSError as exc:
        outcome["result"] = type(exc).__name__
    outcome["sent"] = sent


def endless_message(port: int, total: int, outcome: dict[str, Any]) -> None:
    """A C-STORE-RQ whose data set PDVs never have the last-fragment bit, ``total`` bytes."""
    sock = associated(port)
    store = command("C-STORE-RQ", data_set=True, MessageID=1, AffectedSOPClassUID=CT, Priority=0, AffectedSOPInstanceUID="1.2.3.4")
    sock.sendall(PDataTF((PresentationDataValue(3, True, True, command_set(store)),)).encode())
    fragment = PDataTF((PresentationDataValue(3, False, False, bytes(128 * 1024)),)).encode()  # within the SCP's maximum PDU
    send_until_dropped(sock, fragment * 8, total, outcome)
    sock.close()


def raw_exchange(port: int, data: bytes, *, timeout: float = 5.0, half_close: bool = True) -> bytes:
    """Send bytes on a fresh connection; everything the peer sends until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def certificates(folder: Path) -> dict[str, Path]:
    """A CA, and server and client certificates it signed (for localhost and 127.0.0.1),
    made with openssl; PEM files."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test-ca")
    for name in ("server", "client"):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        (folder / f"{name}.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")
    return {n: folder / n for n in ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")}


def dicom_net(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m dicom_runtime.net ARGS``, its output as text (at most two minutes)."""
    return subprocess.run([sys.executable, "-m", "dicom_runtime.net", *args], capture_output=True, text=True, timeout=120)


def scp_stored(folder: Path, files: list[Path]) -> Iterator[ScpProcess]:
    """For a module's fixture (``yield from``): ``dicom-net scp`` storing in ``folder/out``,
    ``files`` sent to it by ``dicom-net store`` first (each in its own transfer syntax, which
    storescu without options would convert); stopped, exit status 0 and no traceback, after."""
    process = ScpProcess(folder / "out", folder / "scp.log").start()
    stored = dicom_net("store", "127.0.0.1", str(process.port), "--aec", "OURSCP", *map(str, files))
    assert stored.returncode == 0 and f"{len(files)} of {len(files)} stored" in stored.stdout, stored.stdout + stored.stderr
    yield process
    assert process.stop() == 0
    assert "Traceback" not in process.log.read_text()
