"""Issue #20: a live ``dicom-net scp`` spills large data sets to unlinked temporary files in
its archive's ``.dicom-net/`` as they arrive. A spilled instance is checked exactly as one
held in memory (stored byte for byte and read back by pydicom, or refused with the same
statuses), its file is freed once the request is answered or the association ends (no
descriptor left on it, nothing left in the folder), and the spilled bytes of all
associations are bounded (an abort naming the peer). Peak RSS with the default limits under
a message that never ends is bounded too."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydicom
import pytest

from dicom_runtime.fileformat import EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN
from dicom_runtime.net.instances import Instance
from tests.runtime.net.helpers import CT, VERIFICATION, ScpProcess, ct_instance, endless_message, peak_rss, still_serves
from tests.runtime.net.test_hardening import RawScu, _comment, _status

MiB = 1024 * 1024
SPILL_AFTER = 256 * 1024


def _spill_descriptors(scp: ScpProcess) -> list[str]:
    """The SCP's open descriptors on spilled data sets (unlinked ``.spill-*`` files)."""
    assert scp.process is not None
    found = []
    folder = f"/proc/{scp.process.pid}/fd"
    for fd in os.listdir(folder):
        try:
            target = os.readlink(f"{folder}/{fd}")
        except OSError:
            continue
        if "/.spill-" in target:
            found.append(target)
    return found


def _no_spill_left(scp: ScpProcess) -> None:
    deadline = time.monotonic() + 5
    while _spill_descriptors(scp):
        assert time.monotonic() < deadline, _spill_descriptors(scp)
        time.sleep(0.05)
    assert [p.name for p in (scp.out / ".dicom-net").iterdir() if p.name.startswith(".spill-")] == []


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("spill")
    process = ScpProcess(folder / "out", folder / "scp.log", "--spill-after", str(SPILL_AFTER), "--spill-budget", str(8 * MiB)).start()
    yield process
    assert process.stop() == 0
    assert "Traceback" not in process.log.read_text()


def test_a_spilled_instance_is_stored_byte_for_byte(scp: ScpProcess) -> None:
    big = ct_instance(9001, size=2 * MiB)
    assert len(big.data) > 4 * SPILL_AFTER
    scu = RawScu(scp.port, {1: (CT, EXPLICIT_VR_LITTLE_ENDIAN)})
    assert _status(scu.store(1, CT, big.sop_instance, big.data)) == 0
    scu.release()
    stored = scp.out / f"{big.sop_instance}.dcm"
    assert Instance.from_file(stored).data == big.data
    theirs = pydicom.dcmread(stored)
    assert theirs.SOPInstanceUID == big.sop_instance and len(theirs.PixelData) == len(big.dataset().value(0x7FE00010))  # type: ignore[arg-type]
    _no_spill_left(scp)


