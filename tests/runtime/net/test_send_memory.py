"""Sending a large instance holds a bounded amount of memory (#20): a file is sent from a
read-only memory map of it, its P-DATA-TF PDUs made one at a time and the next made only
once the transport has drained (net/exchange.py ``_send``), the map's pages dropped as they go.

A 200 MB uncompressed Secondary Capture (random OB Pixel Data, made with numpy in a
temporary folder and deleted after) is retrieved from ``dicom-net scp`` by dcmtk's getscu
and movescu, and sent by ``dicom-net store`` to dcmtk's storescp. The sender's peak resident
set (the SCP's VmHWM from /proc, the store command's ru_maxrss) may grow by less than
:data:`BOUND` over its baseline, and dcmtk receives the data set byte for byte."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from dicom_runtime.dataset import Dataset
from dicom_runtime.fileformat import EXPLICIT_VR_LITTLE_ENDIAN, encode_body, file_header
from dicom_runtime.net.instances import Instance
from tests.runtime.net.helpers import ScpProcess, free_port, peak_rss, tool

pytestmark = pytest.mark.slow

BOUND = 64 * 2**20
"""How much a send of the large instance may raise the sender's peak resident set."""
SIZE = 200 * 2**20
"""Bytes of Pixel Data in the large instance."""
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
PATIENT = "BIG20"


