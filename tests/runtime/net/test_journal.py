"""The storage SCP's write-ahead journal: what was appended survives; a torn tail does not count."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest

from dicom_runtime.net.journal import BLOCK, Journal
from dicom_runtime.fileformat import write_bytes_atomic
from dicom_runtime.net.aio import associate, storage_policy
from dicom_runtime.net.server import Server
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.storage import StorageFolder
from tests.runtime.net.helpers import CT, ct_instance


def test_appended_entries_are_replayed_after_a_crash(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append("a.dcm", b"first")
    journal.append("b.dcm", b"second" * 1000)
    del journal  # a crash: no checkpoint, no file written
    again = Journal(tmp_path)
    written: dict[str, bytes] = {}
    assert again.recover(lambda name, data: written.__setitem__(name, data)) == 2
    assert written == {"a.dcm": b"first", "b.dcm": b"second" * 1000}
    assert Journal(tmp_path).entries() == []  # recovery checkpointed: the entries are retired


@pytest.mark.parametrize("direct", [True, False], ids=["O_DIRECT", "fdatasync"])
def test_entries_of_every_size_read_back_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct: bool) -> None:
    """Both ways of appending (O_DIRECT | O_DSYNC, and pwrite + fdatasync where a file system
    refuses O_DIRECT) give the same entries; sizes around the block size and past the buffer."""
    if not direct:
        monkeypatch.delattr(os, "O_DIRECT")
    journal = Journal(tmp_path)
    assert all((s.direct is not None) == direct for s in journal._segments)
    sizes = [0, 1, BLOCK - 26 - 5, BLOCK - 26 - 4, BLOCK, 3 * BLOCK + 7, 17 * 1024 * 1024]
    expected = [(f"{i}.dcm", bytes([i + 1]) * size) for i, size in enumerate(sizes)]
    for name, data in expected:
        journal.append(name, data)
    assert Journal(tmp_path).entries() == expected
    journal.close()


def test_a_torn_or_corrupted_entry_ends_the_journal(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append("a.dcm", b"kept")
    journal.append("b.dcm", b"torn")
    handle = os.open(journal._active.path, os.O_RDWR)
    second = 2 * BLOCK  # entries start on block boundaries
    os.pwrite(handle, b"X", second + 30)  # a byte of the second entry's body
    os.close(handle)
    assert [name for name, _ in Journal(tmp_path).entries()] == ["a.dcm"]


def test_entries_left_by_a_crash_must_be_recovered_before_appending(tmp_path: Path) -> None:
    Journal(tmp_path).append("a.dcm", b"1")
    again = Journal(tmp_path)
    with pytest.raises(RuntimeError, match="recover"):
        again.append("b.dcm", b"2")
    assert again.recover(lambda name, data: None) == 1
    again.append("b.dcm", b"2")
    assert [name for name, _ in again.entries()] == ["b.dcm"]


def test_rotation_keeps_appending_while_the_full_segment_waits_for_its_files(tmp_path: Path) -> None:
    journal = Journal(tmp_path, batch=2)
    first = [journal.append(f"{i}.dcm", bytes([i])) for i in range(2)]
    later = journal.append("2.dcm", b"\x02")  # the segment holds `batch` entries: into the other one
    assert later > first[0] == first[1]
    assert not journal.rotate()  # the full segment is not retired yet
    journal.written(first[0])
    assert not journal.retire()  # one of its files is still unwritten: its entries must stay
    assert [name for name, _ in Journal(tmp_path).entries()] == ["0.dcm", "1.dcm", "2.dcm"]  # oldest first
    journal.written(first[1])
    assert journal.retire()
    assert [name for name, _ in journal.entries()] == ["2.dcm"]
    # A crash now replays the newer segment only; a rotation after that starts a newer generation.
    del journal
    again = Journal(tmp_path, batch=1)
    assert again.recover(lambda name, data: None) == 1 and again.entries() == []
    ticket = again.append("3.dcm", b"\x03")
    assert again.rotate()
    assert again.append("4.dcm", b"\x04") > ticket
    assert [name for name, _ in Journal(tmp_path).entries()] == ["3.dcm", "4.dcm"]


def test_checkpoint_retires_entries_and_the_folder_replays_on_start(tmp_path: Path) -> None:
    journal = Journal(tmp_path, batch=2)
    journal.append("x.dcm", b"1")
    journal.checkpoint()
    assert journal.entries() == []
    instance = ct_instance(3)
    journal.append(f"{instance.sop_instance}.dcm", instance.file_bytes())
    del journal
    folder = StorageFolder(tmp_path)  # starts with recovery
    assert folder.recovered == 1
    assert (tmp_path / f"{instance.sop_instance}.dcm").read_bytes() == instance.file_bytes()
    folder.close()


def _store_over_one_association(folder: StorageFolder, instances: list[Instance]) -> int:
    """Store ``instances`` (each must be acknowledged) over one association to a server on
    ``folder``; returns how many of their files exist once the release has completed."""
    found: list[int] = []

    async def main() -> None:
        server = Server(storage_policy("ARCHIVE", [CT]), folder.handlers())
        await server.start()
        async with await associate("127.0.0.1", server.port, called_ae="ARCHIVE", contexts=[CT]) as scu:
            for instance in instances:
                assert (await scu.store(instance)).is_success
        found.append(sum(folder.path_for(i.sop_instance).is_file() for i in instances))
        await server.close()

    asyncio.run(asyncio.wait_for(main(), 60))
    return found[0]


def test_a_file_that_cannot_be_written_stays_in_the_journal(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An acknowledged instance whose file cannot be written (here: a folder is in the
    way) is not lost: the journal keeps it past close() and writes it on the next start."""
    out = tmp_path / "out"
    folder = StorageFolder(out)
    instances = [ct_instance(n) for n in (4, 5)]
    blocked = folder.path_for(instances[0].sop_instance)
    blocked.mkdir()
    _store_over_one_association(folder, instances)  # both acknowledged: durable in the journal
    folder.close()
    assert f"cannot write {blocked.name}" in caplog.text and "stay in the journal" in caplog.text
    assert Instance.from_file(folder.path_for(instances[1].sop_instance)).data == instances[1].data
    blocked.rmdir()
    again = StorageFolder(out)
    assert again.recovered == 2
    assert Instance.from_file(blocked).data == instances[0].data
    again.close()
    assert Journal(out).entries() == []


