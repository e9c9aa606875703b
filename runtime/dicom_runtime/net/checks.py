"""What a storage SCP checks in a C-STORE before it answers Success (PS3.4 B.2.3, PS3.7 9.1.1).

:func:`store_problem` is the whole check: the command's UIDs are well formed and agree
with the presentation context, and the data set decodes in the negotiated transfer
syntax and names the same SOP class and instance. The Little Endian syntaxes (all but
Big Endian and Deflated, which are read by the generic reader) are walked by
:func:`scan`, which reads every element header, item and delimiter without building
values: as strict about structure as the reader, and several times faster. With
``strict`` (a C-STORE, :func:`store_problem`), it also refuses what the reader reads all
the same but PS3.5 forbids, since a peer retrieving the instance later refuses it: an odd
value length (7.1.1), elements out of ascending order or a tag twice (7.1), and top-level
Pixel Data of undefined length in a native transfer syntax or of defined length in an
encapsulated one (A.4).
"""

from __future__ import annotations

import functools
import mmap
import re
import struct
import tempfile
import zlib

from ..dictionary import uid_info
from ..encoding import is_encapsulated
from ..errors import DicomError
from ..fileformat import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_BIG_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
    MAX_INFLATED,
    decode_body,
)
from ..encoding import EXPLICIT_BE
from ..reader import implicit_vr, read_dataset
from .messages import VERIFICATION, Status
from .spill import SpilledData

_Buffer = bytes | mmap.mmap | memoryview
"""What the walk reads: a data set in memory, a spilled one's memory map, or a view of a
file's map (a file being sent, :meth:`.instances.Instance.from_file`); values it keeps are
taken as ``bytes``."""

UID_PATTERN = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*")
"""PS3.5 9.1: components of digits without leading zeros, dot separated (``fullmatch``)."""

_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_LONG_VRS = frozenset(b"OB OD OF OL OV OW SQ SV UC UN UR UT UV".split())
_SHORT_VRS = frozenset(b"AE AS AT CS DA DS DT FD FL IS LO LT PN SH SL SS ST TM UI UL US".split())
_HEADER_SIZES = {**dict.fromkeys(_SHORT_VRS, 8), **dict.fromkeys(_LONG_VRS, 12)}
"""Explicit VR: the element header's size by VR (PS3.5 7.1.2)."""
_U16 = struct.Struct("<H").unpack_from
_U32 = struct.Struct("<I").unpack_from
_TAG = struct.Struct("<HH").unpack_from
_EXPLICIT = struct.Struct("<HH2sH").unpack_from
_MAX_DEPTH = 64
_SOP_CLASS, _SOP_INSTANCE = 0x00080016, 0x00080018
_PIXEL_DATA = 0x7FE00010
_NUMBER_SIZES = {b"US": 2, b"SS": 2, b"UL": 4, b"SL": 4, b"FL": 4, b"AT": 4, b"FD": 8, b"SV": 8, b"UV": 8}
"""The VRs of numbers (and AT) by the size of one value: a value field is a whole number
of values, as the reader requires (PS3.5 6.2); ``length & 7`` is nonzero whenever one of
them could be wrong."""
_SHORT_NUMBER_SIZES = {vr: size for vr, size in _NUMBER_SIZES.items() if vr in _SHORT_VRS}
_SHORT_TEXT_VRS = _SHORT_VRS - frozenset(_NUMBER_SIZES)


class ScanError(DicomError):
    """A data set whose structure does not decode; says where."""


class EncodingRuleError(ScanError):
    """A data set that decodes but breaks a rule of PS3.5 (a ``strict`` walk): the message
    names the rule first, so that the 64 characters of an Error Comment (LO) say it."""


def uid_problem(uid: str, what: str) -> str | None:
    """Why ``uid`` is not a valid UID (PS3.5 9.1), or None."""
    if not uid:
        return f"no {what}"
    if len(uid) > 64:
        return f"{what} longer than 64 characters"
    if not UID_PATTERN.fullmatch(uid):
        shown = uid.encode("ascii", "backslashreplace").decode("ascii")[:40]
        return f"{what} violates the UID rules: '{shown}'"
    return None


