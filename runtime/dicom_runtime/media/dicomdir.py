"""The DICOMDIR file: read into a tree of :class:`DirectoryRecord`, and encoded from one.

Record links are byte offsets counted from the first byte of the file (the first byte
of the preamble: PS3.3 F.3.2.1 counts from the first byte of the File Meta Information,
which in PS3.10 7.1 begins with the preamble; dcmtk and pydicom write them so). The
writer lays the file out in two passes: every record is encoded once with its links
zero, which fixes every record's offset (the links are 4-byte UL values whatever they
hold), then the links are written into the encoded bytes. DICOMDIRs are written in
Explicit VR Little Endian (PS3.10 8.6) with defined lengths; read in any native syntax.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..dataset import DataElement, Dataset
from ..errors import DicomDecodeError
from ..fileformat import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN,
    encoding_of,
    file_header,
    split_file,
)
from ..reader import EXPLICIT_LE, ITEM, SEQUENCE_END, UNDEFINED, Reader
from ..tag_text import tag_text
from ..writer import encode_dataset
from .errors import MediaError
from .records import (
    DIRECTORY_RECORD_SEQUENCE,
    FILESET_DESCRIPTOR_CHARSET,
    FILESET_DESCRIPTOR_FILE_ID,
    FILESET_ID,
    FIRST_ROOT_RECORD,
    LAST_ROOT_RECORD,
    LINK_TAGS,
    LOWER_LEVEL,
    MEDIA_STORAGE_DIRECTORY,
    NEXT_RECORD,
    RECORD_IN_USE,
    RECORD_TYPE,
    DirectoryRecord,
    make_record,
)


@dataclass
class Dicomdir:
    """A DICOMDIR as read: its File Meta Information, its File-set elements (the data set
    without the record sequence), the tree of records in use, and what was set aside."""

    meta: Dataset
    header: Dataset
    roots: list[DirectoryRecord]
    #: Records in the sequence that no link reaches (stale: dropped when rewritten).
    unreached: list[DirectoryRecord] = field(default_factory=list)
    #: Records whose Record In-use Flag is 0000H (inactive: skipped with the records
    #: below them, their next link followed; dropped when rewritten).
    inactive: list[DirectoryRecord] = field(default_factory=list)

    @property
    def instance_uid(self) -> str:
        value = self.meta.value(0x00020003)
        return value if isinstance(value, str) else ""

    @property
    def fileset_id(self) -> str:
        value = self.header.value(FILESET_ID)
        return value if isinstance(value, str) else ""


def _u32(value: object) -> int:
    if isinstance(value, list):
        value = value[0] if value else 0
    return value if isinstance(value, int) else 0


def read_dicomdir(path: str | Path) -> Dicomdir:
    """Read a DICOMDIR: MediaError naming the file, the record's byte offset and the reason
    when it is not a Basic Directory, its bytes are damaged, a link points outside the
    file or to no record, or the links form a cycle."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise MediaError(f"cannot read the DICOMDIR: {exc.strerror or exc}", path=source) from None
    try:
        meta, start = split_file(data, source=source)
    except DicomDecodeError as exc:
        reason = exc.reason if exc.reason.startswith("not a DICOM file") else f"not a DICOM file: {exc.reason}"
        raise MediaError(reason, path=source, offset=None) from None
    sop_class = meta.value(0x00020002)
    if sop_class != MEDIA_STORAGE_DIRECTORY:
        raise MediaError(
            f"not a Basic Directory: its Media Storage SOP Class is {sop_class!r}, not {MEDIA_STORAGE_DIRECTORY} "
            "(Media Storage Directory Storage)",
            path=source,
        )
    syntax = meta.value(0x00020010)
    syntax = syntax if isinstance(syntax, str) and syntax else EXPLICIT_VR_LITTLE_ENDIAN
    if syntax == DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
        raise MediaError("a deflated DICOMDIR: its record offsets cannot be file offsets", path=source)
    encoding = encoding_of(syntax)
    reader = Reader(data, encoding, source=source)
    header = Dataset()
    records: dict[int, Dataset] = {}
    order: list[int] = []
    little = encoding.little_endian
    bo: Literal["little", "big"] = "little" if little else "big"
    offset = start
    seen_sequence = False
    spans: list[tuple[int, int]] = []  # the File-set elements' bytes, around the sequence
    span_start = start
    try:
        while offset < len(data):
            if len(data) - offset < 8:
                raise reader.fail(f"{len(data) - offset} bytes left where an element header needs 8", offset, "")
            tag = (int.from_bytes(data[offset : offset + 2], bo) << 16) | int.from_bytes(data[offset + 2 : offset + 4], bo)
            element_start = offset
            if encoding.explicit_vr:
                vr = data[offset + 4 : offset + 6]
                if vr in _LONG_VRS:
                    length, offset = int.from_bytes(data[offset + 8 : offset + 12], bo), offset + 12
                else:
                    length, offset = int.from_bytes(data[offset + 6 : offset + 8], bo), offset + 8
            else:
                vr = b"SQ" if tag == DIRECTORY_RECORD_SEQUENCE else b""
                length, offset = int.from_bytes(data[offset + 4 : offset + 8], bo), offset + 8
            if tag != DIRECTORY_RECORD_SEQUENCE:
                if length == UNDEFINED:
                    raise reader.fail("an element of undefined length in the File-set elements", element_start, "")
                offset += length
                continue
            if seen_sequence:
                raise reader.fail("a second Directory Record Sequence", element_start, "")
            seen_sequence = True
            if vr != b"SQ":
                raise reader.fail(f"Directory Record Sequence has VR {vr!r}, not SQ", element_start, "")
            spans.append((span_start, element_start))
            end = len(data) if length == UNDEFINED else offset + length
            if end > len(data):
                raise reader.fail(f"Directory Record Sequence length {length} runs past the end of the file", element_start, "")
            offset = _read_items(reader, data, offset, end, length == UNDEFINED, records, order)
            span_start = offset
        spans.append((span_start, len(data)))
        for begin, finish in spans:
            if begin < finish:
                part, _ = reader.dataset(begin, finish, encoding, "", 0)
                for element in part.elements():
                    header[element.tag] = element
    except DicomDecodeError as exc:
        raise MediaError(f"damaged DICOMDIR: {exc.reason} (at {exc.path or 'top level'})", path=source, offset=exc.offset) from None
    if not seen_sequence:
        raise MediaError("not a Basic Directory: no Directory Record Sequence (0004,1220)", path=source)
    for element_tag in (FIRST_ROOT_RECORD, LAST_ROOT_RECORD):
        if element_tag not in header:
            raise MediaError(
                f"not a Basic Directory: no {tag_text(element_tag)} "
                "Offset of the First/Last Directory Record of the Root Directory Entity",
                path=source,
            )
    return _link(source, len(data), header, meta, records, order)


