"""Jinja filters: the only place that knows how values become Python source."""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any, Callable

from .conditions import Condition, expression
from .model import TYPE_ORDER, ClassField, DataElement, GeneratedClass, QueryField, SopClass, Source


def py_str(value: str) -> str:
    """A Python string literal (JSON string syntax is valid Python)."""
    return json.dumps(value, ensure_ascii=False)


def py_tuple(values: tuple[str, ...] | list[str]) -> str:
    inner = ", ".join(py_str(v) for v in values)
    return f"({inner},)" if len(values) == 1 else f"({inner})"


def hex32(value: int) -> str:
    return f"0x{value:08X}"


def docstring(text: str, indent: int = 0, width: int = 84) -> str:
    """A triple-quoted docstring, wrapped, safe for any text."""
    safe = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
    if safe.endswith('"'):
        safe += " "
    pad = " " * indent
    paragraphs = [p for p in safe.split("\n\n") if p.strip()]
    lines: list[str] = []
    for number, paragraph in enumerate(paragraphs):
        if number:
            lines.append("")
        lines.extend(textwrap.wrap(" ".join(paragraph.split()), width - indent) or [""])
    if len(lines) == 1:
        return f'{pad}"""{lines[0]}"""'
    body = "\n".join((pad + line) if line else "" for line in lines)
    return f'{pad}"""{body.lstrip()}\n{pad}"""'


def element_citation(element: DataElement, source: Source) -> str:
    """``(0010,0010) PN 1, Patient's Name - PS3.6 2015b Table 6-1``."""
    vr = element.vr_text or "-"
    vm = element.vm.text if element.vm else "-"
    table = element.table.removeprefix("table_")
    text = f"{element.tag} {vr} {vm}, {element.name or '(unnamed)'} - {source.citation} Table {table}"
    if element.retired:
        text += ". Retired" + (f" ({element.retired_since})" if element.retired_since else "")
    if element.note:
        text += f". {element.note}"
    return text


def sop_class_citation(sop: SopClass, source: Source, annexes: dict[str, str]) -> str:
    """``CT Image Storage (Storage Service Class; C-STORE) - PS3.4 2020c Table B.5-1``."""
    where = f"Table {sop.source.removeprefix('table_')}" if sop.row else sop.source.replace("sect_", "Section ").replace("chapter_", "Annex ")
    services = ", ".join(sop.dimse) or "no DIMSE service listed"
    text = f"{sop.name} ({sop.service_class}; {services}) - {source.citation} {where}"
    if sop.iod_reference:
        text += f"; IOD: PS3.3 {sop.iod_reference.replace('sect_', 'Section ')}"
        if sop.iod_class:
            text += f", class dicom_model.iods.{sop.iod_class}"
        elif sop.service_class.endswith("Storage Service Class"):
            text += " (not in the PS3.3 input: no IOD class generated)"
    if sop.retired:
        text += ". Retired"
    if not sop.in_ps6:
        text += ". Not in the PS3.6 edition in use"
    if sop.dimse_usage:
        text += ". Usage SCU/SCP: " + ", ".join(f"{service} {usage}" for service, usage in sop.dimse_usage)
    if sop.behaviors:
        text += ". Behaviour: " + "; ".join(
            f"{source.citation} Section {section.removeprefix('sect_')} ({title})" for section, title in sop.behaviors
        )
    return text


def query_field_doc(field: QueryField, citation: str) -> str:
    """``(0010,0010) Patient's Name - required key (R) - PS3.4 2020c Table C.6-5``."""
    kind = f"{field.kind} key ({field.matching})"
    if field.inherited:
        kind = f"unique key of a higher level ({field.matching})"
    text = f"{field.tag} {field.name} - {kind}"
    if field.return_type:
        text += f", return key type {field.return_type}"
    text += f" - {citation} Table {field.table.removeprefix('table_')}"
    if field.remark:
        text += f". {field.remark}"
    return text


def tag_int(tag: str) -> str:
    """``(0010,0010)`` -> ``0x00100010`` (repeating digits as 0); ``""`` -> ``-1``."""
    if not tag:
        return "-1"
    return hex32(int(tag[1:5].replace("x", "0") + tag[6:10].replace("x", "0"), 16))


_TEXT_VRS = frozenset("AE AS CS LO LT SH ST UC UR UT UI".split())
_NUMBER_VRS = frozenset("US SS UL SL UV SV IS".split())