def scan(data: _Buffer, explicit: bool, *, strict: bool = False, encapsulated: bool | None = None) -> tuple[str, str]:
    """Walk a Little Endian data set; its (SOP Class UID, SOP Instance UID) ('' where absent).
    Raises :class:`ScanError` for anything that does not decode, and with ``strict`` for
    what PS3.5 forbids (module docstring); ``encapsulated``: whether the transfer syntax
    encapsulates Pixel Data (None: not checked, a private syntax)."""
    found: dict[int, str] = {}
    end = _walk(data, 0, len(data), explicit, 0, False, found, strict)
    if end != len(data):
        raise ScanError(f"bytes after the data set at offset {end}")
    if strict and encapsulated is not None:
        _check_pixel_encoding(found.get(_PIXEL_DATA), encapsulated)
    return found.get(_SOP_CLASS, ""), found.get(_SOP_INSTANCE, "")


_DEFINED, _UNDEFINED_LENGTH = "defined", "undefined"
"""What the walk notes, under the Pixel Data's tag in ``found``, of top-level Pixel Data's length."""


def _check_pixel_encoding(length: str | None, encapsulated: bool) -> None:
    """PS3.5 A.4: top-level Pixel Data is encapsulated (undefined length, fragments) exactly
    when the transfer syntax encapsulates it; in an item (an icon) it may be either."""
    if length == _UNDEFINED_LENGTH and not encapsulated:
        raise EncodingRuleError("encapsulated Pixel Data in a native syntax (PS3.5 A.4): (7FE0,0010) of undefined length")
    if length == _DEFINED and encapsulated:
        raise EncodingRuleError("native Pixel Data in an encapsulating syntax (PS3.5 A.4): (7FE0,0010) of defined length")


def _disorder(group: int, element: int, last: int, offset: int) -> EncodingRuleError:
    """An element whose tag is not above the one before it (PS3.5 7.1: ascending, each once)."""
    if (group << 16) | element == last:
        return EncodingRuleError(f"({group:04X},{element:04X}) twice in one data set (PS3.5 7.1) at offset {offset}")
    return EncodingRuleError(f"({group:04X},{element:04X}) after ({last >> 16:04X},{last & 0xFFFF:04X}), out of tag order (PS3.5 7.1) "
                             f"at offset {offset}")


def _odd(group: int, element: int, length: int, offset: int) -> EncodingRuleError:
    return EncodingRuleError(f"({group:04X},{element:04X}) odd value length {length} (PS3.5 7.1.1) at offset {offset}")


def _walk(buf: _Buffer, offset: int, end: int, explicit: bool, depth: int, item: bool, found: dict[int, str] | None,
          strict: bool = False) -> int:
    if depth > _MAX_DEPTH:
        raise ScanError(f"sequences nested deeper than {_MAX_DEPTH}")
    if explicit:
        return _walk_explicit(buf, offset, end, depth, item, found, strict)
    last = -1
    while offset < end:
        if end - offset < 8:
            raise ScanError(f"{end - offset} bytes at offset {offset} where an element header needs 8")
        group, element = _TAG(buf, offset)
        tag = (group << 16) | element
        if group == 0xFFFE:
            if tag == _ITEM_END and item:
                return offset + 8
            raise ScanError(f"unexpected ({group:04X},{element:04X}) at offset {offset}")
        if tag <= last:
            raise _disorder(group, element, last, offset)
        last = tag
        length = _U32(buf, offset + 4)[0]
        offset += 8
        vr = _implicit(tag)
        if found is not None and tag == _PIXEL_DATA:
            found[tag] = _UNDEFINED_LENGTH if length == _UNDEFINED else _DEFINED
        if length == _UNDEFINED:
            # Implicit VR: the reader takes an undefined length for a sequence (or UN) only,
            # and for encapsulated Pixel Data
            offset = _undefined_length(buf, offset, end, group, element, vr, depth, explicit=False, strict=strict)
            continue
        if offset + length > end:
            raise ScanError(f"({group:04X},{element:04X}) at offset {offset}: {length} bytes overrun the data set")
        if vr == b"SQ":  # a sequence of defined length: its items, as the reader reads them
            _items(buf, offset, offset + length, False, depth, defined=True, strict=strict)
        elif length & 7 and vr in _NUMBER_SIZES:
            _check_numbers(group, element, vr, length, offset)
        if length & 1 and strict:
            raise _odd(group, element, length, offset - 8)
        if found is not None and (tag == _SOP_CLASS or tag == _SOP_INSTANCE):
            found[tag] = bytes(buf[offset : offset + length]).rstrip(b"\0 ").decode("ascii", "backslashreplace")
        offset += length
    if item:
        raise ScanError("an item of undefined length ends without an Item Delimitation Item")
    return offset


