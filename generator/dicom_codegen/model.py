"""The intermediate model: frozen dataclasses, free of XML and of Python rendering.

A parser turns one part of the standard into these; passes derive new instances
(``dataclasses.replace``); templates read them. :func:`to_jsonable` gives the
sorted JSON dump that makes a new edition show up as a readable diff.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .conditions import CompiledCondition

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
class ServiceClass:
    """An annex of PS3.4 that defines a service class (its label and title)."""

    annex: str  # "B"
    name: str  # "Storage Service Class", the annex title without "(Normative)"


@dataclass(frozen=True)
class SopClassListing:
    """Where PS3.4 lists a SOP class UID: a table row or a sentence of text."""

    uid: str
    name: str  # as PS3.4 words it; may be "" for a sentence that names no SOP class
    kind: str  # "SOP Class", "Meta SOP Class", "SOP Instance", "Service Class" or ""
    annex: str
    source: str  # table or section xml:id
    row: int  # 1-based table row; 0 for text
    iod_reference: str  # PS3.3 target of the IOD Specification column, "sect_A.3"
    specialization: str
    retired: bool


@dataclass(frozen=True)
class DimseGroup:
    """A "DIMSE Service Group" table: the services a SOP class uses, with usage."""

    table: str
    annex: str
    section: str  # xml:id of the section that holds the SOP class definition
    applies_to: str  # the SOP class named by the table's caption
    services: tuple[tuple[str, str], ...]  # ("N-CREATE", "M/M")


@dataclass(frozen=True)
class MetaSopClassMembers:
    """The SOP classes a Meta SOP class groups (PS3.4 H.3.2.2)."""

    table: str
    section: str
    members: tuple[str, ...]  # names as printed ("Basic Film Session SOP Class")


@dataclass(frozen=True)
class QueryKey:
    """One row of a Query/Retrieve or worklist key table."""

    name: str
    tag: str  # "(0010,0010)"; "" for "All other Attributes ..." rows
    value: int
    depth: int  # number of leading ">" (sequence item nesting)
    matching: str  # Q/R: "U", "R" or "O"; worklist: the Matching Key Type
    return_type: str  # worklist Return Key Type ("1", "2", "1C" ...); "" for Q/R
    remark: str
    row: int
    table: str  # the table the row is in (an included macro table for its rows)
    keyword: str = ""  # resolved by the passes from the tag, with PS3.6
    vr: str = ""


@dataclass(frozen=True)
class QueryLevel:
    """The keys of one information model at one level."""

    model: str  # "Patient Root", "Study Root", "Modality Worklist"
    level: str  # "PATIENT", "STUDY", "SERIES", "IMAGE"; "" for worklists
    table: str
    keys: tuple[QueryKey, ...]


@dataclass(frozen=True)
class QueryField:
    """One key of a generated query identifier class."""

    keyword: str
    tag: str
    vr: str
    name: str
    kind: str  # "unique", "required" or "optional"
    matching: str  # as printed: "U", "R", "O", "OC - ..."
    return_type: str
    remark: str
    item_class: str  # the item class of a sequence key, else ""
    table: str
    row: int
    inherited: bool = False  # a unique key of a higher level (PS3.4 C.4.1.2.1)


@dataclass(frozen=True)
class QueryClass:
    """A generated query identifier class, or a sequence item class of one."""

    name: str
    model: str
    level: str
    table: str
    fields: tuple[QueryField, ...]
    items: tuple[QueryClass, ...]
    sop_classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SopClass:
    """A SOP class with its service class and DIMSE services, resolved by the passes."""

    uid: str
    name: str
    keyword: str
    service_class: str
    annex: str
    dimse: tuple[str, ...]
    retired: bool
    meta: bool
    iod_reference: str
    source: str  # "table_B.5-1" or a section id
    row: int
    in_ps6: bool  # False where PS3.6 of the edition in use lacks the UID
    iod_class: str = ""  # the generated IOD class, where PS3.3 has the IOD
    dimse_usage: tuple[tuple[str, str], ...] = ()  # ("N-CREATE", "M/M"): SCU/SCP usage
    behaviors: tuple[tuple[str, str], ...] = ()  # (section xml:id, title) of SCU/SCP behaviour


@dataclass(frozen=True)
class ServiceRegistry:
    """Everything read from PS3.4 (listings) and, after the passes, the SOP classes."""

    source: Source
    service_classes: tuple[ServiceClass, ...]
    listings: tuple[SopClassListing, ...]
    dimse_groups: tuple[DimseGroup, ...]
    meta_members: tuple[MetaSopClassMembers, ...]
    query_levels: tuple[QueryLevel, ...]
    annex_texts: tuple[tuple[str, str], ...] = ()  # (annex, "…SOP Class…" names seen)
    behaviors: tuple[tuple[str, str, str], ...] = ()  # (annex, section xml:id, title) of SCU/SCP behaviour
    sop_classes: tuple[SopClass, ...] = ()
    query_classes: tuple[QueryClass, ...] = ()
    table_counts: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ModuleRef:
    """A row of an IOD's module table (PS3.3 Annex A) or functional group macro table."""

    ie: str  # "" for a functional group macro
    name: str
    reference: str  # the xml:id of the module's (macro's) section, "sect_C.7.1.1"
    table: str  # the attribute table found in that section; "" if the excerpt lacks it
    usage: str  # "M", "U" or "C"
    condition: str  # the text after "C - " (or after "M - " for a note such as "May not be used ...")
    row: int


