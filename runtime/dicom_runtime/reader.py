"""Reading encoded data sets (PS3.5 Section 7) from bytes, with bounds checks.

Every length is checked against the bytes that remain before anything is
allocated, nesting is limited, and every failure is one :class:`DicomDecodeError`
with the byte offset and the tag path: never an ``IndexError``, ``struct.error``
or a hang on bogus input.

The encoding's vocabulary (:class:`Encoding`, the tags of items and delimiters, the element
header layouts, :func:`implicit_vr`, the limits) is :mod:`.encoding`, re-exported here; the
skim that lets a top-level sequence be read later is :mod:`.skim`.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable

from .codec import STRING_VRS, CodecError, decode_value, python_codec
from .dataset import DataElement, Dataset, DeferredItems, DeferredValue, EncapsulatedPixelData, FileRange, ReadElement, Value
from .encoding import (  # the encoding's vocabulary: the public names re-exported, imported from here too
    EXPLICIT_BE as EXPLICIT_BE,
    EXPLICIT_LE as EXPLICIT_LE,
    IMPLICIT_LE as IMPLICIT_LE,
    ITEM as ITEM,
    ITEM_END as ITEM_END,
    KNOWN_VRS as KNOWN_VRS,
    MAX_DEPTH as MAX_DEPTH,
    PIXEL_DATA as PIXEL_DATA,
    PIXEL_REPRESENTATION as PIXEL_REPRESENTATION,
    SEQUENCE_END as SEQUENCE_END,
    SPECIFIC_CHARACTER_SET as SPECIFIC_CHARACTER_SET,
    UNDEFINED as UNDEFINED,
    VIEW_SIZE as VIEW_SIZE,
    Encoding as Encoding,
    implicit_vr as implicit_vr,
    _BULK,
    _HEADS,
    _ITEM_BE_HEAD,
    _ITEM_LE_HEAD,
    _KINDS,
    _SPECIAL,
    _TEXT,
    _VR_CODES,
    _us_or_ss,
)
from .errors import DicomDecodeError
from .skim import skim_items
from .tag_text import tag_text

#: The read problems listed (:attr:`Reader.problems`); one line more says there are others.
MAX_PROBLEMS = 100

_set = object.__setattr__  # a Dataset's own fields, past its keyword __setattr__
_new = object.__new__


TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true)

if TYPE_CHECKING:
    from typing import TypeAlias

    #: A tag path as the reader carries it: made into text only for a message (a sequence's
    #: and an item's path are made for every one read, and hardly ever shown). "" is the top,
    #: a text a path as it is, (parent, tag, False) an element and (parent, index, True) an item.
    _Path: TypeAlias = "str | tuple[_Path, int, bool]"


def _text(path: _Path) -> str:
    """A tag path's text: ``(0040,0275)[0].(0008,0100)``."""
    if isinstance(path, str):
        return path
    parent, number, item = path
    return f"{_text(parent)}[{number}]" if item else _where(parent, number)


def _where(path: _Path, tag: int) -> str:
    """The tag path of an element of the data set at ``path`` (made for messages only)."""
    head = _text(path)
    return f"{head}.{tag_text(tag)}" if head else tag_text(tag)


#: The elements that may stay views: Pixel Data, Float and Double Float Pixel Data (other
#: bulk values are copied out, so that a data set kept without its pixels, as an archive's
#: headers are, holds no map of its file).
_VIEWED = frozenset({0x7FE00010, 0x7FE00008, 0x7FE00009})
#: The decoding context of a bulk value (its bytes are its value).
_BULK_CONTEXT = (True, "ascii")


class _Copies:
    """Slices of a view copied to ``bytes`` one by one (the reader's value fields from data too
    large to copy whole and not a file's own bytes: a large inflated data set)."""

    __slots__ = ("view",)

    def __init__(self, view: memoryview) -> None:
        self.view = view

    def __getitem__(self, where: slice) -> bytes:
        return bytes(self.view[where])


#: Data to read of at most this many bytes, not a file's own bytes, is copied once, whole,
#: for the value fields to be sliced from (a slice of ``bytes`` is one object; of a view, two).
_COPY_SIZE = 1 << 20