@functools.lru_cache(maxsize=4096)
def _implicit(tag: int) -> bytes:
    """The VR the reader takes an Implicit VR element (or an Explicit VR UN) to have: the
    dictionary's. Bounded, as ``implicit_vr``'s cache is: the tags come from the peer."""
    return implicit_vr(tag).encode("ascii")


def _check_numbers(group: int, element: int, vr: bytes, length: int, offset: int) -> None:
    size = _NUMBER_SIZES[vr]
    if length % size:
        raise ScanError(f"({group:04X},{element:04X}) at offset {offset}: {vr.decode()} value of {length} bytes is not a multiple of {size}")


def _un_value(buf: _Buffer, offset: int, length: int, group: int, element: int, depth: int, strict: bool) -> None:
    """An Explicit VR UN of defined length whose tag the dictionary knows: the reader reads
    it with that VR, in Implicit VR Little Endian (PS3.5 6.2.2), so it is walked so too."""
    vr = _implicit((group << 16) | element)
    if vr == b"SQ":
        _items(buf, offset, offset + length, False, depth, defined=True, strict=strict)
    elif length & 7 and vr in _NUMBER_SIZES:
        _check_numbers(group, element, vr, length, offset)


def _walk_explicit(buf: _Buffer, offset: int, end: int, depth: int, item: bool, found: dict[int, str] | None, strict: bool) -> int:
    """:func:`_walk` for Explicit VR Little Endian: the loop every C-STORE goes through.

    An element of a short VR (most of them) is stepped over without a bounds check of
    its own: offsets only grow, so one that overruns leaves the loop past ``end``, and then
    :func:`_walk_explicit_precise` walks the same bytes again to say where. Everything
    else is checked as in that function."""
    start = offset
    short = _SHORT_TEXT_VRS
    numbers = _SHORT_NUMBER_SIZES
    unpack = _EXPLICIT
    keep = found is not None  # the top level's SOP Class and Instance UIDs (group 0008)
    limit = end - 8
    last = -1
    while offset <= limit:
        group, element, vr, length = unpack(buf, offset)
        if strict and group != 0xFFFE:
            tag = (group << 16) | element
            if tag <= last:
                raise _disorder(group, element, last, offset)
            last = tag
        if vr in short and group != 0xFFFE:
            if length & 1 and strict:
                raise _odd(group, element, length, offset)
            if group <= 8 and keep:
                tag = (group << 16) | element
                if (tag == _SOP_CLASS or tag == _SOP_INSTANCE) and offset + 8 + length <= end:
                    assert found is not None
                    found[tag] = bytes(buf[offset + 8 : offset + 8 + length]).rstrip(b"\0 ").decode("ascii", "backslashreplace")
            offset += 8 + length
            continue
        if vr in numbers and group != 0xFFFE:  # US, UL, FD, AT...: a whole number of values
            if length % numbers[vr]:
                _check_numbers(group, element, vr, length, offset)
            offset += 8 + length
            continue
        if group == 0xFFFE:
            if element == 0xE00D and item:
                return offset + 8
            raise ScanError(f"unexpected ({group:04X},{element:04X}) at offset {offset}")
        if vr not in _LONG_VRS:
            raise ScanError(f"({group:04X},{element:04X}) at offset {offset}: {vr!r} is not a VR")
        if offset + 12 > end:
            raise ScanError(f"truncated element header at offset {offset}")
        length = _U32(buf, offset + 8)[0]
        if keep and group == 0x7FE0 and element == 0x0010:
            assert found is not None
            found[_PIXEL_DATA] = _UNDEFINED_LENGTH if length == _UNDEFINED else _DEFINED
        offset += 12
        if length == _UNDEFINED:
            offset = _undefined_length(buf, offset, end, group, element, vr, depth, strict=strict)
            continue
        if offset + length > end:
            raise ScanError(f"({group:04X},{element:04X}) at offset {offset}: {length} bytes overrun the data set")
        if vr == b"SQ":
            _items(buf, offset, offset + length, True, depth, defined=True, strict=strict)
        elif vr == b"UN":
            _un_value(buf, offset, length, group, element, depth, strict)
        elif length & 7 and vr in _NUMBER_SIZES:
            _check_numbers(group, element, vr, length, offset)
        if length & 1 and strict:  # after what the reader refuses, which its own message says
            raise _odd(group, element, length, offset - 12)
        if group <= 8 and keep:
            tag = (group << 16) | element
            if tag == _SOP_CLASS or tag == _SOP_INSTANCE:
                assert found is not None
                found[tag] = bytes(buf[offset : offset + length]).rstrip(b"\0 ").decode("ascii", "backslashreplace")
        offset += length
    if offset > end:  # a short element overran: the precise walk raises, saying which
        return _walk_explicit_precise(buf, start, end, depth, item, found, strict)
    if offset < end:
        raise ScanError(f"{end - offset} bytes at offset {offset} where an element header needs 8")
    if item:
        raise ScanError("an item of undefined length ends without an Item Delimitation Item")
    return offset


