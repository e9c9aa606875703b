"""Passes over PS3.3: from attribute tables to the classes that are rendered.

:class:`BuildObjectClasses` expands ``Include`` rows in place, builds the sequence
item classes from the ``>`` nesting, types every attribute from its VR and VM
(PS3.6) and its Enumerated Values, and flattens each IOD's modules into one class.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator

from .model import (
    TYPE_ORDER,
    AttributeRow,
    AttributeTable,
    ClassField,
    DataElement,
    GeneratedClass,
    Iod,
    Model,
    Warning_,
)
from .conditions import CompiledCondition, compile_condition, summary
from .item_counts import summary as item_count_summary
from .item_counts import values_of_keyword
from .naming import spell_leading_number
from .parse_elements import parse_tag
from .parse_ps3 import FUNCTIONAL_GROUPS
from .passes_services import key_keyword
from .row_rules import INT_VRS as _INT_VRS
from .row_rules import common_values, conditional_row, include_condition

#: Python value type of each VR (PS3.5 Table 6.2-1), before multiplicity.
VR_TYPES: dict[str, str] = {
    **dict.fromkeys("AE AS CS LO LT SH ST UC UR UT UI".split(), "str"),
    "PN": "PersonName | str",
    "DA": "datetime.date | str",
    "TM": "datetime.time | str",
    "DT": "datetime.datetime | str",
    **dict.fromkeys("US SS UL SL UV SV IS AT".split(), "int"),
    **dict.fromkeys("FL FD".split(), "float"),
    "DS": "float | Decimal",
    **dict.fromkeys("OB OW OD OF OL OV UN".split(), "bytes"),
}
_STR_VRS = frozenset("AE AS CS LO LT SH ST UC UR UT UI".split())

#: Words of an IOD's module condition that name what the data set says in another way, by
#: the standard's own rule: the RT Dose IOD's C modules (PS3.3 Table A.18.3-1: General
#: Image, Image Plane, Image Pixel, Multi-frame) are "Required if dose data contains
#: grid-based doses", and its RT Dose Module (Table C.8-39) requires the grid's own
#: attributes (Samples per Pixel ... Pixel Representation) "if Pixel Data (7FE0,0010) is
#: present": the dose grid is the Pixel Data.
MODULE_CONDITION_EQUIVALENTS = {"dose data contains grid-based doses": "Pixel Data (7FE0,0010) is present"}


def _module_condition(text: str) -> str:
    """A C module's condition without its "Required if", the equivalents put in."""
    text = text.removeprefix("Required if ")
    for words, equivalent in MODULE_CONDITION_EQUIVALENTS.items():
        text = text.replace(words, equivalent)
    return text


def class_name(title: str) -> str:
    """``Patient Module`` -> ``PatientModule``; ``Plane Position (Patient) Macro`` ->
    ``PlanePositionPatientMacro``; ``3D Spatial Coordinates Macro`` ->
    ``ThreeDSpatialCoordinatesMacro`` (a leading number is spelled out)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", title) if w]
    return spell_leading_number("".join(w[0].upper() + w[1:] for w in words))


def file_name(name: str) -> str:
    """``PatientModule`` -> ``patient_module``; ``CTImage`` -> ``ct_image``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


class BuildObjectClasses:
    """Build :class:`GeneratedClass` entries for every module, macro, item and IOD."""

    def process(self, model: Model) -> Model:
        objects = model.objects
        if objects is None:
            return model
        builder = _Builder(model)
        classes = builder.build()
        objects = dataclasses.replace(objects, classes=tuple(classes))
        return dataclasses.replace(model, objects=objects, warnings=model.warnings + tuple(builder.warnings))


