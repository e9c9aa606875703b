"""Index rows made from a received file's first bytes kept in memory (#20: rows.row_head,
rows.row_from_head) and element by element with what each element contributes kept by its
bytes (rows.RowMaker) equal the rows made from the stored file's whole header as the reader
reads it (matching.read_header): on pydicom's corpus, twice over (the second time every
element already known), on heads cut where the walk cannot finish, and end to end, dcmtk's
storescu -> ``dicom-net scp``."""

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
from dicom_runtime.net.rows import RowMaker, _stored_parts, row_from_head, row_head, row_of
from dicom_runtime.net.matching import read_header

from .helpers import ScpProcess, which

CORPUS = Path(pydicom.data.__file__).parent / "test_files"


def _corpus() -> list[tuple[Path, tuple[object, ...]]]:
    found = []
    for path in sorted(CORPUS.rglob("*.dcm")):
        try:
            found.append((path, row_of(path.name, read_header(path))))
        except (DicomError, OSError):
            continue
    return found


def test_rows_from_the_kept_head_equal_rows_from_the_whole_header_on_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dicom_runtime.net.rows.ROWS", RowMaker())
    corpus = _corpus()
    assert len(corpus) >= 50, len(corpus)
    for _ in range(2):  # the second time, every element's piece is known
        for path, expected in corpus:
            head, whole = row_head(path.read_bytes())
            assert row_from_head(path, head, whole) == expected, path.name


def test_the_head_is_the_header_up_to_the_pixel_data() -> None:
    data = (CORPUS / "CT_small.dcm").read_bytes()
    head, whole = row_head(data)
    assert not whole and data.startswith(head) and len(head) < len(data) // 2
    assert head[-12:-8] == b"\xe0\x7f\x10\x00"
    small = data[: len(head) - 12]
    assert row_head(small) == (small, True)


def _element(group: int, element: int, vr: bytes, value: bytes) -> bytes:
    return struct.pack("<HH2sH", group, element, vr, len(value)) + value


def test_a_head_cut_early_or_out_of_order_is_read_from_the_file(tmp_path: Path) -> None:
    """A (7FE0,0010) inside a value cuts the head before the header's end: the row is the
    file's all the same; so is that of elements out of order, which the walk gives up on."""
    dataset = pydicom.dcmread(CORPUS / "CT_small.dcm")
    dataset.StudyDescription = "a\xe0\x7f\x10\x00b".encode("latin-1").decode("latin-1")
    path = tmp_path / "cut.dcm"
    dataset.save_as(path, enforce_file_format=True)
    data = path.read_bytes()
    head, whole = row_head(data)
    assert not whole and len(head) == data.index(b"a\xe0\x7f\x10\x00b") + 1 + 12  # cut inside the value
    assert row_from_head(path, head, whole) == row_of(path.name, read_header(path))
    swapped = bytearray(data)
    at = data.index(struct.pack("<HH", 0x0010, 0x0010))  # Patient's Name: tag changed to (0010,0031), before ID
    swapped[at : at + 4] = struct.pack("<HH", 0x0010, 0x0031)
    path.write_bytes(bytes(swapped))
    assert row_from_head(path, *row_head(bytes(swapped))) == row_of(path.name, read_header(path))


def test_the_pieces_of_an_element_depend_on_the_character_set(tmp_path: Path) -> None:
    """The same Patient's Name bytes decoded by two character sets make two rows, each the file's."""
    maker = RowMaker()
    rows = []
    for number, charset in enumerate(["ISO_IR 100", "ISO_IR 144"]):
        dataset = pydicom.dcmread(CORPUS / "CT_small.dcm")
        dataset.SpecificCharacterSet = charset
        dataset.PatientName = "\xc4\xd6".encode("latin-1").decode("latin-1" if number == 0 else "iso8859_5")
        path = tmp_path / f"{number}.dcm"
        dataset.save_as(path, enforce_file_format=True)
        head, whole = row_head(path.read_bytes())
        found = _stored_parts(head, complete=whole, source=str(path))
        assert found is not None
        row = maker.row(path.name, *found, str(path))
        assert row == row_of(path.name, read_header(path))
        rows.append(row)
    assert rows[0][2] != rows[1][2]  # patient_name


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