def _bytes_of(data: bytes | bytearray | memoryview, view: memoryview) -> bytes | mmap.mmap | _Copies:
    """What the reader slices value fields from (see :attr:`Reader._bytes`)."""
    whole = data.obj if isinstance(data, memoryview) else data
    if isinstance(whole, (bytes, mmap.mmap)) and view.nbytes == len(whole) and view.contiguous and view.itemsize == 1:
        return whole
    if view.nbytes <= _COPY_SIZE:
        return view.tobytes()
    return _Copies(view)


class Reader:
    """Parses one data set from ``data``; ``source`` names it in error messages."""

    __slots__ = (
        "data", "start", "_bytes", "encoding", "source", "defer_size", "stop_before_pixels", "loader", "base",
        "strict", "views", "read_at", "codec", "_context", "_cap", "signed_pixels", "partial", "_partial_items",
        "_partial_element", "_fixed", "defer_items", "problems", "_firsts",
    )

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
        read_at: Callable[[int, int], bytes | None] | None = None,
        start: int = 0,
    ) -> None:
        """``strict``: refuse what PS3.5 forbids but files in the wild have (odd value
        lengths); without it such values are read as they are, as dcmtk and pydicom do.
        ``views``: ``data`` stays unchanged while the data set lives (a file mapped
        read-only), so large pixel data may stay a view on it (:data:`VIEW_SIZE`);
        ``read_at(position, length)``: reads such a value's bytes from the file when they are
        asked for as ``bytes`` (positions are ``base_offset`` + offsets in ``data``).
        ``start``: where in ``data`` :meth:`read` begins (a file's data set after its meta
        group: offsets in messages are then offsets in ``data``, plus ``base_offset``)."""
        self.data = memoryview(data)
        self.start = start
        #: What value fields are sliced from, each slice one ``bytes`` (a memoryview's slice
        #: would be a view, then a copy): the file's bytes or its map themselves when
        #: ``data`` is all of them, else a copy of ``data`` (or, over 1 MiB, slices copied
        #: one by one).
        self._bytes: bytes | mmap.mmap | _Copies = _bytes_of(data, self.data)
        self.encoding = encoding
        self.source = source
        self.defer_size = defer_size
        self.stop_before_pixels = stop_before_pixels
        self.loader = loader
        self.base = base_offset
        self.strict = strict
        self.views = views
        self.read_at = read_at
        self.codec = "ascii"
        #: Little endian and the codec, as values read now are decoded (shared by them).
        self._context: tuple[bool, str] = (encoding.little_endian, "ascii")
        # undefined lengths, and values to defer, go the long way (UNDEFINED is over any cap)
        self._cap = min(defer_size, UNDEFINED - 1) if defer_size is not None and loader is not None else UNDEFINED - 1
        self.signed_pixels = False  # Pixel Representation (0028,0103) read as 1
        #: What the element loop takes at every data set and item, in one attribute.
        self._fixed = (self.data, self._bytes, strict, self._cap, views)
        #: Whether a top-level sequence whose bytes check out is left unread until asked for
        #: (:class:`_Items`); the reader of such a sequence reads it all.
        self.defer_items = True
        #: After a DicomDecodeError: the data set read up to the failing element (sequences
        #: partly read included), for tools that show what was read (dicom-dump).
        self.partial: Dataset | None = None
        self._partial_items: list[Dataset] | None = None
        self._partial_element: DataElement | None = None
        #: What the bytes have that PS3.5 forbids and is read all the same (without ``strict``):
        #: an element out of ascending tag order, or a tag twice in one data set (the first
        #: is kept, as dcmtk does). Each is (tag path, message, citation); shared with the
        #: readers of items read later, and kept by the file's data set (Dataset.read_problems).
        self.problems: list[tuple[str, str, str]] = []
        #: The first element of each tag read twice, with the elements it is put back in
        #: when its data set or item is read.
        self._firsts: list[tuple[dict[int, DataElement | ReadElement], int, DataElement | ReadElement]] = []

    def fail(self, reason: str, offset: int, path: _Path) -> DicomDecodeError:
        return DicomDecodeError(reason, offset=self.base + offset, path=_text(path), source=self.source)

    def _disorder(self, elements: dict[int, DataElement | ReadElement], tag: int, prior: int, offset: int, path: _Path) -> None:
        """An element whose tag is not above the highest read before it in its data set."""
        where = _where(path, tag)
        if tag in elements:
            reason = f"{tag_text(tag)} occurs twice in one data set"
            kept = "the first kept, this one not read"
            self._firsts.append((elements, tag, elements[tag]))
        else:
            reason = f"{tag_text(tag)} comes after {tag_text(prior)}: not in ascending tag order"
            kept = "read all the same"
        if self.strict:
            raise self.fail(f"{reason} (PS3.5 7.1)", offset, where)
        problems = self.problems
        if len(problems) < MAX_PROBLEMS:
            problems.append((where, f"byte {self.base + offset}: {reason}; {kept}", "PS3.5 Section 7.1"))
        elif len(problems) == MAX_PROBLEMS:
            problems.append(("", f"byte {self.base + offset}: more elements out of order or twice, not listed", "PS3.5 Section 7.1"))

    def _keep_firsts(self, elements: dict[int, DataElement | ReadElement]) -> None:
        """Put back the first element of each tag read twice in ``elements``."""
        later = []
        for where, tag, first in self._firsts:
            if where is elements:
                elements[tag] = first
            else:
                later.append((where, tag, first))
        self._firsts = later

    def _u16(self, offset: int, little: bool) -> int:
        return int.from_bytes(self.data[offset : offset + 2], "little" if little else "big")

    def _u32(self, offset: int, little: bool) -> int:
        return int.from_bytes(self.data[offset : offset + 4], "little" if little else "big")


    def read(self) -> tuple[Dataset, int]:
        """The data set (from :attr:`start`) and the offset where reading stopped."""
        dataset, offset = self.dataset(self.start, len(self.data), self.encoding, "", 0, top=True)
        return dataset, offset

    def dataset(
        self, offset: int, end: int, encoding: Encoding, path: _Path, depth: int, *, top: bool = False, item: bool = False
    ) -> tuple[Dataset, int]:
        """Elements from ``offset`` to ``end`` (or to an Item Delimitation Item)."""
        dataset = _new(Dataset)  # Dataset.empty(), one call less for every item
        _set(dataset, "__dict__", {"_elements": {}, "file_meta": None, "undefined_length": None})
        try:
            return self._elements(dataset, offset, end, encoding, path, depth, top, item)
        except DicomDecodeError:
            if self._partial_element is not None:  # a sequence read in part: its items so far
                dataset[self._partial_element.tag] = self._partial_element
            self._partial_element = None
            self.partial = dataset
            raise

    def _elements(
        self, dataset: Dataset, offset: int, end: int, encoding: Encoding, path: _Path, depth: int, top: bool, item: bool
    ) -> tuple[Dataset, int]:
        """The loop over element headers. Values are not decoded here: each element keeps
        its value field's bytes and the context to decode them (see :class:`DataElement`),
        after the checks that make decoding them succeed; error paths are made only on
        failure."""
        if depth > MAX_DEPTH:
            raise self.fail(f"sequences nested deeper than {MAX_DEPTH}", offset, path)
        elements = dataset._elements
        data, fields, strict, cap, views = self._fixed
        little = encoding.little_endian
        explicit = encoding.explicit_vr
        unpack, long_length = _HEADS[explicit, little]
        if top and self.stop_before_pixels:
            stop = special_tags = PIXEL_DATA
        else:
            # one comparison for the tags that need a look: delimiters (group FFFE) and the stop
            stop, special_tags = 0x100000000, ITEM
        kinds = _KINDS
        codes = _VR_CODES
        # whether a length needs more than the end check: deferring (a cap under UNDEFINED), strict
        # (odd lengths), or data so large that an undefined length could still end inside it
        careful = strict or cap < UNDEFINED - 1 or end - offset >= UNDEFINED - 1
        context = self._context
        if context[0] != little or context[1] != self.codec:
            context = self._context = (little, self.codec)
        last = end - 8  # the last offset an element header fits at
        prior = -1  # the highest tag read in this data set (PS3.5 7.1: ascending, each once)
        while offset <= last:
            group, number, code, length = unpack(data, offset)
            tag = (group << 16) | number
            if tag >= special_tags:
                if group == 0xFFFE:
                    if tag == ITEM_END:
                        if not item:
                            raise self.fail("Item Delimitation Item outside an item", offset, path)
                        if self._firsts:
                            self._keep_firsts(elements)
                        return dataset, offset + 8
                    if tag in (ITEM, SEQUENCE_END):
                        raise self.fail(f"unexpected {'Item' if tag == ITEM else 'Sequence Delimitation Item'}", offset, path)
                if tag >= stop:
                    if self._firsts:
                        self._keep_firsts(elements)
                    return dataset, offset
            if tag > prior:
                prior = tag
            else:
                self._disorder(elements, tag, prior, offset, path)
            if explicit:
                try:
                    vr, long, kind = codes[code]
                except KeyError:
                    raise self.fail(f"unknown VR code {bytes(code)!r}", offset + 4, _where(path, tag)) from None
                if long:
                    if end - offset < 12:
                        raise self.fail("truncated element header", offset + 4, _where(path, tag))
                    (length,) = long_length(data, offset + 8)
                    value_offset = offset + 12
                else:
                    value_offset = offset + 8
            else:
                vr = implicit_vr(tag)
                if vr == "US" and self.signed_pixels and _us_or_ss(tag):
                    vr = "SS"  # "US or SS" (PS3.5 A.1): signed where Pixel Representation is 1
                value_offset = offset + 8
                kind = kinds[vr]
            next_offset = value_offset + length
            # Each value is left a record, (VR, value field, raw, context), that the data set
            # makes its DataElement of when it is asked for (see dataset.ReadElement). First the
            # common cases (text, numbers, inside the bytes), with the fewest checks: the same
            # as below.
            if next_offset <= end and not careful:
                if kind == _TEXT:
                    field = fields[value_offset:next_offset]
                    # ``raw`` kept so that an unchanged value is written back as these same bytes
                    elements[tag] = (vr, field, field, context)
                    if tag == SPECIFIC_CHARACTER_SET:
                        self._charset(dataset[tag].value, little)
                        context = self._context
                    offset = next_offset
                    continue
                if kind > 0:
                    if length % kind:
                        raise self.fail(f"{vr} value of {length} bytes is not a multiple of {kind}", value_offset, _where(path, tag))
                    elements[tag] = (vr, fields[value_offset:next_offset], None, context)
                    if tag == PIXEL_REPRESENTATION:
                        self.signed_pixels = dataset[tag].value == 1
                    offset = next_offset
                    continue
            if kind == _SPECIAL or next_offset > end or (careful and (length > cap or (strict and length % 2))):
                if (
                    vr == "SQ" and not depth and not careful and self.defer_items and tag not in _STATEFUL
                    and (length == UNDEFINED or next_offset <= end)
                    and (end_of := skim_items(data, value_offset, end if length == UNDEFINED else next_offset, encoding, length == UNDEFINED, depth)) is not None
                ):
                    # A top-level sequence that reads without an error and changes nothing read
                    # after it: its items are read when its value is first asked for.
                    undefined_sq = length == UNDEFINED
                    later = _Items(self, encoding, value_offset, tag, path, undefined_sq)
                    elements[tag] = element = DataElement(tag, "SQ", fields[value_offset:end_of], undefined_sq, None, False, later)
                    offset = end_of
                elif vr == "SQ" and next_offset <= end and length != UNDEFINED and not (strict and length % 2):
                    # a sequence of defined length: what element() gives for it, without the call
                    items, _ = self.sequence_of(tag, value_offset, next_offset, encoding, (path, tag, False), depth, undefined=False)
                    elements[tag] = element = DataElement(tag, "SQ", items)
                    offset = next_offset
                else:
                    element, offset = self.element(tag, offset, vr, length, value_offset, end, encoding, path, depth)
                    elements[tag] = element
                if self._context[0] != little:  # back from items in another byte order
                    self._context = (little, self.codec)
                if tag == PIXEL_REPRESENTATION:
                    self.signed_pixels = element.value == 1
                elif tag == SPECIFIC_CHARACTER_SET:
                    self._charset(element.value, little)
                context = self._context
                continue
            if kind == _TEXT:
                field = fields[value_offset:next_offset]
                # ``raw`` kept so that an unchanged value is written back as these same bytes
                elements[tag] = (vr, field, field, context)
                if tag == SPECIFIC_CHARACTER_SET:
                    self._charset(dataset[tag].value, little)
                    context = self._context
            elif kind == _BULK:
                if views and length >= VIEW_SIZE and tag in _VIEWED and not length % 2:
                    read_at = self.read_at
                    where = _BULK_CONTEXT if read_at is None else FileRange(read_at, self.base + value_offset)
                    elements[tag] = DataElement(tag, vr, data[value_offset:next_offset], False, None, False, where)
                else:
                    field = fields[value_offset:next_offset]
                    # an odd length as read (PS3.5 forbids it; some files have it): kept while unchanged
                    elements[tag] = (vr, field, field if length % 2 else None, None)
                if tag == PIXEL_REPRESENTATION:
                    self.signed_pixels = False  # bytes are not 1
            else:
                if length % kind:
                    raise self.fail(f"{vr} value of {length} bytes is not a multiple of {kind}", value_offset, _where(path, tag))
                elements[tag] = (vr, fields[value_offset:next_offset], None, context)
                if tag == PIXEL_REPRESENTATION:
                    self.signed_pixels = dataset[tag].value == 1
            offset = next_offset
        if offset < end:
            raise self.fail(f"{end - offset} bytes left where an element header needs 8", offset, path)
        if item:
            raise self.fail("item of undefined length ends without an Item Delimitation Item", offset, path)
        if self._firsts:
            self._keep_firsts(elements)
        return dataset, offset

    def _charset(self, value: Value, little: bool) -> None:
        """Specific Character Set read: the codec of the text that follows."""
        if isinstance(value, str):
            self.codec = python_codec(value)
        elif isinstance(value, list):
            self.codec = python_codec([v for v in value if isinstance(v, str)])
        self._context = (little, self.codec)

    def element(
        self,
        tag: int,
        start: int,
        vr: str,
        length: int,
        offset: int,
        end: int,
        encoding: Encoding,
        parent: _Path,
        depth: int,
    ) -> tuple[DataElement, int]:
        """The less common elements: sequences, UN, undefined lengths, deferred values and
        failures; ``start`` is the element's offset, ``offset`` its value field's."""
        path: _Path = (parent, tag, False)
        little = encoding.little_endian
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

    def value(self, vr: str, offset: int, length: int, little: bool, path: _Path, tag: int) -> Value:
        """The decoded value; over ``defer_size`` bytes (any VR) a :class:`DeferredValue`
        that loads the bytes from the file when asked."""
        if self.defer_size is not None and length > self.defer_size and self.loader is not None:
            loader = self.loader
            position = self.base + offset

            def load(position: int = position, length: int = length) -> bytes:
                return loader(position, length)

            return DeferredValue(length, load, vr, little, self.codec)
        raw = self._bytes[offset : offset + length]
        try:
            return decode_value(raw, vr, little, self.codec)
        except CodecError as exc:
            raise self.fail(str(exc), offset, path) from None

    def sequence_of(
        self, tag: int, offset: int, end: int, encoding: Encoding, path: _Path, depth: int, *, undefined: bool
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
        self, offset: int, end: int, encoding: Encoding, path: _Path, depth: int, *, undefined: bool
    ) -> tuple[list[Dataset], int]:
        items: list[Dataset] = []
        little = encoding.little_endian
        data = self.data
        item_head = (_ITEM_LE_HEAD if little else _ITEM_BE_HEAD).unpack_from
        while offset < end:
            if end - offset < 8:
                raise self.fail("truncated item header", offset, path)
            group, number, length = item_head(data, offset)
            tag = (group << 16) | number
            if tag == SEQUENCE_END:
                if not undefined:
                    raise self.fail("Sequence Delimitation Item in a sequence of defined length", offset, path)
                return items, offset + 8
            if tag != ITEM:
                raise self.fail(f"expected an Item, found {tag_text(tag)}", offset, path)
            where: _Path = (path, len(items), True)
            offset += 8
            undefined_item = length == UNDEFINED
            if not undefined_item and length > end - offset:
                self.partial = None
                self._partial_items = items
                raise self.fail(f"item length {length} is larger than the {end - offset} bytes that remain", offset - 8, where)
            # the item read here rather than by dataset(): one call less for every item
            dataset = _new(Dataset)
            _set(dataset, "__dict__", {"_elements": {}, "file_meta": None, "undefined_length": undefined_item})
            try:
                if undefined_item:
                    _, offset = self._elements(dataset, offset, end, encoding, where, depth + 1, False, True)
                else:
                    self._elements(dataset, offset, offset + length, encoding, where, depth + 1, False, False)
                    offset += length
            except DicomDecodeError:
                # as dataset() keeps what was read: the item so far, with its sequence read in part
                if self._partial_element is not None:
                    dataset[self._partial_element.tag] = self._partial_element
                self._partial_element = None
                items.append(dataset)
                self.partial = None
                self._partial_items = items
                raise
            items.append(dataset)
        if undefined:
            raise self.fail("sequence of undefined length ends without a Sequence Delimitation Item", offset, path)
        return items, offset

    def encapsulated(self, offset: int, end: int, encoding: Encoding, path: _Path) -> tuple[EncapsulatedPixelData, int]:
        """Basic Offset Table and fragments of encapsulated pixel data (PS3.5 A.4)."""
        little = encoding.little_endian
        data = self.data
        item_head = (_ITEM_LE_HEAD if little else _ITEM_BE_HEAD).unpack_from
        chunks: list[bytes] = []
        while True:
            if end - offset < 8:
                raise self.fail("encapsulated pixel data ends without a Sequence Delimitation Item", offset, path)
            group, number, length = item_head(data, offset)
            tag = (group << 16) | number
            if tag == SEQUENCE_END:
                offset += 8
                break
            if tag != ITEM or length == UNDEFINED:
                raise self.fail("expected a fragment Item of defined length", offset, path)
            if length > end - offset - 8:
                raise self.fail(f"fragment length {length} is larger than the bytes that remain", offset, path)
            chunks.append(self._bytes[offset + 8 : offset + 8 + length])
            offset += 8 + length
        if not chunks:
            raise self.fail("encapsulated pixel data without a Basic Offset Table item", offset, path)
        return EncapsulatedPixelData(chunks[0], chunks[1:]), offset


