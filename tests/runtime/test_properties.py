"""Property tests: every VR, and random nested data sets, survive encode then decode
in every uncompressed transfer syntax."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from dicom_runtime.dataset import DataElement, Dataset
from dicom_runtime.dictionary import _index
from dicom_runtime.reader import EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, Encoding, read_dataset
from dicom_runtime.writer import encode_dataset

WORD = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", min_size=1, max_size=8)
TEXT = st.text(alphabet="abcXYZ 019.,-^", min_size=1, max_size=20).map(str.strip).filter(bool)


def _many(single: st.SearchStrategy[object], maximum: int = 3) -> st.SearchStrategy[object]:
    return st.one_of(single, st.lists(single, min_size=2, max_size=maximum))


VALUES: dict[str, st.SearchStrategy[object]] = {
    "AE": WORD,
    "AS": st.from_regex(r"\A[0-9]{3}[DWMY]\Z"),
    "CS": _many(WORD),
    "DA": st.dates().map(lambda d: d.strftime("%Y%m%d")),
    "DS": _many(st.integers(-9999, 9999).map(lambda i: f"{i / 10}")),
    "DT": st.datetimes().map(lambda d: d.strftime("%Y%m%d%H%M%S")),
    "IS": _many(st.integers(-99999, 99999).map(str)),
    "LO": _many(TEXT),
    "LT": TEXT,
    "PN": TEXT,
    "SH": _many(TEXT.map(lambda t: t[:16].strip()).filter(bool)),
    "ST": TEXT,
    "TM": st.times().map(lambda t: t.strftime("%H%M%S")),
    "UC": _many(TEXT),
    "UI": st.lists(st.integers(0, 99999), min_size=2, max_size=6).map(lambda p: ".".join(map(str, p))),
    "UR": st.from_regex(r"\Ahttp://example\.invalid/[a-z]{1,8}\Z"),
    "UT": TEXT,
    "US": _many(st.integers(0, 0xFFFF)),
    "SS": _many(st.integers(-0x8000, 0x7FFF)),
    "UL": _many(st.integers(0, 0xFFFFFFFF)),
    "SL": _many(st.integers(-(2**31), 2**31 - 1)),
    "UV": _many(st.integers(0, 2**64 - 1)),
    "SV": _many(st.integers(-(2**63), 2**63 - 1)),
    "FL": _many(st.floats(width=32, allow_nan=False)),
    "FD": _many(st.floats(allow_nan=False)),
    "AT": _many(st.integers(0, 0xFFFFFFFF)),
    "OB": st.binary(max_size=16).map(lambda b: b + b"\0" * (len(b) % 2)),
    "OW": st.binary(max_size=16).map(lambda b: b + b"\0" * (len(b) % 2)),
    "OF": st.binary(max_size=4).map(lambda b: b.ljust(4, b"\0")),
    "OD": st.binary(max_size=8).map(lambda b: b.ljust(8, b"\0")),
    "OL": st.binary(max_size=4).map(lambda b: b.ljust(4, b"\0")),
    "OV": st.binary(max_size=8).map(lambda b: b.ljust(8, b"\0")),
    "UN": st.binary(max_size=16).map(lambda b: b + b"\0" * (len(b) % 2)),
}


@cache
def tags_of(vr: str) -> tuple[int, ...]:
    """Standard tags whose only VR is ``vr`` (Implicit VR needs the dictionary to agree)."""
    index = _index()
    return tuple(sorted(t for t, e in index.by_tag.items() if e.vrs == (vr,) and t >> 16 not in (0, 2)))[:40]


def _element(vr: str) -> st.SearchStrategy[tuple[int, str, object]]:
    tags = tags_of(vr)
    # VRs newer than the dictionary in use have no standard tag: a private tag in explicit VR.
    tag_strategy = st.sampled_from(tags) if tags else st.integers(0x00091010, 0x000910FF)
    return st.tuples(tag_strategy, st.just(vr), VALUES[vr])


def datasets(depth: int = 2) -> st.SearchStrategy[Dataset]:
    leaf = st.one_of([_element(vr) for vr in VALUES])

    def build(children: list[tuple[int, str, object]], items: list[list[Dataset]]) -> Dataset:
        dataset = Dataset()
        for tag, vr, value in children:
            dataset[tag] = DataElement(tag, vr, value)  # type: ignore[arg-type]
        for number, sequence in enumerate(items):
            tag = tags_of("SQ")[number]
            dataset[tag] = DataElement(tag, "SQ", sequence)
        return dataset

    if depth == 0:
        return st.lists(leaf, max_size=6).map(lambda c: build(c, []))
    inner = datasets(depth - 1)
    return st.builds(build, st.lists(leaf, max_size=6), st.lists(st.lists(inner, max_size=2), max_size=2))


def _implicit_safe(dataset: Dataset) -> bool:
    for element in dataset.elements():
        if element.tag >> 16 == 0x0009:  # a private tag: Implicit VR would read it as UN
            return False
        if isinstance(element.value, list) and element.vr == "SQ":
            if not all(_implicit_safe(i) for i in element.value if isinstance(i, Dataset)):
                return False
    return True


def _same(a: Dataset, b: Dataset, check: Callable[[DataElement, DataElement], bool]) -> bool:
    return list(a) == list(b) and all(check(a[t], b[t]) for t in a)


def _equal(x: DataElement, y: DataElement) -> bool:
    if x.vr == "SQ":
        return isinstance(x.value, list) and isinstance(y.value, list) and len(x.value) == len(y.value) and all(
            isinstance(i, Dataset) and isinstance(j, Dataset) and _same(i, j, _equal) for i, j in zip(x.value, y.value)
        )
    if x.vr in ("FL",) and isinstance(x.value, (float, list)):
        import struct

        def round32(v: object) -> object:
            return struct.unpack("<f", struct.pack("<f", v))[0] if isinstance(v, float) else v

        xs = x.value if isinstance(x.value, list) else [x.value]
        return [round32(v) for v in xs] == (y.value if isinstance(y.value, list) else [y.value])
    return x.value == y.value and x.vr == y.vr


@settings(max_examples=150, deadline=None)
@given(datasets())
def test_random_nested_datasets_round_trip(dataset: Dataset) -> None:
    encodings: list[Encoding] = [EXPLICIT_LE, EXPLICIT_BE]
    if _implicit_safe(dataset):
        encodings.append(IMPLICIT_LE)
    for encoding in encodings:
        decoded = read_dataset(encode_dataset(dataset, encoding), encoding)
        assert _same(dataset, decoded, _equal), (encoding, dataset, decoded)


def test_every_vr_has_a_strategy() -> None:
    assert set(VALUES) | {"SQ"} == set(
        "AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV".split()
    )


@settings(max_examples=40, deadline=None)
@given(datasets(depth=1))
def test_random_datasets_round_trip_as_deflated_files(dataset: Dataset) -> None:
    from dicom_runtime.fileformat import DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, encode_file, read_bytes

    dataset[0x00080016] = DataElement(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
    dataset[0x00080018] = DataElement(0x00080018, "UI", "1.2.3.4")
    decoded = read_bytes(encode_file(dataset, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN))
    assert decoded.transfer_syntax == DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN
    assert _same(dataset, decoded.dataset, _equal)
