"""Index rows made from the elements gathered by the check of a received data set (#20:
checks.KeptElements, index.row_from_elements) equal the rows made from the stored file's
whole header as the reader reads it (matching.read_header): on pydicom's corpus, on data
sets the gathering must give up on, and end to end, dcmtk's storescu -> ``dicom-net scp``."""

from __future__ import annotations

import sqlite3
import struct
import subprocess
from pathlib import Path

import pydicom
import pydicom.data
import pytest
from pydicom.uid import UID

from dicom_runtime.errors import DicomError
from dicom_runtime.fileformat import EXPLICIT_VR_LITTLE_ENDIAN, split_file
from dicom_runtime.net.checks import KeptElements, store_problem
from dicom_runtime.net.index import ROW_TAGS, gathered_applies, row_from_elements, row_of
from dicom_runtime.net.matching import read_header

from .helpers import ScpProcess, which

CORPUS = Path(pydicom.data.__file__).parent / "test_files"


def _gathered(path: Path) -> tuple[KeptElements, str, int] | None:
    """What the SCP's check gathers of the file's data set received as is, its transfer
    syntax and the File Meta's size; None where the check refuses the data set."""
    data = path.read_bytes()
    meta, offset = split_file(data, source=str(path))
    values = [meta.value(tag) for tag in (0x00020002, 0x00020003, 0x00020010)]
    if not all(isinstance(v, str) for v in values):
        return None
    sop_class, sop_instance, syntax = (str(v).rstrip("\0 ") for v in values)
    kept = KeptElements(ROW_TAGS)
    if store_problem(sop_class, sop_instance, syntax, data[offset:], kept) is not None:
        return None
    return kept, syntax, offset


def test_rows_from_gathered_elements_equal_rows_from_the_whole_header_on_the_corpus() -> None:
    compared = 0
    for path in sorted(CORPUS.rglob("*.dcm")):
        try:
            expected = row_of(path.name, read_header(path))
            found = _gathered(path)
        except (DicomError, OSError):
            continue
        if found is None:
            continue
        kept, syntax, offset = found
        if kept.usable and gathered_applies(syntax, offset, kept.stop):
            assert row_from_elements(path, b"".join(kept.parts)) == expected, path.name
            compared += 1
    assert compared >= 20, compared


def _element(group: int, element: int, vr: bytes, value: bytes) -> bytes:
    return struct.pack("<HH2sH", group, element, vr, len(value)) + value


def test_out_of_order_or_undefined_length_elements_make_the_gathering_unusable() -> None:
    uids = _element(0x0008, 0x0016, b"UI", b"1.2.3\0") + _element(0x0008, 0x0018, b"UI", b"1.2.4\0")
    ordered = uids + _element(0x0010, 0x0010, b"PN", b"Doe^J ") + _element(0x0010, 0x0020, b"LO", b"ID")
    kept = KeptElements(ROW_TAGS)
    assert store_problem("1.2.3", "1.2.4", EXPLICIT_VR_LITTLE_ENDIAN, ordered, kept) is None
    assert kept.usable and kept.stop == len(ordered) and len(kept.parts) == 4
    swapped = uids + _element(0x0010, 0x0020, b"LO", b"ID") + _element(0x0010, 0x0010, b"PN", b"Doe^J ")
    kept = KeptElements(ROW_TAGS)
    assert store_problem("1.2.3", "1.2.4", EXPLICIT_VR_LITTLE_ENDIAN, swapped, kept) is None
    assert not kept.usable
    undefined = uids + struct.pack("<HH2sHI", 0x0008, 0x1030, b"UN", 0, 0xFFFFFFFF) + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    kept = KeptElements(ROW_TAGS)
    assert store_problem("1.2.3", "1.2.4", EXPLICIT_VR_LITTLE_ENDIAN, undefined, kept) is None
    assert not kept.usable
    pixels = ordered + struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, 2) + b"\0\0"
    kept = KeptElements(ROW_TAGS)
    assert store_problem("1.2.3", "1.2.4", EXPLICIT_VR_LITTLE_ENDIAN, pixels, kept) is None
    assert kept.stop == len(ordered)
    assert not gathered_applies("1.2.840.10008.1.2.1.99", 132, kept.stop)  # deflated
    assert not gathered_applies("1.2.840.10008.1.2", 132, kept.stop)  # Implicit VR
    assert not gathered_applies(EXPLICIT_VR_LITTLE_ENDIAN, 70_000, kept.stop)  # past what the file's walk reads
    assert gathered_applies(EXPLICIT_VR_LITTLE_ENDIAN, 132, kept.stop)


@pytest.mark.skipif(not Path("/usr/bin/storescu").exists(), reason="dcmtk's storescu is needed")
def test_the_scp_indexes_received_instances_as_their_files_read(tmp_path: Path) -> None:
    sources = [CORPUS / "CT_small.dcm", CORPUS / "MR_small.dcm"]
    for number, (name, charset) in enumerate([("Müller^Jörg", "ISO_IR 100"), (" Spaced \\Two", None)]):
        dataset = pydicom.dcmread(CORPUS / "CT_small.dcm")
        dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID = UID(f"1.2.826.0.1.3680043.10.20.{number + 1}")
        dataset.PatientName = name
        if charset:
            dataset.SpecificCharacterSet = charset
        dataset.StudyDescription = "  ab  "
        sources.append(tmp_path / f"made{number}.dcm")
        dataset.save_as(sources[-1], enforce_file_format=True)
    scp = ScpProcess(tmp_path / "out", tmp_path / "scp.log", "--no-fsync").start()
    try:
        subprocess.run([which("storescu"), "-aec", "OURSCP", "127.0.0.1", str(scp.port), *map(str, sources)],
                       check=True, capture_output=True, timeout=60)
    finally:
        assert scp.stop() in (0, -15)
    files = sorted((tmp_path / "out").glob("*.dcm"))
    assert len(files) == len(sources)
    with sqlite3.connect(tmp_path / "out" / ".dicom-net" / "index.sqlite") as connection:
        rows = {row[0]: row for row in connection.execute("SELECT * FROM instances")}
    assert sorted(rows) == [path.name for path in files]
    for path in files:
        assert rows[path.name] == row_of(path.name, read_header(path)), path.name
