"""The compact form in which a generated class lists its attributes.

A generated class gives its ``ATTRIBUTES`` as text, one attribute a line, with the
fields separated by tabs::

    keyword  tag  VR  VM  Type  enumerated values  row  groups  condition sentence  [values]

- ``tag``: eight hex digits (``00100010``);
- ``enumerated values``: separated by backslashes, DICOM's value delimiter, which no
  Enumerated Value contains;
- ``row``: the table and row, after the ``source`` prefix the class gives
  (``C.7-1 row 8`` after ``PS3.3 2016c Table ``);
- ``groups``: the modules (of an IOD) or functional group macros defining the
  attribute, separated by commas;
- ``condition sentence``: the "Required if ..." text of a 1C or 2C attribute;
- ``values`` (a tenth field, only on the lines that need it, so that a nine-field line
  reads as before): rules separated by semicolons. ``number=values`` gives the
  Enumerated Values of one value of a multi-valued attribute, the values separated by
  backslashes (``1=ORIGINAL\\DERIVED;2=PRIMARY\\SECONDARY``: Value 1 and Value 2; the
  ``enumerated values`` field holds those that apply to every value);
  ``==Keyword+offset`` says the value equals another attribute's plus an offset
  (``==BitsStored-1``: "High Bit shall be one less than Bits Stored");
  ``?N=values?sentence`` gives values required while a condition holds, the sentence's
  condition compiled under the key ``Keyword?N`` of the conditions
  (``?1=HU?Image Type (0008,0008) Value 1 is ORIGINAL and Value 3 is not LOCALIZER``);
  ``#least-most`` gives a sequence's number of Items, ``n`` for no maximum (``#1-n``:
  "One or more Items shall be included in this Sequence", ``#1-1``: "Only a single Item");
  ``#=Keyword`` as many Items as that attribute has values, where it has some, and
  ``#>1=Keyword`` the same once there is more than one Item ("If more than one Item, the
  number and order shall correspond to the value of Operators' Name (0008,1070), if present").

Compiled conditions are given apart, by keyword. Text is what a table of hundreds
of attributes costs least as: a tuple of constructor calls in its place made up
most of what mypy, the formatter and the interpreter spent on the generated model.

An IOD's table is its modules' tables, one after the other, each attribute once
(:func:`composed_table`): its file gives in text only the lines that differ from its
first module's (an attribute of several modules, or narrowed by a later one), so that
the rows of every module are not written again in every IOD that has it. Its fields
are composed as well (:func:`composed_fields`): a field that is its first module's field,
as that module's class declares it (optional where the module is not mandatory), is not
written in the IOD's ``.py``; type checkers read the IOD's stub, which declares them all.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TypeVar

from .conditions import Condition
from .objects import AttributeSpec, DicomObject

_FIELDS = 9
_WITH_VALUES = 10


def attribute_table(
    text: str, source: str, conditions: Mapping[str, Condition] | None = None
) -> tuple[AttributeSpec, ...]:
    """The specs of ``text`` (see the module's docstring); ``source`` prefixes each row.

    A line without nine fields (or ten, with the Enumerated Values of single values) is
    a defect of the generated file, and raises ValueError naming the line, as does a
    value number that is not a positive integer.
    """
    compiled = conditions or {}
    specs: list[AttributeSpec] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line:
            continue
        fields = line.split("\t")
        if len(fields) not in (_FIELDS, _WITH_VALUES):
            raise ValueError(
                f"attribute table line {number} has {len(fields)} fields, not {_FIELDS} or {_WITH_VALUES}: {line!r}"
            )
        keyword, tag, vr, vm, kind, enumerated, row, groups, condition_text = fields[:_FIELDS]
        by_value, relations, value_rules, items, absent, item_values = (
            _rules(fields[_FIELDS], number) if len(fields) == _WITH_VALUES else ((), (), (), None, False, None)
        )
        names, group_types = _groups(groups) if ":" in groups else (tuple(groups.split(",")) if groups else (), ())
        specs.append(
            AttributeSpec(
                keyword,
                int(tag, 16),
                vr,
                vm,
                kind,
                tuple(enumerated.split("\\")) if enumerated else (),
                source + row,
                names,
                compiled.get(keyword),
                condition_text,
                by_value,
                relations,
                tuple((compiled.get(f"{keyword}?{n}"), values, sentence) for n, values, sentence in value_rules),
                group_types,
                items,
                absent,
                item_values,
            )
        )
    keys = {s.keyword for s in specs} | {f"{s.keyword}?{n}" for s in specs for n in range(1, len(s.value_rules) + 1)}
    unknown = sorted(set(compiled) - keys)
    if unknown:
        raise ValueError(f"conditions given for attributes the table lacks: {', '.join(unknown)}")
    return tuple(specs)


def _groups(column: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The groups column's names, and the ``Module:Type`` entries' (module, Type): the
    stricter Type a module gives the attribute when that module is in use."""
    names: list[str] = []
    types: list[tuple[str, str]] = []
    for entry in column.split(","):
        name, _, kind = entry.partition(":")
        names.append(name)
        if kind:
            types.append((name, kind))
    return tuple(names), tuple(types)


def composed_table(
    groups: Sequence[type[DicomObject] | str],
    text: str,
    source: str,
    conditions: Mapping[str, Condition] | None = None,
) -> tuple[AttributeSpec, ...]:
    """The table of a class made of ``groups`` (an IOD of its modules, a functional groups
    item of its macros), in order, each attribute once, at the place of the first group
    that has it: a group given as a class gives the rows of its ``ATTRIBUTES`` with its
    name as their ``groups``, except where ``text`` (:func:`attribute_table`'s layout, with
    ``source`` and ``conditions``) gives an attribute's line; a group given by name (one
    whose file the class's file does not import otherwise) has its rows in ``text``, the
    lines whose first group it is.

    A line of ``text`` for an attribute of no group is a defect of the generated file,
    and raises ValueError naming it.
    """
    lines = attribute_table(text, source, conditions)
    given = {spec.keyword: spec for spec in lines}
    written: dict[str, list[AttributeSpec]] = {}
    for spec in lines:
        written.setdefault(spec.groups[0] if spec.groups else "", []).append(spec)
    specs: list[AttributeSpec] = []
    seen: set[str] = set()
    for group in groups:
        if isinstance(group, str):
            for spec in written.get(group, ()):
                if spec.keyword not in seen:
                    seen.add(spec.keyword)
                    specs.append(spec)
            continue
        name = (group.__name__,)
        for spec in group.ATTRIBUTES:
            if spec.keyword in seen:
                continue
            seen.add(spec.keyword)
            line = given.get(spec.keyword)
            specs.append(line if line is not None else _in_group(spec, name))
    unknown = sorted(set(given) - seen)
    if unknown:
        raise ValueError(f"attribute table lines for attributes of no group: {', '.join(unknown)}")
    return tuple(specs)


#: AttributeSpec's fields, in order, as :func:`_in_group` gives them.
_SPEC_FIELDS = (
    "keyword", "tag", "vr", "vm", "type", "enumerated", "source", "groups", "condition",
    "condition_text", "value_enumerated", "relations", "value_rules", "group_types", "item_count",
    "absent_otherwise", "item_values",
)  # fmt: skip
if tuple(f.name for f in dataclasses.fields(AttributeSpec)) != _SPEC_FIELDS:
    raise RuntimeError("AttributeSpec's fields changed: _in_group must give them all")


def _in_group(spec: AttributeSpec, groups: tuple[str, ...]) -> AttributeSpec:
    """``spec`` with ``groups``: ``dataclasses.replace`` without its cost (a third of it),
    which an IOD's import pays for every attribute of its modules."""
    s = spec
    return AttributeSpec(
        s.keyword, s.tag, s.vr, s.vm, s.type, s.enumerated, s.source, groups, s.condition,
        s.condition_text, s.value_enumerated, s.relations, s.value_rules, s.group_types, s.item_count,
        s.absent_otherwise, s.item_values,
    )  # fmt: skip


_Class = TypeVar("_Class", bound=type[DicomObject])


def composed_fields(cls: _Class) -> _Class:
    """Under ``@dataclass``: the fields of a class whose ``ATTRIBUTES`` are composed
    (:func:`composed_table`), in the order of its table, taking each field its class body
    does not declare from the first group of its attribute (a class of that name in the
    class's module): that group's annotation and default, and optional (``| None``,
    default None) unless the group's usage is M. The body's other annotations (ClassVars
    first, ``extra_elements`` last) keep their places.

    An attribute whose group is not in the module, or has no such field, is a defect of
    the generated file, and raises ValueError naming it.
    """
    declared: dict[str, object] = dict(cls.__dict__.get("__annotations__", {}))
    home = vars(sys.modules[cls.__module__])
    annotations: dict[str, object] = {n: a for n, a in declared.items() if isinstance(a, str) and a.startswith("ClassVar[")}
    for spec in cls.ATTRIBUTES:
        if spec.keyword in declared:
            annotations[spec.keyword] = declared[spec.keyword]
            continue
        group = home.get(spec.groups[0]) if spec.groups else None
        own = getattr(group, "__dataclass_fields__", {}).get(spec.keyword)
        if own is None:
            raise ValueError(f"{cls.__module__}.{cls.__qualname__}.{spec.keyword}: no field of {spec.groups[:1]} to take")
        required = own.default is dataclasses.MISSING and own.default_factory is dataclasses.MISSING
        if required and cls.GROUP_USAGE.get(spec.groups[0]) == "M":
            annotations[spec.keyword] = own.type
            continue
        annotations[spec.keyword] = f"{own.type} | None" if required else own.type
        setattr(cls, spec.keyword, None)
    annotations.update((name, a) for name, a in declared.items() if name not in annotations)
    cls.__annotations__ = annotations
    return cls


_ValueRule = tuple[int, tuple[str, ...], str]


def _rules(text: str, number: int) -> tuple[
    tuple[tuple[int, tuple[str, ...]], ...],
    tuple[tuple[str, int], ...],
    tuple[_ValueRule, ...],
    tuple[int, int | None] | None,
    bool,
    tuple[str, int] | None,
]:
    """``1=ORIGINAL\\DERIVED;3=AXIAL;==BitsStored-1;?1=HU?If ...;#1-n;!`` -> ((1, ("ORIGINAL", "DERIVED")),
    (3, ("AXIAL",))), (("BitsStored", -1),), ((1, ("HU",), "If ..."),), (1, None), True
    (``!``: absent while the condition does not hold) and None (``#>1=OperatorsName``:
    ("OperatorsName", 2))."""
    found: list[tuple[int, tuple[str, ...]]] = []
    relations: list[tuple[str, int]] = []
    value_rules: list[_ValueRule] = []
    items: tuple[int, int | None] | None = None
    absent_otherwise = False
    item_values: tuple[str, int] | None = None
    for part in text.split(";") if text else ():
        if part == "!":
            absent_otherwise = True
            continue
        values_of = re.fullmatch(r"#(>1)?=([A-Za-z]\w*)", part)
        if values_of is not None:
            item_values = (values_of.group(2), 2 if values_of.group(1) else 1)
            continue
        count = re.fullmatch(r"#(\d+)-(\d+|n)", part)
        if count is not None:
            items = (int(count.group(1)), None if count.group(2) == "n" else int(count.group(2)))
            continue
        rule = re.fullmatch(r"\?(\d+)=([^?]+)\?(.+)", part)
        if rule is not None:
            value_rules.append((int(rule.group(1)), tuple(rule.group(2).split("\\")), rule.group(3)))
            continue
        relation = re.fullmatch(r"==([A-Za-z]\w*)([+-]\d+)", part)
        if relation is not None:
            relations.append((relation.group(1), int(relation.group(2))))
            continue
        position, _, values = part.partition("=")
        if not position.isdigit() or int(position) < 1 or not values:
            raise ValueError(f"attribute table line {number}: {part!r} is not value-number=values or ==Keyword+offset")
        found.append((int(position), tuple(values.split("\\"))))
    return tuple(found), tuple(relations), tuple(value_rules), items, absent_otherwise, item_values


def modules_of(specs: tuple[AttributeSpec, ...]) -> dict[str, tuple[str, ...]]:
    """The module (or modules) of an IOD that define each attribute, by keyword."""
    return {spec.keyword: spec.groups for spec in specs}