def _checkable(vr: str, values: tuple[str, ...]) -> bool:
    """Whether Enumerated Values can be checked at run time: text, or integers as PS3.3
    writes them (``16``, ``0001H``)."""
    if vr in _TEXT_VRS:
        return True
    return vr in _NUMBER_VRS and all(re.fullmatch(r"-?\d+|[0-9A-Fa-f]+H", v.strip()) for v in values)


def checked_enumerations(field: ClassField) -> tuple[tuple[str, ...], tuple[tuple[int, tuple[str, ...]], ...]]:
    """The Enumerated Values that validation checks: of every value (of a single value
    where the type is a ``Literal``, of each of several values otherwise), and of single
    values by value number."""
    if field.item_class or not field.enumerated and not field.value_enumerated:
        return (), ()
    single = not field.python_type.startswith(("MultiValued[", "Sequence[", "tuple["))
    if single:
        every = field.enumerated if field.python_type.startswith("Literal") else ()
    else:
        every = field.enumerated if _checkable(field.vr, field.enumerated) else ()
    by_value = tuple((n, v) for n, v in field.value_enumerated if _checkable(field.vr, v)) if not single else ()
    return every, by_value


#: The unconditional Types, strictest first: a module in use that gives one of these,
#: stricter than the Type that applies, is written as ``Module:Type`` in the groups column.
_UNCONDITIONAL = ("1", "2", "3")


def _groups_column(field: ClassField) -> str:
    """The groups column: each module, with ``:Type`` where that module (used) asks for a
    stricter Type than the one that applies (``field.type``: InstanceNumber is Type 3 in
    SOP Common, M, and Type 2 in General Image, C in RT Dose)."""
    rank = TYPE_ORDER.index(field.type) if field.type in TYPE_ORDER else len(TYPE_ORDER)
    parts = []
    for index, module in enumerate(field.modules):
        kind = field.module_types[index] if index < len(field.module_types) else ""
        stricter = kind in _UNCONDITIONAL and TYPE_ORDER.index(kind) < rank
        parts.append(f"{module}:{kind}" if stricter else module)
    return ",".join(parts)


#: Words of a description that let a conditional attribute be present where its condition
#: does not hold ("May be present otherwise.", "Optional otherwise", "may be present if ..."),
#: or that may: any "may" or "optional" counts, so that nothing permitted is refused.
_PERMISSIVE = re.compile(r"\b(?:[Mm]ay|[Oo]ptional(?:ly)?|[Cc]an)\b")


def absent_otherwise(field: ClassField) -> bool:
    """Whether a Type 1C or 2C attribute shall not be present where its condition does not
    hold (PS3.5 7.4.2, 7.4.4: "When the specified conditions are not met, Type 1C elements
    shall not be included"): its condition compiled, no description word permits it
    otherwise, and, in an IOD, no module gives it another Type."""
    if field.type not in ("1C", "2C") or field.condition is None or field.condition.predicate is None:
        return False
    if any(kind not in ("1C", "2C") for kind in field.module_types):
        return False
    return _PERMISSIVE.search(field.description) is None


def attribute_line(field: ClassField, with_groups: bool) -> str:
    """One line of a class's attribute table, in the layout ``dicom_runtime.attribute_table``
    reads: keyword, tag, VR, VM, Type, Enumerated Values, row, groups, condition
    sentence, and (only where there are some) the rules of single values (Enumerated
    Values of value n, ``==Keyword-1`` relations), of a sequence's number of Items
    (``#1-n``), of the number of Items as another attribute's number of values
    (``#=OperatorsName``, ``#>1=OperatorsName`` from two Items on) and ``!`` where a 1C/2C attribute shall be absent while its condition does
    not hold (:func:`absent_otherwise`), separated by tabs."""
    tag = tag_int(field.tag)
    enumerated, by_value = checked_enumerations(field)
    columns = [
        field.keyword,
        tag if tag == "-1" else f"{int(tag, 16):08X}",
        "SQ" if field.item_class else field.vr,
        field.vm,
        field.type,
        "\\".join(enumerated),
        f"{field.table.removeprefix('table_')} row {field.row}",
        _groups_column(field) if with_groups else "",
        field.condition.text if field.condition else "",
    ]
    rules = [f"{n}=" + "\\".join(values) for n, values in by_value]
    rules += [f"=={keyword}{offset:+d}" for keyword, offset in field.relations if keyword and not field.item_class]
    rules += [f"?{n}=" + "\\".join(values) + f"?{condition.text}" for n, (condition, values) in enumerate(field.value_rules, 1)]
    if field.item_count is not None:
        least, most = field.item_count
        rules.append(f"#{least}-{'n' if most is None else most}")
    if field.item_values_of is not None:
        keyword, least = field.item_values_of
        rules.append(f"#{'>1' if least > 1 else ''}={keyword}")
    if absent_otherwise(field):
        rules.append("!")
    if rules:
        columns.append(";".join(rules))
    for column in columns:
        if "\t" in column or "\n" in column or '"""' in column:
            raise ValueError(f"{field.table} row {field.row}: {column!r} cannot go into an attribute table line")
    values = [*enumerated, *(v for _, vs in by_value for v in vs)]
    if any("\\" in value for value in values) or columns[8].endswith("\\"):
        raise ValueError(f"{field.table} row {field.row}: a backslash cannot go into an attribute table line")
    if any(";" in c.text or "?" in c.text for c, _ in field.value_rules):
        raise ValueError(f"{field.table} row {field.row}: a value rule's sentence cannot hold ';' or '?'")
    if any(";" in value for _, vs in by_value for value in vs):
        raise ValueError(f"{field.table} row {field.row}: a semicolon cannot go into Enumerated Values of a value")
    return "\t".join(columns)