def test_the_writer_s_bookkeeping_does_not_wait_for_an_append_on_its_way_to_the_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While an entry is being written to the disk (an O_DSYNC write: a millisecond or more),
    written() and retire() of the writer thread go on: the journal's state is not locked
    across the write, so the appending thread (the event loop) need not wake the writer
    when its write returns, nor the writer wait for the disk."""
    journal = Journal(tmp_path)
    ticket = journal.append("a.dcm", b"a" * 100)
    on_its_way, go = threading.Event(), threading.Event()
    real_pwrite, real_pwritev = os.pwrite, os.pwritev

    def held_pwrite(fd: int, data: bytes | memoryview, offset: int) -> int:
        on_its_way.set()
        go.wait(10)
        return real_pwrite(fd, data, offset)

    def held_pwritev(fd: int, buffers: list[bytes], offset: int) -> int:
        on_its_way.set()
        go.wait(10)
        return real_pwritev(fd, buffers, offset)

    monkeypatch.setattr(os, "pwrite", held_pwrite)
    monkeypatch.setattr(os, "pwritev", held_pwritev)
    appending = threading.Thread(target=journal.append, args=("b.dcm", b"b" * 100))
    appending.start()
    try:
        assert on_its_way.wait(5)
        done = threading.Event()

        def bookkeep() -> None:
            journal.written(ticket)
            journal.retire()
            done.set()

        bookkeeping = threading.Thread(target=bookkeep)
        bookkeeping.start()
        assert done.wait(2), "written()/retire() waited for the append's write to the disk"
    finally:
        go.set()
        appending.join(10)
    monkeypatch.undo()
    assert [name for name, _ in journal.entries()] == ["a.dcm", "b.dcm"]
    journal.close()


def test_files_are_written_by_a_thread_of_the_server_s_priority_after_the_response(tmp_path: Path) -> None:
    """The writer thread runs at the server's priority (a lower one, preempted while it holds
    the interpreter lock, stalls the event loop), and every acknowledged instance is in its
    file once flush() returns."""
    folder = StorageFolder(tmp_path)
    instances = [ct_instance(n) for n in range(10, 40)]
    _store_over_one_association(folder, instances)
    folder.flush()
    assert all(Instance.from_file(folder.path_for(i.sop_instance)).data == i.data for i in instances)
    writer = folder._writer
    assert writer is not None and writer.native_id is not None
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, writer.native_id) == base
    folder.close()
    assert folder._writer is None and Journal(tmp_path).entries() == []


def test_files_are_complete_when_the_release_completes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A-RELEASE-RP waits for the writer thread: once the SCU's release returns, every
    instance it stored is in its file, even with a slow disk."""
    import time

    from dicom_runtime.net import storage

    def slow(path: Path, data: bytes, *, durable: bool = True) -> None:
        time.sleep(0.02)
        write_bytes_atomic(path, data, durable=durable)

    monkeypatch.setattr(storage, "write_bytes_atomic", slow)
    folder = StorageFolder(tmp_path)
    instances = [ct_instance(n) for n in range(50, 60)]
    assert _store_over_one_association(folder, instances) == len(instances)
    folder.close()


