"""pixels.array against independent decoders, for every file of pydicom 3.0.2's corpus with pixel data.

Each corpus file with Pixel Data, Float Pixel Data or Double Float Pixel Data is in exactly
one of these groups (``test_every_corpus_file_is_accounted_for`` holds the lists to the corpus):

- ``EXACT``: equal, sample for sample and frame by frame, to pydicom's ``pixel_array``
  (``as_rgb=False``: the samples as stored; pydicom's decoders are its own numpy code,
  pylibjpeg-openjpeg, pyjpegls, Pillow), dtype included up to byte order.
- ``LOSSY_JPEG`` (JPEG Baseline and Extended): equal to dcmtk's ``dcmdjpeg +cn`` (no colour
  conversion; the IJG library), and within ``JPEG_TOLERANCE`` of pydicom (another IDCT);
  ``JPEG-lossy.dcm`` pydicom cannot decode, so dcmdjpeg only.
- ``RLE``: also equal to dcmtk's ``dcmdrle`` output.
- ``BIG_ENDIAN_32`` (Explicit VR Big Endian, Bits Allocated 32, OW): equal to dcmtk, which
  reads OW as 16-bit words each big endian (PS3.5 6.2), the low word first: to pydicom's
  reading of ``dcmconv +te``'s little endian output. pydicom reads these as 32-bit big endian
  numbers (its README: dcmconv's output "corrected using a script"), so not to pydicom's.
- ``NOT_DECODED``: each with the reason and the error pixels.array gives.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pydicom
import pydicom.data
import pytest
from pydicom.pixels.utils import pixel_array as pydicom_pixel_array

from dicom_runtime import pixels
from dicom_runtime.errors import DicomDecodeError
from dicom_runtime.fileformat import read_file

CORPUS = Path(pydicom.data.__file__).parent / "test_files"
JPEG_TOLERANCE = 3  # largest difference between libjpeg-turbo and Pillow's/libjpeg's IDCT seen: 3 (examples_ybr_color)

EXACT = [
    "693_J2KI.dcm",
    "CT_small.dcm",
    "ExplVR_BigEnd.dcm",
    "GDCMJ2K_TextGBR.dcm",
    "J2K_pixelrep_mismatch.dcm",
    "JPEG2000.dcm",
    "JPEGLSNearLossless_08.dcm",
    "JPEGLSNearLossless_16.dcm",
    "MR_small.dcm",
    "MR_small_RLE.dcm",
    "MR_small_bigendian.dcm",
    "MR_small_expb.dcm",
    "MR_small_implicit.dcm",
    "MR_small_jp2klossless.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "MR_small_padded.dcm",
    "SC_rgb_gdcm_KY.dcm",
    "SC_rgb_jls_lossy_line.dcm",
    "SC_rgb_jls_lossy_sample.dcm",
    "SC_rgb_jpeg_dcmd.dcm",
    "SC_rgb_jpeg_gdcm.dcm",
    "SC_rgb_rle.dcm",
    "SC_rgb_rle_16bit.dcm",
    "SC_rgb_rle_16bit_2frame.dcm",
    "SC_rgb_rle_2frame.dcm",
    "SC_rgb_rle_32bit.dcm",
    "SC_rgb_rle_32bit_2frame.dcm",
    "SC_rgb_small_odd.dcm",
    "SC_rgb_small_odd_big_endian.dcm",
    "SC_ybr_full_422_uncompressed.dcm",
    "examples_jpeg2k.dcm",
    "examples_overlay.dcm",
    "examples_palette.dcm",
    "examples_rgb_color.dcm",
    "image_dfl.dcm",
    "liver_1frame.dcm",
    "liver_expb_1frame.dcm",
    "rtdose.dcm",
    "rtdose_1frame.dcm",
    "rtdose_rle.dcm",
    "rtdose_rle_1frame.dcm",
]
LOSSY_JPEG = [
    "JPEG-lossy.dcm",
    "JPGExtended.dcm",
    "SC_jpeg_no_color_transform.dcm",
    "SC_jpeg_no_color_transform_2.dcm",
    "SC_rgb_dcmtk_+eb+cr.dcm",
    "SC_rgb_dcmtk_+eb+cy+n1.dcm",
    "SC_rgb_dcmtk_+eb+cy+n2.dcm",
    "SC_rgb_dcmtk_+eb+cy+np.dcm",
    "SC_rgb_dcmtk_+eb+cy+s2.dcm",
    "SC_rgb_dcmtk_+eb+cy+s4.dcm",
    "SC_rgb_jpeg.dcm",
    "SC_rgb_jpeg_app14_dcmd.dcm",
    "SC_rgb_jpeg_dcmtk.dcm",
    "SC_rgb_jpeg_lossy_gdcm.dcm",
    "SC_rgb_small_odd_jpeg.dcm",
    "examples_ybr_color.dcm",
]
#: pydicom cannot decode them either; dcmdjpeg: SC_rgb_jpeg.dcm has a damaged header for dcmtk.
PYDICOM_FAILS = {"JPEG-lossy.dcm"}
DCMDJPEG_FAILS = {"SC_rgb_jpeg.dcm"}
RLE = [n for n in EXACT if "RLE" in n or "rle" in n]
BIG_ENDIAN_32 = ["rtdose_expb.dcm", "rtdose_expb_1frame.dcm"]
#: file -> (the error pixels.array raises, a piece of its message, why)
NOT_DECODED: dict[str, tuple[type[Exception], str, str]] = {
    "JPEG2000-embedded-sequence-delimiter.dcm": (
        pixels.PixelDecodeError,
        r"frame 0, fragment 0: the JPEG 2000 Image Compression codestream header says 1024 x 3722445056",
        "its fragment is not a JPEG 2000 codestream OpenJPEG reads; pydicom fails on it too",
    ),
    "MR_truncated.dcm": (DicomDecodeError, "larger than the", "the file ends inside Pixel Data (the reader refuses it)"),
    "badVR.dcm": (pixels.PixelDataError, "'1A', not an integer", "Number of Frames is '1A'"),
    "meta_missing_tsyntax.dcm": (pixels.PixelDataError, "BitsAllocated (0028,0100) is absent", "no Image Pixel module"),
    "nested_priv_SQ.dcm": (pixels.PixelDataError, "BitsAllocated (0028,0100) is absent", "no Image Pixel module"),
}


def _ours(name: str, frame: int | None = None) -> npt.NDArray[Any]:
    file = read_file(CORPUS / name)
    return pixels.array(file.dataset, frame, transfer_syntax=file.transfer_syntax)


def _reference(path: Path) -> npt.NDArray[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(path)
        dataset.pixel_array_options(as_rgb=False)
        return dataset.pixel_array


def _frames_of(name: str) -> int:
    file = read_file(CORPUS / name)
    return pixels.pixel_info(file.dataset, transfer_syntax=file.transfer_syntax).number_of_frames


def _same(ours: npt.NDArray[Any], theirs: npt.NDArray[Any]) -> None:
    assert ours.shape == theirs.shape
    assert (ours.dtype.kind, ours.dtype.itemsize) == (theirs.dtype.kind, theirs.dtype.itemsize)
    assert np.array_equal(ours, theirs)


def _with_pixels() -> list[str]:
    names = []
    for path in sorted(CORPUS.iterdir()):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                dataset = pydicom.dcmread(path, stop_before_pixels=False)
        except Exception:
            continue
        if any(k in dataset for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
            names.append(path.name)
    return names


def test_every_corpus_file_is_accounted_for() -> None:
    groups = EXACT + LOSSY_JPEG + BIG_ENDIAN_32 + list(NOT_DECODED)
    assert len(groups) == len(set(groups))
    assert sorted(groups) == _with_pixels()


@pytest.mark.parametrize("name", EXACT)
def test_equal_to_pydicom(name: str) -> None:
    theirs = _reference(CORPUS / name)
    ours = _ours(name)
    _same(ours, theirs)
    count = _frames_of(name)
    if count > 1:
        file = read_file(CORPUS / name)
        every = pixels.frames(file.dataset, transfer_syntax=file.transfer_syntax)
        assert len(every) == count
        for i in range(count):  # each frame decoded alone
            _same(_ours(name, i), theirs[i])
            _same(every[i], theirs[i])


def _dcmtk(tool: str, options: list[str], name: str, tmp_path: Path) -> Path:
    executable = shutil.which(tool)
    assert executable is not None, f"{tool} (dcmtk) is needed"
    out = tmp_path / name
    run = subprocess.run([executable, *options, str(CORPUS / name), str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return out


@pytest.mark.parametrize("name", LOSSY_JPEG)
def test_lossy_jpeg_equal_to_dcmdjpeg_and_near_pydicom(name: str, tmp_path: Path) -> None:
    ours = _ours(name)
    count = _frames_of(name)
    if name not in DCMDJPEG_FAILS:
        decompressed = _dcmtk("dcmdjpeg", ["+cn"], name, tmp_path)  # +cn: no colour conversion
        _same(ours, _reference(decompressed))
    if name not in PYDICOM_FAILS:
        theirs = _reference(CORPUS / name)
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        assert int(np.abs(ours.astype(np.int64) - theirs.astype(np.int64)).max()) <= JPEG_TOLERANCE
    assert name not in DCMDJPEG_FAILS or name not in PYDICOM_FAILS
    for i in range(count if count > 1 else 0):
        assert np.array_equal(_ours(name, i), ours[i])


@pytest.mark.parametrize("name", RLE)
def test_rle_equal_to_dcmdrle(name: str, tmp_path: Path) -> None:
    decompressed = _dcmtk("dcmdrle", [], name, tmp_path)
    _same(_ours(name), _reference(decompressed))


@pytest.mark.parametrize("name", BIG_ENDIAN_32)
def test_big_endian_32_bit_as_dcmtk_reads_it(name: str, tmp_path: Path) -> None:
    little = _dcmtk("dcmconv", ["+te"], name, tmp_path)
    theirs = _reference(little)
    ours = _ours(name)
    _same(ours, theirs)
    for i in range(_frames_of(name) if theirs.ndim == 3 else 0):
        _same(_ours(name, i), theirs[i])
    # the 16-bit words in the other order: pydicom's reading, not the same numbers
    assert not np.array_equal(ours, _reference(CORPUS / name))


@pytest.mark.parametrize("name", sorted(NOT_DECODED))
def test_not_decoded(name: str) -> None:
    error, text, _why = NOT_DECODED[name]
    with pytest.raises(error, match=text.replace("(", r"\(").replace(")", r"\)")):
        _ours(name)


@pytest.mark.parametrize("name", ["SC_rgb_dcmtk_+eb+cy+n2.dcm", "SC_ybr_full_422_uncompressed.dcm", "SC_rgb_jpeg_dcmtk.dcm"])
def test_convert_color_equals_pydicom_rgb(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rgb = pydicom_pixel_array(str(CORPUS / name))  # as_rgb=True: pydicom's YBR to RGB
    ybr = _ours(name)
    photometric = pydicom.dcmread(CORPUS / name).PhotometricInterpretation
    converted = pixels.convert_color(ybr, photometric, "RGB")
    assert int(np.abs(converted.astype(np.int64) - rgb.astype(np.int64)).max()) <= 1
    assert not np.array_equal(ybr, converted)  # array() itself did not convert


def test_palette_equals_pydicom() -> None:
    from pydicom.pixels.processing import apply_color_lut

    dataset = pydicom.dcmread(CORPUS / "examples_palette.dcm")
    ours = pixels.apply_palette(_ours("examples_palette.dcm"), read_file(CORPUS / "examples_palette.dcm").dataset)
    _same(ours, apply_color_lut(dataset.pixel_array, dataset))


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "rtdose.dcm"])
def test_modality_and_voi_equal_pydicom(name: str) -> None:
    from pydicom.pixels.processing import apply_modality_lut, apply_voi_lut

    dataset = pydicom.dcmread(CORPUS / name)
    file = read_file(CORPUS / name)
    stored = _ours(name)
    ours = pixels.apply_modality_lut(stored, file.dataset)
    theirs = apply_modality_lut(dataset.pixel_array, dataset)
    assert np.allclose(ours, theirs)
    if "WindowCenter" in dataset:
        center = dataset["WindowCenter"].value
        width = dataset["WindowWidth"].value
        first = (float(v[0]) if dataset[k].VM > 1 else float(v) for k, v in (("WindowCenter", center), ("WindowWidth", width)))
        windowed = pixels.apply_window(ours, *first, output_range=_voi_range(dataset))
        assert np.allclose(windowed, apply_voi_lut(theirs, dataset))


def _voi_range(dataset: pydicom.Dataset) -> tuple[float, float]:
    """pydicom's output range for windowing: that of the stored values' bits (its documented choice)."""
    bits = int(dataset.BitsStored)
    if dataset.PixelRepresentation:
        return (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    return (0, 2**bits - 1)


def test_encapsulated_frame_decodes_that_frame_only(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[int] = []
    original = pixels.decode._decode_frame

    def counting(data: bytes, info: pixels.PixelInfo, index: int, out: npt.NDArray[Any] | None) -> npt.NDArray[Any]:
        decoded.append(index)
        return original(data, info, index, out)

    monkeypatch.setattr(pixels.decode, "_decode_frame", counting)
    whole = _ours("examples_ybr_color.dcm")
    decoded.clear()
    assert np.array_equal(_ours("examples_ybr_color.dcm", 17), whole[17])
    assert decoded == [17]
