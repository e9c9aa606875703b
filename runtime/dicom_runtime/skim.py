"""Skimming a sequence: where its items end, walking their element headers without reading
them (PS3.5 7.5), and whether they read without an error.

The reader leaves a top-level sequence unread until its value is asked for
(:class:`.reader._Items`) when :func:`skim_items` finds that its items end where they
should, that their headers pass the checks of the element loop, and that nothing in them
changes how what follows is read. Split from :mod:`.reader`, as that was past 600 lines.
"""

from __future__ import annotations

from .encoding import (
    ITEM,
    MAX_DEPTH,
    SEQUENCE_END,
    UNDEFINED,
    VIEW_SIZE,
    Encoding,
    _BULK,
    _HEADS,
    _ITEM_BE_HEAD,
    _ITEM_LE_HEAD,
    _KINDS,
    _SPECIAL,
    _VR_CODES,
    implicit_vr,
)

__all__ = ["skim_items"]


def skim_items(data: memoryview, offset: int, end: int, encoding: Encoding, undefined: bool, depth: int) -> int | None:
    """Where the items of a sequence from ``offset`` end (after its Sequence Delimitation
    Item if ``undefined``), if :meth:`.reader.Reader.sequence` reads them without an error and nothing in
    them changes how what follows is read; else None (then they are read at once). No
    object is made: it only walks the headers, with the checks of the element loop, and
    answers None at anything less common (UN, undefined lengths but of sequences and items,
    large bulk values, tags of group FFFE but the delimiters)."""
    item_head = (_ITEM_LE_HEAD if encoding.little_endian else _ITEM_BE_HEAD).unpack_from
    while offset < end:
        if end - offset < 8:
            return None
        group, number, length = item_head(data, offset)
        tag = (group << 16) | number
        if tag == SEQUENCE_END:
            return offset + 8 if undefined else None
        if tag != ITEM:
            return None
        offset += 8
        if length == UNDEFINED:
            found = _skim(data, offset, end, encoding, True, depth + 1)
            if found is None:
                return None
            offset = found
        else:
            if length > end - offset or _skim(data, offset, offset + length, encoding, False, depth + 1) is None:
                return None
            offset += length
    return None if undefined else offset


def _skim(data: memoryview, offset: int, end: int, encoding: Encoding, item: bool, depth: int) -> int | None:
    """:func:`skim_items` for the elements of one item (to its Item Delimitation Item if ``item``)."""
    if depth > MAX_DEPTH:
        return None
    explicit = encoding.explicit_vr
    unpack, long_length = _HEADS[explicit, encoding.little_endian]
    codes = _VR_CODES
    last = end - 8
    while offset <= last:
        group, number, code, length = unpack(data, offset)
        if group >= 0xFFFE:
            return offset + 8 if item and group == 0xFFFE and number == 0xE00D else None
        if explicit:
            known = codes.get(code)
            if known is None:
                return None
            vr, long, kind = known
            if long:
                if end - offset < 12:
                    return None
                (length,) = long_length(data, offset + 8)
                value_offset = offset + 12
            else:
                value_offset = offset + 8
        else:
            vr = implicit_vr((group << 16) | number)
            kind = _KINDS[vr]
            value_offset = offset + 8
        if kind == _SPECIAL:
            if vr != "SQ":
                return None
            if length == UNDEFINED:
                found = skim_items(data, value_offset, end, encoding, True, depth)
                if found is None:
                    return None
                offset = found
                continue
            next_offset = value_offset + length
            if next_offset > end or skim_items(data, value_offset, next_offset, encoding, False, depth) is None:
                return None
            offset = next_offset
            continue
        next_offset = value_offset + length
        if next_offset > end or (kind > 0 and length % kind) or (kind == _BULK and length >= VIEW_SIZE):
            return None
        if (group == 0x0008 and number == 0x0005) or (group == 0x0028 and number == 0x0103):
            return None
        offset = next_offset
    if offset < end or item:
        return None
    return offset
