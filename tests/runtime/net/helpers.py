"""Shared pieces of the networking tests: CT instances of a given size, a server in a thread."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from dicom_runtime.fileformat import EXPLICIT_VR_LITTLE_ENDIAN
from dicom_runtime.net.instances import Instance
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