def test_a_spilled_instance_is_checked_as_one_in_memory(scp: ScpProcess) -> None:
    """The refusals of test_hardening, for data sets past the spill threshold: not stored."""
    big = ct_instance(9002, size=MiB)
    other = ct_instance(9003, size=MiB)
    scu = RawScu(scp.port, {1: (CT, EXPLICIT_VR_LITTLE_ENDIAN), 3: (CT, IMPLICIT_VR_LITTLE_ENDIAN), 5: (VERIFICATION, IMPLICIT_VR_LITTLE_ENDIAN)})
    cases = [
        (1, big.sop_instance, os.urandom(MiB), 0xC000, "does not decode"),
        (3, big.sop_instance, big.data, 0xC000, "does not decode"),  # Explicit VR bytes on Implicit VR
        (1, big.sop_instance, big.data[: len(big.data) // 2], 0xC000, "does not decode"),  # cut short
        (1, "1.2.3.777", other.data, 0xA900, "SOP Instance UID is"),
    ]
    for context, uid, data, code, comment in cases:
        response = scu.store(context, CT, uid, data)
        assert (_status(response), comment in _comment(response)) == (code, True), (_comment(response), code)
        assert not (scp.out / f"{uid}.dcm").exists()
    assert scu.echo(5) == 0
    _no_spill_left(scp)  # each freed once answered, the association still open
    scu.release()
    still_serves(scp.port)


def test_a_duplicate_spilled_instance_is_compared_with_the_stored_one(scp: ScpProcess) -> None:
    first = ct_instance(9004, size=MiB)
    second = Instance(first.sop_class, first.sop_instance, first.transfer_syntax, first.data[:-2] + b"\x01\x02")
    scu = RawScu(scp.port, {1: (CT, EXPLICIT_VR_LITTLE_ENDIAN)})
    assert _status(scu.store(1, CT, first.sop_instance, first.data)) == 0
    assert _status(scu.store(1, CT, first.sop_instance, first.data)) == 0
    assert _status(scu.store(1, CT, second.sop_instance, second.data)) == 0  # keep: the stored one stays
    scu.release()
    assert Instance.from_file(scp.out / f"{first.sop_instance}.dcm").data == first.data
    assert f"duplicate SOP Instance UID {first.sop_instance} with different content" in scp.log.read_text()
    _no_spill_left(scp)


def test_an_aborted_spilled_message_leaves_nothing_and_the_disk_budget_aborts_naming_the_peer(scp: ScpProcess) -> None:
    """A message that never ends passes the spill threshold, then the 8 MiB disk budget: the
    association is aborted, the log line names the peer, its file is freed."""
    outcome: dict[str, Any] = {}
    endless_message(scp.port, 64 * MiB, outcome)
    assert outcome["result"] in ("ConnectionResetError", "BrokenPipeError"), outcome
    assert int(outcome["sent"]) < 32 * MiB
    line = next(line for line in scp.log.read_text().splitlines() if "bytes of disk" in line)
    assert "127.0.0.1:" in line and "(GREEDY)" in line, line
    assert "spilled data sets of all associations would take more than 8388608 bytes of disk" in line
    _no_spill_left(scp)
    still_serves(scp.port)


@pytest.mark.slow
def test_with_the_default_limits_a_message_that_never_ends_costs_little_memory(tmp_path: Path) -> None:
    """600 MiB of one data set without its last fragment, against the defaults (512 MiB
    largest data set, 32 MiB of memory for unfinished messages, spilled after 4 MiB): aborted
    at the limit, with the SCP's peak RSS grown by less than 48 MiB."""
    process = ScpProcess(tmp_path / "out", tmp_path / "scp.log", "--idle-timeout", "5").start()
    try:
        still_serves(process.port)
        before = peak_rss(process)
        outcomes: list[dict[str, Any]] = [{}, {}]
        threads = [threading.Thread(target=endless_message, args=(process.port, 600 * MiB, o)) for o in outcomes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert all(o["result"] in ("ConnectionResetError", "BrokenPipeError") for o in outcomes), outcomes
        growth = peak_rss(process) - before
        assert growth < 48 * MiB, f"peak RSS grew by {growth / MiB:.0f} MiB"
        assert process.log.read_text().count("a data set longer than the limit of 536870912 bytes") == 2
        _no_spill_left(process)
        still_serves(process.port)
    finally:
        assert process.stop() == 0
    assert "Traceback" not in process.log.read_text()


def test_the_spill_settings_come_from_toml_and_are_stated(tmp_path: Path) -> None:
    """TOML spill_after, spill_budget and spill_dir reach the server; the Conformance
    Statement lists them; spill_budget = 0 spills nothing; the default folder is the
    archive's .dicom-net/."""
    from dicom_runtime.net.config import from_mapping
    from dicom_runtime.net.conformance import statement

    raw = {"title": "A", "port": 1, "storage": str(tmp_path / "archive"), "sop_classes": ["Verification"]}
    config = from_mapping({"ae": [{**raw, "spill_after": 1234, "spill_budget": 56789, "spill_dir": str(tmp_path)}]})
    server, folder = config.entities[0].server()
    assert server.spill is not None and folder is not None
    assert (server.spill.threshold, server.spill.budget.limit, server.spill.directory) == (1234, 56789, tmp_path)
    text = statement(config).to_markdown()
    assert "Data set moved to a temporary file beyond (bytes) | 1234" in text
    assert "Data sets in temporary files of all associations, at most (bytes) | 56789" in text
    folder.close()
    server, folder = from_mapping({"ae": [{**raw, "spill_budget": 0}]}).entities[0].server()
    assert server.spill is None and folder is not None
    folder.close()
    server, folder = from_mapping({"ae": [raw]}).entities[0].server()
    assert server.spill is not None and folder is not None and server.spill.directory == tmp_path / "archive" / ".dicom-net"
    assert server.message_budget.limit == 32 * MiB and server.spill.threshold == 4 * MiB
    folder.close()
