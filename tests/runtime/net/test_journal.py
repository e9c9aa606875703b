"""The storage SCP's write-ahead journal: what was appended survives; a torn tail does not count."""

from __future__ import annotations

import os
from pathlib import Path

from dicom_runtime.net.journal import BLOCK, Journal
from dicom_runtime.net.storage import StorageFolder
from tests.runtime.net.helpers import ct_instance


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


def test_a_torn_or_corrupted_entry_ends_the_journal(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append("a.dcm", b"kept")
    journal.append("b.dcm", b"torn")
    handle = os.open(tmp_path / ".journal", os.O_RDWR)
    second = BLOCK + 26 + len("a.dcm") + len("kept")
    os.pwrite(handle, b"X", second + 30)  # a byte of the second entry's body
    os.close(handle)
    assert [name for name, _ in Journal(tmp_path).entries()] == ["a.dcm"]


def test_checkpoint_retires_entries_and_the_folder_replays_on_start(tmp_path: Path) -> None:
    journal = Journal(tmp_path, batch=2)
    journal.append("x.dcm", b"1")
    journal.checkpoint()
    assert journal.entries() == [] and journal.generation == 2
    instance = ct_instance(3)
    journal.append(f"{instance.sop_instance}.dcm", instance.file_bytes())
    del journal
    folder = StorageFolder(tmp_path)  # starts with recovery
    assert folder.recovered == 1
    assert (tmp_path / f"{instance.sop_instance}.dcm").read_bytes() == instance.file_bytes()
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