def test_the_direct_file_header_equals_the_generic_encoding() -> None:
    from dicom_runtime import DataElement, Dataset
    from dicom_runtime.fileformat import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, read_bytes
    from dicom_runtime.reader import EXPLICIT_LE
    from dicom_runtime.writer import encode_dataset

    def file_bytes(meta: Dataset, body: bytes) -> bytes:  # the generic writer's encoding of the same meta group
        meta_bytes = encode_dataset(meta, EXPLICIT_LE)
        length = encode_dataset(Dataset({0x00020000: DataElement(0x00020000, "UL", len(meta_bytes))}), EXPLICIT_LE)
        return bytes(128) + b"DICM" + length + meta_bytes + body

    instance = ct_instance(3)
    for source_ae in ("", "ABC", "ABCD"):
        meta = Dataset()
        meta.add(0x00020001, "OB", b"\x00\x01")
        meta.add(0x00020002, "UI", instance.sop_class)
        meta.add(0x00020003, "UI", instance.sop_instance)
        meta.add(0x00020010, "UI", instance.transfer_syntax)
        meta.add(0x00020012, "UI", IMPLEMENTATION_CLASS_UID)
        meta.add(0x00020013, "SH", IMPLEMENTATION_VERSION_NAME)
        if source_ae:
            meta.add(0x00020016, "AE", source_ae)
        assert instance.file_bytes(source_ae) == file_bytes(meta, instance.data)
    assert read_bytes(instance.file_bytes("ABC")).meta.value(0x00020016) == "ABC"


def test_an_instance_in_every_native_and_deflated_syntax_decodes_alike() -> None:
    """Instance.in_syntax and .dataset() go through fileformat's encode_body/decode_body;
    a deflated body that does not inflate is one DicomDecodeError naming the instance."""
    from dicom_runtime.errors import DicomDecodeError
    from dicom_runtime.fileformat import DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN
    from dicom_runtime.net.instances import NATIVE_SYNTAXES

    from dicom_runtime.codec import swap_bytes

    instance = ct_instance(7, size=2000)
    expected = instance.dataset()
    for syntax in NATIVE_SYNTAXES + (DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,):
        other = instance.in_syntax(syntax)
        assert other.transfer_syntax == syntax
        # and back: the same data set (a data set holds OW in its file's byte order: swapped in big endian)
        assert other.in_syntax(instance.transfer_syntax).dataset() == expected
        pixels, own = other.dataset().value(0x7FE00010), expected.value(0x7FE00010)
        assert isinstance(pixels, bytes) and isinstance(own, bytes)
        assert pixels == (swap_bytes(own, "OW") if syntax == "1.2.840.10008.1.2.2" else own)
    broken = Instance(instance.sop_class, instance.sop_instance, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, b"not deflated")
    with pytest.raises(DicomDecodeError, match=f"instance {instance.sop_instance}: .*does not inflate"):
        broken.dataset()


def test_a_folder_without_an_index_flushes_once_its_files_are_written(tmp_path: Path) -> None:
    """With the journal and no index (nothing to make rows for), flush() returns once the
    writer thread has written every file."""
    import threading

    folder = StorageFolder(tmp_path, index=False)
    instances = [ct_instance(n) for n in range(70, 75)]
    assert _store_over_one_association(folder, instances) == len(instances)
    flushed = threading.Thread(target=folder.flush, daemon=True)
    flushed.start()
    flushed.join(10)
    assert not flushed.is_alive()
    assert all(Instance.from_file(folder.path_for(i.sop_instance)).data == i.data for i in instances)
    folder.close()
