"""Lazy decoding (#19): a read keeps each value's bytes and decodes them when first asked
for. The reader as it was before (``eager_reader``, which decodes everything at read
time) is the oracle: for every file of pydicom's corpus, and for mutated and truncated
copies of them, the lazy reader gives the same elements (tag, VR, value, kept bytes,
undefined lengths) and the same errors (message, offset, path) at the same time, and
what a failing read leaves (``read_file_partial``) is the same too.
"""

from __future__ import annotations

import copy
import mmap
import os
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import pydicom.data
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dicom_runtime import fileformat
from dicom_runtime.dataset import DataElement, Dataset, DeferredValue, EncapsulatedPixelData
from dicom_runtime.errors import DicomDecodeError
from dicom_runtime.fileformat import MAP_SIZE, FileDataset, read_bytes, read_file, read_file_partial, write_file
from dicom_runtime.reader import VIEW_SIZE

from . import eager_reader

BASE = Path(pydicom.data.__file__).parent
SKIPPED_SUFFIXES = (".py", ".json", ".txt", ".gz", ".bz2", ".zip")


def _corpus() -> list[Path]:
    found = []
    for folder in ("test_files", "charset_files"):
        for root, _, names in os.walk(BASE / folder):
            found += [Path(root) / n for n in names if not n.endswith(SKIPPED_SUFFIXES)]
    return sorted(found)


CORPUS = _corpus()
#: Small files that read (the mutation property's seeds).
SEEDS = [p for p in CORPUS if p.stat().st_size < 40_000 and p.name != "README"]


def _eager(function: Callable[[], object], monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(fileformat, "Reader", eager_reader.Reader)
        return _outcome(function)


def _outcome(function: Callable[[], object]) -> object:
    """What a read gives: its result with every value decoded, or its error."""
    try:
        result = function()
    except DicomDecodeError as exc:
        return ("error", type(exc).__name__, str(exc), exc.offset, exc.path, exc.source)
    return _form(result)


def _form(value: object) -> object:
    """A comparable form: datasets and elements field by field, values with their types."""
    if isinstance(value, tuple):
        return tuple(_form(v) for v in value)
    if isinstance(value, FileDataset):
        return ("file", _form(value.dataset), _form(value.meta), value.transfer_syntax, value.preamble)
    if isinstance(value, Dataset):
        return ("dataset", value.undefined_length, [_form(e) for e in value.elements()])
    if isinstance(value, DataElement):
        decoded = value.value
        return (value.tag, value.vr, type(decoded).__name__, _form(decoded), value.raw, value.read_as_un, value.undefined_length)
    if isinstance(value, list):
        return [(type(v).__name__, _form(v)) for v in value]
    if isinstance(value, EncapsulatedPixelData):
        return ("encapsulated", value.offsets, value.fragments)
    if isinstance(value, DeferredValue):
        return ("deferred", value.length, value.vr, value.little_endian, value.codec, value.read())
    if isinstance(value, DicomDecodeError):
        return ("error", str(value), value.offset, value.path)
    return value


#: The reasons of the rule the oracle predates (PS3.5 7.1: tags ascending, each once), which
#: the reader applies now: a duplicate keeps the first (the oracle kept the last), strict
#: refuses either. Damaged bytes that break the rule are outside the oracle's reach; the
#: rule itself is tested in test_element_order.py.
_ORDER_REASONS = ("not in ascending tag order", "occurs twice in one data set")


def _in_order(function: Callable[[], object]) -> bool:
    """Whether the lazy read meets no element out of order or twice (so the oracle applies)."""
    try:
        result = function()
    except DicomDecodeError as exc:
        return not any(reason in exc.reason for reason in _ORDER_REASONS)
    if isinstance(result, tuple):
        result, error = result
        if isinstance(error, DicomDecodeError) and any(reason in error.reason for reason in _ORDER_REASONS):
            return False
    return not (isinstance(result, FileDataset) and result.dataset.read_problems)


def _same(function: Callable[[], object], monkeypatch: pytest.MonkeyPatch) -> None:
    lazy = _outcome(function)
    eager = _eager(function, monkeypatch)
    assert lazy == eager


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_lazy_equals_eager(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(lambda: read_file(path), monkeypatch)
    _same(lambda: read_file(path, strict=True), monkeypatch)
    _same(lambda: read_file_partial(path), monkeypatch)
    _same(lambda: read_file(path, defer_size=64), monkeypatch)
    _same(lambda: read_file(path, stop_before_pixels=True), monkeypatch)


def test_values_are_decoded_when_first_asked_for() -> None:
    path = BASE / "test_files" / "CT_small.dcm"
    dataset = read_file(path).dataset
    name = dataset[0x00100010]
    rows = dataset[0x00280010]
    assert not name.decoded and not rows.decoded
    assert name.value == "CompressedSamples^CT1" and name.decoded
    assert rows.value == 128 and rows.decoded
    assert name.raw == b"CompressedSamples^CT1 "  # the bytes as read, kept for writing back
    rows.value = 64
    assert rows.value == 64 and rows.decoded


def test_a_sequence_is_read_when_asked_for_and_its_bad_bytes_still_fail_the_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A top-level sequence whose bytes check out is left unread until its value is asked for;
    its items then are the eager reader's. A damaged item still fails the read itself, with the
    eager reader's error, and a sequence holding a Specific Character Set is read at once."""
    item = Dataset()
    item.add(0x00080100, "SH", "T-D1100")  # Code Value
    item.add(0x00080102, "SH", "SRT")  # Coding Scheme Designator
    dataset = Dataset()
    dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
    dataset.add(0x00080018, "UI", "1.2.3.4")
    dataset.add(0x00081032, "SQ", [item])  # Procedure Code Sequence
    path = tmp_path / "sq.dcm"
    write_file(path, dataset)
    element = read_file(path).dataset[0x00081032]
    assert not element.decoded  # left unread
    value = element.value
    assert isinstance(value, list) and element.decoded
    assert [e.value for e in value[0].elements()] == ["T-D1100", "SRT"]
    _same(lambda: read_file(path), monkeypatch)
    data = path.read_bytes()
    at = data.index(b"SH", data.index(b"SQ"))  # the first VR code inside the item
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(data[:at] + b"Z1" + data[at + 2 :])
    with pytest.raises(DicomDecodeError, match=r"unknown VR code b'Z1'") as failed:
        read_file(bad)
    assert failed.value.path == "(0008,1032)[0].(0008,0100)" and failed.value.offset == at
    _same(lambda: read_file(bad), monkeypatch)
    _same(lambda: read_file_partial(bad), monkeypatch)
    item.add(0x00080005, "CS", "ISO_IR 100")  # it changes how what follows is read
    write_file(path, dataset)
    assert read_file(path).dataset[0x00081032].decoded  # read at once
    _same(lambda: read_file(path), monkeypatch)


def _mutants(data: bytes, draw: st.DrawFn) -> bytes:
    mutated = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "byte", "truncate", "length"]))
        if not mutated:
            break
        at = draw(st.integers(0, len(mutated) - 1))
        if kind == "flip":
            mutated[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte":
            mutated[at] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del mutated[at:]
        else:  # a length field's worth of bytes set to a small or a huge number
            mutated[at : at + 2] = draw(st.sampled_from([b"\x00\x00", b"\x01\x00", b"\x03\x00", b"\xff\xff", b"\x07\x00"]))
    return bytes(mutated)


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, bytes]:
    path = draw(st.sampled_from(SEEDS))
    return path.name, _mutants(path.read_bytes(), draw)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=mutated_files(), strict=st.booleans())
