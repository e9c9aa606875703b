"""Values to bytes and back, VR by VR (PS3.5 Section 6.2), and Specific Character Sets.

String VRs are padded to an even length with a space (UI with NUL), values of a
multi-valued string are joined with a backslash, and trailing padding is removed
on reading (leading spaces too where PS3.5 says they are insignificant).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .dataset import Value

#: VRs whose length field in explicit VR is 4 bytes after 2 reserved bytes (PS3.5 7.1.2).
LONG_VRS = frozenset("OB OD OF OL OV OW SQ UC UN UR UT SV UV".split())
#: String VRs that hold one value (no backslash splitting).
SINGLE_VALUE_TEXT = frozenset("LT ST UT UR".split())
STRING_VRS = frozenset("AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT".split())
#: VRs in which leading spaces are insignificant too (PS3.5 Table 6.2-1).
STRIP_BOTH = frozenset("AE CS DS IS".split())
#: Struct format character of each binary number VR.
NUMBERS: dict[str, str] = {
    "US": "H", "SS": "h", "UL": "I", "SL": "i", "UV": "Q", "SV": "q", "FL": "f", "FD": "d",
}
BYTES_VRS = frozenset("OB OD OF OL OV OW UN".split())
#: VRs that never use the Specific Character Set (PS3.5 6.1.2.3).
DEFAULT_REPERTOIRE = frozenset("AE AS CS DA DS DT IS TM UI UR".split())

#: Specific Character Set defined terms without code extensions, and Python codecs.
CHARSETS: dict[str, str] = {
    "": "ascii",
    "ISO_IR 6": "ascii",
    "ISO_IR 100": "latin_1",
    "ISO_IR 101": "iso8859_2",
    "ISO_IR 109": "iso8859_3",
    "ISO_IR 110": "iso8859_4",
    "ISO_IR 144": "iso8859_5",
    "ISO_IR 127": "iso8859_6",
    "ISO_IR 126": "iso8859_7",
    "ISO_IR 138": "iso8859_8",
    "ISO_IR 148": "iso8859_9",
    "ISO_IR 166": "iso8859_11",
    "ISO_IR 203": "iso8859_15",
    "ISO_IR 13": "shift_jis",
    "ISO_IR 192": "utf_8",
    "GB18030": "gb18030",
    "GBK": "gbk",
}


#: Defined terms with code extensions: (escape sequence that designates the set, Python codec).
EXTENSION_TERMS: dict[str, tuple[bytes, str]] = {
    "ISO 2022 IR 6": (b"\x1b(B", "ascii"),
    "ISO 2022 IR 13": (b"\x1b)I", "shift_jis"),
    "ISO 2022 IR 87": (b"\x1b$B", "iso2022_jp"),
    "ISO 2022 IR 159": (b"\x1b$(D", "iso2022_jp_2"),
    "ISO 2022 IR 149": (b"\x1b$)C", "euc_kr"),
    "ISO 2022 IR 58": (b"\x1b$)A", "gb2312"),
    "ISO 2022 IR 100": (b"\x1b-A", "latin_1"),
    "ISO 2022 IR 101": (b"\x1b-B", "iso8859_2"),
    "ISO 2022 IR 109": (b"\x1b-C", "iso8859_3"),
    "ISO 2022 IR 110": (b"\x1b-D", "iso8859_4"),
    "ISO 2022 IR 144": (b"\x1b-L", "iso8859_5"),
    "ISO 2022 IR 127": (b"\x1b-G", "iso8859_6"),
    "ISO 2022 IR 126": (b"\x1b-F", "iso8859_7"),
    "ISO 2022 IR 138": (b"\x1b-H", "iso8859_8"),
    "ISO 2022 IR 148": (b"\x1b-M", "iso8859_9"),
    "ISO 2022 IR 166": (b"\x1b-T", "iso8859_11"),
    "ISO 2022 IR 203": (b"\x1b-b", "iso8859_15"),
}
#: Escape sequence -> Python codec, for reading: every set a defined term designates, and
#: JIS X 0201 Romaji in G0, which ISO 2022 IR 13 designates beside its Katakana.
ESCAPES: dict[bytes, str] = {escape: codec for escape, codec in EXTENSION_TERMS.values()}
ESCAPES[b"\x1b(J"] = "shift_jis"
_ESCAPE = re.compile(b"(" + b"|".join(re.escape(e) for e in sorted(ESCAPES, key=len, reverse=True)) + b")")
#: Delimiters after which the initial character set is in effect again (PS3.5 6.1.2.5.3).
_RESETS = re.compile(rb"([\\^=\r\n\t\f])")


def decode_iso2022(raw: bytes, initial: str) -> str:
    """Text with ISO 2022 code extensions: each escape sequence switches the set in use,
    and the initial set is back after each delimiter (``\\``, ``^``, ``=``, line ends)."""
    out: list[str] = []
    codec = initial
    for piece in _ESCAPE.split(raw):
        if not piece:
            continue
        if piece in ESCAPES:
            codec = ESCAPES[piece]
            escape = piece
            continue
        if codec in ("iso2022_jp", "iso2022_jp_2"):
            # a two-byte G0 run: it lasts until the next escape sequence
            out.append((escape + piece).decode(codec, errors="replace"))
            continue
        chunks = _RESETS.split(piece)
        for index, chunk in enumerate(chunks):
            if index % 2:
                out.append(chunk.decode("ascii"))
                codec = initial
            elif chunk:
                out.append(chunk.decode(codec, errors="replace"))
    return "".join(out)


_DELIMITED = re.compile(r"([\\^=\r\n\t\f])")


def encode_iso2022(text: str, terms: Sequence[str]) -> bytes:
    """Text under ISO 2022 code extensions (PS3.5 6.1.2.5): each run that the initial
    set cannot hold is written in the first declared set that can, after its escape
    sequence; the initial set is in effect again after each delimiter."""
    initial_term = (terms[0] if terms else "").strip()
    initial = EXTENSION_TERMS.get(initial_term, (b"", python_codec(initial_term)))[1]
    others = [EXTENSION_TERMS[t.strip()] for t in terms[1:] if t.strip() in EXTENSION_TERMS]
    out = bytearray()
    for segment in _DELIMITED.split(text):
        if not segment:
            continue
        try:
            out += segment.encode(initial)
            continue
        except UnicodeEncodeError:
            pass
        for char_run in _runs(segment, initial):
            try:
                out += char_run.encode(initial)
                continue
            except UnicodeEncodeError:
                pass
            for escape, codec in others:
                try:
                    encoded = char_run.encode(codec)
                except UnicodeEncodeError:
                    continue
                out += encoded if codec.startswith("iso2022") else escape + encoded
                break
            else:
                raise CodecError(f"{char_run!r} is in none of the character sets {', '.join(terms)}")
    return bytes(out)


def _runs(segment: str, initial: str) -> list[str]:
    """The segment cut where it passes between the initial set and the others."""
    runs: list[str] = []
    current = ""
    current_initial: bool | None = None
    for char in segment:
        try:
            char.encode(initial)
            fits = True
        except UnicodeEncodeError:
            fits = False
        if current and fits != current_initial:
            runs.append(current)
            current = ""
        current += char
        current_initial = fits
    if current:
        runs.append(current)
    return runs


class CodecError(ValueError):
    """A value that cannot be encoded or decoded as its VR says."""


def uses_code_extensions(specific_character_set: str | Sequence[str] | None) -> bool:
    values = [specific_character_set] if isinstance(specific_character_set, str) else list(specific_character_set or [])
    return any("2022" in v for v in values)


def python_codec(specific_character_set: str | Sequence[str] | None) -> str:
    """The Python codec for a Specific Character Set value (first value decides).

    Code extensions (ISO 2022, several values) fall back to the first value's
    G0/G1 set; escape sequences are decoded by :func:`decode_text` when present.
    """
    if specific_character_set is None:
        return "ascii"
    values = [specific_character_set] if isinstance(specific_character_set, str) else list(specific_character_set)
    first = (values[0] if values else "").strip().replace("ISO 2022 IR", "ISO_IR")
    return CHARSETS.get(first, "latin_1")


#: The prefix of the writer's codec for a Specific Character Set holding a term
#: PS3.3 C.12.1.1.2 does not define (``unknown:`` and its values, ``\\`` between them):
#: ASCII text only.
UNKNOWN = "unknown:"


def unknown_term(specific_character_set: Sequence[str]) -> str | None:
    """The first value of a Specific Character Set that is no Defined Term this codec knows
    (PS3.3 C.12.1.1.2), or None."""
    return next((t for t in specific_character_set if t.strip() not in CHARSETS and t.strip() not in EXTENSION_TERMS), None)


def encodable(text: str, vr: str, specific_character_set: Sequence[str]) -> bool:
    """Whether a text value of ``vr`` can be written in a data set of that Specific
    Character Set (no value: the default repertoire, ISO-IR 6), as the writer encodes it."""
    if text.isascii():
        return True
    terms = list(specific_character_set)
    if unknown_term(terms) is not None:
        return False
    codec = python_codec(terms) if terms else "ascii"
    try:
        encode_text(text, vr, codec, terms if uses_code_extensions(terms) else ())
    except CodecError:
        return False
    return True


def raw_text(raw: bytes, vr: str, codec: str) -> str:
    """A string VR's bytes as one text, by the character set (``codec``, with ISO 2022
    escapes) where the VR uses it; bytes outside the declared set stay visible."""
    if vr in DEFAULT_REPERTOIRE:
        return raw.decode("latin_1")
    if b"\x1b" in raw:
        return decode_iso2022(raw, codec)
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return raw.decode("latin_1")


def decode_text(raw: bytes, vr: str, codec: str) -> str | list[str]:
    """A string VR's bytes as ``str`` (or ``list[str]`` for several values)."""
    text = raw_text(raw, vr, codec)
    if vr == "UI":
        text = text.rstrip("\0 ")
    if vr in SINGLE_VALUE_TEXT:
        return text.rstrip(" \0") if vr != "UR" else text.strip(" ")
    parts = text.split("\\")
    cleaned = [p.strip(" \0") if vr in STRIP_BOTH else p.rstrip(" \0") for p in parts]
    if vr == "PN":
        cleaned = [p.rstrip("=") for p in cleaned]  # empty trailing component groups (PS3.5 6.2.1)
    return cleaned[0] if len(cleaned) == 1 else cleaned


