"""Issue #20: a data set too large to hold in memory while it arrives goes on in an unlinked
temporary file (net/spill.py), inside the sans-I/O assembler; these tests feed the
assembler PDUs directly. The live SCP's side is in test_spill_scp.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dicom_runtime.dataset import Dataset
from dicom_runtime.net.dimse import COMMAND_FIELDS, Assembler, Budget, DimseError, Message, Spill, SpilledData, command_set, fragments
from dicom_runtime.net.pdu import PDataTF

KiB = 1024


def _store_rq() -> bytes:
    command = Dataset()
    command.add(0x00000002, "UI", "1.2.840.10008.5.1.4.1.1.2")
    command.add(0x00000100, "US", COMMAND_FIELDS["C-STORE-RQ"])
    command.add(0x00000110, "US", 1)
    command.add(0x00000800, "US", 0x0000)  # a data set follows
    return command_set(command)


def _pdus(data: bytes, *, last: bool = True) -> list[PDataTF]:
    pdus = list(fragments(1, _store_rq(), data, max_pdu_length=16 * KiB))
    if not last:  # the data set's last fragment left out: a message that never ends
        pdus = pdus[:-1]
    return pdus


def _open_spills(directory: Path) -> list[str]:
    """This process's descriptors on (unlinked) temporary files of ``directory``."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(directory) + "/.spill-"):
            found.append(target)
    return found


def _feed(assembler: Assembler, pdus: list[PDataTF]) -> list[Message]:
    messages: list[Message] = []
    for pdu in pdus:
        messages += assembler.add(pdu)
    return messages


def test_a_data_set_beyond_the_threshold_is_spilled_and_read_back_unchanged(tmp_path: Path) -> None:
    data = os.urandom(300 * KiB)
    memory, disk = Budget(1 << 30), Budget(1 << 30)
    assembler = Assembler(budget=memory, spill=Spill(64 * KiB, tmp_path, disk))
    (message,) = _feed(assembler, _pdus(data))
    spilled = message.spilled
    assert isinstance(spilled, SpilledData) and spilled.size == len(data)
    assert message.held == 0 and memory.used == 0  # nothing of it counted in memory once complete
    assert disk.used == len(data)
    assert list(tmp_path.iterdir()) == []  # unlinked at once: only the descriptor names it
    assert len(_open_spills(tmp_path)) == 1
    assert message.data == data and spilled.read() == data and spilled.equals(data) and not spilled.equals(data[:-1] + b"x")
    with spilled.mapped() as view:
        assert view[:100] == data[:100] and len(view) == len(data)
    target = tmp_path / "out.dcm"
    spilled.write_file(target, b"HEADER", durable=True)
    assert target.read_bytes() == b"HEADER" + data
    message.close()
    assert spilled.closed and disk.used == 0 and _open_spills(tmp_path) == []


def test_a_data_set_within_the_threshold_stays_in_memory(tmp_path: Path) -> None:
    data = bytes(range(256)) * 200
    assembler = Assembler(budget=Budget(1 << 30), spill=Spill(64 * KiB, tmp_path, Budget(1 << 30)))
    (message,) = _feed(assembler, _pdus(data))
    assert message.spilled is None and message.body == data and message.held == len(data)


def test_an_unfinished_spilled_message_is_freed_when_discarded(tmp_path: Path) -> None:
    memory, disk = Budget(1 << 30), Budget(1 << 30)
    assembler = Assembler(budget=memory, spill=Spill(64 * KiB, tmp_path, disk))
    assert _feed(assembler, _pdus(bytes(400 * KiB), last=False)) == []
    assert len(_open_spills(tmp_path)) == 1 and disk.used > 64 * KiB
    assert memory.used == len(_store_rq())  # the command set only; the data set is on disk
    assembler.discard()  # the association has ended
    assert _open_spills(tmp_path) == [] and disk.used == 0 and memory.used == 0


def test_a_full_memory_budget_spills_instead_of_aborting(tmp_path: Path) -> None:
    """Another association holds most of the memory budget: this one's data set goes to disk
    before its threshold, and is whole."""
    memory, disk = Budget(100 * KiB), Budget(1 << 30)
    assert memory.take(90 * KiB)
    assembler = Assembler(budget=memory, spill=Spill(1 << 20, tmp_path, disk))
    data = os.urandom(50 * KiB)
    (message,) = _feed(assembler, _pdus(data))
    assert message.spilled is not None and message.data == data
    assert memory.used == 90 * KiB
    message.close()


def test_without_spilling_the_memory_budget_aborts() -> None:
    assembler = Assembler(budget=Budget(100 * KiB))
    with pytest.raises(DimseError, match="unfinished messages of all associations would hold more than 102400 bytes"):
        _feed(assembler, _pdus(bytes(200 * KiB)))


def test_the_disk_budget_bounds_what_all_associations_spill(tmp_path: Path) -> None:
    disk = Budget(256 * KiB)
    first = Assembler(budget=Budget(1 << 30), spill=Spill(16 * KiB, tmp_path, disk))
    second = Assembler(budget=Budget(1 << 30), spill=Spill(16 * KiB, tmp_path, disk))
    _feed(first, _pdus(bytes(200 * KiB), last=False))
    with pytest.raises(DimseError, match="spilled data sets of all associations would take more than 262144 bytes of disk"):
        _feed(second, _pdus(bytes(200 * KiB), last=False))
    second.discard()
    first.discard()
    assert disk.used == 0 and _open_spills(tmp_path) == []


def test_the_largest_data_set_is_bounded_when_spilled_too(tmp_path: Path) -> None:
    assembler = Assembler(300 * KiB, budget=Budget(1 << 30), spill=Spill(16 * KiB, tmp_path, Budget(1 << 30)))
    with pytest.raises(DimseError, match="a data set longer than the limit of 307200 bytes"):
        _feed(assembler, _pdus(bytes(400 * KiB), last=False))
    assembler.discard()
    assert _open_spills(tmp_path) == []


def test_a_spill_folder_that_cannot_be_written_is_a_dimse_error(tmp_path: Path) -> None:
    missing = tmp_path / "no such folder"
    assembler = Assembler(budget=Budget(1 << 30), spill=Spill(16 * KiB, missing, Budget(1 << 30)))
    with pytest.raises(DimseError, match="cannot make a temporary file in .*no such folder"):
        _feed(assembler, _pdus(bytes(100 * KiB), last=False))


def test_a_forgotten_spilled_data_set_is_freed_by_its_finalizer(tmp_path: Path) -> None:
    import gc

    disk = Budget(1 << 30)
    assembler = Assembler(budget=Budget(1 << 30), spill=Spill(16 * KiB, tmp_path, disk))
    (message,) = _feed(assembler, _pdus(bytes(100 * KiB)))
    assert disk.used == 100 * KiB
    del message
    gc.collect()
    assert disk.used == 0 and _open_spills(tmp_path) == []