class _Builder:
    def __init__(self, model: Model) -> None:
        assert model.objects is not None
        self.model = model
        self.objects = model.objects
        self.tables = {t.table: t for t in self.objects.tables}
        self.by_tag: dict[int, DataElement] = {}
        self.repeating: list[DataElement] = []
        if model.dictionary is not None:
            for element in model.dictionary.elements:
                if element.is_repeating:
                    self.repeating.append(element)
                else:
                    self.by_tag[element.value] = element
        self.by_name = {e.name.lower(): e.keyword for e in self.by_tag.values() if e.keyword}
        self.warnings: list[Warning_] = []
        self.classes: dict[str, GeneratedClass] = {}
        #: item class -> the (table, row) of the first sequence it was made for, and its parent
        self.item_places: dict[str, tuple[tuple[str, int], str]] = {}
        self.names: dict[str, str] = {}  # table -> class name
        for table in self.objects.tables:
            name = class_name(table.title)
            if name in self.names.values():
                name += class_name(table.table.removeprefix("table_"))
            self.names[table.table] = name
        self.iod_names: set[str] = set()
        self.sop_classes: dict[str, list[str]] = {}
        self.sop_uids: dict[str, str] = {}
        if model.services is not None:
            for sop in model.services.sop_classes:
                if sop.iod_reference:
                    self.sop_classes.setdefault(sop.iod_reference, []).append(sop.keyword)
                    self.sop_uids[sop.keyword] = sop.uid

    # -- attributes ---------------------------------------------------------------

    def element(self, row: AttributeRow) -> DataElement | None:
        found = self.by_tag.get(row.value)
        if found is None:
            found = next((e for e in self.repeating if row.value & e.mask == e.value), None)
        return found

    def field(self, row: AttributeRow, table: AttributeTable, item_class: str, mandatory: bool) -> ClassField:
        element = self.element(row)
        keyword = element.keyword if element is not None and element.keyword else key_keyword(row.name)
        vrs = element.vrs if element is not None else ()
        vm = element.vm.text if element is not None and element.vm is not None else "1"
        if item_class:
            python_type = f"list[{item_class}]"
        else:
            python_type = self.value_type(vrs, vm, row)
        # Type 2 may be empty: its default is None, written as an empty element.
        required = mandatory and row.type == "1"
        condition = compile_condition(row.description, self.keyword_of) if row.type in ("1C", "2C") else None
        return ClassField(
            keyword=keyword,
            tag=row.tag,
            vr=" or ".join(vrs),
            vm=vm,
            name=row.name,
            type=row.type,
            required=required,
            nullable=not (required and row.type == "1"),
            python_type=python_type,
            enumerated=row.enumerated_values,
            defined_terms=row.defined_terms,
            item_class=item_class,
            table=table.table,
            row=row.row,
            description=row.description,
            condition=condition,
            section=table.section,
            value_enumerated=row.value_enumerations,
            relations=tuple((self.keyword_of(tag.strip("()"), ""), offset) for tag, offset in row.relations),
            value_rules=tuple(
                (compile_condition(f"Required {sentence[0].lower()}{sentence[1:]}", self.keyword_of), values)
                for sentence, values in row.value_rules
            ),
            item_count=row.item_count if item_class else None,
            item_values_of=values_of_keyword(row.item_values_of, self.keyword_of) if item_class else None,
        )

    def keyword_of(self, tag: str, name: str) -> str:
        """The keyword of an attribute a condition names, by tag or else by name."""
        if tag:
            parsed = parse_tag(f"({tag})")
            element = self.by_tag.get(parsed[1]) if parsed else None
            return element.keyword if element is not None and element.keyword else key_keyword(name)
        return self.by_name.get(name.lower(), "")

    def value_type(self, vrs: tuple[str, ...], vm: str, row: AttributeRow) -> str:
        if not vrs:
            return "object"
        single = len(vrs) == 1
        base = " | ".join(dict.fromkeys(VR_TYPES[v] for v in vrs))
        multiple = vm not in ("1", "") and not all(VR_TYPES[v] == "bytes" for v in vrs)
        if single and not multiple and row.enumerated_values:
            literal = self.literal(vrs[0], row.enumerated_values)
            if literal:
                return literal
        if single and not multiple and row.defined_terms and vrs[0] in _STR_VRS:
            return f"{self.literal(vrs[0], row.defined_terms)} | str"
        if multiple and single and vm.isdigit() and (row.value_enumerations or row.value_defined_terms):
            return self.value_tuple(vrs[0], int(vm), base, row)
        if multiple:
            # "US or OW" (LUT Data): several numbers, or the bytes of OW - not a list of bytes.
            numbers = " | ".join(dict.fromkeys(VR_TYPES[v] for v in vrs if VR_TYPES[v] != "bytes"))
            return f"MultiValued[{numbers}] | bytes" if numbers != base else f"MultiValued[{base}]"
        return base

    def value_tuple(self, vr: str, count: int, base: str, row: AttributeRow) -> str:
        """A fixed number of values, some with their own Enumerated Values or Defined
        Terms: a tuple typed value by value (``tuple[Literal["STATIC", ...], Literal[...]]``)."""
        enumerated = dict(row.value_enumerations)
        defined = dict(row.value_defined_terms)
        types = []
        for number in range(1, count + 1):
            every = row.enumerated_values
            literal = self.literal(vr, enumerated.get(number, every)) if enumerated.get(number, every) else ""
            if not literal and defined.get(number) and vr in _STR_VRS:
                literal = f"{self.literal(vr, defined[number])} | str"
            types.append(literal or base)
        return f"tuple[{', '.join(types)}]"

    def literal(self, vr: str, values: tuple[str, ...]) -> str:
        if vr in _STR_VRS:
            return "Literal[" + ", ".join(_py_str(v) for v in values) + "]"
        if vr in _INT_VRS:
            numbers = []
            for value in values:
                text = value.strip()
                if re.fullmatch(r"[0-9A-Fa-f]+H", text):
                    numbers.append(int(text[:-1], 16))
                elif re.fullmatch(r"-?\d+", text):
                    numbers.append(int(text))
                else:
                    return ""
            return "Literal[" + ", ".join(str(n) for n in dict.fromkeys(numbers)) + "]"
        return ""

    # -- tables ---------------------------------------------------------------------

    def expand(
        self, table: AttributeTable, depth_offset: int = 0, seen: tuple[str, ...] = (), condition: str = ""
    ) -> Iterator[tuple[AttributeRow, AttributeTable]]:
        """Rows with Include rows replaced by the included table's rows (depth shifted).

        An Include row's own condition ("Include Table C.18.1-1 if and only if Value Type
        (0040,A040) is NUM", Table C.17-5) is ``condition`` for the rows of the included
        table at its level: their Type 1 and 2 become 1C and 2C, required under it.
        """
        for row in table.rows:
            if row.include and row.include != FUNCTIONAL_GROUPS:
                target = self.tables.get(row.include)
                if target is None or row.include in seen:
                    continue  # reported as missing by the parser
                own = include_condition(row.name)
                joined = " and ".join(c for c in (condition if row.depth == 0 else "", own) if c)
                yield from self.expand(target, depth_offset + row.depth, (*seen, table.table), joined)
            else:
                if condition and row.depth == 0:
                    row = conditional_row(row, condition)
                yield dataclasses.replace(row, depth=row.depth + depth_offset), table

    def build_table_class(self, table: AttributeTable) -> None:
        name = self.names[table.table]
        if name in self.classes:
            return
        package = "modules" if table.kind == "module" else "macros"
        file = file_name(name)
        rows = list(self.expand(table))
        fields = self.fields_of(rows, 0, name, package, file, mandatory=True)
        self.classes[name] = GeneratedClass(name, table.kind, package, file, table.table, table.title, tuple(fields), table.section)

    def fields_of(
        self,
        rows: list[tuple[AttributeRow, AttributeTable]],
        depth: int,
        owner: str,
        package: str,
        file: str,
        mandatory: bool,
        parent: str = "",
    ) -> list[ClassField]:
        """The fields at ``depth`` of ``rows``; sequence items become item classes
        (``parent``: the keyword of the sequence whose item these rows are)."""
        fields: dict[str, ClassField] = {}
        index = 0
        while index < len(rows):
            row, table = rows[index]
            index += 1
            start = index
            while index < len(rows) and rows[index][0].depth > row.depth:
                index += 1
            children = rows[start:index]
            if row.depth != depth or not row.tag:
                continue  # "any attribute" rows, functional group placeholders
            element = self.element(row)
            is_sequence = bool(element and "SQ" in element.vrs) or bool(children)
            item_class = ""
            if is_sequence:
                keyword = element.keyword if element is not None and element.keyword else key_keyword(row.name)
                # An item defined in a macro's table is the macro's: one class wherever it is included.
                item_owner = self.names.get(table.table, owner)
                item_class = self.item_class_name(item_owner, parent, keyword, (table.table, row.row))
                if item_class not in self.classes:
                    item_package = "modules" if self.tables[table.table].kind == "module" else "macros"
                    self.classes[item_class] = GeneratedClass(item_class, "item", item_package, file_name(item_owner), table.table, f"{row.name} item", ())
                    item_fields = tuple(self.fields_of(
                        children, row.depth + 1, item_owner, item_package, file_name(item_owner), mandatory=True, parent=keyword
                    ))
                    plain = self.classes.get(f"{item_owner}{keyword}Item")
                    if plain is not None and plain.name != item_class and _structure(plain.fields) == _structure(item_fields):
                        del self.classes[item_class]  # the same attributes, as another place of the table has them
                        item_class = plain.name
                    else:
                        self.classes[item_class] = dataclasses.replace(self.classes[item_class], fields=item_fields)
            field = self.field(row, table, item_class, mandatory)
            if field.keyword in fields:
                kept = fields[field.keyword]
                if TYPE_ORDER.index(field.type) < TYPE_ORDER.index(kept.type):
                    fields[field.keyword] = dataclasses.replace(field, required=field.required or kept.required)
                elif field.type == kept.type and kept.condition and field.condition and field.condition.text != kept.condition.text:
                    # Required where either row requires it (Referenced SOP Sequence of COMPOSITE, IMAGE and WAVEFORM items)
                    either = f"Required if {kept.condition.text} or {field.condition.text}."
                    fields[field.keyword] = dataclasses.replace(kept, condition=compile_condition(either, self.keyword_of))
                continue
            fields[field.keyword] = field
        return list(fields.values())

    def item_class_name(self, owner: str, parent: str, keyword: str, row: tuple[str, int]) -> str:
        """The name of the item class of the sequence ``keyword`` at ``row`` (table, row
        number) of ``owner``'s table, in an item of ``parent`` ("" at the top).

        ``{owner}{keyword}Item``, unless a sequence of that keyword in another place of the
        table has it: then ``{owner}{parent}{keyword}Item``. RT Beams has Referenced Dose
        Reference Sequence in a Beam Sequence item (with Beam Dose Verification Control
        Point Sequence) and in a Control Point Sequence item (with Cumulative Dose Reference
        Coefficient): ``RTBeamsModuleReferencedDoseReferenceSequenceItem`` and
        ``RTBeamsModuleControlPointSequenceReferencedDoseReferenceSequenceItem``. The same
        row reached again (a macro included twice) and rows of one keyword in the same item
        (which make one field) keep one class, and so does another place whose item has
        the same attributes, Types, conditions and values (fields_of, :func:`_structure`:
        a Left Eye Sequence written out as its Right Eye Sequence is). Deterministic: the
        first place in the table's order keeps the plain name; a third place takes a
        number after it."""
        plain = f"{owner}{keyword}Item"
        for candidate in (plain, f"{owner}{parent}{keyword}Item", *(f"{owner}{parent}{keyword}Item{n}" for n in range(2, 100))):
            known = self.item_places.setdefault(candidate, (row, parent))
            if known[0] == row or known[1] == parent:
                return candidate
        raise AssertionError(f"{plain}: a hundred places of one sequence keyword")

    # -- IODs -----------------------------------------------------------------------

    def iod_name(self, iod: Iod) -> str:
        """The IOD class name: its one storage SOP class's keyword without "Storage"
        (``CTImageStorage`` -> ``CTImage``, ``EnhancedXAImageStorage`` ->
        ``EnhancedXAImage``); without PS3.4, or with several SOP classes, the module
        table's caption (``CT Image IOD Modules`` -> ``CTImage``)."""
        keywords = [k for k in self.sop_classes.get(iod.section, []) if k.endswith("Storage")]
        name = keywords[0].removesuffix("Storage") if len(keywords) == 1 else class_name(iod.name)
        if name in self.classes or name in self.iod_names:
            name += class_name(iod.table.removeprefix("table_"))  # two IODs of one title
        self.iod_names.add(name)
        return name

    def build_iod(self, iod: Iod) -> GeneratedClass:
        name = self.iod_name(iod)
        file = file_name(name)
        fields: dict[str, ClassField] = {}
        group_fields = self.functional_group_fields(iod, name, file)
        usage_of = {self.names[m.table]: m.usage for m in iod.modules if m.table}
        for module in iod.modules:
            if not module.table:
                continue
            module_class = self.classes[self.names[module.table]]
            mandatory = module.usage == "M"
            for field in module_class.fields:
                if field.keyword in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence") and group_fields:
                    field = dataclasses.replace(field, python_type=f"list[{name}{field.keyword}Item]", item_class=f"{name}{field.keyword}Item")
                field = dataclasses.replace(
                    field,
                    required=field.required and mandatory,
                    nullable=not (field.required and mandatory and field.type == "1"),
                    modules=(module_class.name,),
                    module_types=(field.type,),
                )
                kept = fields.get(field.keyword)
                if kept is None:
                    fields[field.keyword] = field
                    continue
                # A mandatory module's requirement applies to every instance; an optional
                # module's only when that module is used, so it never overrides it.
                kept_mandatory = usage_of.get(kept.modules[0], "U") == "M"
                strictest = min(
                    (kept, field),
                    key=lambda f: (
                        not (kept_mandatory if f is kept else mandatory),
                        not f.required,
                        TYPE_ORDER.index(f.type),
                    ),
                )
                python_type, item_class = self.narrower(kept, field, name, module_class.name)
                narrow = field if python_type == field.python_type and python_type != kept.python_type else kept
                enumerated = narrow.enumerated
                if python_type.startswith("Literal[") and python_type not in (kept.python_type, field.python_type):
                    enumerated = common_values(field.vr, kept.enumerated, field.enumerated)
                fields[field.keyword] = dataclasses.replace(
                    strictest,
                    python_type=python_type,
                    item_class=item_class,
                    modules=kept.modules + (module_class.name,),
                    module_types=kept.module_types + (field.type,),
                    enumerated=enumerated or kept.enumerated or field.enumerated,
                    value_enumerated=kept.value_enumerated or field.value_enumerated,
                    relations=tuple(dict.fromkeys(kept.relations + field.relations)),
                    value_rules=tuple(dict.fromkeys(kept.value_rules + field.value_rules)),
                    item_count=strictest.item_count or kept.item_count or field.item_count,
                    item_values_of=strictest.item_values_of or kept.item_values_of or field.item_values_of,
                )
        group_usage = tuple(
            (self.names[g.table], "U") for g in iod.functional_groups if g.table
        )
        for keyword, group in group_fields.items():
            self.classes[f"{name}{keyword}Item"] = GeneratedClass(
                f"{name}{keyword}Item",
                "item",
                "iods",
                file,
                iod.functional_group_table,
                f"{keyword} item of the {iod.name} IOD",
                tuple(group),
                group_usage=group_usage,
            )
        sop = tuple(self.sop_classes.get(iod.section, []))
        if len(sop) == 1 and "SOPClassUID" in fields:
            # An IOD of one SOP class: its SOP Class UID needs no argument.
            uid = self.sop_uids[sop[0]]
            fields["SOPClassUID"] = dataclasses.replace(fields["SOPClassUID"], required=False, default=json.dumps(uid))
        usage = tuple(dict.fromkeys((self.names[m.table], m.usage) for m in iod.modules if m.table))
        conditions = tuple(
            (self.names[m.table], self.usage_condition(m.condition))
            for m in iod.modules
            if m.table and m.usage == "C"
        )
        return GeneratedClass(
            name,
            "iod",
            "iods",
            file,
            iod.table,
            iod.name,
            tuple(fields.values()),
            iod.section,
            iod.section,
            sop,
            usage,
            conditions,
            tuple((self.names[g.table], g.usage) for g in iod.functional_groups if g.table),
            tuple(
                self.names[g.table]
                for g in iod.functional_groups
                if g.table and "not be used as a shared functional group" in g.condition.lower()
            ),
            functional_group_conditions=tuple(
                (self.names[g.table], self.usage_condition(g.condition))
                for g in iod.functional_groups
                if g.table and g.usage == "C"
            ),
            functional_group_table=iod.functional_group_table if iod.functional_groups else "",
        )

    def usage_condition(self, text: str) -> CompiledCondition:
        """The compiled condition of a C module or C functional group macro of an IOD's table."""
        return compile_condition(f"Required if {_module_condition(text)}", self.keyword_of)

    def narrower(self, kept: ClassField, field: ClassField, iod: str, module: str) -> tuple[str, str]:
        """The narrower of two modules' types for one attribute: an enumeration wins."""
        if kept.python_type == field.python_type:
            return kept.python_type, kept.item_class
        if kept.item_class or field.item_class:
            return (kept.python_type, kept.item_class) if kept.item_class else (field.python_type, field.item_class)
        # An enumeration (``Literal[...]``) is narrower than Defined Terms (``Literal[...] | str``,
        # open), which are narrower than the VR's type: the CT Image Module's Enumerated Values
        # for Photometric Interpretation specialize the Image Pixel Module's Defined Terms.
        kept_enum, new_enum = (bool(f.enumerated) and f.python_type.startswith("Literal[") for f in (kept, field))
        if new_enum and not kept_enum:
            return field.python_type, ""
        if kept_enum and not new_enum:
            return kept.python_type, ""
        if not kept_enum and not new_enum and field.python_type.startswith("Literal[") and not kept.python_type.startswith("Literal["):
            return field.python_type, ""
        if kept_enum and new_enum:
            common = common_values(field.vr, kept.enumerated, field.enumerated)
            if common:
                return self.literal(field.vr, common) or "Literal[" + ", ".join(_py_str(v) for v in common) + "]", ""
            self.warnings.append(
                Warning_("iod", f"{iod}: {field.keyword} has no value both {kept.modules[0]} and {module} allow")
            )
        return kept.python_type, ""

    def functional_group_fields(self, iod: Iod, name: str, file: str) -> dict[str, list[ClassField]]:
        """The Shared and Per-frame Functional Groups item fields: the IOD's macros."""
        if not iod.functional_groups:
            return {}
        shared: list[ClassField] = []
        per_frame: list[ClassField] = []
        for group in iod.functional_groups:
            if not group.table:
                continue
            macro = self.classes[self.names[group.table]]
            for field in macro.fields:
                optional = dataclasses.replace(field, required=False, nullable=True, modules=(macro.name,))
                per_frame.append(optional)
                if "not be used as a Shared" not in group.condition:
                    shared.append(optional)
        return {"SharedFunctionalGroupsSequence": shared, "PerFrameFunctionalGroupsSequence": per_frame}

    def build(self) -> list[GeneratedClass]:
        for table in self.objects.tables:
            self.build_table_class(table)
        iods = [self.build_iod(iod) for iod in self.objects.iods]
        for iod_class in iods:
            self.classes[iod_class.name] = iod_class
        return sorted(self.classes.values(), key=lambda c: (c.package, c.file, c.kind == "item" and 0 or 1, c.name))