def encode_text(value: str | Sequence[str], vr: str, codec: str, terms: Sequence[str] = ()) -> bytes:
    """A string VR's value; ``terms`` are the Specific Character Set values when they
    use ISO 2022 code extensions."""
    text = value if isinstance(value, str) else "\\".join(value)
    if codec.startswith(UNKNOWN):
        if vr not in DEFAULT_REPERTOIRE and not text.isascii():
            term = unknown_term(codec.removeprefix(UNKNOWN).split("\\"))
            raise CodecError(
                f"{vr} value {text!r} is not ASCII and Specific Character Set {term!r} is not a Defined Term of "
                "PS3.3 C.12.1.1.2, so its encoding is unknown"
            )
        codec = "ascii"
    try:
        if terms and vr not in DEFAULT_REPERTOIRE and not text.isascii():
            raw = encode_iso2022(text, terms)
        else:
            raw = text.encode("ascii" if vr in DEFAULT_REPERTOIRE else codec)
    except UnicodeEncodeError as exc:
        if codec == "ascii" and not terms and vr not in DEFAULT_REPERTOIRE:
            raise CodecError(
                f"{vr} value {text!r} is not in the default character repertoire (ISO-IR 6) and the data set has no "
                f"Specific Character Set (0008,0005): give it one that holds these characters, e.g. ISO_IR 192 (UTF-8) "
                f"(PS3.5 6.1.2.2)"
            ) from exc
        raise CodecError(f"{vr} value {text!r} is not in the character set {codec}") from exc
    if len(raw) % 2:
        raw += b"\0" if vr == "UI" else b" "
    return raw