def test_mutated_lazy_equals_eager(case: tuple[str, bytes], strict: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Damaged bytes: the same errors (message, offset, path) at read time, or the same values."""
    name, data = case
    assume(_in_order(lambda: read_bytes(data, source=name, strict=strict)))
    _same(lambda: read_bytes(data, source=name, strict=strict), monkeypatch)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=mutated_files())
def test_mutated_files_partial_equals_eager(
    case: tuple[str, bytes], monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """From a file (mapped, views allowed): what a failing read leaves is the same too."""
    name, data = case
    path = tmp_path_factory.mktemp("mutant") / name
    path.write_bytes(data)
    assume(_in_order(lambda: read_file_partial(path)) and _in_order(lambda: read_file(path, defer_size=16)))
    _same(lambda: read_file_partial(path), monkeypatch)
    _same(lambda: read_file(path, defer_size=16), monkeypatch)


def _big(tmp_path: Path, size: int = 4 * VIEW_SIZE) -> tuple[Path, bytes]:
    pixels = bytes(range(256)) * (size // 256)
    dataset = Dataset()
    dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
    dataset.add(0x00080018, "UI", "1.2.3.4")
    dataset.add(0x00280010, "US", size // 512)
    dataset.add(0x00280011, "US", 256)
    dataset.add(0x7FE00010, "OW", pixels)
    path = tmp_path / "big.dcm"
    write_file(path, dataset)
    return path, pixels


@pytest.mark.parametrize("size", [4 * VIEW_SIZE, 2 * MAP_SIZE])
def test_pixel_data_stays_a_view_on_the_file(tmp_path: Path, size: int) -> None:
    """A large file is mapped and its pixel data is a view on the map; a small one is read
    whole and its pixel data a view on those bytes: no copy either way."""
    path, pixels = _big(tmp_path, size)
    element = read_file(path).dataset[0x7FE00010]
    view = element.view()
    assert isinstance(view, memoryview) and view.readonly
    assert isinstance(view.obj, mmap.mmap if size >= MAP_SIZE else bytes)  # the file's pages or bytes, not a copy
    assert view.nbytes == size
    assert view == pixels
    assert element.value == pixels and isinstance(element.value, bytes)  # asked for as bytes: a copy
    assert element.view() == pixels and not isinstance(element.view(), memoryview)
    element.value = b"\0\0"
    assert element.view() == b"\0\0"


def _descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_mapped_value_asked_for_as_bytes_is_read_from_the_file(tmp_path: Path) -> None:
    """Not copied through the map (its pages would count beside the copy); the map (and
    the descriptor it holds) goes with the last view."""
    path, pixels = _big(tmp_path, 2 * MAP_SIZE)
    before = _descriptors()
    file = read_file(path)
    element = file.dataset[0x7FE00010]
    assert isinstance(element.view(), memoryview) and _descriptors() == before + 1
    assert element.value == pixels and type(element.value) is bytes
    assert not isinstance(element.view(), memoryview)
    del file, element
    assert _descriptors() == before
    plain = read_file(path, views=False)  # every value copied out: nothing kept open
    assert type(plain.dataset[0x7FE00010].view()) is bytes and _descriptors() == before


def test_a_file_cut_short_in_place_is_said(tmp_path: Path) -> None:
    """Unsupported, but a value read from the file then is one clear error, not short bytes."""
    path, _ = _big(tmp_path, 2 * MAP_SIZE)
    element = read_file(path).dataset[0x7FE00010]
    with open(path, "r+b") as handle:
        handle.truncate(MAP_SIZE)
    with pytest.raises(DicomDecodeError, match="shorter than when it was read") as caught:
        element.value  # noqa: B018
    assert caught.value.source == str(path)


def test_a_view_survives_the_file_being_replaced(tmp_path: Path) -> None:
    """Files are replaced by rename (write_file): the mapped inode stays what was read, and
    the value asked for as bytes comes from it (not from the new file at the path)."""
    path, pixels = _big(tmp_path, 2 * MAP_SIZE)
    file = read_file(path)
    dataset = Dataset()
    dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
    dataset.add(0x00080018, "UI", "1.2.3.5")
    dataset.add(0x7FE00010, "OW", bytes(2 * MAP_SIZE))
    write_file(path, dataset)
    assert file.dataset[0x7FE00010].view() == pixels
    assert file.dataset[0x7FE00010].value == pixels


def test_copies_and_pickles_hold_bytes(tmp_path: Path) -> None:
    path, pixels = _big(tmp_path)
    dataset = read_file(path).dataset
    for other in (copy.deepcopy(dataset), pickle.loads(pickle.dumps(dataset))):
        assert other == dataset
        assert isinstance(other[0x7FE00010].view(), bytes)
        assert other[0x7FE00010].value == pixels


def test_only_pixel_data_stays_a_view(tmp_path: Path) -> None:
    """Other bulk values are copied out, and a header read keeps no view: a data set kept
    without its pixels (an archive's headers) holds no map of its file."""
    path, _ = _big(tmp_path, 2 * MAP_SIZE)
    file = read_file(path)
    file.dataset.add(0x00282000, "OB", bytes(2 * VIEW_SIZE))  # ICC Profile, before Pixel Data
    write_file(path, file.dataset)
    dataset = read_file(path).dataset
    assert isinstance(dataset[0x7FE00010].view(), memoryview)
    assert type(dataset[0x00282000].view()) is bytes
    before = _descriptors()
    header = read_file(path, stop_before_pixels=True).dataset
    assert type(header[0x00282000].view()) is bytes and _descriptors() == before


def test_views_only_from_files() -> None:
    """Bytes given by a caller (a network buffer) are copied: it may change them later."""
    data = bytearray((BASE / "test_files" / "CT_small.dcm").read_bytes())
    dataset = read_bytes(bytes(data)).dataset
    assert all(not isinstance(e.view(), memoryview) for e in _elements(dataset))
    data += b"\0\0"  # nothing holds on to it


def _elements(dataset: Dataset) -> Iterator[DataElement]:
    for element in dataset.elements():
        yield element
        if element.vr == "SQ" and isinstance(element.value, list):
            for item in element.value:
                assert isinstance(item, Dataset)
                yield from _elements(item)
