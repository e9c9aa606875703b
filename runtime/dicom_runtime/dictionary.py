"""Data dictionary types and lookups (PS3.6, plus the PS3.7 command elements).

The values come from the generated leaf module ``dicom_model._dictionary``, a plain
data table (a row a line of one string); this module gives them types and indexes them
lazily on first use, a row split into its fields when first asked for.
Lookups go by tag (an ``int`` such as ``0x00100010``) or by keyword
(``"PatientName"``) and understand repeating groups such as ``(60xx,0010)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache

from .errors import UnknownTagError, UnknownUIDError
from .tag_text import tag_text

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true), without importing typing

if TYPE_CHECKING:  # a file's dump (dicom-dump FILE, a process per file) imports no typing (#19)
    from typing import TypeVar

    _K = TypeVar("_K", int, str)


class _Record:
    """A frozen record of named fields (what ``@dataclass(frozen=True, slots=True)`` made of
    the two classes below, without importing ``dataclasses``, and ``inspect`` with it, for
    every command that looks a tag up): equality, hash, repr and pickling by its fields."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__ or not isinstance(other, _Record):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")  # frozen

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[type[_Record], tuple[object, ...]]:
        return type(self), self._fields()


_set_field = object.__setattr__


class DictionaryEntry(_Record):
    """One data element of the dictionary.

    ``tag`` is the element's tag with every repeating digit as 0 and ``mask`` has
    1-bits where the tag is fixed (``0xFFFFFFFF`` unless the element is a repeating
    group form such as ``(60xx,0010)``). ``vrs`` lists the allowed VRs (``("US",
    "SS")`` for ``US or SS``); it is empty for the item delimiters, whose VR PS3.6
    gives as "See Note".
    """

    __slots__ = ("tag", "mask", "keyword", "name", "vrs", "vm", "retired", "source")
    __match_args__ = ("tag", "mask", "keyword", "name", "vrs", "vm", "retired", "source")

    tag: int
    mask: int
    keyword: str
    name: str
    vrs: tuple[str, ...]
    vm: str
    retired: bool
    source: str

    def __init__(
        self, tag: int, mask: int, keyword: str, name: str, vrs: tuple[str, ...], vm: str, retired: bool, source: str
    ) -> None:
        _set_field(self, "tag", tag)
        _set_field(self, "mask", mask)
        _set_field(self, "keyword", keyword)
        _set_field(self, "name", name)
        _set_field(self, "vrs", vrs)
        _set_field(self, "vm", vm)
        _set_field(self, "retired", retired)
        _set_field(self, "source", source)

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
        return f"{tag_text(self)}{keyword}"


class UidEntry(_Record):
    """One row of PS3.6 Table A-1."""

    __slots__ = ("uid", "keyword", "name", "type", "retired")
    __match_args__ = ("uid", "keyword", "name", "type", "retired")

    uid: str
    keyword: str
    name: str
    type: str
    retired: bool

    def __init__(self, uid: str, keyword: str, name: str, type: str, retired: bool) -> None:
        _set_field(self, "uid", uid)
        _set_field(self, "keyword", keyword)
        _set_field(self, "name", name)
        _set_field(self, "type", type)
        _set_field(self, "retired", retired)


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


