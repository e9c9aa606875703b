"""pixels.encode / transcode: round trips as a property (decoded here and by pydicom's own
decoders: its numpy RLE, pyjpegls, pylibjpeg-openjpeg), dcmtk decoding what is written here
(dcmdrle, dcmdjpls, dcmdjpeg), this module decoding what dcmtk writes (dcmcjpls, dcmcjpeg
baseline) equal to dcmtk's own decompression, dciodvfy on what is written, offset tables,
fragments and the Lossy Image Compression attributes."""

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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dicom_runtime import pixels
from dicom_runtime.dataset import Dataset, EncapsulatedPixelData
from dicom_runtime.errors import DicomDecodeError
from dicom_runtime.fileformat import read_file, write_file

CORPUS = Path(pydicom.data.__file__).parent / "test_files"
LE = "1.2.840.10008.1.2.1"
RLE = "1.2.840.10008.1.2.5"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JLS = "1.2.840.10008.1.2.4.80"
JLS_NEAR = "1.2.840.10008.1.2.4.81"
J2K = "1.2.840.10008.1.2.4.90"
J2K_LOSSY = "1.2.840.10008.1.2.4.91"
HTJ2K = "1.2.840.10008.1.2.4.201"
HTJ2K_LOSSY = "1.2.840.10008.1.2.4.203"
LOSSLESS = [RLE, JLS, J2K, HTJ2K]
#: Bits Allocated each lossless encoder takes here (JPEG-LS: Bits Stored 2..16)
BITS = {RLE: (8, 16, 32), JLS: (8, 16), J2K: (8, 16), HTJ2K: (8, 16)}