def _digest(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_big(path: Path, uid: str) -> None:
    """An uncompressed Secondary Capture with SIZE bytes of random OB Pixel Data, written in
    pieces (header, then the pixels straight from numpy): the test never holds two copies."""
    side = 1024
    frames = SIZE // (side * side)
    head = Dataset()
    for tag, vr, value in (
        (0x00080016, "UI", SECONDARY_CAPTURE), (0x00080018, "UI", uid), (0x00080060, "CS", "OT"),
        (0x00080064, "CS", "WSD"), (0x00100010, "PN", "Big^Instance"), (0x00100020, "LO", PATIENT),
        (0x0020000D, "UI", uid + ".1"), (0x0020000E, "UI", uid + ".2"), (0x00280002, "US", 1),
        (0x00280004, "CS", "MONOCHROME2"), (0x00280008, "IS", str(frames)), (0x00280010, "US", side),
        (0x00280011, "US", side), (0x00280100, "US", 8), (0x00280101, "US", 8), (0x00280102, "US", 7),
        (0x00280103, "US", 0),
    ):
        head.add(tag, vr, value)
    pixels = np.random.default_rng(20).integers(0, 256, frames * side * side, dtype=np.uint8)
    with path.open("wb") as handle:
        handle.write(file_header(SECONDARY_CAPTURE, uid, EXPLICIT_VR_LITTLE_ENDIAN, "TEST"))
        handle.write(encode_body(head, EXPLICIT_VR_LITTLE_ENDIAN))
        handle.write(b"\xe0\x7f\x10\x00OB\x00\x00" + len(pixels.data).to_bytes(4, "little"))  # (7FE0,0010) OB, its length
        handle.write(pixels.data)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The large file and the sha256 of its data set; deleted after the module."""
    folder = tmp_path_factory.mktemp("big")
    path = folder / "big.dcm"
    _write_big(path, "1.2.826.0.1.3680043.10.20.1")
    instance = Instance.from_file(path)
    assert isinstance(instance.buffer, memoryview)  # a memory map, not a copy
    digest = _digest(instance.buffer)
    del instance
    yield path, digest
    path.unlink()


def _received_digest(folder: Path) -> str:
    [received] = list(folder.iterdir())
    return _digest(Instance.from_file(received).buffer)


@pytest.fixture(scope="module")
def stored(big: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``dicom-net scp`` store folder holding the large instance (sent by dcmtk's storescu)."""
    folder = tmp_path_factory.mktemp("scp")
    scp = ScpProcess(folder / "out", folder / "store.log").start()
    try:
        sent = subprocess.run([tool("storescu"), "127.0.0.1", str(scp.port), "-aec", "OURSCP", str(big[0])],
                              capture_output=True, text=True, timeout=120)
    finally:
        assert scp.stop() == 0
    assert sent.returncode == 0, sent.stdout + sent.stderr
    return folder


def _retrieve(folder: Path, name: str, out: Path) -> tuple[int, int]:
    """(peak RSS before, peak RSS after) of a fresh ``dicom-net scp`` on ``folder``'s store
    while dcmtk's ``name`` (getscu or movescu) retrieves the large instance into ``out``."""
    port = free_port()
    log = folder / f"{name}.log"
    scp = ScpProcess(folder / "out", log, "--dest", f"MOVER=127.0.0.1:{port}").start()
    out.mkdir()
    keys = ["-k", "QueryRetrieveLevel=PATIENT", "-k", f"PatientID={PATIENT}"]
    if name == "getscu":
        command = [tool("getscu"), "-aec", "OURSCP", "-od", str(out), *keys, "127.0.0.1", str(scp.port)]
    else:
        command = [tool("movescu"), "-aet", "MOVER", "-aec", "OURSCP", "-aem", "MOVER", "--port", str(port), "-od", str(out),
                   *keys, "127.0.0.1", str(scp.port)]
    try:
        time.sleep(0.2)  # the SCP settled after its start-up
        before = peak_rss(scp)
        result = subprocess.run(command, capture_output=True, text=True, timeout=180)
        after = peak_rss(scp)
    finally:
        assert scp.stop() == 0
    assert result.returncode == 0, result.stdout + result.stderr + log.read_text()
    return before, after


@pytest.mark.parametrize("name", ["getscu", "movescu"])
def test_a_retrieve_of_a_large_instance_holds_little_memory(big: tuple[Path, str], stored: Path, name: str, tmp_path: Path) -> None:
    before, after = _retrieve(stored, name, tmp_path / "got")
    assert _received_digest(tmp_path / "got") == big[1]  # byte for byte, as dcmtk received it
    assert after - before < BOUND, f"dicom-net scp's peak RSS rose by {(after - before) / 2**20:.1f} MiB sending {SIZE / 2**20:.0f} MiB"


def _store_peak(path: Path, out: Path) -> int:
    """``dicom-net store`` of ``path`` to dcmtk's storescp (keeping what it receives in
    ``out``): the store command's peak RSS (bytes), its ru_maxrss read by a wrapper process."""
    port = free_port()
    out.mkdir()
    log = out.parent / f"{out.name}.log"
    storescp = subprocess.Popen([tool("storescp"), "-aet", "DCMTK", "-od", str(out), str(port)],
                                stdout=log.open("wb"), stderr=subprocess.STDOUT)
    wrapper = (
        "import resource, subprocess, sys\n"
        "run = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stderr.write(run.stdout + run.stderr)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)\n"
        "sys.exit(run.returncode)\n"
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        run = subprocess.run(
            [sys.executable, "-c", wrapper, sys.executable, "-m", "dicom_runtime.net", "store", "127.0.0.1", str(port), "--aec", "DCMTK", str(path)],
            capture_output=True, text=True, timeout=180
        )
    finally:
        storescp.terminate()
        storescp.wait(20)
    assert run.returncode == 0, run.stderr
    return int(run.stdout.strip())


def test_dicom_net_store_of_a_large_instance_holds_little_memory(big: tuple[Path, str], tmp_path: Path) -> None:
    small = tmp_path / "small.dcm"
    _write_small(small)
    baseline = _store_peak(small, tmp_path / "small")
    peak = _store_peak(big[0], tmp_path / "big")
    assert _received_digest(tmp_path / "big") == big[1]
    assert peak - baseline < BOUND, f"dicom-net store's peak RSS {peak / 2**20:.1f} MiB, {baseline / 2**20:.1f} MiB for a small file"


def _write_small(path: Path) -> None:
    head = Dataset()
    uid = "1.2.826.0.1.3680043.10.20.2"
    for tag, vr, value in ((0x00080016, "UI", SECONDARY_CAPTURE), (0x00080018, "UI", uid), (0x00100020, "LO", "SMALL")):
        head.add(tag, vr, value)
    path.write_bytes(file_header(SECONDARY_CAPTURE, uid, EXPLICIT_VR_LITTLE_ENDIAN, "TEST") + encode_body(head, EXPLICIT_VR_LITTLE_ENDIAN))
