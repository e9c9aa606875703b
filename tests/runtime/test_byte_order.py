"""A data set read from an Explicit VR Big Endian file and written in a little endian syntax (or
back) keeps its OW/OF/OD values as the same numbers: they are written swapped word by word
(PS3.5 7.3), as dcmtk's dcmconv +te does; written in its own byte order, nothing changes."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pydicom
import pydicom.data
import pytest

from dicom_runtime.fileformat import EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, encode_file, read_file
from dicom_runtime.net.instances import Instance

CORPUS = Path(pydicom.data.__file__).parent / "test_files"
IMPLICIT = "1.2.840.10008.1.2"


def _pixels(path: Path) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(pydicom.dcmread(path).pixel_array)


@pytest.mark.parametrize("target", [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT])
def test_big_endian_written_little_endian_keeps_its_pixels(target: str, tmp_path: Path) -> None:
    source = CORPUS / "MR_small_bigendian.dcm"
    out = tmp_path / "le.dcm"
    out.write_bytes(encode_file(read_file(source).dataset, target))
    assert np.array_equal(_pixels(out), _pixels(source))
    back = tmp_path / "be.dcm"  # and back to big endian: the same numbers again
    back.write_bytes(encode_file(read_file(out).dataset, EXPLICIT_VR_BIG_ENDIAN))
    assert np.array_equal(_pixels(back), _pixels(source))


def test_written_in_its_own_byte_order_nothing_changes(tmp_path: Path) -> None:
    source = CORPUS / "MR_small_bigendian.dcm"
    read = read_file(source)
    again = encode_file(read.dataset, EXPLICIT_VR_BIG_ENDIAN)
    assert again[-len(Instance.from_file(source).data) :] == Instance.from_file(source).data


def test_an_instance_in_another_native_syntax_keeps_its_pixels(tmp_path: Path) -> None:
    instance = Instance.from_file(CORPUS / "MR_small_bigendian.dcm")
    moved = instance.in_syntax(EXPLICIT_VR_LITTLE_ENDIAN)
    path = tmp_path / "moved.dcm"
    moved.write(path, durable=False)
    assert np.array_equal(_pixels(path), _pixels(CORPUS / "MR_small_bigendian.dcm"))