def decode_numbers(raw: bytes, vr: str, little: bool) -> int | float | list[int] | list[float]:
    code = NUMBERS[vr]
    size = struct.calcsize(code)
    if len(raw) % size:
        raise CodecError(f"{vr} value of {len(raw)} bytes is not a multiple of {size}")
    values = list(struct.unpack(("<" if little else ">") + code * (len(raw) // size), raw))
    if len(values) == 1:
        return values[0]  # type: ignore[no-any-return]
    return values


def encode_numbers(value: int | float | Sequence[int] | Sequence[float], vr: str, little: bool) -> bytes:
    values = [value] if isinstance(value, (int, float)) else list(value)
    try:
        return struct.pack(("<" if little else ">") + NUMBERS[vr] * len(values), *values)
    except struct.error as exc:
        from .vr_format import RANGES

        low, high = RANGES.get(vr, (0, -1))
        outside = next((v for v in values if isinstance(v, int) and not low <= v <= high), None)
        if outside is not None:
            raise CodecError(f"{vr} value {outside} is outside {low}..{high} (PS3.5 Table 6.2-1)") from exc
        raise CodecError(f"{vr} value {value!r}: {exc}") from exc


def decode_tags(raw: bytes, little: bool) -> int | list[int]:
    if len(raw) % 4:
        raise CodecError(f"AT value of {len(raw)} bytes is not a multiple of 4")
    halves = struct.unpack(("<" if little else ">") + "H" * (len(raw) // 2), raw)
    tags = [(halves[i] << 16) | halves[i + 1] for i in range(0, len(halves), 2)]
    return tags[0] if len(tags) == 1 else tags


def encode_tags(value: int | Sequence[int], little: bool) -> bytes:
    """AT values; CodecError for one that is not a tag (an integer 0..FFFFFFFF), as
    :func:`encode_numbers` gives for a number outside its VR."""
    try:
        tags = [value] if isinstance(value, int) else list(value)
        halves = [h for t in tags for h in (t >> 16, t & 0xFFFF)]
        return struct.pack(("<" if little else ">") + "H" * len(halves), *halves)
    except (TypeError, struct.error) as exc:
        raise CodecError(f"AT value {value!r} is not a tag or a list of tags (integers 0..FFFFFFFF, PS3.5 Table 6.2-1)") from exc


def swap_bytes(raw: bytes, vr: str) -> bytes:
    """OW/OF/OD/OL/OV data in the other byte order (for Explicit VR Big Endian)."""
    size = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}.get(vr, 1)
    if size == 1 or len(raw) % size:
        return raw
    out = bytearray(raw)
    for i in range(size):
        out[i::size] = raw[size - 1 - i :: size]
    return bytes(out)


def decode_value(raw: bytes, vr: str, little: bool, codec: str) -> Value:
    """A value field's bytes decoded as the reader decodes them: ``bytes`` for the bulk
    VRs, ``str``/``list[str]`` (``""`` when empty) for text, numbers and tags (``None``
    when empty). Raises :class:`CodecError` for bytes that do not fit the VR."""
    if vr in BYTES_VRS:
        return raw
    if vr in STRING_VRS:
        return decode_text(raw, vr, codec) if raw else ""
    if vr in NUMBERS:
        return decode_numbers(raw, vr, little) if raw else None
    if vr == "AT":
        return decode_tags(raw, little) if raw else None
    raise CodecError(f"no decoder for VR {vr}")