def _undefined_length(
    buf: _Buffer, offset: int, end: int, group: int, element: int, vr: bytes, depth: int, *, explicit: bool = True, strict: bool = False
) -> int:
    """The end of an element of undefined length whose value starts at ``offset``: a
    sequence's items (or UN's, in Implicit VR: PS3.5 6.2.2), or the fragments of
    encapsulated Pixel Data (PS3.5 A.4; the only value of undefined length the reader takes)."""
    pixels = group == 0x7FE0 and element == 0x0010
    if vr == b"SQ" or (vr == b"UN" and not pixels):
        return _items(buf, offset, end, explicit and vr == b"SQ", depth, strict=strict)
    if pixels and vr in (b"OB", b"OW", b"UN"):
        return _fragments(buf, offset, end, strict)
    raise ScanError(f"({group:04X},{element:04X}): undefined length with VR {vr.decode('ascii', 'replace')}")


def _walk_explicit_precise(buf: _Buffer, offset: int, end: int, depth: int, item: bool, found: dict[int, str] | None, strict: bool) -> int:
    """:func:`_walk_explicit` element by element, each checked against the end as it is
    read: what says where a data set that :func:`_walk_explicit` found overrunning does."""
    header_sizes = _HEADER_SIZES
    unpack = _EXPLICIT
    keep = found is not None  # the top level's SOP Class and Instance UIDs (group 0008)
    limit = end - 8
    last = -1
    while offset <= limit:
        group, element, vr, length = unpack(buf, offset)
        start = offset
        if group == 0xFFFE:
            if element == 0xE00D and item:
                return offset + 8
            raise ScanError(f"unexpected ({group:04X},{element:04X}) at offset {offset}")
        if strict:
            tag = (group << 16) | element
            if tag <= last:
                raise _disorder(group, element, last, offset)
            last = tag
        size = header_sizes.get(vr)
        if size == 8:
            offset += 8
        elif size == 12:
            if offset + 12 > end:
                raise ScanError(f"truncated element header at offset {offset}")
            length = _U32(buf, offset + 8)[0]
            offset += 12
            if length == _UNDEFINED:
                offset = _undefined_length(buf, offset, end, group, element, vr, depth, strict=strict)
                continue
            if vr == b"SQ":
                if offset + length > end:
                    raise ScanError(f"({group:04X},{element:04X}) at offset {offset}: {length} bytes overrun the data set")
                if length & 1 and strict:
                    raise _odd(group, element, length, start)
                _items(buf, offset, offset + length, True, depth, defined=True, strict=strict)
        else:
            raise ScanError(f"({group:04X},{element:04X}) at offset {offset}: {vr!r} is not a VR")
        if offset + length > end:
            raise ScanError(f"({group:04X},{element:04X}) at offset {offset}: {length} bytes overrun the data set")
        if vr == b"UN":
            _un_value(buf, offset, length, group, element, depth, strict)
        elif length & 7 and vr in _NUMBER_SIZES:
            _check_numbers(group, element, vr, length, offset)
        if length & 1 and strict:
            raise _odd(group, element, length, start)
        if group <= 8 and keep:
            tag = (group << 16) | element
            if tag == _SOP_CLASS or tag == _SOP_INSTANCE:
                assert found is not None
                found[tag] = bytes(buf[offset : offset + length]).rstrip(b"\0 ").decode("ascii", "backslashreplace")
        offset += length
    if offset < end:
        raise ScanError(f"{end - offset} bytes at offset {offset} where an element header needs 8")
    if item:
        raise ScanError("an item of undefined length ends without an Item Delimitation Item")
    return offset