def _pydicom(path: Path) -> npt.NDArray[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(path)
        dataset.pixel_array_options(as_rgb=False)
        return np.asarray(dataset.pixel_array)


def _ours(path: Path) -> npt.NDArray[Any]:
    file = read_file(path)
    return pixels.array(file.dataset, transfer_syntax=file.transfer_syntax)


def _base() -> Dataset:
    dataset = Dataset()
    dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")  # Secondary Capture
    dataset.add(0x00080018, "UI", "1.2.826.0.1.3680043.10.1017.1")
    return dataset


@st.composite
def _layouts(draw: st.DrawFn) -> tuple[str, npt.NDArray[Any], int, int]:
    syntax = draw(st.sampled_from(LOSSLESS))
    bits = draw(st.sampled_from(BITS[syntax]))
    signed = draw(st.booleans())
    stored = draw(st.integers(2 if syntax == JLS else 1, bits))
    samples = draw(st.sampled_from([1, 3]))
    planar = draw(st.sampled_from([0, 1])) if samples == 3 else 0
    frames = draw(st.integers(1, 3))
    rows, columns = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    low, high = (-(1 << (stored - 1)), (1 << (stored - 1)) - 1) if signed else (0, (1 << stored) - 1)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    shape = (frames, rows, columns) + ((3,) if samples == 3 else ())
    values = rng.integers(low, high, size=shape, endpoint=True, dtype=np.int64)
    if draw(st.booleans()):  # runs, for RLE's Replicate Runs
        values[..., : columns // 2] = low
    dtype = np.dtype(f"{'i' if signed else 'u'}{bits // 8}")
    return syntax, values.astype(dtype), stored, planar


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=_layouts())
def test_encode_then_decode_is_lossless(layout: tuple[str, npt.NDArray[Any], int, int], tmp_path: Path) -> None:
    syntax, values, stored, planar = layout
    dataset = _base()
    photometric = "RGB" if values.ndim == 4 else "MONOCHROME2"
    pixels.set_array(dataset, values, photometric=photometric, bits_stored=stored, planar_configuration=planar, multi_frame=True)
    pixels.encode(dataset, syntax)
    value = dataset[0x7FE00010].value
    assert isinstance(value, EncapsulatedPixelData)
    assert len(value.fragments) == values.shape[0] and all(len(f) % 2 == 0 for f in value.fragments)
    path = tmp_path / "encoded.dcm"
    write_file(path, dataset, syntax)
    expected = values if values.shape[0] > 1 else values[0]
    ours = _ours(path)
    assert ours.dtype == values.dtype and np.array_equal(ours, expected)
    for i in range(values.shape[0]):
        assert np.array_equal(pixels.array(read_file(path).dataset, i), values[i])
    theirs = _pydicom(path).astype(np.int64)  # pydicom's own decoders (RLE: numpy; pyjpegls; pylibjpeg-openjpeg)
    assert np.array_equal(theirs, expected.astype(np.int64))  # JPEG-LS: P is Bits Stored, pydicom sign-extends from it


def test_encoders_state_what_they_do_not_hold() -> None:
    dataset = _base()
    pixels.set_array(dataset, np.zeros((4, 4), dtype=np.uint32))
    with pytest.raises(pixels.PixelDataError, match=r"JPEG-LS Lossless here holds Bits Allocated 8 or 16 .* not Bits Allocated 32"):
        pixels.encode(dataset, JLS)
    pixels.set_array(dataset, np.zeros((4, 4), dtype=bool))
    with pytest.raises(pixels.PixelDataError, match=r"RLE Lossless holds Bits Allocated 8, 16 or 32 of Pixel Data, not 1"):
        pixels.encode(dataset, RLE)
    pixels.set_array(dataset, np.zeros((4, 4), dtype=np.uint16))
    with pytest.raises(pixels.PixelDataError, match=r"JPEG Baseline .* Bits Allocated 8 with Bits Stored 8 only"):
        pixels.encode(dataset, JPEG_BASELINE)
    with pytest.raises(pixels.PixelDataError, match=r"not one encode\(\) writes"):
        pixels.encode(dataset, "1.2.840.10008.1.2.4.57")
    assert dataset[0x7FE00010].vr == "OW" and isinstance(dataset[0x7FE00010].value, bytes)  # nothing changed


# -- dcmtk ------------------------------------------------------------------------------------------


def _dcmtk(tool: str, options: list[str], source: Path, out: Path) -> Path:
    assert shutil.which(tool), f"{tool} (dcmtk) is not installed"
    done = subprocess.run([tool, *options, str(source), str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{tool} failed: {done.stdout}{done.stderr}"
    return out


SOURCES = ["CT_small.dcm", "MR_small.dcm", "SC_rgb_small_odd.dcm", "SC_rgb_rle_2frame.dcm"]
CASES = [(name, syntax, tool) for name in SOURCES for syntax, tool in [(RLE, "dcmdrle"), (JLS, "dcmdjpls"), (JLS_NEAR, "dcmdjpls")]]


@pytest.mark.parametrize(("name", "syntax", "tool"), CASES + [("rtdose.dcm", RLE, "dcmdrle"), ("SC_rgb_rle_32bit_2frame.dcm", RLE, "dcmdrle")])
def test_written_here_decoded_by_dcmtk(syntax: str, tool: str, name: str, tmp_path: Path) -> None:
    file = read_file(CORPUS / name)
    encoded = tmp_path / "ours.dcm"
    if syntax == JLS_NEAR and pixels.pixel_info(file.dataset).pixel_representation:
        with pytest.raises(pixels.PixelDataError, match=r"holds unsigned samples only"):  # as dcmcjpls refuses them
            pixels.transcode(file.dataset, syntax)
        return
    write_file(encoded, pixels.transcode(file.dataset, syntax), syntax)
    decompressed = _dcmtk(tool, [], encoded, tmp_path / "dcmtk.dcm")
    assert read_file(decompressed).transfer_syntax == LE
    theirs = _pydicom(decompressed)  # dcmtk's decompressed file, read back by pydicom
    assert np.array_equal(theirs, _ours(encoded))  # the same pixels as decoded here
    original = _ours(CORPUS / name)
    if syntax == JLS_NEAR:
        assert np.abs(theirs.astype(np.int64) - original.astype(np.int64)).max() <= 2  # NEAR 2 by default
        assert read_file(encoded).dataset.value(0x00282110) == "01"
    else:
        assert np.array_equal(theirs, original)


def _jpeg_ls_precision(codestream: bytes) -> int:
    """P of the JPEG-LS frame header (SOF55: FFF7, Lf, P, Y, X, Nf...; ISO/IEC 14495-1 C.2.2)."""
    at = codestream.find(b"\xff\xf7")
    assert at > 0, "no SOF55 marker"
    return codestream[at + 4]


@pytest.mark.parametrize("syntax", [JLS, JLS_NEAR])
@pytest.mark.parametrize(
    ("dtype", "stored", "samples"),
    [("u2", 12, 1), ("i2", 12, 1), ("u2", 10, 3), ("u2", 16, 1), ("i2", 16, 1), ("i2", 9, 1), ("u1", 6, 1), ("i1", 7, 1), ("u1", 8, 3)]
    + [("i1", 5, 1), ("u1", 2, 1), ("u2", 8, 1), ("i2", 3, 1)],  # dcmtk does not decode these
)
def test_jpeg_ls_precision_is_bits_stored(dtype: str, stored: int, samples: int, syntax: str, tmp_path: Path) -> None:
    """P is Bits Stored; signed samples go in as the Bits Stored bits of their two's complement and
    come back sign-extended (as dcmcjpls codes them). dcmdjpls (dcmtk 3.6.7) decodes P 6..8 with
    Bits Allocated 8 and P 9..16 with 16; P 2..5 it refuses ("unsupported compression
    parameters") and P <= 8 in 16 bits ("Image data mismatch"): those are held to pyjpegls."""
    kind = np.dtype(dtype)
    low, high = (-(1 << (stored - 1)), (1 << (stored - 1)) - 1) if kind.kind == "i" else (0, (1 << stored) - 1)
    shape = (2, 9, 7) + ((3,) if samples == 3 else ())
    values = np.random.default_rng(stored).integers(low, high, size=shape, endpoint=True).astype(kind)
    values[0, 0, 0], values[0, 0, 1] = low, high  # the extremes, a sign bit at Bits Stored's top for signed
    dataset = _base()
    pixels.set_array(dataset, values, photometric="RGB" if samples == 3 else "MONOCHROME2", bits_stored=stored, multi_frame=True)
    near = 2 if syntax == JLS_NEAR else None
    if near and stored == 2:  # MAXVAL 3: NEAR at most 1
        with pytest.raises(pixels.PixelDataError, match=r"NEAR 2 is more than Bits Stored 2 allows, min\(255, MAXVAL / 2\) = 1"):
            pixels.encode(dataset, syntax, level=near)
        near = 1
    if near and kind.kind == "i":
        with pytest.raises(pixels.PixelDataError, match=r"with NEAR 2 holds unsigned samples only"):
            pixels.encode(dataset, syntax, level=near)
        near = 0  # coded losslessly: signed samples are
    pixels.encode(dataset, syntax, level=near)
    value = dataset[0x7FE00010].value
    assert isinstance(value, EncapsulatedPixelData)
    assert [_jpeg_ls_precision(bytes(f)) for f in value.fragments] == [stored, stored]
    encoded = tmp_path / "ours.dcm"
    write_file(encoded, dataset, syntax)
    ours = _ours(encoded).astype(np.int64)
    if stored >= 6 and (stored > 8) == (kind.itemsize == 2):
        decompressed = _dcmtk("dcmdjpls", [], encoded, tmp_path / "dcmtk.dcm")
        assert np.array_equal(_pydicom(decompressed).astype(np.int64), ours)  # dcmtk's decompression, read by pydicom
    assert np.abs(ours - values.astype(np.int64)).max() <= (near or 0)
    assert np.array_equal(_pydicom(encoded).astype(np.int64), ours)  # pyjpegls, sign-extended from P


def test_jpeg_ls_encoding_without_pyjpegls_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from dicom_runtime.pixels import charls

    real_import = builtins.__import__

    def no_charls(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "_CharLS":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(charls, "_LIBRARY", [])
    monkeypatch.setattr(builtins, "__import__", no_charls)
    dataset = _base()
    pixels.set_array(dataset, np.zeros((4, 4), dtype=np.uint16), bits_stored=12)
    with pytest.raises(pixels.MissingCodecError, match=r"JPEG-LS Lossless \(1.2.840.10008.1.2.4.80\) encoding needs pyjpegls: pip install 'dicom-typed\[pixels\]'"):
        pixels.encode(dataset, JLS)
    assert dataset[0x7FE00010].vr == "OW"  # nothing changed


@pytest.mark.parametrize("name", ["SC_rgb_small_odd.dcm", "image_dfl.dcm"])
def test_jpeg_baseline_written_here_decoded_by_dcmdjpeg(name: str, tmp_path: Path) -> None:
    file = read_file(CORPUS / name)
    encoded = tmp_path / "ours.dcm"
    write_file(encoded, pixels.transcode(file.dataset, JPEG_BASELINE, level=95), JPEG_BASELINE)
    decompressed = _dcmtk("dcmdjpeg", ["+cn"], encoded, tmp_path / "dcmtk.dcm")  # +cn: no colour conversion
    theirs, ours = _pydicom(decompressed).astype(np.int64), _ours(encoded).astype(np.int64)
    assert np.abs(theirs - ours).max() <= 3  # IJG's IDCT (dcmtk) and libjpeg-turbo's: JPEG_TOLERANCE of test_pixels_corpus
    assert np.abs(ours - _ours(CORPUS / name).astype(np.int64)).max() <= 16  # quality 95


@pytest.mark.parametrize(
    ("name", "options", "near"),
    [
        ("CT_small.dcm", [], 0),
        ("CT_small.dcm", ["+el"], 0),  # dcmcjpls refuses signed samples near-lossless
        ("SC_rgb_small_odd.dcm", [], 0),
        ("SC_rgb_small_odd.dcm", ["+en", "+md", "3"], 3),
        ("SC_rgb_rle_2frame.dcm", [], 0),
        ("SC_rgb_rle_2frame.dcm", ["+en", "+md", "3"], 3),
    ],
)
def test_jpeg_ls_written_by_dcmcjpls_decoded_here(name: str, options: list[str], near: int, tmp_path: Path) -> None:
    source = tmp_path / "native.dcm"
    if read_file(CORPUS / name).transfer_syntax != LE:
        _dcmtk("dcmdrle", [], CORPUS / name, source)
    else:
        shutil.copy(CORPUS / name, source)
    encoded = _dcmtk("dcmcjpls", options, source, tmp_path / "jls.dcm")
    assert read_file(encoded).transfer_syntax == (JLS_NEAR if near else JLS)
    decompressed = _dcmtk("dcmdjpls", [], encoded, tmp_path / "back.dcm")
    ours = _ours(encoded)
    assert np.array_equal(ours, _ours(decompressed))  # equal to dcmtk's decompressed output
    assert np.abs(ours.astype(np.int64) - _ours(source).astype(np.int64)).max() <= near


@pytest.mark.parametrize("name", ["SC_rgb_small_odd.dcm", "image_dfl.dcm"])
def test_jpeg_baseline_written_by_dcmcjpeg_decoded_here(name: str, tmp_path: Path) -> None:
    encoded = _dcmtk("dcmcjpeg", ["+eb"], CORPUS / name, tmp_path / "jpeg.dcm")
    decompressed = _dcmtk("dcmdjpeg", ["+cn"], encoded, tmp_path / "back.dcm")
    assert np.abs(_ours(encoded).astype(np.int64) - _ours(decompressed).astype(np.int64)).max() <= 3


# -- what is written: dciodvfy, offset tables, fragments, lossy attributes -------------------------


def _dciodvfy_errors(path: Path) -> set[str]:
    assert shutil.which("dciodvfy"), "dciodvfy (dicom3tools) is not installed"
    done = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=60)
    return {line for line in (done.stdout + done.stderr).splitlines() if line.startswith("Error")}


# HTJ2K is left out: this dciodvfy does not know its transfer syntaxes (it reads the
# encapsulated Pixel Data as native and stops: "Undefined value length ... illegal")
@pytest.mark.parametrize("syntax", [RLE, JLS, JLS_NEAR, J2K, J2K_LOSSY, JPEG_BASELINE, "1.2.840.10008.1.2"])
@pytest.mark.parametrize("name", ["image_dfl.dcm", "CT_small.dcm", "SC_rgb_rle_2frame.dcm", "JPEG2000.dcm"])
def test_dciodvfy_accepts_what_is_written(name: str, syntax: str, tmp_path: Path) -> None:
    file = read_file(CORPUS / name)
    if syntax == JPEG_BASELINE and pixels.pixel_info(file.dataset).bits_allocated != 8:
        return  # 8-bit only
    path = tmp_path / "ours.dcm"
    level = 0 if syntax == JLS_NEAR and pixels.pixel_info(file.dataset).pixel_representation else None  # NEAR > 0: unsigned only
    write_file(path, pixels.transcode(file.dataset, syntax, level=level), syntax)
    assert read_file(path).transfer_syntax == syntax
    # no error dciodvfy does not report on the original too (image_dfl.dcm: dciodvfy does not
    # inflate, so its Explicit VR Little Endian copy)
    original = CORPUS / name
    if file.transfer_syntax == "1.2.840.10008.1.2.1.99":
        original = tmp_path / "explicit.dcm"
        write_file(original, file.dataset, LE)
    assert _dciodvfy_errors(path) <= _dciodvfy_errors(original)


def test_lossy_attributes_set_and_added(tmp_path: Path) -> None:
    file = read_file(CORPUS / "SC_rgb_small_odd.dcm")  # unsigned (NEAR > 0 codes unsigned samples only)
    info = pixels.pixel_info(file.dataset)
    once = pixels.transcode(file.dataset, JLS_NEAR, level=3)
    assert once.value(0x00282110) == "01"
    assert once.value(0x00282114) == "ISO_14495_1"
    ratio = float(str(once.value(0x00282112)))
    value = once[0x7FE00010].value
    assert isinstance(value, EncapsulatedPixelData)
    encoded = sum(len(f) for f in value.fragments)
    assert abs(ratio - info.rows * info.columns * 3 / encoded) < 0.01 * ratio
    twice = pixels.transcode(once, J2K_LOSSY)
    assert twice.value(0x00282114) == ["ISO_14495_1", "ISO_15444_1"]
    assert isinstance(twice.value(0x00282112), list) and len(twice.value(0x00282112)) == 2  # type: ignore[arg-type]
    lossless = pixels.transcode(twice, RLE)
    assert lossless.value(0x00282110) == "01"  # once lossy, always lossy
    path = tmp_path / "lossy.dcm"
    write_file(path, twice, J2K_LOSSY)
    ds = pydicom.dcmread(path)
    assert ds.LossyImageCompression == "01" and list(ds.LossyImageCompressionMethod) == ["ISO_14495_1", "ISO_15444_1"]
    assert pixels.transcode(file.dataset, JLS).value(0x00282110) is None  # lossless: not set


@pytest.mark.parametrize("table", ["basic", "extended", "empty"])
def test_offset_tables_and_fragments(table: str, tmp_path: Path) -> None:
    values = np.random.default_rng(3).integers(0, 4096, size=(3, 20, 30), dtype=np.uint16)
    dataset = _base()
    pixels.set_array(dataset, values, bits_stored=12)
    pixels.encode(dataset, JLS, offset_table=table, fragment_size=None if table == "extended" else 64)  # type: ignore[arg-type]
    path = tmp_path / "frames.dcm"
    write_file(path, dataset, JLS)
    file = read_file(path)
    value = file.dataset[0x7FE00010].value
    assert isinstance(value, EncapsulatedPixelData)
    assert all(len(f) % 2 == 0 and len(f) <= 64 for f in value.fragments) or table == "extended"
    assert (value.offsets != b"") == (table == "basic")
    assert (0x7FE00001 in file.dataset) == (table == "extended")
    for i in range(3):
        assert np.array_equal(pixels.array(file.dataset, i), values[i])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path)
    assert np.array_equal(ds.pixel_array, values)
    if table == "extended":
        offsets = np.frombuffer(ds.ExtendedOffsetTable, dtype="<u8")
        lengths = np.frombuffer(ds.ExtendedOffsetTableLengths, dtype="<u8")
        assert list(lengths) == [len(f) for f in value.fragments]
        assert list(offsets) == [0, 8 + lengths[0], 16 + lengths[0] + lengths[1]]


def test_encode_on_a_typed_instance(tmp_path: Path) -> None:
    from dicom_runtime.typed import read, write

    image = read(CORPUS / "CT_small.dcm")
    before = pixels.array(image)
    pixels.encode(image, J2K)
    path = tmp_path / "ct.dcm"
    write(image, path, validate=False)
    assert read_file(path).transfer_syntax == J2K
    assert np.array_equal(_ours(path), before)
    assert np.array_equal(_pydicom(path), before)


def test_transcode_leaves_its_source_alone() -> None:
    file = read_file(CORPUS / "MR_small_bigendian.dcm")
    before = file.dataset[0x7FE00010].value
    out = pixels.transcode(file.dataset, RLE)
    assert file.dataset[0x7FE00010].value is before
    assert file.dataset.file_meta is not None and file.dataset.file_meta.value(0x00020010) == "1.2.840.10008.1.2.2"
    assert np.array_equal(pixels.array(out), pixels.array(file.dataset, transfer_syntax=file.transfer_syntax))


def test_set_array_refuses_what_the_iod_cannot_hold() -> None:
    # RT Dose's specialisation of the Image Pixel module (its Enumerated Values in the model):
    # Samples per Pixel 1, MONOCHROME2, Bits Allocated 16 or 32
    from dicom_model.iods.rt_dose import RTDose
    from dicom_runtime.typed import read

    dose = read(CORPUS / "rtdose.dcm", RTDose)
    before = pixels.array(dose)
    with pytest.raises(pixels.PixelDataError, match=r"RTDose cannot hold this array: BitsAllocated would be 8, and PS3.3 .* allows 16, 32 only"):
        pixels.set_array(dose, np.zeros((4, 5), dtype=np.uint8))
    with pytest.raises(pixels.PixelDataError, match=r"RTDose cannot hold this array: SamplesPerPixel would be 3"):
        pixels.set_array(dose, np.zeros((4, 5, 3), dtype=np.uint16))
    with pytest.raises(pixels.PixelDataError, match=r"PhotometricInterpretation would be 'MONOCHROME1'"):
        pixels.set_array(dose, np.zeros((4, 5), dtype=np.uint16), photometric="MONOCHROME1")
    assert np.array_equal(pixels.array(dose), before)  # nothing changed
    pixels.set_array(dose, np.arange(20, dtype=np.uint32).reshape(4, 5))
    assert (dose.BitsAllocated, dose.Rows, dose.Columns) == (32, 4, 5)


# -- frames read from the file, the others left on disk ---------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["CT_small.dcm", "MR_small_bigendian.dcm", "MR_small_implicit.dcm", "image_dfl.dcm", "SC_rgb_rle_2frame.dcm",
     "examples_ybr_color.dcm", "JPEG2000.dcm", "rtdose.dcm", "SC_rgb_small_odd_big_endian.dcm", "liver_1frame.dcm",
     "SC_rgb_jpeg.dcm"],  # its meta names JPEG Baseline, its data set is Implicit VR: read as read_file reads it
)
def test_array_from_file_equals_array(name: str) -> None:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{name} is not in this pydicom's bundled corpus")
    whole = _ours(path)
    count = pixels.pixel_info(read_file(path).dataset).number_of_frames
    for i in range(count):
        assert np.array_equal(pixels.array_from_file(path, i), whole[i] if count > 1 else whole)
    assert np.array_equal(pixels.array_from_file(path), whole)


