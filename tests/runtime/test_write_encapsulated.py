"""typed.write of an image read in a compressed syntax, asked for a native one: refused
with one DicomEncodeError naming the file and the syntaxes. It wrote the encapsulated
fragments under Explicit VR Little Endian, a file dciodvfy refused ("Undefined value length
of other byte/word element is illegal in non-encapsulated transfer syntax")."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pydicom.data
import pytest

from dicom_runtime import pixels
from dicom_runtime.errors import DicomDecodeError, DicomEncodeError
from dicom_runtime.dataset import Dataset
from dicom_runtime.fileformat import read_file
from dicom_runtime.objects import DicomObject
from dicom_runtime.typed import read, write

TEST_FILES = Path(pydicom.data.__file__).parent / "test_files"
EXPLICIT_LE = "1.2.840.10008.1.2.1"


@pytest.mark.parametrize("name", ["J2K_pixelrep_mismatch.dcm", "JPEG2000.dcm"])  # a CTImage, a Dataset
def test_encapsulated_pixel_data_is_not_written_in_a_native_syntax(name: str, tmp_path: Path) -> None:
    image = read(TEST_FILES / name)
    target = tmp_path / "native.dcm"
    with pytest.raises(DicomEncodeError) as caught:
        write(image, target, transfer_syntax=EXPLICIT_LE)
    read_in = str(pydicom.dcmread(TEST_FILES / name).file_meta.TransferSyntaxUID)
    assert str(caught.value) == (
        f"{target}: (7FE0,0010) PixelData is encapsulated (read in {read_in}) and {EXPLICIT_LE} is a native "
        f"transfer syntax (PS3.5 A.4): decode it first, pixels.transcode(dataset, '{EXPLICIT_LE}')"
    )
    assert not target.exists()
    write(image, target)  # in its own syntax, as read
    assert str(pydicom.dcmread(target).file_meta.TransferSyntaxUID) == read_in


def test_the_way_the_error_names_works(tmp_path: Path) -> None:
    dataset = read_file(TEST_FILES / "JPEG2000.dcm").dataset
    native = pixels.transcode(dataset, EXPLICIT_LE)
    write(native, tmp_path / "native.dcm", transfer_syntax=EXPLICIT_LE)
    theirs = pydicom.dcmread(tmp_path / "native.dcm")
    assert (theirs.pixel_array == pydicom.dcmread(TEST_FILES / "JPEG2000.dcm").pixel_array).all()


def test_write_file_refuses_it_too(tmp_path: Path) -> None:
    # fileformat.write_file's default syntax is Explicit VR Little Endian: the same invalid file was written
    from dicom_runtime.fileformat import write_file

    target = tmp_path / "native.dcm"
    with pytest.raises(DicomEncodeError, match=r"native\.dcm: \(7FE0,0010\) PixelData is encapsulated \(read in 1\.2\.840\.10008\.1\.2\.4\.91\)"):
        write_file(target, read_file(TEST_FILES / "JPEG2000.dcm").dataset)
    assert not target.exists()


JPEG_LS = "1.2.840.10008.1.2.4.80"


def _refused(obj: DicomObject | Dataset, target: Path, kind: type[Exception]) -> str:
    """The message of the one error writing ``obj`` in JPEG-LS raises; nothing written."""
    with pytest.raises(kind) as caught:
        write(obj, target, transfer_syntax=JPEG_LS)
    assert not target.exists()
    return str(caught.value)


def test_native_pixel_data_is_not_written_in_an_encapsulated_syntax(tmp_path: Path) -> None:
    # the other way: native Pixel Data under JPEG-LS was written with its defined length, a file
    # dcmdump refuses ("Pixel data in top level dataset in compressed Transfer Syntax uses explicit
    # length") and dciodvfy too ("Specification of fixed value length for PixelData element ...")
    dataset = read_file(TEST_FILES / "CT_small.dcm").dataset
    target = tmp_path / "jls.dcm"
    assert _refused(dataset, target, DicomEncodeError) == (
        f"{target}: (7FE0,0010) PixelData is native (read in {EXPLICIT_LE}) and {JPEG_LS} is an encapsulated "
        f"transfer syntax (PS3.5 A.4): encode it first, pixels.transcode(dataset, '{JPEG_LS}')"
    )
    write(pixels.transcode(dataset, JPEG_LS), target, transfer_syntax=JPEG_LS)  # the way it names
    assert (pydicom.dcmread(target).pixel_array == pydicom.dcmread(TEST_FILES / "CT_small.dcm").pixel_array).all()


def test_a_typed_instance_with_native_pixel_data_names_the_file_and_the_way(tmp_path: Path) -> None:
    target = tmp_path / "jls.dcm"
    assert _refused(read(TEST_FILES / "CT_small.dcm"), target, DicomDecodeError) == (
        f"{target}: byte 0 at (7FE0,0010): expected a fragment Item of defined length: PixelData does not hold "
        f"the items of encapsulated Pixel Data (PS3.5 A.4); native pixels are encoded by pixels.encode(image, '{JPEG_LS}')"
    )