def _structure(fields: tuple[ClassField, ...]) -> tuple[ClassField, ...]:
    """Fields without where they are written (table, row, description, section): what
    two places of one sequence keyword must share to be one item class."""
    return tuple(dataclasses.replace(f, table="", row=0, description="", section="") for f in fields)


def _py_str(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


@dataclasses.dataclass(frozen=True)
class ConditionEntry:
    """One condition sentence of the input, where it stands, and whether it compiled."""

    table: str
    row: int
    what: str  # "PatientAlternativeCalendar (1C)" or "Contrast/Bolus Module (C module of CTImage)"
    text: str
    compiled: bool
    condition: CompiledCondition


def condition_entries(model: Model) -> list[ConditionEntry]:
    """Every condition of the generated classes, once per source row."""
    if model.objects is None:
        return []
    found: dict[tuple[str, int, str], ConditionEntry] = {}
    for cls in model.objects.classes:
        for field in cls.fields:
            if field.condition is not None:
                key = (field.table, field.row, field.keyword)
                found.setdefault(
                    key,
                    ConditionEntry(field.table, field.row, f"{field.keyword} ({field.type})", field.condition.text, field.condition.predicate is not None, field.condition),
                )
        for group, condition in cls.group_conditions:
            key = (cls.table, 0, group)
            found.setdefault(
                key, ConditionEntry(cls.table, 0, f"{group} (C module of {cls.name})", condition.text, condition.predicate is not None, condition)
            )
        for group, condition in cls.functional_group_conditions:
            key = (cls.functional_group_table, 0, group)
            what = f"{group} (C functional group macro of {cls.name})"
            found.setdefault(key, ConditionEntry(cls.functional_group_table, 0, what, condition.text, condition.predicate is not None, condition))
    return sorted(found.values(), key=lambda e: (e.table, e.row, e.what))


def object_counts(model: Model) -> list[str]:
    """The generation report's lines for PS3.3."""
    if model.objects is None:
        return []
    classes = model.objects.classes
    kinds = {kind: sum(1 for c in classes if c.kind == kind and not c.alias_of) for kind in ("iod", "module", "macro", "item")}
    aliases = sum(1 for c in classes if c.alias_of)
    attributes = sum(len(t.rows) for t in model.objects.tables)
    entries = condition_entries(model)
    return [
        f"PS3.3 {model.objects.source.edition}: {kinds['iod']} IODs, {kinds['module']} modules, {kinds['macro']} macros, "
        f"{kinds['item']} sequence item classes (and {aliases} items that are a macro's class), {attributes} attribute rows, "
        f"{len(model.objects.missing)} missing references",
        f"conditions: {summary([e.condition for e in entries])} "
        "(validation reports what is not compiled as not checked; listed in conditions.txt)",
        item_count_summary(model.objects.tables),
    ]


class ItemsThatAreMacros:
    """Give the sequences whose items are exactly a macro (every attribute of a Code
    Sequence item is the Code Sequence Macro's, Table 8.8-1) that macro's class as their
    item class.

    Such an item class stays as a name of the macro's class (``alias_of``), so a program
    may still spell it, but the item's attributes are declared once, in the macro's file:
    a type checker reading an IOD then reads the macro's file once, not a copy of the
    macro in every module that includes it. Where two macros have the same attributes,
    the first by class name is the one used.
    """

    def process(self, model: Model) -> Model:
        if model.objects is None:
            return model
        classes = {c.name: c for c in model.objects.classes}
        changed = False
        # A field holding an aliased item names the macro's class; an item whose field did
        # may now be a macro itself, so again until none is found.
        while found := _items_that_are_macros(classes):
            changed = True
            for name, macro in found.items():
                classes[name] = dataclasses.replace(classes[name], fields=(), alias_of=macro)
            classes = {name: _renamed_items(c, found) for name, c in classes.items()}
        if not changed:
            return model
        objects = dataclasses.replace(model.objects, classes=tuple(classes[c.name] for c in model.objects.classes))
        return dataclasses.replace(model, objects=objects)


def _items_that_are_macros(classes: dict[str, GeneratedClass]) -> dict[str, str]:
    """Each item class (not yet another name) whose fields are a macro's: that macro, the
    first by class name where several have the same fields."""
    macros: dict[tuple[ClassField, ...], str] = {}
    for cls in sorted(classes.values(), key=lambda c: c.name):
        if cls.kind == "macro" and cls.fields:
            macros.setdefault(cls.fields, cls.name)
    return {
        c.name: macros[c.fields]
        for c in classes.values()
        if c.kind == "item" and not c.alias_of and c.fields in macros and macros[c.fields] != c.name
    }


#: The passes that derive PS3.3's rendered classes from its tables, in order.
CLASS_PASSES = (BuildObjectClasses(), ItemsThatAreMacros())


def build_classes(model: Model) -> Model:
    """:data:`CLASS_PASSES` run on ``model`` (the generator's, and a model dump's when it
    is read back)."""
    for step in CLASS_PASSES:
        model = step.process(model)
    return model


def _renamed_items(cls: GeneratedClass, renamed: dict[str, str]) -> GeneratedClass:
    """``cls`` with the fields that hold an item class of ``renamed`` holding its new one."""
    if not any(f.item_class in renamed for f in cls.fields):
        return cls
    fields = tuple(
        dataclasses.replace(f, item_class=renamed[f.item_class], python_type=f.python_type.replace(f"[{f.item_class}]", f"[{renamed[f.item_class]}]"))
        if f.item_class in renamed
        else f
        for f in cls.fields
    )
    return dataclasses.replace(cls, fields=fields)


class LinkSopClassesToIods:
    """Give each SOP class the generated IOD class of the PS3.3 section it refers to."""

    def process(self, model: Model) -> Model:
        if model.services is None or model.objects is None:
            return model
        by_section = {c.iod_section: c.name for c in model.objects.classes if c.kind == "iod"}
        sop_classes = tuple(
            dataclasses.replace(s, iod_class=by_section.get(s.iod_reference, "")) for s in model.services.sop_classes
        )
        services = dataclasses.replace(model.services, sop_classes=sop_classes)
        return dataclasses.replace(model, services=services)
