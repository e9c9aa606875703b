"""The reader as it was before lazy decoding (runtime/dicom_runtime/reader.py at e412476),
kept unchanged as the oracle of tests/runtime/test_lazy.py: it decodes every value at
read time. Only its imports are absolute, and it takes (and ignores) ``views`` and
``read_at``.

Reading encoded data sets (PS3.5 Section 7) from bytes, with bounds checks.

Every length is checked against the bytes that remain before anything is
allocated, nesting is limited, and every failure is one :class:`DicomDecodeError`
with the byte offset and the tag path: never an ``IndexError``, ``struct.error``
or a hang on bogus input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dicom_runtime.codec import (
    BYTES_VRS,
    LONG_VRS,
    NUMBERS,
    STRING_VRS,
    CodecError,
    decode_value,
    python_codec,
)
from dicom_runtime.dataset import DataElement, Dataset, DeferredValue, EncapsulatedPixelData, Value
from dicom_runtime.dictionary import get_entry
from dicom_runtime.errors import DicomDecodeError

UNDEFINED = 0xFFFFFFFF
ITEM = 0xFFFEE000
ITEM_END = 0xFFFEE00D
SEQUENCE_END = 0xFFFEE0DD
PIXEL_DATA = 0x7FE00010
PIXEL_REPRESENTATION = 0x00280103
SPECIFIC_CHARACTER_SET = 0x00080005
MAX_DEPTH = 64
KNOWN_VRS = frozenset(STRING_VRS | BYTES_VRS | set(NUMBERS) | {"AT", "SQ"})


@dataclass(frozen=True)
class Encoding:
    explicit_vr: bool
    little_endian: bool


IMPLICIT_LE = Encoding(False, True)
EXPLICIT_LE = Encoding(True, True)
EXPLICIT_BE = Encoding(True, False)


def implicit_vr(tag: int) -> str:
    """The VR of a tag in Implicit VR: from the dictionary; private creators are LO; else UN."""
    group, element = tag >> 16, tag & 0xFFFF
    if group % 2 and 0x0010 <= element <= 0x00FF:
        return "LO"
    if element == 0 and group != 0xFFFE:
        return "UL"  # group length
    entry = get_entry(tag)
    if entry is None or not entry.vrs:
        return "UN"
    if len(entry.vrs) > 1:
        # "US or SS", "OB or OW": PS3.5 Annex A: in Implicit VR, OW for pixel data,
        # US for the "US or SS" elements (unsigned unless Pixel Representation says otherwise).
        return "OW" if "OW" in entry.vrs else entry.vrs[0]
    return entry.vrs[0]


def _us_or_ss(tag: int) -> bool:
    entry = get_entry(tag)
    return entry is not None and "SS" in entry.vrs and "US" in entry.vrs


class Reader:
    """Parses one data set from ``data``; ``source`` names it in error messages."""

    def __init__(
        self,
        data: bytes | bytearray | memoryview,
        encoding: Encoding,
        *,
        source: str = "",
        defer_size: int | None = None,
        stop_before_pixels: bool = False,
        loader: Callable[[int, int], bytes] | None = None,
        base_offset: int = 0,
        strict: bool = False,
        views: bool = False,
        read_at: object = None,
        start: int = 0,
    ) -> None:
        """``strict``: refuse what PS3.5 forbids but files in the wild have (odd value
        lengths); without it such values are read as they are, as dcmtk and pydicom do.
        ``start`` (the lazy reader's: read from there): taken as the data from ``start`` on,
        as it was given before (its offsets made file offsets by ``base_offset``)."""
        self.data = memoryview(data)[start:]
        self.encoding = encoding
        self.source = source
        self.defer_size = defer_size
        self.stop_before_pixels = stop_before_pixels
        self.loader = loader
        self.base = base_offset + start
        self.strict = strict
        self.codec = "ascii"
        self.signed_pixels = False  # Pixel Representation (0028,0103) read as 1
        #: After a DicomDecodeError: the data set read up to the failing element (sequences
        #: partly read included), for tools that show what was read (dicom-dump).
        self.partial: Dataset | None = None
        self._partial_items: list[Dataset] | None = None
        self._partial_element: DataElement | None = None

    def fail(self, reason: str, offset: int, path: str) -> DicomDecodeError:
        return DicomDecodeError(reason, offset=self.base + offset, path=path, source=self.source)

    def _u16(self, offset: int, little: bool) -> int:
        return int.from_bytes(self.data[offset : offset + 2], "little" if little else "big")

    def _u32(self, offset: int, little: bool) -> int:
        return int.from_bytes(self.data[offset : offset + 4], "little" if little else "big")


    def read(self) -> tuple[Dataset, int]:
        """The data set and the offset where reading stopped."""
        dataset, offset = self.dataset(0, len(self.data), self.encoding, "", 0, top=True)
        return dataset, offset

    def dataset(
        self, offset: int, end: int, encoding: Encoding, path: str, depth: int, *, top: bool = False, item: bool = False
    ) -> tuple[Dataset, int]:
        """Elements from ``offset`` to ``end`` (or to an Item Delimitation Item)."""
        dataset = Dataset()
        try:
            return self._elements(dataset, offset, end, encoding, path, depth, top, item)
        except DicomDecodeError:
            if self._partial_element is not None:  # a sequence read in part: its items so far
                dataset[self._partial_element.tag] = self._partial_element
            self._partial_element = None
            self.partial = dataset
            raise

    def _elements(
        self, dataset: Dataset, offset: int, end: int, encoding: Encoding, path: str, depth: int, top: bool, item: bool
    ) -> tuple[Dataset, int]:
        if depth > MAX_DEPTH:
            raise self.fail(f"sequences nested deeper than {MAX_DEPTH}", offset, path)
        little = encoding.little_endian
        while offset < end:
            if end - offset < 8:
                raise self.fail(f"{end - offset} bytes left where an element header needs 8", offset, path)
            tag = (self._u16(offset, little) << 16) | self._u16(offset + 2, little)
            if tag == ITEM_END:
                if not item:
                    raise self.fail("Item Delimitation Item outside an item", offset, path)
                return dataset, offset + 8
            if tag in (ITEM, SEQUENCE_END):
                raise self.fail(f"unexpected {'Item' if tag == ITEM else 'Sequence Delimitation Item'}", offset, path)
            if top and self.stop_before_pixels and tag >= PIXEL_DATA:
                return dataset, offset
            where = f"{path}.({tag >> 16:04X},{tag & 0xFFFF:04X})" if path else f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
            element, offset = self.element(tag, offset, end, encoding, where, depth)
            dataset[tag] = element
            if tag == PIXEL_REPRESENTATION:
                self.signed_pixels = element.value == 1
            if tag == SPECIFIC_CHARACTER_SET:
                value = element.value
                if isinstance(value, str):
                    self.codec = python_codec(value)
                elif isinstance(value, list):
                    self.codec = python_codec([v for v in value if isinstance(v, str)])
        if item:
            raise self.fail("item of undefined length ends without an Item Delimitation Item", offset, path)
        return dataset, offset

    def element(
        self, tag: int, offset: int, end: int, encoding: Encoding, path: str, depth: int
    ) -> tuple[DataElement, int]:
        little = encoding.little_endian
        start = offset
        offset += 4
        if encoding.explicit_vr:
            vr_bytes = bytes(self.data[offset : offset + 2])
            vr = vr_bytes.decode("latin_1")
            if vr not in KNOWN_VRS:
                raise self.fail(f"unknown VR code {vr_bytes!r}", offset, path)
            if vr in LONG_VRS:
                if end - offset < 8:
                    raise self.fail("truncated element header", offset, path)
                length = self._u32(offset + 4, little)
                offset += 8
            else:
                length = self._u16(offset + 2, little)
                offset += 4
        else:
            vr = implicit_vr(tag)
            if vr == "US" and self.signed_pixels and _us_or_ss(tag):
                vr = "SS"  # "US or SS" (PS3.5 A.1): signed where Pixel Representation is 1
            length = self._u32(offset, little)
            offset += 4
        if length == UNDEFINED:
            if vr == "SQ" or (vr == "UN" and tag != PIXEL_DATA):
                # An UN of undefined length is a sequence in Implicit VR Little Endian (PS3.5 6.2.2).
                inner = encoding if vr == "SQ" else IMPLICIT_LE
                items, offset = self.sequence_of(tag, offset, end, inner, path, depth, undefined=True)
                return DataElement(tag, "SQ", items, undefined_length=True, read_as_un=vr == "UN"), offset
            if tag == PIXEL_DATA and vr in ("OB", "OW", "UN"):
                pixels, offset = self.encapsulated(offset, end, encoding, path)
                # the VR as read (PS3.5 A.4 says OB; some writers put OW): written back as read
                return DataElement(tag, vr if encoding.explicit_vr else "OB", pixels, undefined_length=True), offset
            raise self.fail(f"undefined length on a {vr} element", start, path)
        if length > end - offset:
            raise self.fail(f"length {length} is larger than the {end - offset} bytes that remain", start, path)
        if length % 2 and self.strict:
            raise self.fail(f"odd length {length} (PS3.5 7.1.1: value lengths are even)", start, path)
        as_un = False
        if vr == "UN" and encoding.explicit_vr:
            # UN with a VR the dictionary knows: the value is encoded as in Implicit VR
            # Little Endian (PS3.5 6.2.2), so read it with that VR.
            known = implicit_vr(tag)
            if known != "UN":
                vr = known
                little = True
                as_un = True
                if vr == "SQ":
                    items, _ = self.sequence_of(tag, offset, offset + length, IMPLICIT_LE, path, depth, undefined=False)
                    return DataElement(tag, "SQ", items, read_as_un=True), offset + length
        if vr == "SQ":
            items, _ = self.sequence_of(tag, offset, offset + length, encoding, path, depth, undefined=False)
            return DataElement(tag, "SQ", items), offset + length
        value = self.value(vr, offset, length, little, path, tag)
        if as_un and not isinstance(value, DeferredValue):
            raw = bytes(self.data[offset : offset + length])
            return DataElement(tag, vr, value, raw=raw, read_as_un=True), offset + length
        if isinstance(value, bytes) and length % 2:
            # an odd length as read (PS3.5 forbids it; some files have it): kept while unchanged
            return DataElement(tag, vr, value, raw=value), offset + length
        if vr in STRING_VRS and not isinstance(value, DeferredValue):
            # kept so that an unchanged value is written back as these same bytes
            return DataElement(tag, vr, value, raw=bytes(self.data[offset : offset + length])), offset + length
        return DataElement(tag, vr, value), offset + length

    def value(self, vr: str, offset: int, length: int, little: bool, path: str, tag: int) -> Value:
        """The decoded value; over ``defer_size`` bytes (any VR) a :class:`DeferredValue`
        that loads the bytes from the file when asked."""
        if self.defer_size is not None and length > self.defer_size and self.loader is not None:
            loader = self.loader
            position = self.base + offset

            def load(position: int = position, length: int = length) -> bytes:
                return loader(position, length)

            return DeferredValue(length, load, vr, little, self.codec)
        raw = bytes(self.data[offset : offset + length])
        try:
            return decode_value(raw, vr, little, self.codec)
        except CodecError as exc:
            raise self.fail(str(exc), offset, path) from None

    def sequence_of(
        self, tag: int, offset: int, end: int, encoding: Encoding, path: str, depth: int, *, undefined: bool
    ) -> tuple[list[Dataset], int]:
        """:meth:`sequence`, keeping the items read so far for :attr:`partial` on failure."""
        self._partial_items = None
        try:
            return self.sequence(offset, end, encoding, path, depth, undefined=undefined)
        except DicomDecodeError:
            self._partial_element = DataElement(tag, "SQ", self._partial_items or [], undefined_length=undefined)
            self._partial_items = None
            raise

    def sequence(
        self, offset: int, end: int, encoding: Encoding, path: str, depth: int, *, undefined: bool
    ) -> tuple[list[Dataset], int]:
        items: list[Dataset] = []
        little = encoding.little_endian
        while offset < end:
            if end - offset < 8:
                raise self.fail("truncated item header", offset, path)
            tag = (self._u16(offset, little) << 16) | self._u16(offset + 2, little)
            length = self._u32(offset + 4, little)
            if tag == SEQUENCE_END:
                if not undefined:
                    raise self.fail("Sequence Delimitation Item in a sequence of defined length", offset, path)
                return items, offset + 8
            if tag != ITEM:
                raise self.fail(f"expected an Item, found ({tag >> 16:04X},{tag & 0xFFFF:04X})", offset, path)
            where = f"{path}[{len(items)}]"
            offset += 8
            try:
                if length == UNDEFINED:
                    dataset, offset = self.dataset(offset, end, encoding, where, depth + 1, item=True)
                else:
                    if length > end - offset:
                        raise self.fail(f"item length {length} is larger than the {end - offset} bytes that remain", offset - 8, where)
                    dataset, _ = self.dataset(offset, offset + length, encoding, where, depth + 1)
                    offset += length
            except DicomDecodeError:
                if self.partial is not None:
                    self.partial.undefined_length = length == UNDEFINED
                    items.append(self.partial)
                self.partial = None
                self._partial_items = items
                raise
            dataset.undefined_length = length == UNDEFINED
            items.append(dataset)
        if undefined:
            raise self.fail("sequence of undefined length ends without a Sequence Delimitation Item", offset, path)
        return items, offset

    def encapsulated(self, offset: int, end: int, encoding: Encoding, path: str) -> tuple[EncapsulatedPixelData, int]:
        """Basic Offset Table and fragments of encapsulated pixel data (PS3.5 A.4)."""
        little = encoding.little_endian
        chunks: list[bytes] = []
        while True:
            if end - offset < 8:
                raise self.fail("encapsulated pixel data ends without a Sequence Delimitation Item", offset, path)
            tag = (self._u16(offset, little) << 16) | self._u16(offset + 2, little)
            length = self._u32(offset + 4, little)
            if tag == SEQUENCE_END:
                offset += 8
                break
            if tag != ITEM or length == UNDEFINED:
                raise self.fail("expected a fragment Item of defined length", offset, path)
            if length > end - offset - 8:
                raise self.fail(f"fragment length {length} is larger than the bytes that remain", offset, path)
            chunks.append(bytes(self.data[offset + 8 : offset + 8 + length]))
            offset += 8 + length
        if not chunks:
            raise self.fail("encapsulated pixel data without a Basic Offset Table item", offset, path)
        return EncapsulatedPixelData(chunks[0], chunks[1:]), offset


def read_dataset(
    data: bytes | bytearray | memoryview, encoding: Encoding = EXPLICIT_LE, *, source: str = "", strict: bool = False
) -> Dataset:
    """A data set that fills ``data`` exactly."""
    dataset, offset = Reader(data, encoding, source=source, strict=strict).read()
    if offset != len(memoryview(data)):
        raise DicomDecodeError("bytes after the data set", offset=offset, source=source)
    return dataset