def class_doc(cls: GeneratedClass, edition: str) -> str:
    """A generated class's docstring: what it is and where PS3.3 defines it."""
    table = cls.table.removeprefix("table_")
    if cls.kind == "iod":
        text = f"The {cls.title} IOD - PS3.3 {edition} Table {table} ({cls.iod_section.replace('sect_', 'Section ')})."
        text += "\n\nEvery attribute of every module of the IOD, flat as in the data set; MODULES names the module of each."
        text += " An attribute that is Type 1 or 2 of a mandatory (M) module must be given."
        return text
    if cls.kind == "item":
        return f"An item of {cls.title.removesuffix(' item')} - PS3.3 {edition} Table {table}."
    section = f" (Section {cls.section.removeprefix('sect_')})" if cls.section else ""
    return f"{cls.title} - PS3.3 {edition} Table {table}{section}."


def alias_doc(cls: GeneratedClass, edition: str) -> str:
    """The docstring of an item's name that is another name of a macro's class."""
    return f"{class_doc(cls, edition).removesuffix('.')}, whose attributes are exactly {cls.alias_of}'s: another name of that class."


#: The longest description a field's docstring carries; in an IOD class, whose fields
#: repeat its modules' (where the whole text is), the first sentence up to BRIEF.
DESCRIPTION_LIMIT = 600
BRIEF_LIMIT = 120


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."


def field_doc(field: ClassField, edition: str, brief: bool = False, home_table: str = "") -> str:
    """``(0010,0040) CS 1 Type 2, Patient's Sex - Table C.7-1, Section C.7.1.1. Sex of ...``

    The edition is the class docstring's (``edition`` is kept for the templates' calls),
    and so are the table and section where they are the class's own (``home_table``).
    ``brief`` (the fields of an IOD, hundreds a class, each repeating a module's field):
    ``(0010,0040) CS 1 Type 2 (PatientModule). Sex of ...`` - the module class named,
    whose field has the attribute's name, table, section and whole text; the
    description's first sentence, `` ...`` where there is more.
    """
    text = f"{field.tag} {field.vr or '-'} {field.vm} Type {field.type}"
    if brief:
        if field.modules:
            text += f" ({', '.join(field.modules)})"
    else:
        text += f", {field.name}"
        if field.table != home_table:
            text += f" - Table {field.table.removeprefix('table_')}"
            text += f", Section {field.section.removeprefix('sect_')}" if field.section else ""
    description = field.description
    if brief and description:
        first = re.split(r"(?<=[a-z0-9)][.])\s+(?=[A-Z])", description, maxsplit=1)
        description = _shortened(first[0], BRIEF_LIMIT)
        if len(first) > 1 and not description.endswith(" ..."):
            description += " ..."  # the whole text is the module's field's, named above
    if description:
        text += ". " + _shortened(description, DESCRIPTION_LIMIT)
    return text


def condition_expr(condition: Condition | None) -> str:
    """A compiled condition as the runtime's constructor expression (``None`` if not compiled)."""
    return expression(condition)


FILTERS: dict[str, Callable[..., Any]] = {
    "condition_expr": condition_expr,
    "attribute_line": attribute_line,
    "tag_int": tag_int,
    "class_doc": class_doc,
    "alias_doc": alias_doc,
    "field_doc": field_doc,
    "sop_class_citation": sop_class_citation,
    "query_field_doc": query_field_doc,
    "py_str": py_str,
    "py_tuple": py_tuple,
    "hex32": hex32,
    "docstring": docstring,
    "element_citation": element_citation,
}
