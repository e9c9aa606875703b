"""pixels: native encodings built here, written by the writer and decoded by pixels.array and by
pydicom (an independent decoder); frames, errors, colour, LUTs, set_array and its round trip."""

from __future__ import annotations

import builtins
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

from dicom_runtime import pixels
from dicom_runtime.codec import swap_bytes
from dicom_runtime.dataset import DataElement, Dataset, EncapsulatedPixelData
from dicom_runtime.fileformat import read_file, write_file
from dicom_runtime.typed import read, write
from tests.test_iod_classes import _ct

LE = "1.2.840.10008.1.2.1"
BE = "1.2.840.10008.1.2.2"
IMPLICIT = "1.2.840.10008.1.2"
CORPUS = Path(pydicom.data.__file__).parent / "test_files"
RNG = np.random.default_rng(17)


def _dataset(
    rows: int,
    columns: int,
    *,
    samples: int = 1,
    bits_allocated: int = 16,
    bits_stored: int | None = None,
    high_bit: int | None = None,
    signed: int = 0,
    frames: int | None = None,
    planar: int | None = None,
    photometric: str | None = None,
) -> Dataset:
    dataset = Dataset()
    dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
    dataset.add(0x00080018, "UI", "1.2.3.4.5.6")
    dataset.add(0x00280002, "US", samples)
    dataset.add(0x00280004, "CS", photometric or ("MONOCHROME2" if samples == 1 else "RGB"))
    if planar is not None:
        dataset.add(0x00280006, "US", planar)
    if frames is not None:
        dataset.add(0x00280008, "IS", str(frames))
    dataset.add(0x00280010, "US", rows)
    dataset.add(0x00280011, "US", columns)
    dataset.add(0x00280100, "US", bits_allocated)
    stored = bits_stored if bits_stored is not None else bits_allocated
    dataset.add(0x00280101, "US", stored)
    dataset.add(0x00280102, "US", high_bit if high_bit is not None else stored - 1)
    dataset.add(0x00280103, "US", signed)
    return dataset


def _write_and_decode(dataset: Dataset, syntax: str, tmp_path: Path) -> tuple[npt.NDArray[Any], npt.NDArray[Any], Path]:
    path = tmp_path / "built.dcm"
    write_file(path, dataset, syntax)
    file = read_file(path)
    ours = pixels.array(file.dataset, transfer_syntax=file.transfer_syntax)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pydicom.dcmread(path).pixel_array
    return ours, theirs, path