@pytest.mark.parametrize(("syntax", "table", "size"), [(JLS, "basic", None), (J2K, "extended", None), (RLE, "empty", None), (JLS, "basic", 100), (JLS, "empty", 100)])
def test_array_from_file_finds_each_frame(syntax: str, table: str, size: int | None, tmp_path: Path) -> None:
    values = np.random.default_rng(9).integers(0, 4096, size=(4, 30, 20), dtype=np.uint16)
    dataset = _base()
    pixels.set_array(dataset, values, bits_stored=12)
    pixels.encode(dataset, syntax, offset_table=table, fragment_size=size)  # type: ignore[arg-type]
    path = tmp_path / "frames.dcm"
    write_file(path, dataset, syntax)
    for i in range(4):
        assert np.array_equal(pixels.array_from_file(path, i), values[i])
    native = tmp_path / "native.dcm"
    write_file(native, pixels.transcode(dataset, "1.2.840.10008.1.2.2"), "1.2.840.10008.1.2.2")
    assert np.array_equal(pixels.array_from_file(native, 3), values[3])


def test_array_from_file_of_a_truncated_file(tmp_path: Path) -> None:
    dataset = _base()
    pixels.set_array(dataset, np.zeros((3, 30, 20), dtype=np.uint16))
    pixels.encode(dataset, RLE)
    path = tmp_path / "rle.dcm"
    write_file(path, dataset, RLE)
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(DicomDecodeError, match=r"runs past the end of the file|without a Sequence Delimitation Item|\(7FE0,0010\)"):
        pixels.array_from_file(cut, 0)


