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
  (``?1=HU?Image Type (0008,0008) Value 1 is ORIGINAL and Value 3 is not LOCALIZER``).

Compiled conditions are given apart, by keyword. Text is what a table of hundreds
of attributes costs least as: a tuple of constructor calls in its place made up
most of what mypy, the formatter and the interpreter spent on the generated model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .conditions import Condition
from .objects import AttributeSpec

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
        by_value, relations, value_rules = _rules(fields[_FIELDS], number) if len(fields) == _WITH_VALUES else ((), (), ())
        specs.append(
            AttributeSpec(
                keyword,
                int(tag, 16),
                vr,
                vm,
                kind,
                tuple(enumerated.split("\\")) if enumerated else (),
                source + row,
                tuple(groups.split(",")) if groups else (),
                compiled.get(keyword),
                condition_text,
                by_value,
                relations,
                tuple((compiled.get(f"{keyword}?{n}"), values, sentence) for n, values, sentence in value_rules),
            )
        )
    keys = {s.keyword for s in specs} | {f"{s.keyword}?{n}" for s in specs for n in range(1, len(s.value_rules) + 1)}
    unknown = sorted(set(compiled) - keys)
    if unknown:
        raise ValueError(f"conditions given for attributes the table lacks: {', '.join(unknown)}")
    return tuple(specs)


_ValueRule = tuple[int, tuple[str, ...], str]


def _rules(
    text: str, number: int
) -> tuple[tuple[tuple[int, tuple[str, ...]], ...], tuple[tuple[str, int], ...], tuple[_ValueRule, ...]]:
    """``1=ORIGINAL\\DERIVED;3=AXIAL;==BitsStored-1;?1=HU?If ...`` -> ((1, ("ORIGINAL", "DERIVED")),
    (3, ("AXIAL",))), (("BitsStored", -1),) and ((1, ("HU",), "If ..."),)."""
    found: list[tuple[int, tuple[str, ...]]] = []
    relations: list[tuple[str, int]] = []
    value_rules: list[_ValueRule] = []
    for part in text.split(";") if text else ():
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
    return tuple(found), tuple(relations), tuple(value_rules)


def modules_of(specs: tuple[AttributeSpec, ...]) -> dict[str, tuple[str, ...]]:
    """The module (or modules) of an IOD that define each attribute, by keyword."""
    return {spec.keyword: spec.groups for spec in specs}