def _dcmconv_te(path: Path, tmp_path: Path) -> Path:
    """dcmtk's Explicit VR Little Endian version of ``path``."""
    executable = shutil.which("dcmconv")
    assert executable is not None, "dcmconv (dcmtk) is needed"
    out = tmp_path / f"{path.stem}_te.dcm"
    run = subprocess.run([executable, "+te", str(path), str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return out


def _pydicom_of(path: Path) -> npt.NDArray[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(pydicom.dcmread(path).pixel_array)


def _same(ours: npt.NDArray[Any], theirs: npt.NDArray[Any]) -> None:
    assert ours.shape == theirs.shape
    assert (ours.dtype.kind, ours.dtype.itemsize) == (theirs.dtype.kind, theirs.dtype.itemsize)
    assert np.array_equal(ours, theirs)


NATIVE_CASES = [
    # bits allocated, bits stored, signed, samples, planar, frames
    (8, 8, 0, 1, None, None),
    (8, 8, 1, 1, None, 3),
    (8, 6, 1, 1, None, None),
    (16, 16, 0, 1, None, None),
    (16, 16, 1, 1, None, 2),
    (16, 12, 0, 1, None, None),
    (16, 12, 1, 1, None, 4),
    (16, 10, 1, 3, 0, None),
    (32, 32, 0, 1, None, 2),
    (32, 32, 1, 1, None, None),
    (32, 24, 1, 1, None, None),
    (8, 8, 0, 3, 0, 2),
    (8, 8, 0, 3, 1, 2),
    (16, 16, 0, 3, 1, None),
]


@pytest.mark.parametrize("syntax", [LE, BE, IMPLICIT])
@pytest.mark.parametrize(("allocated", "stored", "signed", "samples", "planar", "frames"), NATIVE_CASES)
def test_native_equal_to_pydicom(
    syntax: str, allocated: int, stored: int, signed: int, samples: int, planar: int | None, frames: int | None, tmp_path: Path
) -> None:
    rows, columns = 7, 5
    count = frames or 1
    dataset = _dataset(rows, columns, samples=samples, bits_allocated=allocated, bits_stored=stored, signed=signed, frames=frames, planar=planar)
    # every bit random, the unused high bits too: they must be masked off (and the sign extended)
    words = RNG.integers(0, 2**allocated, size=rows * columns * samples * count, dtype=np.uint64)
    order = ">" if syntax == BE else "<"
    data = words.astype(f"{order}u{allocated // 8}").tobytes()
    if syntax == BE and allocated == 32:
        # OW is 16-bit words, each swapped (PS3.5 6.2): the low word first, as dcmtk writes it
        data = swap_bytes(words.astype("<u4").tobytes(), "OW")
    vr = "OW" if allocated > 8 else "OB"
    dataset.add(0x7FE00010, vr, data + b"\0" * (len(data) % 2))
    ours, theirs, path = _write_and_decode(dataset, syntax, tmp_path)
    if syntax == BE and allocated == 32:
        # pydicom reads 32-bit OW big endian as 32-bit numbers: dcmtk's reading instead, its
        # dcmconv +te output read by pydicom
        theirs = _pydicom_of(_dcmconv_te(path, tmp_path))
    _same(ours, theirs)
    # independently of pydicom: the low Bits Stored bits of each word, two's complement when signed
    values = [int(w) & ((1 << stored) - 1) for w in words]
    if signed:
        values = [v - (1 << stored) if v >= 1 << (stored - 1) else v for v in values]
    expected = np.array(values).reshape(count, *((samples, rows, columns) if planar == 1 else (rows, columns, samples)))
    if planar == 1:
        expected = expected.transpose(0, 2, 3, 1)
    assert np.array_equal(ours.reshape(expected.shape), expected)
    file = read_file(path)
    for i in range(count):
        _same(pixels.array(file.dataset, i, transfer_syntax=file.transfer_syntax), theirs[i] if frames and frames > 1 else theirs)


def test_high_bit_below_the_top_shifts_the_stored_bits_down() -> None:
    # Bits Stored 8 at bits 2..9 of each 16-bit word (High Bit 9): PS3.5 8.1.1, Figure D.1-2's kind
    dataset = _dataset(1, 3, bits_allocated=16, bits_stored=8, high_bit=9, signed=1)
    stored = [0x7F, 0x80, 0xFF]  # 127, -128, -1
    words = [(v << 2) | 0b11 | 0xFC00 for v in stored]  # garbage in the bits around them
    dataset.add(0x7FE00010, "OW", np.array(words, dtype="<u2").tobytes())
    assert pixels.array(dataset).tolist() == [[127, -128, -1]]


def test_single_bit_frames_that_do_not_end_on_a_byte(tmp_path: Path) -> None:
    rows, columns, frames = 5, 3, 3  # 15 bits a frame: frames 1 and 2 start within a byte
    dataset = _dataset(rows, columns, bits_allocated=1, frames=frames)
    bits = RNG.integers(0, 2, size=rows * columns * frames, dtype=np.uint8)
    data = np.packbits(bits, bitorder="little").tobytes()
    dataset.add(0x7FE00010, "OB", data + b"\0" * (len(data) % 2))
    for syntax in (LE, BE):
        ours, theirs, path = _write_and_decode(dataset, syntax, tmp_path)
        _same(ours, theirs)
        assert np.array_equal(ours.reshape(-1), bits)
        file = read_file(path)
        for i in range(frames):
            _same(pixels.array(file.dataset, i, transfer_syntax=syntax), theirs[i])


@pytest.mark.parametrize(("tag", "vr", "dtype"), [(0x7FE00008, "OF", "f4"), (0x7FE00009, "OD", "f8")])
@pytest.mark.parametrize("syntax", [LE, BE])
def test_float_and_double_float_pixel_data(tag: int, vr: str, dtype: str, syntax: str, tmp_path: Path) -> None:
    dataset = _dataset(4, 6, bits_allocated=int(dtype[1]) * 8, frames=2)
    del dataset[0x00280101], dataset[0x00280102], dataset[0x00280103]  # not in the Floating Point Image Pixel module
    values = RNG.normal(size=(2, 4, 6)).astype(dtype)
    dataset.add(tag, vr, values.astype(f"{'>' if syntax == BE else '<'}{dtype}").tobytes())
    ours, theirs, path = _write_and_decode(dataset, syntax, tmp_path)
    _same(ours, theirs)
    assert np.array_equal(ours, values)
    assert np.array_equal(pixels.array(read_file(path).dataset, 1, transfer_syntax=syntax), values[1])


def test_native_frame_is_a_slice_of_its_bytes() -> None:
    # frame 1 decodes although the bytes of frame 0 are not there: only its own bytes are read
    dataset = _dataset(2, 2, bits_allocated=16, frames=3)
    dataset.add(0x7FE00010, "OW", bytes(24))
    assert pixels.array(dataset, 2).shape == (2, 2)
    with pytest.raises(pixels.PixelDataError, match=r"frame 3 is not within 0..2"):
        pixels.array(dataset, 3)


def test_short_pixel_data_names_both_lengths() -> None:
    dataset = _dataset(10, 10, bits_allocated=16, frames=2)
    dataset.add(0x7FE00010, "OW", bytes(300))
    with pytest.raises(pixels.PixelDataError, match=r"PixelData \(7FE0,0010\) has 300 bytes; .* need 400"):
        pixels.array(dataset)


def test_missing_codec_names_the_extra_and_the_transfer_syntax(monkeypatch: pytest.MonkeyPatch) -> None:
    file = read_file(CORPUS / "JPEG2000.dcm")
    real_import = builtins.__import__

    def no_imagecodecs(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "imagecodecs":
            raise ImportError("no imagecodecs")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_imagecodecs)
    with pytest.raises(pixels.MissingCodecError, match=r"JPEG 2000 Image Compression \(1.2.840.10008.1.2.4.91\) needs imagecodecs: pip install 'dicom-typed\[pixels\]'"):
        pixels.array(file.dataset, transfer_syntax=file.transfer_syntax)
    assert pixels.array(read_file(CORPUS / "MR_small_RLE.dcm").dataset, transfer_syntax="1.2.840.10008.1.2.5").shape == (64, 64)


def test_imagecodecs_is_installed() -> None:
    import imagecodecs  # the test extra installs the pixels extra: its absence is a failure

    assert imagecodecs.JPEG8.available and imagecodecs.LJPEG.available and imagecodecs.JPEGLS.available and imagecodecs.JPEG2K.available


def test_typed_instance_read_from_a_file() -> None:
    image = read(CORPUS / "CT_small.dcm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(pixels.array(image), pydicom.dcmread(CORPUS / "CT_small.dcm").pixel_array)


def _ybr_file() -> tuple[Dataset, str, npt.NDArray[Any]]:
    file = read_file(CORPUS / "examples_ybr_color.dcm")  # 30 frames, one fragment each, with a Basic Offset Table
    return file.dataset, file.transfer_syntax, pixels.array(file.dataset, transfer_syntax=file.transfer_syntax)


def _replace_pixels(dataset: Dataset, offsets: bytes, fragments: list[bytes]) -> None:
    dataset[0x7FE00010] = DataElement(0x7FE00010, "OB", EncapsulatedPixelData(offsets, fragments), undefined_length=True)


def _split(fragments: list[bytes]) -> list[list[bytes]]:
    return [[f[: len(f) // 3], f[len(f) // 3 :]] if i % 2 else [f] for i, f in enumerate(fragments)]


def test_frames_found_without_an_offset_table() -> None:
    dataset, syntax, whole = _ybr_file()
    value = dataset[0x7FE00010].value
    assert isinstance(value, EncapsulatedPixelData)
    split = _split(value.fragments)
    _replace_pixels(dataset, b"", [f for group in split for f in group])  # 45 fragments, 30 frames, no table
    assert np.array_equal(pixels.array(dataset, 7, transfer_syntax=syntax), whole[7])
    assert np.array_equal(pixels.array(dataset, transfer_syntax=syntax), whole)


def test_basic_and_extended_offset_tables() -> None:
    dataset, syntax, whole = _ybr_file()
    value = dataset[0x7FE00010].value
    assert isinstance(value, EncapsulatedPixelData)
    split = _split(value.fragments)
    offsets, position = [], 0
    for group in split:
        offsets.append(position)
        position += sum(8 + len(f) for f in group)
    fragments = [f for group in split for f in group]
    _replace_pixels(dataset, np.array(offsets, dtype="<u4").tobytes(), fragments)
    assert np.array_equal(pixels.array(dataset, 29, transfer_syntax=syntax), whole[29])
    _replace_pixels(dataset, b"", fragments)
    dataset.add(0x7FE00001, "OV", np.array(offsets, dtype="<u8").tobytes())
    dataset.add(0x7FE00002, "OV", np.array([0] * 30, dtype="<u8").tobytes())
    assert np.array_equal(pixels.array(dataset, 3, transfer_syntax=syntax), whole[3])
    dataset.add(0x7FE00001, "OV", np.array([o + 2 for o in offsets], dtype="<u8").tobytes())
    with pytest.raises(pixels.PixelDecodeError, match=r"frame 0: the Extended Offset Table \(7FE0,0001\)'s offset 2 is not the start of a fragment"):
        pixels.array(dataset, 0, transfer_syntax=syntax)


def test_rle_header_of_the_wrong_segment_count() -> None:
    file = read_file(CORPUS / "MR_small_RLE.dcm")
    value = file.dataset[0x7FE00010].value
    assert isinstance(value, EncapsulatedPixelData)
    broken = (1).to_bytes(4, "little") + value.fragments[0][4:]
    _replace_pixels(file.dataset, b"", [broken])
    with pytest.raises(pixels.PixelDataError, match=r"the RLE Header has 1 segments; Samples per Pixel 1 x Bits Allocated 16 need 2"):
        pixels.array(file.dataset, transfer_syntax=file.transfer_syntax)


def test_rle_decoder_on_packbits_runs() -> None:
    # PS3.5 G.3.1: literal run (n=2: 3 bytes), replicate run (-3: 4 times), no-op (-128)
    info = pixels.PixelInfo(1, 8, 1, 8, 8, 7, 0, "MONOCHROME2", 0, 1, "PixelData", "1.2.840.10008.1.2.5")
    segment = bytes([2, 1, 2, 3, 0x80, 256 - 3, 9, 0, 4])
    header = (1).to_bytes(4, "little") + (64).to_bytes(4, "little") + bytes(56)
    assert pixels.rle_decode_frame(header + segment, info).tolist() == [[1, 2, 3, 9, 9, 9, 9, 4]]


def test_convert_color_round_trip() -> None:
    rgb = RNG.integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    ybr = pixels.convert_color(rgb, "RGB", "YBR_FULL")
    back = pixels.convert_color(ybr, "YBR_FULL", "RGB")
    assert int(np.abs(back.astype(int) - rgb.astype(int)).max()) <= 2
    grey = np.full((2, 2, 3), 77, dtype=np.uint8)
    assert np.array_equal(pixels.convert_color(grey, "RGB", "YBR_FULL")[..., 1:], np.full((2, 2, 2), 128))
    with pytest.raises(pixels.PixelDataError, match="no conversion from RGB to HSV"):
        pixels.convert_color(rgb, "RGB", "HSV")


@pytest.mark.parametrize("function", ["LINEAR", "LINEAR_EXACT", "SIGMOID"])
def test_window_equals_pydicom(function: str) -> None:
    from pydicom.pixels.processing import apply_windowing

    values = np.arange(-200, 1200, 7, dtype=np.int16)
    theirs_ds = pydicom.Dataset()
    theirs_ds.PhotometricInterpretation, theirs_ds.BitsStored, theirs_ds.PixelRepresentation = "MONOCHROME2", 8, 0
    theirs_ds.WindowCenter, theirs_ds.WindowWidth, theirs_ds.VOILUTFunction = 400, 301, function
    theirs_ds.RescaleSlope, theirs_ds.RescaleIntercept = 1, 0
    theirs = apply_windowing(values.astype(float), theirs_ds)
    ours = pixels.apply_window(values, 400, 301, function=function, output_range=(0, 255))
    assert np.allclose(ours, theirs)


def test_modality_and_voi_lut_sequences_equal_pydicom(tmp_path: Path) -> None:
    from pydicom.pixels.processing import apply_modality_lut, apply_voi_lut

    source = pydicom.dcmread(CORPUS / "CT_small.dcm")
    modality = pydicom.Dataset()
    modality.LUTDescriptor = [256, 0, 16]
    modality.LUTData = [i * 3 + 5 for i in range(256)]
    modality["LUTData"].VR = "US"
    modality.ModalityLUTType = "HU"
    voi = pydicom.Dataset()
    voi.LUTDescriptor = [100, 50, 8]
    voi.LUTData = list(range(0, 200, 2))
    voi["LUTData"].VR = "US"
    source.ModalityLUTSequence = [modality]
    source.VOILUTSequence = [voi]
    for keyword in ("RescaleSlope", "RescaleIntercept", "WindowCenter", "WindowWidth"):
        if keyword in source:
            delattr(source, keyword)
    path = tmp_path / "luts.dcm"
    source.save_as(path)
    values = np.arange(0, 300, dtype=np.uint16).reshape(10, 30)
    ours_ds = read_file(path).dataset
    assert np.array_equal(pixels.apply_modality_lut(values, ours_ds), apply_modality_lut(values, source))
    assert np.array_equal(pixels.apply_voi_lut(values, ours_ds), apply_voi_lut(values, source))


# -- set_array ----------------------------------------------------------------------------------------

DCIODVFY = shutil.which("dciodvfy")
PIXEL_WORDS = ("Pixel", "Bits", "HighBit", "High Bit", "Rows", "Columns", "Photometric", "Samples", "Planar", "Frames")


def _dciodvfy_errors(path: Path) -> set[str]:
    assert DCIODVFY is not None, "dciodvfy (dicom3tools) is needed"
    run = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True, errors="replace", timeout=120)
    return {line.strip() for line in (run.stdout + run.stderr).splitlines() if line.startswith("Error")}


@pytest.mark.parametrize(
    ("dtype", "stored", "low", "high"),
    [(np.int16, 12, -2048, 2048), (np.uint16, 16, 0, 65536), (np.int16, 16, -32768, 32768), (np.uint16, 12, 0, 4096)],
)
def test_set_array_on_a_ct_image_round_trip(dtype: type, stored: int, low: int, high: int, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.dcm"
    write(_ct(), baseline)
    image = _ct()
    values = RNG.integers(low, high, size=(61, 47), dtype=dtype)  # odd sizes: Pixel Data padded to even
    pixels.set_array(image, values, photometric="MONOCHROME2", bits_stored=stored)
    assert (image.Rows, image.Columns, image.BitsAllocated, image.BitsStored, image.HighBit) == (61, 47, 16, stored, stored - 1)
    assert image.PixelRepresentation == (1 if np.dtype(dtype).kind == "i" else 0)
    assert image.errors() == []
    path = tmp_path / "ct.dcm"
    write(image, path)
    errors = _dciodvfy_errors(path)
    assert errors <= _dciodvfy_errors(baseline)  # nothing new; in particular nothing about pixels
    assert not [e for e in errors if any(w in e for w in PIXEL_WORDS)]
    back = read(path)
    _same(pixels.array(back), values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(pydicom.dcmread(path).pixel_array, values)


@pytest.mark.parametrize(
    ("shape", "dtype", "photometric", "planar"),
    [
        ((3, 9, 11), np.uint16, "MONOCHROME2", 0),
        ((9, 11, 3), np.uint8, "RGB", 0),
        ((9, 11, 3), np.uint8, "RGB", 1),
        ((2, 9, 11, 3), np.uint16, "RGB", 1),
        ((4, 5, 3), np.bool_, "MONOCHROME2", 0),
        ((2, 5, 7), np.int32, "MONOCHROME1", 0),
        ((2, 5, 7), np.int8, "MONOCHROME2", 0),
        ((2, 5, 7), np.float32, "MONOCHROME2", 0),
        ((5, 7), np.float64, "MONOCHROME2", 0),
        ((9, 11, 3), np.uint8, "YBR_FULL", 0),
    ],
)
def test_set_array_on_a_dataset_round_trip(shape: tuple[int, ...], dtype: type, photometric: str, planar: int, tmp_path: Path) -> None:
    if np.dtype(dtype).kind == "f":
        values: npt.NDArray[Any] = RNG.normal(size=shape).astype(dtype)
    elif np.dtype(dtype).kind == "b":
        values = RNG.integers(0, 2, size=shape).astype(bool)
    else:
        info = np.iinfo(dtype)
        values = RNG.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    dataset = _dataset(1, 1)
    pixels.set_array(dataset, values, photometric=photometric, planar_configuration=planar)
    ours, theirs, _ = _write_and_decode(dataset, LE, tmp_path)
    expected = values.astype(np.uint8) if values.dtype == np.bool_ else values
    _same(ours, expected)
    if photometric == "YBR_FULL":  # pydicom converts to RGB by default
        assert int(np.abs(theirs.astype(int) - pixels.convert_color(ours, "YBR_FULL", "RGB").astype(int)).max()) <= 1
    else:
        _same(theirs, expected)


def test_set_array_refuses_what_does_not_fit() -> None:
    dataset = _dataset(1, 1)
    with pytest.raises(pixels.PixelDataError, match="values 0..4096 do not fit Bits Stored 12"):
        pixels.set_array(dataset, np.array([[0, 4096]], dtype=np.uint16), bits_stored=12)
    with pytest.raises(pixels.PixelDataError, match="dtype complex128"):
        pixels.set_array(dataset, np.zeros((2, 2), dtype=complex))
    with pytest.raises(pixels.PixelDataError, match=r"shape \(2, 2\) for RGB"):
        pixels.set_array(dataset, np.zeros((2, 2), dtype=np.uint8), photometric="RGB")
    with pytest.raises(pixels.PixelDataError, match=r"CTImage has no FloatPixelData \(7FE0,0008\): a float32 array"):
        pixels.set_array(_ct(), np.zeros((2, 2), dtype=np.float32))


def test_set_array_removes_the_smallest_and_largest_image_pixel_value(tmp_path: Path) -> None:
    """MR_small.dcm's SS 0 / 4000 described its old pixels; after an 8-bit unsigned array they
    stayed, contradicting it. They are removed (Type 3), on a data set and on a typed instance."""
    values = RNG.integers(10, 200, size=(8, 8), dtype=np.uint8)
    dataset = read_file(CORPUS / "MR_small.dcm").dataset
    assert (dataset[0x00280106].vr, dataset.value(0x00280107)) == ("SS", 4000)
    pixels.set_array(dataset, values)
    assert 0x00280106 not in dataset and 0x00280107 not in dataset
    image = _ct(SmallestImagePixelValue=0, LargestImagePixelValue=4000)
    pixels.set_array(image, values)
    assert image.SmallestImagePixelValue is None and image.LargestImagePixelValue is None
    path = tmp_path / "ct.dcm"
    write(image, path)
    theirs = pydicom.dcmread(path)
    assert "SmallestImagePixelValue" not in theirs and "LargestImagePixelValue" not in theirs
    _same(np.asarray(theirs.pixel_array), values)


def test_set_array_on_an_instance_read_in_an_encapsulated_syntax(tmp_path: Path) -> None:
    dataset = read_file(CORPUS / "MR_small_RLE.dcm").dataset
    dataset.file_meta = read_file(CORPUS / "MR_small_RLE.dcm").meta
    values = RNG.integers(0, 1000, size=(8, 8), dtype=np.uint16)
    pixels.set_array(dataset, values)
    assert dataset.file_meta is not None and dataset.file_meta.value(0x00020010) == LE  # native now
    path = tmp_path / "native.dcm"
    write(dataset, path)
    _same(pixels.array(read_file(path).dataset), values)


@pytest.mark.parametrize(("signed", "syntax"), [(0, "1.2.840.10008.1.2.4.201"), (1, "1.2.840.10008.1.2.4.203")])
def test_htj2k_encoded_here_decoded_by_both(signed: int, syntax: str, tmp_path: Path) -> None:
    import imagecodecs

    # the corpus has no HTJ2K file: two frames coded by imagecodecs' HTJ2K encoder (OpenJPH)
    dtype = np.int16 if signed else np.uint16
    values = RNG.integers(-2048 if signed else 0, 2048 if signed else 4096, size=(2, 33, 40), dtype=dtype)
    dataset = _dataset(33, 40, bits_allocated=16, bits_stored=12, signed=signed, frames=2)
    fragments = [bytes(imagecodecs.htj2k_encode(frame, level=0)) for frame in values]
    fragments = [f + b"\0" * (len(f) % 2) for f in fragments]
    _replace_pixels(dataset, b"", fragments)
    ours, theirs, path = _write_and_decode(dataset, syntax, tmp_path)
    _same(ours, values)
    _same(theirs, values)
    assert np.array_equal(pixels.array(read_file(path).dataset, 1, transfer_syntax=syntax), values[1])


def test_set_array_on_a_typed_instance_read_from_rle(tmp_path: Path) -> None:
    dose = read(CORPUS / "rtdose_rle.dcm", strict=False)  # an RTDose instance, Number of Frames 15, RLE Lossless
    assert not isinstance(dose, Dataset)
    before = pixels.array(dose, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(before, pydicom.dcmread(CORPUS / "rtdose_rle.dcm").pixel_array[4])
    values = RNG.integers(0, 2**32, size=(3, 10, 10), dtype=np.uint32)
    pixels.set_array(dose, values)
    assert getattr(dose, "NumberOfFrames") == 3
    path = tmp_path / "dose.dcm"
    write(dose, path, validate=False)  # rtdose_rle lacks a Type 2 attribute (see test_roundtrip)
    assert read_file(path).transfer_syntax == LE
    _same(pixels.array(read(path, strict=False)), values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(pydicom.dcmread(path).pixel_array, values)


def _dcmtk(tool: str, options: list[str], source: Path, out: Path) -> Path:
    executable = shutil.which(tool)
    assert executable is not None, f"{tool} (dcmtk) is needed"
    run = subprocess.run([executable, *options, str(source), str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return out


def _native_of(path: Path) -> npt.NDArray[Any]:
    file = read_file(path)
    return pixels.array(file.dataset, transfer_syntax=file.transfer_syntax)


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "rtdose.dcm", "examples_rgb_color.dcm", "SC_rgb_small_odd.dcm"])
def test_rle_encoded_by_dcmcrle(name: str, tmp_path: Path) -> None:
    # dcmtk's RLE encoder, independent of pydicom's corpus files: lossless, so equal to the original
    encoded = _dcmtk("dcmcrle", [], CORPUS / name, tmp_path / "rle.dcm")
    assert read_file(encoded).transfer_syntax == "1.2.840.10008.1.2.5"
    _same(_native_of(encoded), _native_of(CORPUS / name))


@pytest.mark.parametrize("options", [["+e1"], ["+el", "+sv", "3"], ["+e1", "+fs", "1"], ["+e1", "+fs", "1", "-ot"]])
@pytest.mark.parametrize("name", ["CT_small.dcm", "examples_rgb_color.dcm", "multi"])
def test_jpeg_lossless_encoded_by_dcmcjpeg(name: str, options: list[str], tmp_path: Path) -> None:
    # +fs 1: fragments of 1 KiB, several a frame; -ot: and no Basic Offset Table (frames found by SOI)
    if name == "multi":
        source = tmp_path / "multi.dcm"
        dataset = _dataset(1, 1)
        pixels.set_array(dataset, RNG.integers(0, 4096, size=(4, 40, 30), dtype=np.uint16), bits_stored=12)
        write_file(source, dataset, LE)
    else:
        source = CORPUS / name
    encoded = _dcmtk("dcmcjpeg", options, source, tmp_path / "jpeg.dcm")
    file = read_file(encoded)
    value = file.dataset[0x7FE00010].value
    assert isinstance(value, EncapsulatedPixelData)
    assert ("+fs" in options) == (len(value.fragments) > pixels.pixel_info(file.dataset).number_of_frames)
    assert ("-ot" in options) == (value.offsets == b"")  # dcmcjpeg writes a Basic Offset Table unless -ot
    original = _native_of(source)
    _same(_native_of(encoded), original)
    if name == "multi":
        for i in range(4):
            _same(pixels.array(file.dataset, i, transfer_syntax=file.transfer_syntax), original[i])
