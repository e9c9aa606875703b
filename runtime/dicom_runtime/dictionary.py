"""Data dictionary types and lookups (PS3.6, plus the PS3.7 command elements).

The values come from the generated leaf module ``dicom_model._dictionary``, a plain
data table; this module gives them types and indexes them lazily on first use.
Lookups go by tag (an ``int`` such as ``0x00100010``) or by keyword
(``"PatientName"``) and understand repeating groups such as ``(60xx,0010)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Mapping

from .errors import UnknownTagError, UnknownUIDError


@dataclass(frozen=True, slots=True)
class DictionaryEntry:
    """One data element of the dictionary.

    ``tag`` is the element's tag with every repeating digit as 0 and ``mask`` has
    1-bits where the tag is fixed (``0xFFFFFFFF`` unless the element is a repeating
    group form such as ``(60xx,0010)``). ``vrs`` lists the allowed VRs (``("US",
    "SS")`` for ``US or SS``); it is empty for the item delimiters, whose VR PS3.6
    gives as "See Note".
    """

    tag: int
    mask: int
    keyword: str
    name: str
    vrs: tuple[str, ...]
    vm: str
    retired: bool
    source: str

    @property
    def vr(self) -> str:
        """The first allowed VR, or ``""`` if the dictionary gives none."""
        return self.vrs[0] if self.vrs else ""

    @property
    def tag_text(self) -> str:
        """``(GGGG,EEEE)`` with ``x`` for repeating digits, as PS3.6 prints it."""
        digits = f"{self.tag:08X}"
        shown = "".join(
            "x" if (self.mask >> (28 - 4 * i)) & 0xF == 0 else d for i, d in enumerate(digits)
        )
        return f"({shown[:4]},{shown[4:]})"

    def matches(self, tag: int) -> bool:
        return tag & self.mask == self.tag


class DataElementTag(int):
    """An ``int``-valued tag that reads its dictionary entry on demand.

    ``dicom_model.tags.PatientName == 0x00100010`` holds, and
    ``dicom_model.tags.PatientName.vr == "PN"``. The properties look the tag up in
    the generated dictionary; a tag the dictionary lacks raises
    :class:`~dicom_runtime.errors.UnknownTagError` from them.
    """

    __slots__ = ()

    @property
    def entry(self) -> DictionaryEntry:
        return lookup(int(self))

    @property
    def keyword(self) -> str:
        return self.entry.keyword

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def vrs(self) -> tuple[str, ...]:
        return self.entry.vrs

    @property
    def vr(self) -> str:
        return self.entry.vr

    @property
    def vm(self) -> str:
        return self.entry.vm

    @property
    def retired(self) -> bool:
        return self.entry.retired

    @property
    def group(self) -> int:
        return self >> 16

    @property
    def element(self) -> int:
        return self & 0xFFFF

    def __repr__(self) -> str:
        found = get_entry(int(self))
        keyword = f" {found.keyword}" if found is not None and found.keyword else ""
        return f"({self >> 16:04X},{self & 0xFFFF:04X}){keyword}"


@dataclass(frozen=True, slots=True)
class UidEntry:
    """One row of PS3.6 Table A-1."""

    uid: str
    keyword: str
    name: str
    type: str
    retired: bool


class TransferSyntax(str):
    """A transfer syntax UID (``str``-valued) with its encoding facts from PS3.5."""

    keyword: str
    name: str
    explicit_vr: bool
    little_endian: bool
    deflated: bool
    encapsulated: bool
    retired: bool

    def __new__(
        cls,
        uid: str,
        *,
        keyword: str,
        name: str,
        explicit_vr: bool,
        little_endian: bool,
        deflated: bool,
        encapsulated: bool,
        retired: bool,
    ) -> TransferSyntax:
        self = super().__new__(cls, uid)
        self.keyword = keyword
        self.name = name
        self.explicit_vr = explicit_vr
        self.little_endian = little_endian
        self.deflated = deflated
        self.encapsulated = encapsulated
        self.retired = retired
        return self

    @property
    def uid(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"TransferSyntax({self.uid!r}, {self.keyword})"


@dataclass(frozen=True)
class _Index:
    by_tag: Mapping[int, DictionaryEntry]
    by_keyword: Mapping[str, DictionaryEntry]
    repeating: tuple[DictionaryEntry, ...]  # most specific mask first


@cache
def _index() -> _Index:
    from dicom_model import _dictionary  # generated leaf data module

    sources = _dictionary.SOURCES
    entries = [
        DictionaryEntry(tag, mask, keyword, name, vrs, vm, retired, sources[source])
        for tag, mask, keyword, name, vrs, vm, retired, source in _dictionary.ELEMENTS
    ]
    exact = {e.tag: e for e in entries if e.mask == 0xFFFFFFFF}
    repeating = sorted(
        (e for e in entries if e.mask != 0xFFFFFFFF),
        key=lambda e: (-bin(e.mask).count("1"), e.tag),
    )
    by_keyword: dict[str, DictionaryEntry] = {}
    for entry in entries:
        if entry.keyword:
            by_keyword.setdefault(entry.keyword, entry)
    return _Index(exact, by_keyword, tuple(repeating))


def _find(key: int | str) -> DictionaryEntry | None:
    index = _index()
    if isinstance(key, str):
        return index.by_keyword.get(key)
    found = index.by_tag.get(key)
    if found is not None:
        return found
    for entry in index.repeating:
        if key & entry.mask == entry.tag:
            return entry
    return None


def get_entry(key: int | str) -> DictionaryEntry | None:
    """The dictionary entry for a tag or keyword, or ``None`` if there is none.

    Private tags (odd group) and group lengths ``(gggg,0000)`` outside group 0000
    and 0002 are not in PS3.6 and give ``None``.
    """
    return _find(key)


def lookup(key: int | str) -> DictionaryEntry:
    """The dictionary entry for a tag or keyword; :class:`UnknownTagError` if none."""
    found = _find(key)
    if found is None:
        shown = key if isinstance(key, str) else f"({key >> 16:04X},{key & 0xFFFF:04X})"
        raise UnknownTagError(f"{shown} is not in the data dictionary")
    return found


def tag_for_keyword(keyword: str) -> int:
    """The tag of a keyword (for a repeating group, the form with ``xx`` as 00)."""
    return lookup(keyword).tag


def keyword_for_tag(tag: int) -> str:
    """The keyword of a tag; ``""`` for the two unnamed retired rows of Table 6-1."""
    return lookup(tag).keyword


@cache
def _uids() -> Mapping[str, UidEntry]:
    from dicom_model import _dictionary

    return {row[0]: UidEntry(*row) for row in _dictionary.UIDS}


def all_uids() -> Mapping[str, UidEntry]:
    """Every row of PS3.6 Table A-1 of the generated edition, by UID."""
    return _uids()


def uid_info(uid: str) -> UidEntry:
    """The Table A-1 row of a UID; :class:`UnknownUIDError` if the edition lacks it."""
    found = _uids().get(str(uid))
    if found is None:
        raise UnknownUIDError(f"UID {uid} is not in PS3.6 Table A-1 of the generated edition")
    return found


def transfer_syntax(uid: str) -> TransferSyntax:
    """The :class:`TransferSyntax` object for a UID; :class:`UnknownUIDError` if unknown."""
    from dicom_model import transfer_syntaxes

    found = transfer_syntaxes.BY_UID.get(str(uid))
    if found is None:
        raise UnknownUIDError(f"{uid} is not a transfer syntax of the generated edition")
    return found

