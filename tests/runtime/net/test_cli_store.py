"""``dicom-net store`` reads each file while the request of the one before it awaits its
response (net/cli_store.py ``_send_all``): checked against dcmtk's storescp, which logs each
C-STORE's Affected SOP Instance UID, and keeps what it received."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from dicom_runtime.net.instances import Instance
from dicom_runtime.net.messages import Status
from tests.runtime.net.helpers import free_port, tool, write_ct_files


def _storescp(out: Path, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    out.mkdir()
    process = subprocess.Popen(
        [tool("storescp"), "-d", "-aet", "DCMTK", "-od", str(out), str(port)],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, env={**os.environ, "TCP_NODELAY": "1"},
    )
    deadline = time.monotonic() + 10
    while "listening" not in log.read_text(errors="replace").lower() and time.monotonic() < deadline:
        time.sleep(0.05)
    return process, port


def test_files_go_in_order_and_a_file_failing_when_read_does_not_stop_the_others(tmp_path: Path) -> None:
    files = write_ct_files(tmp_path / "files", 6, size=2_000)
    broken = files[2]
    raw = broken.read_bytes()
    assert raw.count(b"\x02\x00\x03\x00UI") == 1
    broken.write_bytes(raw.replace(b"\x02\x00\x03\x00UI", b"\x02\x00\x04\x00UI"))  # no Media Storage SOP Instance UID
    process, port = _storescp(tmp_path / "out", tmp_path / "scp.log")
    try:
        run = subprocess.run(
            [sys.executable, "-m", "dicom_runtime.net", "store", "127.0.0.1", str(port), "--aec", "DCMTK", *map(str, files)],
            capture_output=True, text=True, timeout=120,
        )
    finally:
        process.terminate()
        process.wait(20)
    assert run.returncode == 1
    assert "C-STORE 127.0.0.1" in run.stdout and "5 of 6 stored" in run.stdout
    lines = run.stderr.strip().splitlines()
    # a file that cannot be read is said to be not sent (no status: the peer never saw it)
    assert lines[0].startswith(f"{broken}: not sent: ") and "lacks the SOP class, instance or transfer syntax" in lines[0], run.stderr
    assert "5 of 6 stored, 1 not sent" in run.stdout
    assert lines[-1] == "dicom-net store: 1 of 6 instances were not stored"
    sent = [Instance.from_file(f) for f in files if f != broken]
    logged = re.findall(r"Affected SOP Instance UID\s*: (\S+)", (tmp_path / "scp.log").read_text(errors="replace"))
    assert logged == [i.sop_instance for i in sent]  # in the order given, the broken one left out
    received = sorted((tmp_path / "out").iterdir())
    assert sorted(Instance.from_file(p).data for p in received) == sorted(i.data for i in sent)


def test_a_file_gone_before_it_is_sent_is_named(tmp_path: Path) -> None:
    """The association is up and the first files are on their way when a later one is found
    missing: the command stops with one line naming it (an OSError, as before reading ahead)."""
    files = write_ct_files(tmp_path / "files", 3, size=2_000)
    process, port = _storescp(tmp_path / "out", tmp_path / "scp.log")
    code = (
        "import sys, pathlib\n"
        "from dicom_runtime.net import instances\n"
        "original = instances.Instance.from_file.__func__\n"
        "def from_file(cls, path, **options):\n"
        f"    if str(path) == {str(files[2])!r}: pathlib.Path(path).unlink()\n"
        "    return original(cls, path, **options)\n"
        "instances.Instance.from_file = classmethod(from_file)\n"
        "from dicom_runtime.net.cli import main\n"
        "sys.exit(main())\n"
    )
    try:
        run = subprocess.run(
            [sys.executable, "-c", code, "store", "127.0.0.1", str(port), "--aec", "DCMTK", *map(str, files)],
            capture_output=True, text=True, timeout=120,
        )
    finally:
        process.terminate()
        process.wait(20)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip().startswith("dicom-net store: ") and str(files[2]) in run.stderr, run.stderr
    assert len(list((tmp_path / "out").iterdir())) == 2


def test_a_damaged_file_is_not_sent_and_the_others_are(tmp_path: Path) -> None:
    """A file whose data set does not decode (pydicom's MR_truncated.dcm) is not sent - dcmtk's
    storescp aborts the association on such bytes, losing the files after it - and is named; the
    summary counts what was stored, refused, not sent and skipped."""
    import pydicom.data

    files = write_ct_files(tmp_path / "files", 3, size=2_000)
    damaged = Path(pydicom.data.__file__).parent / "test_files" / "MR_truncated.dcm"
    junk = tmp_path / "notes.txt"
    junk.write_text("not DICOM\n" * 50)
    process, port = _storescp(tmp_path / "out", tmp_path / "scp.log")
    try:
        run = subprocess.run(
            [sys.executable, "-m", "dicom_runtime.net", "store", "127.0.0.1", str(port), "--aec", "DCMTK",
             str(files[0]), str(damaged), str(junk), *map(str, files[1:])],
            capture_output=True, text=True, timeout=120,
        )
    finally:
        process.terminate()
        process.wait(20)
    assert run.returncode == 1
    assert "3 of 4 stored, 1 not sent, 1 skipped (not DICOM)" in run.stdout, run.stdout + run.stderr
    assert f"{damaged}: not sent: damaged: " in run.stderr
    assert f"{junk}: skipped, not DICOM: " in run.stderr and f"{junk}: {junk}" not in run.stderr
    assert len(list((tmp_path / "out").iterdir())) == 3


def test_a_warning_status_counts_as_stored_as_storescu_takes_it(tmp_path: Path) -> None:
    """PS3.4 B.2.3: a C-STORE answered B000, B006 or B007 was stored. A pynetdicom SCP that
    stores and answers B007 (data set does not match SOP class): storescu exits 0 on it, and
    so does ``dicom-net store``, naming the warning."""
    from pynetdicom import AE, evt

    files = write_ct_files(tmp_path / "files", 2, size=2_000)
    received: list[str] = []

    def handle(event: evt.Event) -> int:
        received.append(str(event.dataset.SOPInstanceUID))
        return 0xB007

    ae = AE(ae_title="PEER")
    ae.add_supported_context("1.2.840.10008.5.1.4.1.1.2", ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"])  # CT Image Storage
    port = free_port()
    server = ae.start_server(("127.0.0.1", port), block=False, evt_handlers=[(evt.EVT_C_STORE, handle)])
    assert server is not None
    try:
        run = subprocess.run(
            [sys.executable, "-m", "dicom_runtime.net", "store", "127.0.0.1", str(port), "--aec", "PEER", *map(str, files)],
            capture_output=True, text=True, timeout=120,
        )
    finally:
        server.shutdown()
    assert run.returncode == 0, run.stderr
    assert "2 of 2 stored (2 with a warning)" in run.stdout, run.stdout
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 2 and all(": stored with a warning: 0xB007 " in line for line in lines), run.stderr
    assert received == [Instance.from_file(f).sop_instance for f in files]


class _RecordingPeer:
    """An association's stand-in for ``_send_all``: each C-STORE request is 'written' when
    ``send_store`` is awaited, and its response comes only when the event loop has run a few
    more turns, as a peer working on it; what happens is logged in order."""

    is_established = True

    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def send_store(self, instance: Instance) -> Callable[[], Awaitable[Status]]:
        self.log.append(f"request {instance.sop_instance}")

        async def response() -> Status:
            for _ in range(3):
                await asyncio.sleep(0)  # the peer's turn
            self.log.append(f"response {instance.sop_instance}")
            return Status(0)

        return response


def _send_in_order(files: list[Path], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from dicom_runtime.net import cli_store

    log: list[str] = []
    original = cli_store._load

    def load(item: Path | Instance) -> Instance:
        instance = original(item)
        log.append(f"read {instance.sop_instance}")
        return instance

    monkeypatch.setattr(cli_store, "_load", load)
    headers = [(path, path, "", "") for path in files]
    tally = asyncio.run(cli_store._send_all(_RecordingPeer(log), headers, lambda: None))  # type: ignore[arg-type]
    assert tally.stored == len(files)
    return log


@pytest.mark.parametrize("size", [2_000, 1 << 20])  # read into memory, memory-mapped
def test_the_next_file_is_read_while_the_request_before_it_awaits_its_response(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """One request outstanding at a time, each file read between its predecessor's request and
    that request's response (the reading off the exchange's critical path), in the given order."""
    files = write_ct_files(tmp_path / "files", 3, size=size)
    a, b, c = (Instance.from_file(f).sop_instance for f in files)
    assert _send_in_order(files, monkeypatch) == [
        f"read {a}", f"request {a}", f"read {b}", f"response {a}", f"request {b}", f"read {c}", f"response {b}",
        f"request {c}", f"response {c}",
    ]


def test_send_store_returns_once_the_request_is_sent_and_its_response_is_awaited_apart() -> None:
    """Requestor.send_store: the C-STORE-RQ reaches the SCP (whose handler holds its answer)
    before the response is asked for; the function it returns then gives the SCP's status."""
    from dicom_runtime.net.aio import Handlers, Request, associate, storage_policy
    from dicom_runtime.net.server import Server
    from tests.runtime.net.helpers import CT, ct_instance

    async def main() -> None:
        arrived: list[str] = []
        answer = asyncio.Event()

        async def hold(request: Request) -> int:
            arrived.append(request.sop_instance)
            await answer.wait()
            return 0xB000  # a warning, to see the SCP's status come back

        server = Server(storage_policy("ARCHIVE", [CT]), Handlers(store=hold))
        await server.start()
        instance = ct_instance(3, size=2_000)
        async with await associate("127.0.0.1", server.port, called_ae="ARCHIVE", contexts=[CT]) as scu:
            response = await scu.send_store(instance)
            for _ in range(200):  # the SCP's turn to read it; nothing answers yet
                if arrived:
                    break
                await asyncio.sleep(0.01)
            assert arrived == [instance.sop_instance]
            answer.set()
            assert (await response()).code == 0xB000
            assert (await scu.store(ct_instance(4, size=2_000))).code == 0xB000  # store is the two halves
        await server.close()

    asyncio.run(asyncio.wait_for(main(), 60))