def _items(buf: _Buffer, offset: int, end: int, explicit: bool, depth: int, *, defined: bool = False, strict: bool = False) -> int:
    """The items of a sequence: to its end (``defined``) or to the Sequence Delimitation Item."""
    while offset < end:
        if end - offset < 8:
            raise ScanError(f"truncated item header at offset {offset}")
        group, element = _TAG(buf, offset)
        tag = (group << 16) | element
        length = _U32(buf, offset + 4)[0]
        offset += 8
        if tag == _SEQUENCE_END and not defined:
            return offset
        if tag != _ITEM:
            raise ScanError(f"({group:04X},{element:04X}) at offset {offset - 8} where an item was expected")
        if length == _UNDEFINED:
            offset = _walk(buf, offset, end, explicit, depth + 1, True, None, strict)
        else:
            if offset + length > end:
                raise ScanError(f"an item of {length} bytes at offset {offset} overruns its sequence")
            if _walk(buf, offset, offset + length, explicit, depth + 1, False, None, strict) != offset + length:
                raise ScanError(f"an item at offset {offset} does not end where its length says")
            offset += length
    if defined:
        return offset
    raise ScanError("a sequence of undefined length ends without a Sequence Delimitation Item")


def _fragments(buf: _Buffer, offset: int, end: int, strict: bool = False) -> int:
    """Encapsulated pixel data (PS3.5 A.4): items of defined length, then the delimiter;
    ``strict``: each of even length, as A.4 requires."""
    while end - offset >= 8:
        group, element = _TAG(buf, offset)
        tag = (group << 16) | element
        length = _U32(buf, offset + 4)[0]
        offset += 8
        if tag == _SEQUENCE_END:
            return offset
        if tag != _ITEM or length == _UNDEFINED or offset + length > end:
            raise ScanError(f"a malformed fragment of encapsulated pixel data at offset {offset - 8}")
        if length & 1 and strict:
            raise EncodingRuleError(f"Pixel Data fragment of odd length {length} (PS3.5 A.4) at offset {offset - 8}")
        offset += length
    raise ScanError("encapsulated pixel data without a Sequence Delimitation Item")


