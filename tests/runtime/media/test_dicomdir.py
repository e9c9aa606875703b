"""The DICOMDIR's bytes: the layout of the two-pass writer, field by field."""

from __future__ import annotations

import struct
import tempfile
from pathlib import Path

from dicom_runtime.dataset import DataElement, Dataset
from dicom_runtime.fileformat import split_file
from dicom_runtime.media.dicomdir import encode_dicomdir, read_dicomdir
from dicom_runtime.media.records import DirectoryRecord, make_record


def _two_patients() -> list[DirectoryRecord]:
    roots = []
    for pid in ("A", "B"):
        keys = Dataset()
        keys[0x00100020] = DataElement(0x00100020, "LO", pid)
        patient = make_record("PATIENT", keys)
        study_keys = Dataset()
        study_keys[0x0020000D] = DataElement(0x0020000D, "UI", "1.2")
        study = make_record("STUDY", study_keys)
        study.parent = patient
        patient.children.append(study)
        roots.append(patient)
    return roots


def test_layout() -> None:
    roots = _two_patients()
    data = encode_dicomdir(roots, instance_uid="1.2.3", fileset_id="X")
    _, start = split_file(data)
    body = data[start:]
    assert body[:10] == bytes.fromhex("0400 3011 4353 0200 5820")  # (0004,1130) CS, length 2, "X "
    first = start + 10 + 12 + 12 + 10 + 12  # after 1130, 1200, 1202, 1212 and the 1220 header
    assert body[10:22] == bytes.fromhex("0400 0012 554c 0400") + struct.pack("<I", first)  # (0004,1200) UL 4 = first
    assert body[34:44] == bytes.fromhex("0400 1212 5553 0200 0000")  # (0004,1212) US 2 = 0: consistent
    assert body[44:52] == bytes.fromhex("0400 2012 5351 0000")  # (0004,1220) SQ, reserved 0000
    item = data[first:]
    length = struct.unpack_from("<I", item, 4)[0]
    assert item[:4] == bytes.fromhex("feff 00e0")  # Item, defined length
    assert item[8:16] == bytes.fromhex("0400 0014 554c 0400")  # (0004,1400) UL 4: next
    assert struct.unpack_from("<I", item, 16)[0] == roots[1].offset  # the second patient
    assert item[20:30] == bytes.fromhex("0400 1014 5553 0200 ffff")  # (0004,1410) US 2 = FFFFH: in use
    assert item[30:38] == bytes.fromhex("0400 2014 554c 0400")  # (0004,1420) UL 4: lower level
    assert struct.unpack_from("<I", item, 38)[0] == first + 8 + length == roots[0].children[0].offset  # its study, next
    assert item[42:58] == bytes.fromhex("0400 3014 4353 0800") + b"PATIENT "  # (0004,1430) CS 8
    last = struct.unpack_from("<I", body, 22 + 8)[0]
    assert last == roots[1].offset  # (0004,1202): the last root record
    again = read_dicomdir_bytes(data)
    assert [r.text("PatientID") for r in again] == ["A", "B"]
    assert [c.record_type for r in again for c in r.children] == ["STUDY", "STUDY"]


def read_dicomdir_bytes(data: bytes) -> list[DirectoryRecord]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "DICOMDIR"
        path.write_bytes(data)
        return read_dicomdir(path).roots