@pytest.mark.parametrize("syntax", ["1.2.840.10008.1.2", LE, "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2", RLE, JLS, J2K])
@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small_bigendian.dcm", "SC_rgb_small_odd_big_endian.dcm", "rtdose.dcm", "JPEG2000.dcm"])
def test_transcoded_files_read_by_pydicom(name: str, syntax: str, tmp_path: Path) -> None:
    # big endian both ways included: OW words swapped where the byte order changes
    file = read_file(CORPUS / name)
    if syntax in (JLS, J2K) and pixels.pixel_info(file.dataset).bits_allocated > 16:
        return
    path = tmp_path / "out.dcm"
    write_file(path, pixels.transcode(file.dataset, syntax), syntax)
    if syntax == "1.2.840.10008.1.2.2" and pixels.pixel_info(file.dataset).bits_allocated == 32:
        # 32-bit OW in big endian: 16-bit words (PS3.5 6.2), which pydicom reads otherwise (as
        # 32-bit numbers): dcmtk's reading, its little endian version read by pydicom
        little = tmp_path / "little.dcm"
        run = subprocess.run(["dcmconv", "+te", str(path), str(little)], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        path = little
    assert np.array_equal(_pydicom(path), _ours(CORPUS / name))


@pytest.mark.parametrize("name", ["SC_rgb_rle_32bit_2frame.dcm", "MR_small_RLE.dcm", "rtdose_rle.dcm"])
def test_rle_without_imagecodecs_equals_rle_with_it(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from dicom_runtime.pixels import rle

    fast = _ours(CORPUS / name)
    monkeypatch.setattr(rle, "_C_PACKBITS", [None])  # the PackBits loop here, as without the pixels extra
    assert np.array_equal(_ours(CORPUS / name), fast)


# -- what each lossy syntax holds (PS3.5 8.2, Tables 8.2.1-1 .. 8.2.4-1) ------------------------


def _sof(codestream: bytes) -> tuple[int, int]:
    """The frame header marker of a JPEG stream and its sample precision (ISO/IEC 10918-1 B.2.2)."""
    at = next(i for i in range(2, len(codestream) - 4) if codestream[i] == 0xFF and codestream[i + 1] in (0xC0, 0xC1, 0xC2, 0xC3))
    return 0xFF00 | codestream[at + 1], codestream[at + 4]


def test_jpeg_baseline_is_8_bit(tmp_path: Path) -> None:
    """Bits Allocated 16 with Bits Stored 8 went to libjpeg-turbo as uint16: a 12-bit SOF1 stream
    under the Baseline UID, which dcmdjpeg refuses ("Unsupported JPEG data precision 12")."""
    values = np.random.default_rng(1).integers(0, 256, (32, 32))
    dataset = _base()
    pixels.set_array(dataset, values.astype(np.uint16), bits_stored=8)
    with pytest.raises(
        pixels.PixelDataError,
        match=r"^JPEG Baseline \(Process 1\) holds Bits Allocated 8 with Bits Stored 8 only \(PS3\.5 Table 8\.2\.1-1\), not Bits "
        r"Allocated 16 with Bits Stored 8: set the samples as uint8 first, .* JPEG Extended \(1\.2\.840\.10008\.1\.2\.4\.51\) holds up to 12 bits",
    ):
        pixels.encode(dataset, JPEG_BASELINE)
    assert dataset[0x7FE00010].vr == "OW"  # nothing changed
    pixels.set_array(dataset, values.astype(np.uint8))
    pixels.encode(dataset, JPEG_BASELINE)
    value = dataset[0x7FE00010].value
    assert isinstance(value, EncapsulatedPixelData) and _sof(value.fragments[0]) == (0xFFC0, 8)
    path = tmp_path / "baseline.dcm"
    write_file(path, dataset, JPEG_BASELINE)
    back = _dcmtk("dcmdjpeg", [], path, tmp_path / "back.dcm")  # the 12-bit stream: "Unsupported JPEG data precision 12"
    assert np.abs(_pydicom(back).astype(np.int64) - _ours(path).astype(np.int64)).max() <= 3


def test_jpeg_baseline_encoder_is_held_to_sof0() -> None:
    """Whatever reaches libjpeg-turbo, what is written as Baseline is SOF0 8-bit or an error."""
    info = pixels.PixelInfo(16, 16, 1, 8, 8, 7, 0, "MONOCHROME2", 0, 1, "PixelData", JPEG_BASELINE)
    with pytest.raises(pixels.PixelDataError, match=r"^frame 0: the JPEG Baseline \(Process 1\) encoder wrote frame header FFC1 with precision 12, not SOF0"):
        pixels.encode_frame(np.zeros((16, 16), dtype=np.uint16), info, JPEG_BASELINE)
    assert _sof(pixels.encode_frame(np.zeros((16, 16), dtype=np.uint8), info, JPEG_BASELINE)) == (0xFFC0, 8)


@pytest.mark.parametrize("syntax", [JPEG_BASELINE, JLS_NEAR, J2K_LOSSY, HTJ2K_LOSSY])
@pytest.mark.parametrize("level", [None, 0])
def test_palette_color_is_coded_losslessly_only(syntax: str, level: int | None, tmp_path: Path) -> None:
    """PS3.5 Tables 8.2.1-1 .. 8.2.4-1 list PALETTE COLOR with the lossless syntaxes only: the
    lossy ones came back with other indices. dcmcjpls refuses it near-lossless too."""
    file = read_file(CORPUS / "examples_palette.dcm")
    assert pixels.pixel_info(file.dataset).photometric_interpretation == "PALETTE COLOR"
    if syntax == JPEG_BASELINE and level == 0:
        return  # Baseline has no level 0
    with pytest.raises(pixels.PixelDataError, match=r"^PALETTE COLOR is not coded with .* PS3\.5 Table.* allows it with lossless syntaxes only"):
        pixels.transcode(file.dataset, syntax, level=level)
    if syntax == JLS_NEAR:
        refused = subprocess.run(["dcmcjpls", "+en", str(CORPUS / "examples_palette.dcm"), str(tmp_path / "n.dcm")], capture_output=True, text=True)
        assert refused.returncode != 0 and "Unsupported photometric interpretation" in refused.stderr


@pytest.mark.parametrize("syntax", LOSSLESS)
def test_palette_color_lossless_keeps_the_indices(syntax: str) -> None:
    file = read_file(CORPUS / "examples_palette.dcm")
    assert np.array_equal(pixels.array(pixels.transcode(file.dataset, syntax)), pixels.array(file.dataset))


@pytest.mark.parametrize("level", [-1, 0.5, 101, 90.5, float("nan")])
def test_jpeg_baseline_quality_is_1_to_100(level: float) -> None:
    """libjpeg clamps a quality outside 1..100 and a fraction was cut: the image was coded
    otherwise than asked, without a word."""
    dataset = _base()
    pixels.set_array(dataset, np.zeros((8, 8), dtype=np.uint8))
    with pytest.raises(pixels.PixelDataError, match=r"^JPEG Baseline \(Process 1\): level is the quality, a whole number 1\.\.100 .*, not "):
        pixels.encode(dataset, JPEG_BASELINE, level=level)
    assert dataset[0x7FE00010].vr == "OB" and isinstance(dataset[0x7FE00010].value, bytes)  # nothing changed
    for good in (1, 100, 50.0):
        copy = pixels.transcode(dataset, JPEG_BASELINE, level=good)
        assert pixels.array(copy).shape == (8, 8)


def _sampling(codestream: bytes) -> list[tuple[int, int]]:
    """Each component's identifier and horizontal/vertical sampling factors (ISO/IEC 10918-1 B.2.2)."""
    at = codestream.find(b"\xff\xc0") + 4
    return [(codestream[at + 6 + 3 * c], codestream[at + 7 + 3 * c]) for c in range(codestream[at + 5])]


@pytest.mark.parametrize("name", ["SC_ybr_full_422_uncompressed.dcm", "SC_rgb_small_odd.dcm"])
def test_jpeg_baseline_of_ybr_full_is_ybr_full_422(name: str, tmp_path: Path) -> None:
    """PS3.5 Table 8.2.1-1 holds 3 samples in JPEG Baseline as YBR_FULL_422 or RGB: YBR_FULL
    samples are coded 4:2:2 and called so (they were coded 4:4:4 and called YBR_FULL)."""
    dataset = read_file(CORPUS / name).dataset
    if name == "SC_rgb_small_odd.dcm":  # odd Columns: YBR_FULL samples made from its RGB ones
        ybr = pixels.convert_color(pixels.array(dataset), "RGB", "YBR_FULL")
        pixels.set_array(dataset, np.clip(np.rint(ybr), 0, 255).astype(np.uint8), photometric="YBR_FULL")
    assert pixels.pixel_info(dataset).photometric_interpretation.startswith("YBR_FULL")
    coded = pixels.transcode(dataset, JPEG_BASELINE, level=95)
    assert coded.value(0x00280004) == "YBR_FULL_422"
    value = coded[0x7FE00010].value
    assert isinstance(value, EncapsulatedPixelData)
    assert _sampling(value.fragments[0]) == [(1, 0x21), (2, 0x11), (3, 0x11)]  # Y 2x1, Cb and Cr 1x1: 4:2:2
    path = tmp_path / "ybr.dcm"
    write_file(path, coded, JPEG_BASELINE)
    back = _dcmtk("dcmdjpeg", ["+cn"], path, tmp_path / "back.dcm")
    ours = _ours(path).astype(np.int64)
    assert np.abs(_pydicom(back).astype(np.int64) - ours).max() <= 3  # dcmtk's IDCT and upsampling
    assert np.abs(_pydicom(path).astype(np.int64) - ours).max() <= 3  # pydicom's (pylibjpeg-libjpeg)
    assert np.abs(ours - pixels.array(dataset).astype(np.int64)).mean() < 3


def test_lossy_ratio_and_method_stay_in_step(tmp_path: Path) -> None:
    """PS3.3 C.7.6.1.1.5: the Ratio and Method values correspond one to one. JPEG2000.dcm has
    Ratio 2097 and no Method; to HTJ2K it got Ratio [2097, r] and Method ISO_15444_15 alone."""
    file = read_file(CORPUS / "JPEG2000.dcm")
    assert file.dataset.value(0x00282112) == "2097" and 0x00282114 not in file.dataset
    coded = pixels.transcode(file.dataset, HTJ2K_LOSSY)
    ratios = coded.value(0x00282112)
    assert isinstance(ratios, list) and ratios[0] == "2097" and len(ratios) == 2
    assert coded.value(0x00282114) == ["ISO_15444_1", "ISO_15444_15"]  # its codestream: irreversible JPEG 2000
    path = tmp_path / "htj2k.dcm"
    write_file(path, coded, HTJ2K_LOSSY)
    theirs = pydicom.dcmread(path, stop_before_pixels=True)
    assert len(theirs.LossyImageCompressionRatio) == len(theirs.LossyImageCompressionMethod) == 2
    # nothing to tell which method the earlier ratios had: the values past the shorter list go
    native = pixels.transcode(file.dataset, LE)
    native.add(0x00282112, "DS", ["30", "2097"])
    native.add(0x00282114, "CS", "ISO_10918_1")
    again = pixels.transcode(native, J2K_LOSSY)
    assert again.value(0x00282114) == ["ISO_10918_1", "ISO_15444_1"]
    assert isinstance(again.value(0x00282112), list) and again.value(0x00282112)[0] == "30"  # type: ignore[index]