def top_level_elements(head: bytes, offset: int, explicit: bool, wanted: frozenset[int], *, complete: bool) -> list[bytes] | None:
    """The encoded top-level elements whose tags are in ``wanted`` (each one element, in
    ascending order) of the Little Endian data set at ``offset`` in a file's first bytes
    ``head``, up to its Pixel Data: a walk over the element headers that decodes no value
    (the index's rows, :mod:`.rows`). None where the walk does not apply: elements out of
    ascending order, an item or delimiter at the top level, a VR that is none, a wanted
    element of undefined length, and bytes that end before the Pixel Data unless ``complete``
    (``head`` is the whole file) and they end with an element. A sequence of undefined length
    is walked to its end as :func:`scan` walks it (ScanError if it does not decode)."""
    short, unpack, stop = _SHORT_VRS, _EXPLICIT, _PIXEL_DATA
    parts: list[bytes] = []
    position, end, last = offset, len(head), -1
    limit = end - 8
    while position <= limit:
        if explicit:
            group, element, vr, length = unpack(head, position)
            tag = (group << 16) | element
            if last < tag < stop and vr in short:  # most elements: nothing else to check
                last = tag
                if tag in wanted:
                    parts.append(head[position : position + 8 + length])
                position += 8 + length
                continue
            if tag >= stop:
                break
            if tag <= last:
                return None
            last = tag
            if vr not in _HEADER_SIZES or position + 12 > end:
                return None
            length = _U32(head, position + 8)[0]
            size = 12
        else:
            group, element = _TAG(head, position)
            tag = (group << 16) | element
            if tag >= stop:
                break
            if tag <= last:
                return None
            last = tag
            vr, size, length = b"SQ", 8, _U32(head, position + 4)[0]
        if group == 0xFFFE:
            return None
        if length == _UNDEFINED:
            if tag in wanted:
                return None
            position = _undefined_length(head, position + size, end, group, element, vr, 0)  # ScanError if cut off
            continue
        following = position + size + length
        if tag in wanted:
            parts.append(head[position:following])
        position = following
    else:
        if position != end or not complete:
            return None  # cut off before the Pixel Data, or bytes that are no element
    if position > end:
        return None
    return parts


_PIECE = 1 << 16
_INFLATED_IN_MEMORY = 4 << 20
"""A deflated data set inflating to more than this is inflated into a temporary file (unlinked)
and walked through a memory map, so a small C-STORE that inflates to hundreds of megabytes
(the reader's limit is :data:`~..fileformat.MAX_INFLATED`) holds no more than this in memory."""