def _read_items(
    reader: Reader, data: bytes, offset: int, end: int, undefined: bool, records: dict[int, Dataset], order: list[int]
) -> int:
    little = reader.encoding.little_endian
    bo: Literal["little", "big"] = "little" if little else "big"
    top_codec = reader.codec
    while offset < end:
        if end - offset < 8:
            raise reader.fail("truncated item header", offset, "(0004,1220)")
        tag = (int.from_bytes(data[offset : offset + 2], bo) << 16) | int.from_bytes(data[offset + 2 : offset + 4], bo)
        length = int.from_bytes(data[offset + 4 : offset + 8], bo)
        if tag == SEQUENCE_END:
            if not undefined:
                raise reader.fail("Sequence Delimitation Item in a sequence of defined length", offset, "(0004,1220)")
            return offset + 8
        if tag != ITEM:
            raise reader.fail(f"expected an Item, found {tag_text(tag)}", offset, "(0004,1220)")
        where = f"(0004,1220)[{len(order)}]"
        reader.codec = top_codec  # each record's own Specific Character Set applies to it alone
        if length == UNDEFINED:
            item, after = reader.dataset(offset + 8, end, reader.encoding, where, 1, item=True)
        else:
            if length > end - offset - 8:
                raise reader.fail(f"item length {length} is larger than the {end - offset - 8} bytes that remain", offset, where)
            item, _ = reader.dataset(offset + 8, offset + 8 + length, reader.encoding, where, 1)
            after = offset + 8 + length
        records[offset] = item
        order.append(offset)
        offset = after
    reader.codec = top_codec
    if undefined:
        raise reader.fail("Directory Record Sequence ends without a Sequence Delimitation Item", offset, "(0004,1220)")
    return offset


