"""Reading pydicom's test corpus (files nobody here wrote), compared with pydicom's decoding.

Every file of pydicom 3.0.2's test_files and charset_files is read; each element's
value is compared with pydicom's. Files that are not DICOM, or that pydicom itself
reads only by forcing past their defects, are listed with the reason and must fail
with the one documented error, DicomDecodeError. Written back, every file that
reads re-reads to the same data set (ISO 2022 text included).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pydicom
import pydicom.data
import pytest
from pydicom.multival import MultiValue

from dicom_runtime.codec import NUMBERS, decode_numbers
from dicom_runtime.dataset import Dataset, EncapsulatedPixelData
from dicom_runtime.errors import DicomDecodeError
from dicom_runtime.fileformat import FileDataset, encode_file, read_file

BASE = Path(pydicom.data.__file__).parent
SKIPPED_SUFFIXES = (".py", ".json", ".txt", ".gz", ".bz2", ".zip")

#: Files that must fail with DicomDecodeError, and why.
BROKEN = {
    "MR_truncated.dcm": "truncated inside Pixel Data (pydicom's own truncation test)",
    "rtplan_truncated.dcm": "truncated inside a sequence (pydicom's own truncation test)",
    "DICOMDIR-nooffset": "an item longer than its sequence (pydicom's test of a damaged DICOMDIR)",
    "no_meta.dcm": "a stray byte before the first element (pydicom reads it only with force=True)",
    "crayons.icc": "an ICC profile, not DICOM",
    "README": "a text file",
    "rtplan.dump": "a text dump",
    "rtstruct.dump": "a text dump",
}


def _files() -> list[Path]:
    found = []
    for folder in ("test_files", "charset_files"):
        for root, _, names in os.walk(BASE / folder):
            for name in names:
                if not name.endswith(SKIPPED_SUFFIXES):
                    found.append(Path(root) / name)
    return sorted(found)


FILES = _files()


def _normal(value: object) -> object:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, str):
        try:
            return round(float(value), 6)
        except ValueError:
            return value.strip()
    return value


def _differences(ours: Dataset, theirs: pydicom.Dataset, path: str) -> list[str]:
    found = []
    for element in theirs:
        tag = int(element.tag)
        mine = ours.get(tag)
        where = f"{path}({tag >> 16:04X},{tag & 0xFFFF:04X})"
        if mine is None:
            found.append(f"{where} missing")
            continue
        if element.VR == "SQ":
            if not isinstance(mine.value, list) or len(mine.value) != len(element.value):
                found.append(f"{where} items differ")
                continue
            for index, (a, b) in enumerate(zip(mine.value, element.value)):
                if isinstance(a, Dataset):
                    found.extend(_differences(a, b, f"{where}[{index}]."))
            continue
        value = mine.value
        if isinstance(value, EncapsulatedPixelData):
            continue
        theirs_value = element.value
        if isinstance(value, bytes) and (tag >> 16) % 2 and element.VR in NUMBERS:
            # A private number: UN bytes here, decoded by pydicom's private dictionary.
            decoded = decode_numbers(value, element.VR, little=True) if value else None
            if decoded != theirs_value and [decoded] != [theirs_value]:
                found.append(f"{where} private {element.VR}: ours {decoded!r}, pydicom {theirs_value!r}")
            continue
        if isinstance(value, bytes) and isinstance(theirs_value, (str, MultiValue, list)) and (tag >> 16) % 2:
            # A private element: UN bytes here (PS3.5 6.2.2), text from pydicom's private
            # dictionary: the same value if the bytes spell that text.
            texts = [t.strip(" \0") for t in value.decode("latin_1").split("\\")]
            expected = [str(t).strip() for t in (theirs_value if not isinstance(theirs_value, str) else [theirs_value])]
            if texts != expected:
                found.append(f"{where} private: ours {texts[:3]!r}, pydicom {expected[:3]!r}")
            continue
        if isinstance(theirs_value, bytes):
            if not isinstance(value, bytes) or value.rstrip(b"\0") != theirs_value.rstrip(b"\0"):
                found.append(f"{where} bytes differ")
            continue
        if theirs_value is None or theirs_value == "":
            if value not in (None, "", [], b""):
                found.append(f"{where} {value!r} where pydicom has no value")
            continue
        theirs_list = list(theirs_value) if isinstance(theirs_value, (MultiValue, list, tuple)) else [theirs_value]
        ours_list = value if isinstance(value, list) else [value]
        if [_normal(v) for v in ours_list] != [_normal(v if isinstance(v, (int, float)) else str(v)) for v in theirs_list]:
            found.append(f"{where} {element.VR}: ours {ours_list[:3]!r}, pydicom {theirs_list[:3]!r}")
    return found


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file(path: Path, tmp_path: Path) -> None:
    if path.name in BROKEN:
        with pytest.raises(DicomDecodeError) as caught:
            read_file(path)
        assert str(path) in str(caught.value) and "byte " in str(caught.value)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pydicom.dcmread(path, force=True)
    ours = read_file(path)
    assert _differences(ours.dataset, theirs, "") == []
    # Written back in its own transfer syntax, the file re-reads to the same data set.
    if 0x00080016 not in ours.dataset or 0x00080018 not in ours.dataset:
        return  # not a composite instance: no SOP Class/Instance UID for the meta group
    again = _reread(encode_file(ours.dataset, ours.transfer_syntax), tmp_path)
    assert again.dataset == ours.dataset


def _reread(data: bytes, folder: Path) -> FileDataset:
    path = folder / "written.dcm"
    path.write_bytes(data)
    return read_file(path)


def test_the_corpus_is_there() -> None:
    assert len(FILES) > 150


def _prefix_of(partial: Dataset, whole: Dataset) -> bool:
    """Every element of ``partial`` is ``whole``'s, but the last, which may be a sequence
    whose items are a prefix of ``whole``'s (its last item itself a prefix)."""
    elements = list(partial.elements())
    for index, element in enumerate(elements):
        theirs = whole.get(element.tag)
        if theirs is None:
            return False
        if element == theirs:
            continue
        last = index == len(elements) - 1
        if not (last and element.vr == "SQ" and isinstance(element.value, list) and isinstance(theirs.value, list)):
            return False
        items, full = element.value, theirs.value
        if len(items) > len(full) or items[:-1] != full[: len(items) - 1]:
            return False
        if items:
            mine, other = items[-1], full[len(items) - 1]
            if not (isinstance(mine, Dataset) and isinstance(other, Dataset) and _prefix_of(mine, other)):
                return False
    return True


@pytest.mark.parametrize(("truncated", "whole"), [("MR_truncated.dcm", "MR_small.dcm"), ("rtplan_truncated.dcm", "rtplan.dcm")])
def test_a_truncated_file_gives_what_was_read_before_the_damage(truncated: str, whole: str) -> None:
    from dicom_runtime.fileformat import read_file_partial

    base = BASE / "test_files"
    assert (base / whole).read_bytes().startswith((base / truncated).read_bytes())  # pydicom cut it from that file
    file, error = read_file_partial(base / truncated)
    with pytest.raises(DicomDecodeError) as refused:
        read_file(base / truncated)
    assert error is not None and str(error) == str(refused.value)
    complete = read_file(base / whole).dataset
    failing = int(error.path[1:10].replace(",", ""), 16)  # the top-level element the damage is in
    assert set(file.dataset) == {tag for tag in complete if tag < failing}  # every element before it
    assert _prefix_of(file.dataset, complete)
    assert not _prefix_of(complete, file.dataset)