def _inflated_uids(data: _Buffer, source: str, strict: bool = False) -> tuple[str, str]:
    """:func:`scan` of a Deflated Explicit VR Little Endian data set (PS3.5 A.5), inflated a
    piece at a time to at most MAX_INFLATED bytes, as the reader inflates it."""
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    view = memoryview(data)
    held = bytearray()
    spilled: tempfile._TemporaryFileWrapper[bytes] | None = None
    total = position = 0

    def keep(piece: bytes) -> None:
        nonlocal held, spilled, total
        total += len(piece)
        if total > MAX_INFLATED:
            raise ScanError(f"{source}: the deflated data set inflates to more than the limit of {MAX_INFLATED} bytes")
        if spilled is None and len(held) + len(piece) > _INFLATED_IN_MEMORY:
            spilled = tempfile.NamedTemporaryFile()
            spilled.write(held)
            held = bytearray()
        if spilled is None:
            held += piece
        else:
            spilled.write(piece)

    try:
        while not decompressor.eof:
            if decompressor.unconsumed_tail:
                keep(decompressor.decompress(decompressor.unconsumed_tail, _PIECE))
            elif position < len(view):
                keep(decompressor.decompress(view[position : position + _PIECE], _PIECE))
                position += _PIECE
            else:
                break
        keep(decompressor.flush())
        if spilled is None:
            return scan(bytes(held), True, strict=strict, encapsulated=False)
        spilled.flush()
        with mmap.mmap(spilled.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return scan(mapped, True, strict=strict, encapsulated=False)
    except zlib.error as exc:
        raise ScanError(f"{source}: the deflated data set does not inflate: {exc}") from None
    finally:
        view.release()
        if spilled is not None:
            spilled.close()


def data_set_uids(data: _Buffer, transfer_syntax: str, source: str, *, strict: bool = False) -> tuple[str, str]:
    """The SOP Class and Instance UIDs of a data set encoded in ``transfer_syntax``, once it
    is known to decode; :class:`~..errors.DicomError` says why it does not. ``strict``: also
    why it breaks a rule of PS3.5 the reader reads past (:func:`scan`)."""
    if transfer_syntax == DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
        return _inflated_uids(data, source, strict)
    if transfer_syntax == EXPLICIT_VR_BIG_ENDIAN:
        body = data if isinstance(data, bytes) else bytes(data)
        dataset = read_dataset(body, EXPLICIT_BE, source=source, strict=True) if strict else decode_body(body, transfer_syntax, source=source)
        if strict:
            pixels = dataset.get(_PIXEL_DATA)
            if pixels is not None:
                _check_pixel_encoding(_UNDEFINED_LENGTH if pixels.undefined_length else _DEFINED, False)
        values = dataset.value(_SOP_CLASS), dataset.value(_SOP_INSTANCE)
        return tuple(v.strip("\0 ") if isinstance(v, str) else "" for v in values)  # type: ignore[return-value]
    return scan(data, transfer_syntax != IMPLICIT_VR_LITTLE_ENDIAN, strict=strict, encapsulated=_encapsulates(transfer_syntax))


def _encapsulates(transfer_syntax: str) -> bool | None:
    """Whether a transfer syntax encapsulates Pixel Data (PS3.5 A.4); None for one the
    dictionary does not know as a transfer syntax (a private one: its rules are its own)."""
    try:
        info = uid_info(transfer_syntax)
    except DicomError:
        return None
    if "Transfer Syntax" not in info.type:
        return None
    return is_encapsulated(transfer_syntax)


def leading_uids(data: bytes, transfer_syntax: str) -> tuple[str, str] | None:
    """The data set's SOP Class and Instance UIDs from its first elements (up to (0008,0018)),
    without walking the rest; None where they cannot be read so (a sequence of undefined
    length before them, or bytes that do not decode)."""
    if transfer_syntax in (EXPLICIT_VR_BIG_ENDIAN, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN):
        try:
            return data_set_uids(data, transfer_syntax, "data set")
        except DicomError:
            return None
    explicit = transfer_syntax != IMPLICIT_VR_LITTLE_ENDIAN
    found: dict[int, str] = {}
    offset, end = 0, len(data)
    while offset + 8 <= end:
        group, element = _TAG(data, offset)
        tag = (group << 16) | element
        if tag > _SOP_INSTANCE:
            break
        if explicit:
            size = _HEADER_SIZES.get(data[offset + 4 : offset + 6])
            if size is None or offset + size > end:
                return None
            length = _U16(data, offset + 6)[0] if size == 8 else _U32(data, offset + 8)[0]
            offset += size
        else:
            length = _U32(data, offset + 4)[0]
            offset += 8
        if length == _UNDEFINED or offset + length > end:
            return None
        if tag == _SOP_CLASS or tag == _SOP_INSTANCE:
            found[tag] = data[offset : offset + length].rstrip(b"\0 ").decode("ascii", "backslashreplace")
        offset += length
    return found.get(_SOP_CLASS, ""), found.get(_SOP_INSTANCE, "")


def _name(uid: str) -> str:
    try:
        return uid_info(uid).name
    except DicomError:
        return uid


def operation_problem(field: int, abstract_syntax: str) -> str | None:
    """Why DIMSE-C operation ``field`` is not one of the presentation context's SOP class (0211H)."""
    try:
        name = uid_info(abstract_syntax).name
    except DicomError:
        return None  # a private SOP class: whatever the policy accepted
    query = "Information Model" in name
    if field == 0x0030:
        ok = abstract_syntax == VERIFICATION
    elif field == 0x0001:
        ok = abstract_syntax != VERIFICATION and not query
    else:
        ok = query
    if ok:
        return None
    operation = {0x0001: "C-STORE", 0x0010: "C-GET", 0x0020: "C-FIND", 0x0021: "C-MOVE", 0x0030: "C-ECHO"}.get(field, "this")
    return f"{operation} is not an operation of {name}"


def request_problem(field: int, sop_class: str, sop_instance: str, abstract_syntax: str) -> Status | None:
    """The failure status for a DIMSE-C request whose command does not fit its context, or None."""
    problem = uid_problem(sop_class, "Affected SOP Class UID")
    if problem is not None:
        return Status(0x0122, problem)
    operation = operation_problem(field, abstract_syntax)
    if operation is not None:
        return Status(0x0211, operation)
    if sop_class != abstract_syntax:
        return Status(0x0122, f"SOP class {_name(sop_class)} on a context of {_name(abstract_syntax)}")
    if field == 0x0001:
        problem = uid_problem(sop_instance, "Affected SOP Instance UID")
        if problem is not None:
            return Status(0x0117, problem)
    return None


MAX_REQUEST_DATA_SET = 16 * 1024 * 1024
"""The largest data set of a request other than C-STORE (a C-FIND, C-MOVE or C-GET identifier,
an N-service's data set) that the SCP decodes: it is decoded whole, in memory, while the event
loop waits. A 300 MiB C-FIND identifier (received spilled, within max_message_size) raised the
peak RSS by 600 MiB and held every other association for 2.8 s; a larger one is refused."""


def data_set_size_problem(field: int, data: bytes | SpilledData | None) -> Status | None:
    """The failure status for a request (not a C-STORE, not a C-ECHO) whose data set is larger
    than :data:`MAX_REQUEST_DATA_SET`, or None: C000 for C-FIND, C-MOVE and C-GET (PS3.4
    C.4.1.1.4: unable to process), 0110 (processing failure, PS3.7 C.5) for the others."""
    size = 0 if data is None or field in (0x0001, 0x0030) else len(data)
    if size <= MAX_REQUEST_DATA_SET:
        return None
    what = "identifier" if field in (0x0010, 0x0020, 0x0021) else "data set"
    return Status(0xC000 if what == "identifier" else 0x0110, f"{what} of {size} bytes, over the limit of {MAX_REQUEST_DATA_SET}")


def store_problem(
    sop_class: str, sop_instance: str, transfer_syntax: str, data: bytes | SpilledData | None
) -> Status | None:
    """The failure status for a C-STORE data set that a storage SCP must refuse, or None. A
    spilled data set is checked alike, through its memory map."""
    if data is None:
        return Status(0xC000, "a C-STORE without a data set")
    if not len(data):
        return Status(0xC000, "an empty data set")
    try:
        if isinstance(data, SpilledData):
            with data.mapped() as view:
                found_class, found_instance = data_set_uids(view, transfer_syntax, f"C-STORE {sop_instance}", strict=True)
        else:
            found_class, found_instance = data_set_uids(data, transfer_syntax, f"C-STORE {sop_instance}", strict=True)
    except EncodingRuleError as exc:
        # Cannot understand (PS3.4 B.2.3): the bytes break PS3.5's encoding rules, which hold
        # whatever the SOP class; A900 says the data set does not fit the SOP class's IOD.
        return Status(0xC000, f"{exc}, in {_name(transfer_syntax)}")
    except DicomError as exc:
        return Status(0xC000, f"the data set does not decode in {_name(transfer_syntax)}: {exc}")
    if found_class != sop_class:
        return Status(0xA900, f"the data set's SOP Class UID is {found_class or 'absent'}, not {sop_class}")
    if found_instance != sop_instance:
        return Status(0xA900, f"the data set's SOP Instance UID is {found_instance or 'absent'}, not {sop_instance}")
    return None
