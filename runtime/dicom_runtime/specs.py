"""What PS3.3 and PS3.6 say of one attribute of a generated class (:class:`AttributeSpec`,
read from the class's ``ATTRIBUTES`` table), and what validation says of an instance
(:class:`Finding`). Both are importable from :mod:`dicom_runtime.objects` as well."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .conditions import Condition


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """What PS3.3 and PS3.6 say of one attribute of a generated class."""

    keyword: str
    tag: int
    vr: str  # "US or SS" where PS3.6 allows several
    vm: str
    type: str  # "1", "1C", "2", "2C", "3"
    enumerated: tuple[str, ...]
    source: str  # "PS3.3 2016c Table C.7-1 row 8"
    groups: tuple[str, ...] = ()  # the modules (IODs) or macros (functional groups) defining it
    condition: Condition | None = None  # compiled from condition_text; None if not compiled
    condition_text: str = ""  # the "Required if ..." sentence of a 1C/2C attribute
    value_enumerated: tuple[tuple[int, tuple[str, ...]], ...] = ()  # (value number, Enumerated Values)
    relations: tuple[tuple[str, int], ...] = ()  # (keyword, offset): the value equals that attribute's plus offset
    #: Values required while a condition holds, stated in another attribute's description ("If
    #: Image Type Value 1 is ORIGINAL and Value 3 is not LOCALIZER, output units shall be HU"):
    #: (the compiled condition, None if not compiled; the values; the condition's sentence).
    value_rules: tuple[tuple[Condition | None, tuple[str, ...], str], ...] = ()
    #: Of an IOD's attribute that several modules define: (module, Type) where a module
    #: gives a stricter Type than ``type`` (the mandatory modules'), which applies while
    #: that module is in use (InstanceNumber: Type 3 in SOP Common, Type 2 in General Image).
    group_types: tuple[tuple[str, str], ...] = ()
    #: Of a sequence: the (minimum, maximum) number of Items its description states, maximum
    #: None for "or more" ("One or more Items shall be included in this Sequence.": (1, None));
    #: None where it states none.
    item_count: tuple[int, int | None] | None = None
    #: Of a Type 1C or 2C attribute: it shall not be present while its condition does not
    #: hold (PS3.5 7.4.2, 7.4.4), the description permitting it nowhere otherwise.
    absent_otherwise: bool = False
    #: Of a sequence: as many Items as the attribute of this keyword has values, where it is
    #: present with a value, once the Sequence has at least this many Items ("If more than
    #: one Item, the number and order shall correspond to the value of Operators' Name
    #: (0008,1070), if present.": ("OperatorsName", 2)); None where the description says not.
    item_values: tuple[str, int] | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One validation finding: where, which rule, and the source of the rule."""

    path: str  # "SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing"
    rule: str  # "type1-missing", "type1-empty", "condition", "enumerated-value", "vr", "vm", "vr-length", "type2-missing", "vr-format", "vr-range", "charset", "item-count", "value-relation", "conditional-value", "pixel-data-length", "sop-class", "condition-unsatisfied", "encoding", "not-checked"
    message: str
    source: str
    severity: str = "error"  # "error", or "not-checked" for a condition that could not be evaluated


def in_use_type(spec: AttributeSpec, in_use: set[str]) -> AttributeSpec:
    """``spec`` with the Type that applies given the modules in use: the stricter Type a
    module in use gives it (``group_types``), else ``spec`` itself."""
    kind = spec.type
    for group, stricter in spec.group_types:
        if group in in_use and _TYPE_RANK.get(stricter, 9) < _TYPE_RANK.get(kind, 9):
            kind = stricter
    return spec if kind == spec.type else dataclasses.replace(spec, type=kind)


#: Attribute Types, strictest first.
_TYPE_RANK = {"1": 0, "2": 1, "1C": 2, "2C": 3, "3": 4}
