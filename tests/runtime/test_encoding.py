"""Encoding and decoding: reference bytes, round trips in every uncompressed syntax, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dicom_runtime.dataset import DataElement, Dataset, EncapsulatedPixelData
from dicom_runtime.errors import DicomDecodeError, DicomError
from dicom_runtime.fileformat import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_BIG_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
    read_file,
    write_file,
)
from dicom_runtime.reader import EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, read_dataset
from dicom_runtime.writer import encode_dataset


def test_explicit_vr_little_endian_reference_bytes() -> None:
    dataset = Dataset()
    dataset.add(0x00100010, "PN", "Doe^Jane")
    dataset.add(0x00280010, "US", 512)
    expected = bytes.fromhex(
        "1000 1000"  # (0010,0010)
        " 504e"  # PN
        " 0800"  # length 8
        " 446f655e4a616e65"  # "Doe^Jane"
        " 2800 1000"  # (0028,0010)
        " 5553"  # US
        " 0200"  # length 2
        " 0002"  # 512
    )
    assert encode_dataset(dataset, EXPLICIT_LE) == expected
    assert read_dataset(expected, EXPLICIT_LE) == dataset


def test_implicit_vr_and_padding() -> None:
    dataset = Dataset()
    dataset.add(0x00080060, "CS", "CT")
    dataset.add(0x00080016, "UI", "1.2.3")
    raw = encode_dataset(dataset, IMPLICIT_LE)
    assert raw == bytes.fromhex(
        "0800 1600 06000000 312e322e3300"  # (0008,0016) length 6, "1.2.3" + NUL
        "0800 6000 02000000 4354"  # (0008,0060) length 2, "CT"
    )
    assert read_dataset(raw, IMPLICIT_LE) == dataset


def test_big_endian_numbers() -> None:
    dataset = Dataset()
    dataset.add(0x00280010, "US", 512)
    assert encode_dataset(dataset, EXPLICIT_BE) == bytes.fromhex("0028 0010 5553 0002 0200")


def _nested(depth: int) -> Dataset:
    dataset = Dataset()
    dataset.add(0x00100020, "LO", f"ID{depth}")
    if depth:
        dataset.add(0x00081115, "SQ", [_nested(depth - 1), _nested(depth - 1)])
    return dataset


@pytest.mark.parametrize(
    "syntax",
    [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN],
)
def test_files_round_trip_in_every_uncompressed_syntax(syntax: str, tmp_path: Path) -> None:
    dataset = _nested(3)
    dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
    dataset.add(0x00080018, "UI", "1.2.3.4")
    dataset.add(0x00280010, "US", 2)
    dataset.add(0x00281050, "DS", ["40", "400"])
    dataset.add(0x7FE00010, "OW", bytes(range(8)))
    path = tmp_path / "a.dcm"
    write_file(path, dataset, syntax)
    again = read_file(path)
    assert again.transfer_syntax == syntax
    assert again.dataset == dataset
    assert again.meta.value(0x00020010) == syntax
    data = path.read_bytes()
    assert data[128:132] == b"DICM" and len(data) % 2 == 0
    assert [p.name for p in tmp_path.iterdir()] == ["a.dcm"]  # no temporary file left


def test_encapsulated_pixel_data_is_kept_as_fragments(tmp_path: Path) -> None:
    dataset = Dataset()
    dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
    dataset.add(0x00080018, "UI", "1.2.3.4")
    dataset[0x7FE00010] = DataElement(
        0x7FE00010, "OB", EncapsulatedPixelData(b"\0\0\0\0", [b"\xff\xd8frame1\xff\xd9", b"ab"]), True
    )
    path = tmp_path / "jpeg.dcm"
    write_file(path, dataset, "1.2.840.10008.1.2.4.50")
    assert read_file(path).dataset == dataset


def test_stop_before_pixels_and_deferred_values(tmp_path: Path) -> None:
    dataset = Dataset()
    dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
    dataset.add(0x00080018, "UI", "1.2.3.4")
    dataset.add(0x7FE00010, "OB", bytes(4096))
    path = tmp_path / "big.dcm"
    write_file(path, dataset)
    header = read_file(path, stop_before_pixels=True)
    assert 0x7FE00010 not in header.dataset and 0x00080018 in header.dataset
    deferred = read_file(path, defer_size=1024).dataset[0x7FE00010].value
    assert not isinstance(deferred, bytes) and deferred is not None
    assert getattr(deferred, "read")() == bytes(4096)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (bytes.fromhex("1000 1000 504e 0800 446f65"), "length 8 is larger than the 3 bytes that remain"),
        (bytes.fromhex("1000 1000 5a5a 0000"), "unknown VR code b'ZZ'"),
        (bytes.fromhex("1000 1000 4c4f 0000 1000"), "2 bytes left where an element header needs 8"),
        (bytes.fromhex("1000 1000 4c4f ffff"), "length 65535 is larger"),
        (bytes.fromhex("2800 1000 4f42 0000 ffffffff"), "undefined length on a OB element"),
        (bytes.fromhex("0800 1511 5351 0000 ffffffff feff00e0 ffffffff"), "item of undefined length ends without"),
    ],
)
def test_bad_input_is_one_documented_error(data: bytes, reason: str) -> None:
    with pytest.raises(DicomDecodeError) as caught:
        read_dataset(data, EXPLICIT_LE, source="test.dcm")
    assert reason in str(caught.value) and str(caught.value).startswith("test.dcm: byte ")
    assert isinstance(caught.value, DicomError)


def test_nesting_deeper_than_the_limit() -> None:
    item = b""
    for _ in range(70):  # (0008,1115) SQ, defined length, holding one item holding the previous level
        inner = item
        item = (
            bytes.fromhex("0800 1511 5351 0000")  # tag, "SQ", reserved
            + (len(inner) + 8).to_bytes(4, "little")  # sequence length
            + bytes.fromhex("feff 00e0")  # (FFFE,E000) Item
            + len(inner).to_bytes(4, "little")  # item length
            + inner
        )
    with pytest.raises(DicomDecodeError, match="nested deeper than 64"):
        read_dataset(item, EXPLICIT_LE)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="ABCXYZ019 ^", max_size=12).map(str.strip), min_size=1, max_size=3),
    st.integers(min_value=0, max_value=65535),
    st.lists(st.floats(allow_nan=False, width=32), min_size=1, max_size=4),
    st.binary(max_size=40).map(lambda b: b + b"\0" * (len(b) % 2)),
)
def test_values_survive_encode_then_decode(names: list[str], number: int, floats: list[float], blob: bytes) -> None:
    dataset = Dataset()
    dataset.add(0x00100010, "PN", names[0] if len(names) == 1 else names)
    dataset.add(0x00280010, "US", number)
    dataset.add(0x00189310, "FL", floats[0] if len(floats) == 1 else floats)
    dataset.add(0x00091010, "OB", blob)
    for encoding in (EXPLICIT_LE, EXPLICIT_BE):
        again = read_dataset(encode_dataset(dataset, encoding), encoding)
        assert again[0x00280010].value == number
        assert again[0x00091010].value == blob
        decoded_names = again[0x00100010].value
        expected = [n.rstrip("=") for n in names]
        assert (decoded_names if isinstance(decoded_names, list) else [decoded_names]) == expected


@pytest.mark.parametrize(
    ("terms", "text", "expected"),
    [
        (["", "ISO 2022 IR 87"], "Yamada^Tarou=山田^太郎", b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B"),
        (["", "ISO 2022 IR 149"], "Hong^Gildong=홍^길동", b"Hong^Gildong=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf"),
        # Latin alphabet No. 9 (ISO 8859-15: Œ is 0xBC, € 0xA4), designated to G1 by ESC 02/13 06/02
        (["", "ISO 2022 IR 203"], "Dupont^Zoe=Œuvre^€", b"Dupont^Zoe=\x1b-b\xbcuvre^\x1b-b\xa4"),
    ],
)
def test_iso2022_escape_sequences_are_written(terms: list[str], text: str, expected: bytes) -> None:
    dataset = Dataset()
    dataset.add(0x00080005, "CS", terms)
    dataset.add(0x00100010, "PN", text)
    raw = encode_dataset(dataset, EXPLICIT_LE)
    assert expected in raw  # the bytes of PS3.5 Annex H and I examples
    assert read_dataset(raw, EXPLICIT_LE).value(0x00100010) == text


def test_latin_alphabet_9_without_code_extensions() -> None:
    """ISO_IR 203 (ISO 8859-15, added to PS3.3 C.12.1.1.2 after 2020c): the euro sign
    and the OE ligature that ISO_IR 100 cannot hold, one byte each."""
    dataset = Dataset()
    dataset.add(0x00080005, "CS", "ISO_IR 203")
    dataset.add(0x00100010, "PN", "Œuvre^Zoé€")
    raw = encode_dataset(dataset, EXPLICIT_LE)
    assert b"\xbcuvre^Zo\xe9\xa4" in raw
    assert read_dataset(raw, EXPLICIT_LE).value(0x00100010) == "Œuvre^Zoé€"


def test_odd_lengths_are_read_leniently_and_refused_when_strict() -> None:
    data = bytes.fromhex("0900 1000 4c4f 0300 414243")  # (0009,0010) LO, odd length 3, "ABC"
    assert read_dataset(data, EXPLICIT_LE).value(0x00090010) == "ABC"
    with pytest.raises(DicomDecodeError, match="odd length 3"):
        read_dataset(data, EXPLICIT_LE, source="odd.dcm", strict=True)
