"""The intermediate model: frozen dataclasses, free of XML and of Python rendering.

A parser turns one part of the standard into these; passes derive new instances
(``dataclasses.replace``); templates read them. :func:`to_jsonable` gives the
sorted JSON dump that makes a new edition show up as a readable diff.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

#: Every value representation of PS3.5 Table 6.2-1 (2020c), old and new.
KNOWN_VRS: frozenset[str] = frozenset(
    "AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM "
    "UC UI UL UN UR US UT UV".split()
)


@dataclass(frozen=True)
class Source:
    """One input file: which part, which edition, and its digest."""

    part: int
    edition: str
    file: str
    sha256: str

    @property
    def citation(self) -> str:
        return f"PS3.{self.part} {self.edition}"


@dataclass(frozen=True)
class Multiplicity:
    """A value multiplicity as PS3.5 6.4 writes it (``1``, ``1-n``, ``2-2n``).

    ``alternatives`` holds each ``or`` branch as (minimum, maximum, step), with
    maximum ``None`` for an unbounded ``n`` form; step is the ``k`` of ``k-kn``.
    """

    text: str
    alternatives: tuple[tuple[int, int | None, int], ...]


@dataclass(frozen=True)
class DataElement:
    """A row of PS3.6 Tables 6-1, 7-1, 8-1, 9-1 or of PS3.7 Tables E.1-1/E.2-1."""

    tag: str  # canonical "(GGGG,EEEE)" upper-case hex, "x" for repeating digits
    value: int  # the tag with every "x" digit as 0
    mask: int  # 1-bits where the tag is fixed; 0xFFFFFFFF unless repeating
    name: str
    keyword: str
    vrs: tuple[str, ...]  # ("US", "SS") for "US or SS"; () for none or "See Note"
    vr_text: str  # the VR cell as printed, for notes such as "See Note"
    vm: Multiplicity | None
    retired: bool
    retired_since: str | None  # "2025a" of "RET (2025a)" where an edition says so
    note: str  # "DICOS", "DICONDE", "See Note" ... (never a retirement)
    table: str
    row: int
    description: str = ""

    @property
    def is_repeating(self) -> bool:
        return self.mask != 0xFFFFFFFF


@dataclass(frozen=True)
class Uid:
    """A row of PS3.6 Table A-1 (and A-2 / A-3 where they add information)."""

    value: str
    name: str
    keyword: str
    keyword_derived: bool  # True where the edition has no keyword column
    type: str
    part: str
    retired: bool
    table: str
    row: int


@dataclass(frozen=True)
class FrameOfReference:
    """A row of PS3.6 Table A-2: well-known frames of reference."""

    value: str
    name: str
    reference: str
    row: int


@dataclass(frozen=True)
class ContextGroup:
    """A row of PS3.6 Table A-3: a context group's UID and its CID."""

    value: str
    cid: str  # "2" for CID 2; "" where the edition leaves the row empty
    name: str  # the CID title where printed; older editions link to PS3.16 instead
    row: int


@dataclass(frozen=True)
class TransferSyntax:
    """A transfer syntax UID with the encoding facts PS3.5 gives for it."""

    uid: str
    keyword: str
    name: str
    explicit_vr: bool
    little_endian: bool
    deflated: bool
    encapsulated: bool
    retired: bool


@dataclass(frozen=True)
class Dictionary:
    """Everything read from PS3.6."""

    source: Source
    elements: tuple[DataElement, ...]
    uids: tuple[Uid, ...]
    frames_of_reference: tuple[FrameOfReference, ...]
    context_groups: tuple[ContextGroup, ...]
    table_counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class CommandDictionary:
    """The command elements of group 0000, read from PS3.7."""

    source: Source
    elements: tuple[DataElement, ...]
    table_counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Warning_:
    """A finding that does not stop generation (named so as not to shadow the builtin)."""

    kind: str
    message: str


@dataclass(frozen=True)
class Model:
    """The whole intermediate model handed from the passes to the templates."""

    dictionary: Dictionary | None = None
    commands: CommandDictionary | None = None
    transfer_syntaxes: tuple[TransferSyntax, ...] = ()
    warnings: tuple[Warning_, ...] = field(default=())

    @property
    def sources(self) -> tuple[Source, ...]:
        found = [s for s in (self.dictionary, self.commands) if s is not None]
        return tuple(sorted((s.source for s in found), key=lambda s: s.part))

    def all_elements(self) -> tuple[DataElement, ...]:
        """Dictionary and command elements, sorted by tag; PS3.7 wins a shared tag."""
        elements: list[DataElement] = []
        if self.commands is not None:
            elements.extend(self.commands.elements)
        taken = {(e.value, e.mask) for e in elements}
        if self.dictionary is not None:
            elements.extend(e for e in self.dictionary.elements if (e.value, e.mask) not in taken)
        return tuple(sorted(elements, key=lambda e: (e.value, e.mask)))


def to_jsonable(value: Any) -> Any:
    """Dataclasses to plain JSON-ready values (tuples become lists)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [to_jsonable(v) for v in value]
    return value
