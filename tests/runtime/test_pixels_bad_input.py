"""Bad pixel data (#17): each case gives one DicomDecodeError (PixelDecodeError) naming the frame
and the fragment where there is one, never a crash, a hang or another exception - the list of
the issue, then damaged codestreams of every encoded syntax as a property."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pydicom.data
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dicom_runtime import pixels
from dicom_runtime.dataset import DataElement, Dataset, EncapsulatedPixelData
from dicom_runtime.errors import DicomDecodeError
from dicom_runtime.fileformat import read_file, write_file

RLE = "1.2.840.10008.1.2.5"
JLS = "1.2.840.10008.1.2.4.80"
J2K = "1.2.840.10008.1.2.4.90"
HTJ2K = "1.2.840.10008.1.2.4.201"
JPEG = "1.2.840.10008.1.2.4.50"
CORPUS = Path(pydicom.data.__file__).parent / "test_files"
VALUES = np.random.default_rng(5).integers(0, 4096, size=(3, 16, 20), dtype=np.uint16)


def _encoded(syntax: str, values: npt.NDArray[Any] = VALUES, **options: Any) -> Dataset:
    dataset = Dataset()
    dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
    dataset.add(0x00080018, "UI", "1.2.826.0.1.3680043.10.1017.2")
    pixels.set_array(dataset, values, bits_stored=12 if values.dtype == np.uint16 else None, multi_frame=values.ndim == 3)
    pixels.encode(dataset, syntax, **options)
    return dataset


def _with_fragments(dataset: Dataset, offsets: bytes, fragments: list[bytes]) -> Dataset:
    dataset[0x7FE00010] = DataElement(0x7FE00010, "OB", EncapsulatedPixelData(offsets, fragments), undefined_length=True)
    return dataset


def _fragments(dataset: Dataset) -> EncapsulatedPixelData:
    value = dataset[0x7FE00010].value
    assert isinstance(value, EncapsulatedPixelData)
    return value


def test_no_pixel_data() -> None:
    dataset = Dataset()
    dataset.add(0x00280010, "US", 4)
    with pytest.raises(DicomDecodeError, match=r"no Pixel Data \(7FE0,0010\), Float Pixel Data .* or Double Float Pixel Data"):
        pixels.array(dataset)


def test_pixel_data_shorter_than_rows_columns_frames() -> None:
    dataset = Dataset()
    for tag, value in ((0x00280010, 10), (0x00280011, 10), (0x00280100, 16), (0x00280101, 16), (0x00280102, 15), (0x00280103, 0)):
        dataset.add(tag, "US", value)
    dataset.add(0x00280008, "IS", "3")
    dataset.add(0x7FE00010, "OW", bytes(400))
    with pytest.raises(DicomDecodeError, match=r"has 400 bytes; Rows 10 x Columns 10 .* Number of Frames 3 .* need 600"):
        pixels.array(dataset)


def test_truncated_file_inside_a_fragment(tmp_path: Path) -> None:
    path = tmp_path / "whole.dcm"
    write_file(path, _encoded(JLS), JLS)
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(path.read_bytes()[:-40])  # the last fragment's item runs past the end
    with pytest.raises(DicomDecodeError, match=r"\(7FE0,0010\)"):
        file = read_file(cut)
        pixels.array(file.dataset, transfer_syntax=file.transfer_syntax)


def _dcmtk(tool: str, *args: Path | str) -> subprocess.CompletedProcess[str]:
    assert shutil.which(tool), f"{tool} (dcmtk) is not installed"
    return subprocess.run([tool, *map(str, args)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", ["SC_rgb_jpeg.dcm", "JPGExtended.dcm", "SC_rgb_jpeg_gdcm.dcm", "CT_small.dcm"])
def test_truncated_jpeg_is_refused_as_dcmdjpeg_refuses_it(name: str, tmp_path: Path) -> None:
    """The first half of a JPEG Baseline, Extended, Lossless SV1 and (dcmcjpeg +el) Lossless
    process 14 frame: libjpeg-turbo made up the rest, and transcode wrote that as lossless."""
    source = CORPUS / name
    if name == "CT_small.dcm":
        source = tmp_path / "process14.dcm"
        assert _dcmtk("dcmcjpeg", "+el", CORPUS / name, source).returncode == 0
    file = read_file(source)
    assert file.transfer_syntax in ("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70")
    assert pixels.array(file.dataset).size  # whole: decoded
    (fragment,) = _fragments(file.dataset).fragments
    _with_fragments(file.dataset, b"", [bytes(fragment[: len(fragment) // 4 * 2])])  # its first half, of even length
    cut = tmp_path / "cut.dcm"
    write_file(cut, file.dataset, file.transfer_syntax)
    assert _dcmtk("dcmdjpeg", cut, tmp_path / "out.dcm").returncode != 0  # the oracle refuses it
    expected = r"^frame 0, fragment 0: the JPEG .* codestream ends without EOI \(FFD9\): it is truncated"
    with pytest.raises(pixels.PixelDecodeError, match=expected):
        pixels.array(read_file(cut).dataset)
    with pytest.raises(pixels.PixelDecodeError, match=expected):
        pixels.transcode(read_file(cut).dataset, RLE)


@pytest.mark.parametrize("syntax", [JLS, J2K, HTJ2K, RLE])
def test_truncated_fragment_names_frame_and_fragment(syntax: str) -> None:
    dataset = _encoded(syntax)
    value = _fragments(dataset)
    fragments = list(value.fragments)
    fragments[1] = fragments[1][: len(fragments[1]) // 2 // 2 * 2]
    _with_fragments(dataset, b"", fragments)
    with pytest.raises(pixels.PixelDecodeError, match=r"^frame 1, fragment 1: ") as raised:
        pixels.array(dataset)
    assert (raised.value.frame, raised.value.fragment) == (1, 1)
    assert np.array_equal(pixels.array(dataset, 0), VALUES[0])  # the other frames still decode


def test_several_fragments_a_frame_name_the_first_and_the_span() -> None:
    dataset = _encoded(JLS, fragment_size=64)
    value = _fragments(dataset)
    offsets = np.frombuffer(value.offsets, dtype="<u4")
    fragments = list(value.fragments)
    second = [i for i, position in enumerate(np.cumsum([0] + [8 + len(f) for f in fragments])) if position == offsets[1]][0]
    fragments[second] = b"\xff\xd8" + bytes(len(fragments[second]) - 2)  # SOI, then zeros
    _with_fragments(dataset, value.offsets, fragments)
    with pytest.raises(pixels.PixelDecodeError, match=rf"^frame 1, fragment {second}: .*\(fragments {second}\.\.\d+\)"):
        pixels.array(dataset, 1)


def test_offset_table_pointing_past_the_data() -> None:
    dataset = _encoded(JLS)
    value = _fragments(dataset)
    offsets = np.frombuffer(value.offsets, dtype="<u4").copy()
    offsets[2] = 10**6
    _with_fragments(dataset, offsets.tobytes(), value.fragments)
    with pytest.raises(pixels.PixelDecodeError, match=r"^frame 2: the Basic Offset Table's offset 1000000 points past the data"):
        pixels.array(dataset)


def test_extended_offset_table_pointing_past_the_data() -> None:
    dataset = _encoded(J2K, offset_table="extended")
    offsets = np.frombuffer(dataset[0x7FE00001].value, dtype="<u8").copy()  # type: ignore[arg-type]
    offsets[1] = 2**40
    dataset[0x7FE00001] = DataElement(0x7FE00001, "OV", offsets.tobytes())
    with pytest.raises(pixels.PixelDecodeError, match=r"^frame 1: the Extended Offset Table \(7FE0,0001\)'s offset 1099511627776 points past"):
        pixels.array(dataset, 1)


@pytest.mark.parametrize("syntax", [RLE, JLS])
def test_fragment_count_that_does_not_match_number_of_frames(syntax: str) -> None:
    dataset = _encoded(syntax, offset_table="empty")
    value = _fragments(dataset)
    _with_fragments(dataset, b"", value.fragments[:2])
    expected = r"RLE Lossless with 2 fragments for Number of Frames 3" if syntax == RLE else r"2 fragments without an offset table: 2 codestreams found for Number of Frames 3"
    with pytest.raises(pixels.PixelDecodeError, match=expected):
        pixels.array(dataset)
    with_table = _encoded(syntax)
    offsets = _fragments(with_table).offsets
    _with_fragments(with_table, offsets[:8], _fragments(with_table).fragments)
    with pytest.raises(pixels.PixelDecodeError, match=r"the Basic Offset Table has 2 offsets for Number of Frames 3"):
        pixels.array(with_table)


@pytest.mark.parametrize("syntax", [JLS, J2K, HTJ2K, JPEG])
def test_corrupt_codestream(syntax: str) -> None:
    values = VALUES.astype(np.uint8) if syntax == JPEG else VALUES
    dataset = _encoded(syntax, values)
    fragments = list(_fragments(dataset).fragments)
    fragments[2] = fragments[2][:2] + bytes(len(fragments[2]) - 2)  # the start marker kept, then zeros
    _with_fragments(dataset, _fragments(dataset).offsets, fragments)
    with pytest.raises(pixels.PixelDecodeError, match=r"^frame 2, fragment 2: .*(decoding failed|codestream|frame header|marker)"):
        pixels.array(dataset)


def test_rle_segment_offsets_outside_the_frame() -> None:
    dataset = _encoded(RLE)
    fragments = list(_fragments(dataset).fragments)
    header = np.frombuffer(fragments[0][:64], dtype="<u4").copy()
    header[2] = 10**6
    fragments[0] = header.tobytes() + fragments[0][64:]
    _with_fragments(dataset, _fragments(dataset).offsets, fragments)
    with pytest.raises(pixels.PixelDecodeError, match=r"^frame 0, fragment 0: RLE segment 1 offset 1000000 is outside"):
        pixels.array(dataset)


# -- damaged codestreams as a property: a correct array or one PixelDecodeError, nothing else -------

_ENCODED = {syntax: _encoded(syntax) for syntax in (RLE, JLS, J2K, HTJ2K)}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    syntax=st.sampled_from(sorted(_ENCODED)),
    frame=st.integers(0, 2),
    cut=st.integers(0, 4000),
    flips=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=6),
)
def test_damaged_frames_decode_or_raise_one_error(syntax: str, frame: int, cut: int, flips: list[tuple[int, int]]) -> None:
    source = _ENCODED[syntax]
    fragments = list(_fragments(source).fragments)
    damaged = bytearray(fragments[frame][: max(0, len(fragments[frame]) - cut)])
    for position, byte in flips:
        if damaged:
            damaged[position % len(damaged)] = byte
    if len(damaged) % 2:
        damaged.append(0)
    fragments[frame] = bytes(damaged)
    dataset = Dataset(file_meta=source.file_meta)
    for element in source.elements():
        dataset[element.tag] = element
    _with_fragments(dataset, b"", fragments)  # one fragment a frame: the damage stays in its frame
    try:
        result = pixels.array(dataset, frame)
    except pixels.PixelDecodeError as exc:
        assert exc.frame == frame and exc.fragment == frame
        return
    assert result.shape == VALUES.shape[1:]


def test_array_from_file_names_the_file(tmp_path: Path) -> None:
    """A fragment that cannot be decoded, or a frame that is not there: the error names the
    file, then the frame and fragment (it named only these)."""
    path = tmp_path / "rle.dcm"
    write_file(path, _encoded(RLE), RLE)
    raw = bytearray(path.read_bytes())
    first = raw.find(b"\xfe\xff\x00\xe0", raw.find(b"\xe0\x7f\x10\x00") + 20)  # the first fragment's item
    raw[first + 8] = 99  # its RLE Header's number of segments
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(bytes(raw))
    with pytest.raises(pixels.PixelDecodeError) as caught:
        pixels.array_from_file(bad, 0)
    assert str(caught.value) == (
        f"{bad}: frame 0, fragment 0: the RLE Header has 99 segments; Samples per Pixel 1 x Bits Allocated 16 need 2 (PS3.5 G.2)"
    )
    assert caught.value.source == str(bad) and caught.value.frame == 0 and caught.value.fragment == 0
    with pytest.raises(pixels.PixelDecodeError, match=rf"^{path}: frame 7 is not within 0\.\.2 \(Number of Frames 3\)$"):
        pixels.array_from_file(path, 7)