def _link(source: str, size: int, header: Dataset, meta: Dataset, items: dict[int, Dataset], order: list[int]) -> Dicomdir:
    """Resolve the links from the root: each record reached once; a link to a place that
    is not a record's start is an error, as is a record reached twice (a cycle)."""
    made: dict[int, DirectoryRecord] = {}
    inactive: list[DirectoryRecord] = []
    reached: set[int] = set()

    def target(link: int, referrer: int | None, what: str) -> Dataset:
        if link >= size:
            raise MediaError(f"{what} {link} points outside the file ({size} bytes)", path=source, offset=referrer)
        item = items.get(link)
        if item is None:
            raise MediaError(f"{what} {link} is not the start of a directory record", path=source, offset=referrer)
        if link in reached:
            raise MediaError(
                f"{what} {link} reaches the record at byte {link} a second time: the record links form a cycle",
                path=source,
                offset=referrer,
            )
        reached.add(link)
        return item

    def build(link: int, referrer: int | None, what: str) -> DirectoryRecord | None:
        item = target(link, referrer, what)
        kind = item.value(RECORD_TYPE)
        if not isinstance(kind, str) or not kind:
            raise MediaError("a directory record without a Directory Record Type (0004,1430)", path=source, offset=link)
        keys = Dataset({t: e for t, e in item.items() if t not in LINK_TAGS and t & 0xFFFF != 0})
        record = make_record(kind, keys, offset=link)
        made[link] = record
        if _u32(item.value(RECORD_IN_USE)) == 0 and RECORD_IN_USE in item and item.value(RECORD_IN_USE) is not None:
            inactive.append(record)
            return None
        return record

    roots: list[DirectoryRecord] = []
    # (list to append to, parent, link, referrer, what): an explicit stack, so a deep chain
    # of lower-level links cannot exhaust Python's recursion
    stack: list[tuple[list[DirectoryRecord], DirectoryRecord | None, int, int | None, str]] = []
    first = _u32(header.value(FIRST_ROOT_RECORD))
    if first:
        stack.append((roots, None, first, None, "Offset of the First Directory Record of the Root Directory Entity"))
    while stack:
        siblings, parent, link, referrer, what = stack.pop()
        item_offset = link
        record = build(link, referrer, what)
        item = items[item_offset]
        following = _u32(item.value(NEXT_RECORD))
        lower = _u32(item.value(LOWER_LEVEL))
        if following:
            stack.append((siblings, parent, following, item_offset, "Offset of the Next Directory Record"))
        if record is None:
            continue
        record.parent = parent
        siblings.append(record)
        if lower:
            stack.append((record.children, record, lower, item_offset, "Offset of Referenced Lower-Level Directory Entity"))
    last = _u32(header.value(LAST_ROOT_RECORD))
    if roots and last and last not in items:
        raise MediaError(f"Offset of the Last Directory Record of the Root Directory Entity {last} is not a record's start", path=source)
    unreached = [make_record(str(items[o].value(RECORD_TYPE) or ""), items[o], offset=o) for o in order if o not in reached]
    return Dicomdir(meta, Dataset({t: e for t, e in header.items() if t & 0xFFFF != 0}), roots, unreached, inactive)


def _flatten(roots: Sequence[DirectoryRecord]) -> list[DirectoryRecord]:
    out: list[DirectoryRecord] = []
    for root in roots:
        out.extend(root.walk())
    return out


_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
_LINK_PREFIX = (
    struct.pack("<HH2sHI", 0x0004, 0x1400, b"UL", 4, 0)
    + struct.pack("<HH2sHH", 0x0004, 0x1410, b"US", 2, 0xFFFF)
    + struct.pack("<HH2sHI", 0x0004, 0x1420, b"UL", 4, 0)
)


def _record_body(record: DirectoryRecord) -> bytearray:
    keys = Dataset({t: e for t, e in record.keys.items() if t > RECORD_TYPE})
    kind = record.record_type.encode("ascii")
    kind += b" " * (len(kind) % 2)
    body = bytearray(_LINK_PREFIX)
    body += struct.pack("<HH2sH", 0x0004, 0x1430, b"CS", len(kind)) + kind
    body += encode_dataset(keys, EXPLICIT_LE)
    return body


def encode_dicomdir(
    roots: Sequence[DirectoryRecord], *, instance_uid: str, fileset_id: str = "", header: Dataset | None = None
) -> bytes:
    """The bytes of a DICOMDIR of these records (every record's offset set to where it
    now is). ``header``: File-set elements read before (descriptor file ID and its
    character set are kept)."""
    head = file_header(MEDIA_STORAGE_DIRECTORY, instance_uid, EXPLICIT_VR_LITTLE_ENDIAN)
    prefix = Dataset()
    prefix[FILESET_ID] = DataElement(FILESET_ID, "CS", fileset_id)
    for tag in (FILESET_DESCRIPTOR_FILE_ID, FILESET_DESCRIPTOR_CHARSET):
        if header is not None and tag in header:
            prefix[tag] = header[tag]
    prefix_bytes = encode_dataset(prefix, EXPLICIT_LE)
    records = _flatten(roots)
    bodies = [_record_body(r) for r in records]
    sequence_start = len(head) + len(prefix_bytes) + 12 + 12 + 10 + 12  # the first item's offset
    position = sequence_start
    for record, body in zip(records, bodies):
        record.offset = position
        position += 8 + len(body)
    index = {id(r): body for r, body in zip(records, bodies)}
    for siblings in [list(roots)] + [r.children for r in records if r.children]:
        for record, following in zip(siblings, siblings[1:] + [None]):
            body = index[id(record)]
            struct.pack_into("<I", body, 8, (following.offset or 0) if following is not None else 0)
            struct.pack_into("<I", body, 30, (record.children[0].offset or 0) if record.children else 0)
    first = (roots[0].offset or 0) if roots else 0
    last = (roots[-1].offset or 0) if roots else 0
    out = bytearray(head)
    out += prefix_bytes
    out += struct.pack("<HH2sHI", 0x0004, 0x1200, b"UL", 4, first)
    out += struct.pack("<HH2sHI", 0x0004, 0x1202, b"UL", 4, last)
    out += struct.pack("<HH2sHH", 0x0004, 0x1212, b"US", 2, 0)
    out += struct.pack("<HH2sHI", 0x0004, 0x1220, b"SQ", 0, position - sequence_start)
    assert len(out) == sequence_start
    for body in bodies:
        out += struct.pack("<HHI", 0xFFFE, 0xE000, len(body)) + body
    return bytes(out)