#: Tags whose value changes how what follows them is read (the character set, "US or SS" by
#: Pixel Representation): a sequence holding one is read at once, as one of them.
_STATEFUL = frozenset({SPECIFIC_CHARACTER_SET, PIXEL_REPRESENTATION})


class _Items(DeferredItems):
    """A top-level sequence's items, read when first asked for: by a reader of the sequence's
    value field in the state the file's reader was in at the sequence (byte order, character
    set, Pixel Representation, file offsets), so they are the items it would have read then.
    :func:`.skim.skim_items` has checked that they read without an error."""

    __slots__ = ("source", "base", "encoding", "codec", "signed_pixels", "tag", "path", "undefined", "problems")

    def __init__(self, reader: Reader, encoding: Encoding, offset: int, tag: int, path: _Path, undefined: bool) -> None:
        self.source = reader.source
        self.base = reader.base + offset
        self.encoding = encoding
        self.codec = reader.codec
        self.signed_pixels = reader.signed_pixels
        self.tag = tag
        self.path = path
        self.undefined = undefined
        self.problems = reader.problems

    def read(self, field: bytes) -> list[Dataset]:
        reader = Reader(field, self.encoding, source=self.source, base_offset=self.base)
        reader.problems = self.problems
        reader.defer_items = False
        reader.codec = self.codec
        reader.signed_pixels = self.signed_pixels
        items, _ = reader.sequence_of(self.tag, 0, len(field), self.encoding, (self.path, self.tag, False), 0, undefined=self.undefined)
        return items


def read_dataset(
    data: bytes | bytearray | memoryview, encoding: Encoding = EXPLICIT_LE, *, source: str = "", strict: bool = False
) -> Dataset:
    """A data set that fills ``data`` exactly."""
    reader = Reader(data, encoding, source=source, strict=strict)
    dataset, offset = reader.read()
    if offset != len(memoryview(data)):
        raise DicomDecodeError("bytes after the data set", offset=offset, source=source)
    _set(dataset, "_read_problems", reader.problems)
    return dataset
