"""Between generated classes and data sets: ``to_dataset``, ``from_dataset``, ``read``, ``write``.

Elements a class does not declare (private elements, attributes of modules an
IOD does not list) are kept in the instance's ``extra_elements`` and written
back, so reading and writing a file through a typed instance loses nothing.
"""

from __future__ import annotations

import dataclasses
import datetime
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from .dataset import DataElement, Dataset, Value
from .errors import DicomEncodeError, DicomError
from .fileformat import EXPLICIT_VR_LITTLE_ENDIAN, read_file, write_file
from .objects import AttributeSpec, DicomObject, Finding
from .values import PersonName

T = TypeVar("T", bound=DicomObject)


class ValidationFailed(DicomError):
    """``write`` refused an instance: its findings are in ``findings``."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        lines = "; ".join(f"{f.path}: {f.message} ({f.source})" for f in findings[:10])
        more = f" and {len(findings) - 10} more" if len(findings) > 10 else ""
        super().__init__(f"{len(findings)} validation error(s): {lines}{more}")


def _ds(value: float | int | Decimal) -> str:
    """A DS value in at most 16 characters (PS3.5 Table 6.2-1)."""
    text = str(value) if not isinstance(value, float) else repr(value)
    if text.endswith(".0"):
        text = text[:-2]
    if len(text) <= 16:
        return text
    for digits in range(15, 0, -1):
        text = f"{float(value):.{digits}g}"
        if len(text) <= 16:
            return text
    raise DicomEncodeError(f"DS value {value!r} does not fit 16 characters")


def _to_text(value: object, vr: str) -> str:
    if vr == "DA" and isinstance(value, datetime.date):
        return value.strftime("%Y%m%d")
    if vr == "TM" and isinstance(value, datetime.time):
        return value.strftime("%H%M%S.%f" if value.microsecond else "%H%M%S")
    if vr == "DT" and isinstance(value, datetime.datetime):
        text = value.strftime("%Y%m%d%H%M%S.%f" if value.microsecond else "%Y%m%d%H%M%S")
        return text + (value.strftime("%z") if value.tzinfo else "")
    if vr == "DS" and isinstance(value, (int, float, Decimal)):
        return _ds(value)
    if vr == "IS" and isinstance(value, int):
        return str(value)
    return str(value)


def _vr_for(spec: AttributeSpec, obj: object = None) -> str:
    """The VR to write; of "OB or OW", OW for pixel data of more than 8 bits (PS3.5 A.2)."""
    options = spec.vr.split(" or ")
    if "OW" in options and "OB" in options:
        bits = getattr(obj, "BitsAllocated", None)
        return "OW" if isinstance(bits, int) and bits > 8 else "OB"
    if "US" in options and "SS" in options:
        signed = getattr(obj, "PixelRepresentation", None) == 1
        return "SS" if signed else "US"
    return options[0] if options[0] else "UN"


def _encode_value(spec: AttributeSpec, value: object, vr: str) -> Value:
    if vr in ("US", "SS", "UL", "SL", "UV", "SV", "FL", "FD", "AT"):
        if isinstance(value, (list, tuple)):
            return list(value)
        return value  # type: ignore[return-value]
    if vr in ("OB", "OW", "OD", "OF", "OL", "OV", "UN"):
        return value  # type: ignore[return-value]
    if isinstance(value, (list, tuple)):
        return [_to_text(v, vr) for v in value]
    return _to_text(value, vr)


def to_dataset(obj: DicomObject) -> Dataset:
    """The data set of a generated instance (Type 2 attributes without a value are written empty)."""
    dataset = Dataset()
    extra = getattr(obj, "extra_elements", None)
    if isinstance(extra, Dataset):
        for element in extra.elements():
            dataset[element.tag] = element
    in_use = obj.groups_in_use() if obj.GROUP_USAGE else set()
    for spec in obj.ATTRIBUTES:
        if spec.tag < 0:
            continue
        value = getattr(obj, spec.keyword)
        if value is None:
            wanted = spec.type == "2" and (not spec.groups or not obj.GROUP_USAGE or in_use.intersection(spec.groups))
            if wanted:
                empty_vr = "SQ" if spec.vr == "SQ" else _vr_for(spec, obj)
                dataset[spec.tag] = DataElement(spec.tag, empty_vr, [] if spec.vr == "SQ" else None)
            continue
        if spec.vr == "SQ":
            dataset[spec.tag] = DataElement(spec.tag, "SQ", [to_dataset(item) for item in value])
            continue
        vr = _vr_for(spec, obj)
        dataset[spec.tag] = DataElement(spec.tag, vr, _encode_value(spec, value, vr))
    return dataset


_ITEM_CLASSES: dict[type[DicomObject], dict[str, type[DicomObject]]] = {}


def _item_classes(cls: type[DicomObject]) -> dict[str, type[DicomObject]]:
    """The item class of each sequence attribute, from the class's annotations."""
    known = _ITEM_CLASSES.get(cls)
    if known is not None:
        return known
    hints = typing.get_type_hints(cls)
    found = {}
    for keyword, hint in hints.items():
        for arg in typing.get_args(hint):
            inner = typing.get_args(arg)
            if typing.get_origin(arg) is list and inner and isinstance(inner[0], type) and issubclass(inner[0], DicomObject):
                found[keyword] = inner[0]
    _ITEM_CLASSES[cls] = found
    return found


