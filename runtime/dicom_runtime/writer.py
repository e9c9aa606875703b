"""Encoding data sets (PS3.5 Section 7): explicit or implicit VR, either byte order.

Sequences and items are written with defined lengths, except those read with
undefined length, which keep it; encapsulated pixel data is written as its Basic
Offset Table and fragments, unchanged.
"""

from __future__ import annotations

from typing import Literal

from .codec import (
    BYTES_VRS,
    LONG_VRS,
    NUMBERS,
    STRING_VRS,
    CodecError,
    encode_numbers,
    encode_tags,
    decode_value,
    encode_text,
    UNKNOWN,
    python_codec,
    unknown_term,
    uses_code_extensions,
)
from .dataset import DataElement, Dataset, DeferredValue, EncapsulatedPixelData
from .errors import DicomEncodeError
from .reader import EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, ITEM, ITEM_END, SEQUENCE_END, SPECIFIC_CHARACTER_SET, UNDEFINED, Encoding
from .tag_text import tag_text


def _order(encoding: Encoding) -> Literal["little", "big"]:
    return "little" if encoding.little_endian else "big"


def _header(tag: int, vr: str, length: int, encoding: Encoding) -> bytes:
    order = _order(encoding)
    head = (tag >> 16).to_bytes(2, order) + (tag & 0xFFFF).to_bytes(2, order)
    if not encoding.explicit_vr:
        return head + length.to_bytes(4, order)
    if vr in LONG_VRS:
        return head + vr.encode("ascii") + b"\0\0" + length.to_bytes(4, order)
    if length > 0xFFFF:
        raise DicomEncodeError(f"{tag_text(tag)} {vr} value of {length} bytes exceeds 65534")
    return head + vr.encode("ascii") + length.to_bytes(2, order)


def _item_header(tag: int, length: int, encoding: Encoding) -> bytes:
    order = _order(encoding)
    return (tag >> 16).to_bytes(2, order) + (tag & 0xFFFF).to_bytes(2, order) + length.to_bytes(4, order)


def encode_value(element: DataElement, encoding: Encoding, codec: str) -> bytes:
    """The value field of a non-sequence element, padded to an even length."""
    value = element.value
    vr = element.vr
    if element.raw is not None and element.raw is value:
        return element.raw  # bytes of an odd length, read and not changed
    if element.raw is not None and vr in STRING_VRS and _unchanged(element, codec):
        return element.raw  # read and not changed: the same bytes (odd lengths included)
    if value is None or value == "" or value == []:
        return b""
    try:
        if isinstance(value, DeferredValue):
            raw = value.read()
        elif vr in BYTES_VRS:
            if not isinstance(value, bytes):
                raise DicomEncodeError(f"{vr} value must be bytes, not {type(value).__name__}")
            raw = value
        elif vr in STRING_VRS:
            if not isinstance(value, (str, list)) or not all(isinstance(v, str) for v in (value if isinstance(value, list) else [value])):
                raise DicomEncodeError(f"{vr} value must be str, not {type(value).__name__}")
            if codec.startswith("iso2022:"):
                terms = codec.removeprefix("iso2022:").split("\\")
                raw = encode_text(value, vr, python_codec(terms), terms)  # type: ignore[arg-type]
            else:
                raw = encode_text(value, vr, codec)  # type: ignore[arg-type]
        elif vr in NUMBERS:
            raw = encode_numbers(value, vr, encoding.little_endian)  # type: ignore[arg-type]
        elif vr == "AT":
            raw = encode_tags(value, encoding.little_endian)  # type: ignore[arg-type]
        else:
            raise DicomEncodeError(f"no encoder for VR {vr}")
    except CodecError as exc:
        name = f" {element.keyword}" if element.keyword else ""
        raise DicomEncodeError(f"{tag_text(element.tag)}{name}: {exc}") from exc
    if len(raw) % 2:
        raw += b"\0"
    return raw


def _unchanged(element: DataElement, codec: str) -> bool:
    """Whether the bytes an element was read with still decode to its value (in the
    character set the data set declares now)."""
    assert element.raw is not None
    if codec.startswith("iso2022:"):
        codec = python_codec(codec.removeprefix("iso2022:").split("\\"))
    elif codec.startswith(UNKNOWN):
        codec = python_codec(codec.removeprefix(UNKNOWN).split("\\"))  # as the reader decoded it
    try:
        decoded = decode_value(element.raw, element.vr, True, codec)
    except CodecError:
        return False
    return decoded == element.value


def encode_dataset(dataset: Dataset, encoding: Encoding, codec: str = "ascii") -> bytes:
    """A data set's elements, in ascending tag order.

    Text under ISO 2022 code extensions (PS3.5 6.1.2.5) is written with the escape
    sequences of the sets the Specific Character Set declares.
    """
    parts: list[bytes] = []
    charset = dataset.get(SPECIFIC_CHARACTER_SET)
    if charset is not None and isinstance(charset.value, (str, list)):
        value = charset.value
        terms = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]
        codec = python_codec(terms)
        if unknown_term(terms) is not None:
            codec = UNKNOWN + "\\".join(terms)  # ASCII only; values read stay as read (see _unchanged)
        elif uses_code_extensions(terms):
            codec = "iso2022:" + "\\".join(terms)
    for element in dataset.elements():
        parts.append(encode_element(element, encoding, codec))
    return b"".join(parts)


def encode_element(element: DataElement, encoding: Encoding, codec: str) -> bytes:
    value = element.value
    if element.vr == "SQ":
        if not isinstance(value, list):
            raise DicomEncodeError(f"{tag_text(element.tag)} SQ value must be a list of data sets")
        header_vr = "SQ"
        outer_little = encoding.little_endian
        if element.read_as_un and encoding.explicit_vr:
            # read as UN: written back as UN, its items in Implicit VR Little Endian (PS3.5 6.2.2)
            header_vr, encoding = "UN", IMPLICIT_LE
        items = []
        for item in value:
            if not isinstance(item, Dataset):
                raise DicomEncodeError("sequence items must be data sets")
            body = encode_dataset(item, encoding, codec)
            if item.undefined_length if item.undefined_length is not None else element.undefined_length:
                items.append(_item_header(ITEM, UNDEFINED, encoding) + body + _item_header(ITEM_END, 0, encoding))
            else:
                items.append(_item_header(ITEM, len(body), encoding) + body)
        content = b"".join(items)
        outer = EXPLICIT_LE if header_vr == "UN" else encoding  # the UN element's own header is explicit
        if header_vr == "UN" and not outer_little:
            outer = EXPLICIT_BE
        if element.undefined_length:
            return _header(element.tag, header_vr, UNDEFINED, outer) + content + _item_header(SEQUENCE_END, 0, encoding)
        return _header(element.tag, header_vr, len(content), outer) + content
    if isinstance(value, EncapsulatedPixelData):
        if not encoding.explicit_vr or not encoding.little_endian:
            raise DicomEncodeError("encapsulated pixel data needs an Explicit VR Little Endian based transfer syntax")
        fragments = [value.offsets, *value.fragments]
        content = b"".join(_item_header(ITEM, len(f), encoding) + f for f in fragments)
        vr = element.vr if element.vr in ("OB", "OW", "UN") else "OB"
        return _header(element.tag, vr, UNDEFINED, encoding) + content + _item_header(SEQUENCE_END, 0, encoding)
    if element.read_as_un and element.raw is not None and encoding.explicit_vr and _unchanged(element, codec):
        return _header(element.tag, "UN", len(element.raw), encoding) + element.raw
    raw = encode_value(element, encoding, codec)
    return _header(element.tag, element.vr, len(raw), encoding) + raw
