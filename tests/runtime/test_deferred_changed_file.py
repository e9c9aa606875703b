"""A value left in the file (``read_file(path, defer_size=N)``) is read from it when asked for.
If the file was replaced (a write back to the same path, by rename) or changed in place since,
the bytes at the value's offset are another file's: they were given silently, so a data set
read, saved over its own file and saved again elsewhere got another part of the new file as its
Pixel Data. Now that is one DicomDecodeError naming the file and the value's offset."""

from __future__ import annotations

import shutil
from pathlib import Path

import pydicom.data
import pytest

from dicom_runtime.dataset import DataElement, Dataset, DeferredValue
from dicom_runtime.errors import DicomDecodeError
from dicom_runtime.fileformat import read_file
from dicom_runtime.typed import write

CT_SMALL = Path(pydicom.data.__file__).parent / "test_files" / "CT_small.dcm"


def _deferred(tmp_path: Path) -> tuple[Path, Dataset]:
    path = tmp_path / "ct.dcm"
    shutil.copy(CT_SMALL, path)
    dataset = read_file(path, defer_size=1000).dataset
    assert isinstance(dataset[0x7FE00010].value, DeferredValue)
    return path, dataset


def test_a_file_written_over_is_not_read_for_the_old_values(tmp_path: Path) -> None:
    path, dataset = _deferred(tmp_path)
    original = read_file(CT_SMALL).dataset[0x7FE00010].value
    dataset[0x00100010] = DataElement(0x00100010, "PN", "X" * 400)  # everything after it moves
    write(dataset, path)  # the deferred values are read before the rename: the file is right
    assert read_file(path).dataset[0x7FE00010].value == original
    value = dataset[0x7FE00010].value
    assert isinstance(value, DeferredValue)
    with pytest.raises(DicomDecodeError) as caught:
        value.read()
    assert str(caught.value).startswith(f"{path}: byte ") and "changed since it was read" in str(caught.value)
    with pytest.raises(DicomDecodeError, match="changed since it was read"):
        write(dataset, tmp_path / "copy.dcm")
    assert not (tmp_path / "copy.dcm").exists()


def test_a_file_cut_short_in_place(tmp_path: Path) -> None:
    path, dataset = _deferred(tmp_path)
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size - 100)
    value = dataset[0x7FE00010].value
    assert isinstance(value, DeferredValue)
    with pytest.raises(DicomDecodeError, match="changed since it was read"):
        value.read()


def test_an_unchanged_file_gives_its_values(tmp_path: Path) -> None:
    path, dataset = _deferred(tmp_path)
    value = dataset[0x7FE00010].value
    assert isinstance(value, DeferredValue)
    assert value.read() == read_file(CT_SMALL).dataset[0x7FE00010].value