class _Entries(Mapping["_K", DictionaryEntry]):
    """Entries by tag or keyword, each made from its row of the generated table when first
    asked for (making all 4,000 at once cost more than a command's whole start-up) and kept,
    so that a lookup gives the same object every time."""

    def __init__(self, rows: Mapping[_K, int], make: Callable[[int], DictionaryEntry]) -> None:
        self._rows: Mapping[_K, int] = rows
        self._make = make

    def __getitem__(self, key: _K) -> DictionaryEntry:
        return self._make(self._rows[key])

    def get_row(self, key: _K) -> int | None:
        row: int | None = self._rows.get(key)
        return row

    def __iter__(self) -> Iterator[_K]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class _Index:
    """The generated table's rows (``tags``: each row's tag, -1 for a repeating group's;
    ``rows``: a row a line, fields separated by tabs; ``repeating``: the numbers of the rows
    of repeating groups), indexed by tag at once and by keyword when one is first looked up."""

    def __init__(self, tags: Sequence[int], rows: str, repeating: Sequence[int], sources: Sequence[str]) -> None:
        self._lines = rows.split("\n")
        if len(self._lines) != len(tags) + 1 or self._lines[-1]:
            raise RuntimeError(f"the generated dictionary has {len(self._lines) - 1} rows and {len(tags)} tags: regenerate it")
        del self._lines[-1]
        self._sources = sources
        self._made: dict[int, DictionaryEntry] = {}
        exact = dict(zip(tags, range(len(tags))))  # the last row of a tag wins
        exact.pop(-1, None)  # the repeating groups' rows
        self.by_tag: _Entries[int] = _Entries(exact, self.entry)
        self._by_keyword: _Entries[str] | None = None
        self._repeating = repeating
        self._masks: dict[int, dict[int, tuple[int, int]]] | None = None
        self._ordered: tuple[int, ...] = ()

    def _repeating_rows(self) -> dict[int, dict[int, tuple[int, int]]]:
        """The repeating-group rows by mask, made when a tag is first not found among the fixed
        ones: for each mask, the masked tag -> (place in :attr:`repeating`, row), the first in
        that order kept; a tag's entry is the matching one placed first, as a walk through
        :attr:`repeating` finds it. Their entries are made when asked for."""
        if self._masks is None:
            rows: list[tuple[int, int, int]] = []
            for number in self._repeating:
                tag_text, mask_text = self._lines[number].split("\t", 2)[:2]
                rows.append((int(tag_text, 16), int(mask_text, 16), number))
            rows.sort(key=lambda row: (-bin(row[1]).count("1"), row[0]))  # most specific mask first
            self._ordered = tuple(number for _, _, number in rows)
            masks: dict[int, dict[int, tuple[int, int]]] = {}
            for place, (tag, mask, number) in enumerate(rows):
                masks.setdefault(mask, {}).setdefault(tag, (place, number))
            self._masks = masks
        return self._masks

    @property
    def repeating(self) -> tuple[DictionaryEntry, ...]:
        """The repeating-group entries, most specific mask first."""
        self._repeating_rows()
        return tuple(self.entry(number) for number in self._ordered)

    @property
    def by_keyword(self) -> _Entries[str]:
        """Made when a keyword is first looked up (reading a file looks up tags only)."""
        if self._by_keyword is None:
            by_keyword: dict[str, int] = {}
            for number, line in enumerate(self._lines):
                keyword = line.split("\t", 5)[4]
                if keyword:
                    by_keyword.setdefault(keyword, number)  # the first row of a keyword wins
            self._by_keyword = _Entries(by_keyword, self.entry)
        return self._by_keyword

    def entry(self, row: int) -> DictionaryEntry:
        found = self._made.get(row)
        if found is None:
            tag, mask, retired, source, keyword, vrs, vm, name = self._lines[row].split("\t")
            found = self._made[row] = DictionaryEntry(
                int(tag, 16), int(mask, 16), keyword, name, tuple(vrs.split()), vm, retired == "1", self._sources[int(source)]
            )
        return found

    def keyword(self, row: int) -> str:
        """A row's keyword, without making its entry."""
        return self._lines[row].split("\t", 5)[4]

    def repeating_row(self, tag: int) -> int | None:
        """The row of the first entry of :attr:`repeating` that ``tag`` matches: one look-up a mask."""
        best: tuple[int, int] | None = None
        for mask, rows in self._repeating_rows().items():
            found = rows.get(tag & mask)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        return best[1] if best is not None else None

    def repeating_entry(self, tag: int) -> DictionaryEntry | None:
        """The first entry of :attr:`repeating` that ``tag`` matches."""
        row = self.repeating_row(tag)
        return self.entry(row) if row is not None else None


@cache
def _index() -> _Index:
    from dicom_model import _dictionary  # generated leaf data module

    return _Index(_dictionary.TAGS, _dictionary.ELEMENTS, _dictionary.REPEATING, _dictionary.SOURCES)


def _find(key: int | str) -> DictionaryEntry | None:
    index = _index()
    if isinstance(key, str):
        row = index.by_keyword.get_row(key)
        return index.entry(row) if row is not None else None
    row = index.by_tag.get_row(key)
    if row is not None:
        return index.entry(row)
    return index.repeating_entry(key)


def keyword_of(tag: int) -> str:
    """The keyword of a tag; ``""`` where the dictionary has none (or the entry no keyword).
    Made from the row alone (``dicom-dump`` asks it of every element)."""
    index = _index()
    row = index.by_tag.get_row(tag)
    if row is None:
        row = index.repeating_row(tag)
    return index.keyword(row) if row is not None else ""


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
        shown = key if isinstance(key, str) else tag_text(key)
        raise UnknownTagError(f"{shown} is not in the data dictionary")
    return found


def tag_for_keyword(keyword: str) -> int:
    """The tag of a keyword (for a repeating group, the form with ``xx`` as 00)."""
    return lookup(keyword).tag


def keyword_for_tag(tag: int) -> str:
    """The keyword of a tag; ``""`` for the two unnamed retired rows of Table 6-1."""
    return lookup(tag).keyword


class _Uids:
    """Table A-1's rows by UID (a row a line, fields separated by tabs), each entry made when
    first asked for."""

    def __init__(self, rows: str) -> None:
        self._lines = rows.split("\n")
        del self._lines[-1]  # after the last row's newline
        self._numbers = {line[: line.index("\t")]: number for number, line in enumerate(self._lines)}
        self._made: dict[int, UidEntry] = {}
        self._all: dict[str, UidEntry] | None = None

    def get(self, uid: str) -> UidEntry | None:
        number = self._numbers.get(uid)
        if number is None:
            return None
        found = self._made.get(number)
        if found is None:
            value, keyword, name, kind, retired = self._lines[number].split("\t")
            found = self._made[number] = UidEntry(value, keyword, name, kind, retired == "1")
        return found

    def all(self) -> Mapping[str, UidEntry]:
        if self._all is None:
            self._all = {uid: entry for uid in self._numbers if (entry := self.get(uid)) is not None}
        return self._all


@cache
def _uids() -> _Uids:
    from dicom_model import _dictionary

    return _Uids(_dictionary.UIDS)


def all_uids() -> Mapping[str, UidEntry]:
    """Every row of PS3.6 Table A-1 of the generated edition, by UID."""
    return _uids().all()


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