def _decode_value(spec: AttributeSpec, value: Value) -> Any:
    if value is None or value == "":
        return None
    vr = _vr_for(spec)
    values = value if isinstance(value, list) else [value]
    converted: list[Any] = []
    for item in values:
        if vr == "DS" and isinstance(item, str):
            try:
                converted.append(float(item))
            except ValueError:
                converted.append(item)
        elif vr == "IS" and isinstance(item, str):
            try:
                converted.append(int(item))
            except ValueError:
                converted.append(item)
        elif vr == "PN" and isinstance(item, str):
            converted.append(PersonName(item))
        else:
            converted.append(item)
    return converted if isinstance(value, list) else converted[0]


def from_dataset(cls: type[T], dataset: Dataset) -> T:
    """An instance of a generated class from a data set; undeclared elements go to ``extra_elements``."""
    items = _item_classes(cls)
    arguments: dict[str, Any] = {}
    declared = set()
    for spec in cls.ATTRIBUTES:
        declared.add(spec.tag)
        element = dataset.get(spec.tag)
        if element is None:
            continue
        if spec.vr == "SQ" and isinstance(element.value, list):
            item_class = items.get(spec.keyword)
            if item_class is not None:
                arguments[spec.keyword] = [from_dataset(item_class, d) for d in element.value if isinstance(d, Dataset)]
            continue
        arguments[spec.keyword] = _decode_value(spec, element.value)
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name not in arguments and field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            arguments[field.name] = None  # an absent required attribute: validate() reports it
    extra = Dataset()
    for element in dataset.elements():
        if element.tag not in declared:
            extra[element.tag] = element
    if extra and "extra_elements" in {f.name for f in dataclasses.fields(cls)}:  # type: ignore[arg-type]
        arguments["extra_elements"] = extra
    return cls(**arguments)


def read(path: str | Path) -> DicomObject | Dataset:
    """The typed IOD instance of a file, chosen by its SOP Class UID; a Dataset if none is generated."""
    return typed_dataset(read_file(path).dataset)


def typed_dataset(dataset: Dataset) -> DicomObject | Dataset:
    """The typed IOD instance of a data set, chosen by its SOP Class UID; the data set if none is generated."""
    uid = dataset.value(0x00080016)
    if isinstance(uid, str):
        from dicom_model import sop_classes  # the generated table of SOP classes

        iod = sop_classes.iod_class_for(uid)
        if iod is not None:
            return from_dataset(iod, dataset)
    return dataset


def write(
    obj: DicomObject | Dataset,
    path: str | Path,
    *,
    transfer_syntax: str = EXPLICIT_VR_LITTLE_ENDIAN,
    validate: bool = True,
) -> None:
    """Write a typed instance (validated first) or a data set, atomically.

    With ``validate=True`` an instance with any error finding (Type 1, Type 2,
    compiled condition, enumerated value, VR, VM) is refused with
    :class:`ValidationFailed`; ``validate=False`` writes it anyway.
    """
    if isinstance(obj, Dataset):
        write_file(path, obj, transfer_syntax)
        return
    if validate:
        errors = obj.errors()
        if errors:
            raise ValidationFailed(errors)
    write_file(path, to_dataset(obj), transfer_syntax)
