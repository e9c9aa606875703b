"""How data elements are encoded (PS3.5 7.1, 7.5, Annex A): the vocabulary the reader and the
writer share.

The three native encodings (:class:`Encoding`: explicit or implicit VR, little or big endian)
and the transfer syntaxes each is the encoding of (PS3.5 Section 10, A.4: :func:`encoding_of`),
the tags of items and delimiters (PS3.5 7.5), the element headers' layouts (PS3.5 7.1.2, 7.1.3),
how each VR's value field is taken, the VR of a tag in Implicit VR (:func:`implicit_vr`,
PS3.5 A.1), and the two limits of reading that the header walkers (:mod:`.skim`) share with
the reader (:data:`MAX_DEPTH`, :data:`VIEW_SIZE`). Split from :mod:`.reader` and
:mod:`.fileformat` (which re-export the public names), as those were past 600 lines.
"""

from __future__ import annotations

import functools
import struct

from .codec import BYTES_VRS, LONG_VRS, NUMBERS, STRING_VRS
from .dictionary import get_entry

UNDEFINED = 0xFFFFFFFF
ITEM = 0xFFFEE000
ITEM_END = 0xFFFEE00D
SEQUENCE_END = 0xFFFEE0DD
PIXEL_DATA = 0x7FE00010
PIXEL_REPRESENTATION = 0x00280103
SPECIFIC_CHARACTER_SET = 0x00080005
KNOWN_VRS = frozenset(STRING_VRS | BYTES_VRS | set(NUMBERS) | {"AT", "SQ"})
#: The deepest nesting of sequences read (deeper is a DicomDecodeError).
MAX_DEPTH = 64
#: Pixel data of at least this many bytes stays a view on the bytes read (a mapped file,
#: with ``views``) until asked for: it is not copied by reading.
VIEW_SIZE = 1 << 16


class Encoding:
    """How a data set is encoded: explicit or implicit VR, little or big endian (a frozen
    value, as the data class it was, made without importing ``dataclasses``)."""

    __slots__ = ("explicit_vr", "little_endian")
    __match_args__ = ("explicit_vr", "little_endian")

    explicit_vr: bool
    little_endian: bool

    def __init__(self, explicit_vr: bool, little_endian: bool) -> None:
        object.__setattr__(self, "explicit_vr", explicit_vr)
        object.__setattr__(self, "little_endian", little_endian)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Encoding or not isinstance(other, Encoding):
            return NotImplemented
        return (self.explicit_vr, self.little_endian) == (other.explicit_vr, other.little_endian)

    def __hash__(self) -> int:
        return hash((self.explicit_vr, self.little_endian))

    def __repr__(self) -> str:
        return f"Encoding(explicit_vr={self.explicit_vr!r}, little_endian={self.little_endian!r})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[type[Encoding], tuple[bool, bool]]:
        return Encoding, (self.explicit_vr, self.little_endian)


IMPLICIT_LE = Encoding(False, True)
EXPLICIT_LE = Encoding(True, True)
EXPLICIT_BE = Encoding(True, False)

IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99"
EXPLICIT_VR_BIG_ENDIAN = "1.2.840.10008.1.2.2"
_NATIVE = {
    IMPLICIT_VR_LITTLE_ENDIAN: IMPLICIT_LE,
    EXPLICIT_VR_LITTLE_ENDIAN: EXPLICIT_LE,
    EXPLICIT_VR_BIG_ENDIAN: EXPLICIT_BE,
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN: EXPLICIT_LE,
    "1.2.840.10008.1.2.4.95": EXPLICIT_LE,  # JPIP Referenced Deflate
}
_DEFLATED = {DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, "1.2.840.10008.1.2.4.95"}


def is_encapsulated(transfer_syntax: str) -> bool:
    """Whether pixel data is encapsulated in a transfer syntax (every one but the native
    and deflated ones, PS3.5 A.4)."""
    return transfer_syntax not in _NATIVE


def encoding_of(transfer_syntax: str) -> Encoding:
    """Explicit VR Little Endian for every encapsulated transfer syntax (PS3.5 A.4)."""
    return _NATIVE.get(transfer_syntax, EXPLICIT_LE)


@functools.lru_cache(maxsize=4096)
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


_EXPLICIT_LE_HEAD = struct.Struct("<HH2sH")
_EXPLICIT_BE_HEAD = struct.Struct(">HH2sH")
_IMPLICIT_LE_HEAD = struct.Struct("<HH0sI")  # no VR: an empty code in its place
_IMPLICIT_BE_HEAD = struct.Struct(">HH0sI")
_ITEM_LE_HEAD = struct.Struct("<HHI")
_ITEM_BE_HEAD = struct.Struct(">HHI")
_U32_LE = struct.Struct("<I")
_U32_BE = struct.Struct(">I")
#: (explicit VR, little endian): the element header's and the long length's readers.
_HEADS = {
    (True, True): (_EXPLICIT_LE_HEAD.unpack_from, _U32_LE.unpack_from),
    (True, False): (_EXPLICIT_BE_HEAD.unpack_from, _U32_BE.unpack_from),
    (False, True): (_IMPLICIT_LE_HEAD.unpack_from, _U32_LE.unpack_from),
    (False, False): (_IMPLICIT_BE_HEAD.unpack_from, _U32_BE.unpack_from),
}
#: The known VR codes as they are in an explicit VR header: the VR and whether its
#: length field is the long one (PS3.5 7.1.2).
_VR_CODES: dict[bytes, tuple[str, bool, int]] = {}
#: How the reader takes each VR: text, bulk bytes, special (SQ, UN: see
#: :meth:`.reader.Reader.element`), or else a number VR (and AT) by the size of one value,
#: which a value field's length is a multiple of.
_TEXT, _BULK, _SPECIAL = -1, -2, -3
_KINDS: dict[str, int] = {
    **{vr: struct.calcsize(code) for vr, code in NUMBERS.items()},
    "AT": 4,
    **dict.fromkeys(STRING_VRS, _TEXT),
    **dict.fromkeys(BYTES_VRS, _BULK),
    "SQ": _SPECIAL,
    "UN": _SPECIAL,
}
_VR_CODES.update((vr.encode("ascii"), (vr, vr in LONG_VRS, _KINDS[vr])) for vr in KNOWN_VRS)