@dataclass(frozen=True)
class Iod:
    """An IOD of PS3.3 Annex A: its module table and, if multi-frame, its functional groups."""

    name: str  # from the module table's caption: "CT Image"
    title: str  # the Annex A section title: "Computed Tomography Image IOD"
    section: str  # xml:id of the IOD's section, "sect_A.3"
    table: str  # "table_A.3-1"
    modules: tuple[ModuleRef, ...]
    functional_group_table: str  # "table_A.38-2" or ""
    functional_groups: tuple[ModuleRef, ...]


@dataclass(frozen=True)
class AttributeRow:
    """One row of a module or macro attribute table; an "Include" row has ``include`` set."""

    name: str
    tag: str  # "(0010,0010)"; "" for an Include row
    value: int
    mask: int
    depth: int  # leading ">" marks: the sequence item nesting
    type: str  # "1", "1C", "2", "2C", "3" ("" for an Include row)
    description: str
    enumerated_values: tuple[str, ...]
    defined_terms: tuple[str, ...]
    include: str  # the included table's xml:id
    row: int
    #: Enumerated Values of one value of a multi-valued attribute ("Enumerated Values for
    #: Value 1: ..."), as (1-based value number, values); ``enumerated_values`` holds the
    #: ones that apply to every value.
    value_enumerations: tuple[tuple[int, tuple[str, ...]], ...] = ()
    value_defined_terms: tuple[tuple[int, tuple[str, ...]], ...] = ()  # the same for Defined Terms
    #: "High Bit (0028,0102) shall be one less than Bits Stored (0028,0101)": the value
    #: equals another attribute's plus an offset, as (the other's tag, offset).
    relations: tuple[tuple[str, int], ...] = ()
    #: Values this attribute must have while a condition holds, stated in another row of the
    #: table ("If Image Type (0008,0008) Value 1 is ORIGINAL and Value 3 is not LOCALIZER,
    #: output units shall be Hounsfield Units (HU)", of Rescale Type): (the "If ..." sentence, values).
    value_rules: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Of a sequence: the (minimum, maximum) number of Items its description states ("One
    #: or more Items shall be included in this Sequence." -> (1, None); :mod:`.item_counts`).
    item_count: tuple[int, int | None] | None = None
    #: Its sentences about a number of Items that state no count read ("The number of Items
    #: shall be identical to the value of Number of Wedges (300A,00D0)."): reported, not dropped.
    item_sentences_unread: tuple[str, ...] = ()
    #: Of a sequence: as many Items as another attribute has values, if it is present ("If
    #: more than one Item, the number and order shall correspond to the value of Operators'
    #: Name (0008,1070), if present."): (its tag "gggg,eeee", the fewest Items it applies to).
    item_values_of: tuple[str, int] | None = None


@dataclass(frozen=True)
class AttributeTable:
    """A module or macro attribute table of PS3.3 (Annex C, chapter 10)."""

    table: str
    title: str  # the caption without " Attributes": "Patient Module", "Code Sequence Macro"
    kind: str  # "module" or "macro"
    section: str
    rows: tuple[AttributeRow, ...]


@dataclass(frozen=True)
class MissingReference:
    """A table or section that PS3.3 refers to but the input does not contain."""

    referrer: str  # the table whose row refers
    row: int
    target: str  # the xml:id referred to
    what: str  # "module", "functional group macro", "included macro"


@dataclass(frozen=True)
class InformationObjects:
    """Everything read from PS3.3."""

    source: Source
    iods: tuple[Iod, ...]
    tables: tuple[AttributeTable, ...]
    missing: tuple[MissingReference, ...]
    table_counts: tuple[tuple[str, int], ...] = ()
    classes: tuple[GeneratedClass, ...] = ()


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
    services: ServiceRegistry | None = None
    objects: InformationObjects | None = None
    transfer_syntaxes: tuple[TransferSyntax, ...] = ()
    warnings: tuple[Warning_, ...] = field(default=())

    @property
    def sources(self) -> tuple[Source, ...]:
        found = [
            s for s in (self.dictionary, self.commands, self.services, self.objects) if s is not None
        ]
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


#: Attribute Types from the strictest to the weakest, for attributes defined twice; ""
#: is the Type of a table without a Type column (normalized modules: PS3.4 sets it).
TYPE_ORDER = ("1", "2", "1C", "2C", "3", "")


@dataclass(frozen=True)
class ClassField:
    """One attribute of a generated module, macro, item or IOD class."""

    keyword: str
    tag: str
    vr: str
    vm: str
    name: str
    type: str  # the Attribute Type that applies: "1", "1C", "2", "2C", "3"
    required: bool  # the constructor requires it (Type 1 and 2 of a mandatory context)
    nullable: bool  # it may be None (empty or absent)
    python_type: str  # the value type without "| None": "str", "MultiValued[int]", "list[XItem]"
    enumerated: tuple[str, ...]
    defined_terms: tuple[str, ...]
    item_class: str  # the item class of a sequence, else ""
    table: str
    row: int
    description: str
    modules: tuple[str, ...] = ()  # for IOD classes: the modules (or macros) that define it
    #: For IOD classes: the Type each of ``modules`` gives it, in the same order (the
    #: Type that applies, ``type``, is the mandatory modules' strictest; a C or U module
    #: in use may give a stricter one).
    module_types: tuple[str, ...] = ()
    condition: CompiledCondition | None = None  # Type 1C/2C: the condition, compiled if possible
    section: str = ""  # the PS3.3 section of the table
    #: Enumerated Values of single values, (1-based value number, values); ``enumerated``
    #: holds the ones that apply to every value.
    value_enumerated: tuple[tuple[int, tuple[str, ...]], ...] = ()
    relations: tuple[tuple[str, int], ...] = ()  # (keyword, offset): the value is that attribute's plus offset
    value_rules: tuple[tuple[CompiledCondition, tuple[str, ...]], ...] = ()  # values required while a condition holds
    #: The constructor's default where it is not None: a Python literal (the SOP Class UID
    #: of an IOD that has one SOP class); "" for None.
    default: str = ""
    item_count: tuple[int, int | None] | None = None  # of a sequence: (minimum, maximum) Items; None: not stated
    #: Of a sequence: as many Items as the attribute of this keyword has values, if present,
    #: from this many Items on (AttributeRow.item_values_of, the tag resolved).
    item_values_of: tuple[str, int] | None = None


@dataclass(frozen=True)
class GeneratedClass:
    """A class to render: a module, a macro, a sequence item or an IOD."""

    name: str
    kind: str  # "module", "macro", "item", "iod"
    package: str  # "modules", "macros", "iods"
    file: str  # the file (without .py) inside the package
    table: str
    title: str
    fields: tuple[ClassField, ...]
    section: str = ""
    iod_section: str = ""  # for IODs: the Annex A section
    sop_classes: tuple[str, ...] = ()  # for IODs: the SOP classes whose IOD this is
    group_usage: tuple[tuple[str, str], ...] = ()  # IOD modules / FG macros and their usage
    group_conditions: tuple[tuple[str, CompiledCondition], ...] = ()  # C modules' conditions
    #: For multi-frame IODs: each functional group macro and its usage in the IOD's
    #: functional group table (M, U or C), and the macros that table says "May not be
    #: used as a Shared Functional Group".
    functional_groups: tuple[tuple[str, str], ...] = ()
    per_frame_only: tuple[str, ...] = ()
    #: For multi-frame IODs: the condition of each C functional group macro ("Required if
    #: Image Type (0008,0008) Value 1 is ORIGINAL or MIXED"), compiled where it could be.
    functional_group_conditions: tuple[tuple[str, CompiledCondition], ...] = ()
    functional_group_table: str = ""  # for multi-frame IODs: the functional group table's xml:id
    #: For an item class whose attributes are exactly a macro's (a Code Sequence item is
    #: the Code Sequence Macro, Table 8.8-1): that macro's class. The item's name is then
    #: that class's other name, and the fields that hold such items name the macro's class.
    alias_of: str = ""
