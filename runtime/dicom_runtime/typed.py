"""Between generated classes and data sets: ``to_dataset``, ``from_dataset``, ``read``, ``write``.

Elements a class does not declare (private elements, attributes of modules an
IOD does not list) are kept in the instance's ``extra_elements`` and written
back, so reading and writing a file through a typed instance loses nothing.

Round trip: an attribute present and empty in the data set is ``None`` on the
instance and listed by :meth:`DicomObject.empty_attributes`, and is written back
empty (absent stays absent); a value read and not changed is written back as the
element it was read from (its bytes: ``5.000000`` stays ``5.000000``); the File
Meta Information and transfer syntax read go with the instance to :func:`write`.
A data set that cannot be an instance whose annotations hold (a Type 1 attribute
absent or empty, a value of another type) raises :class:`NonConformantError`.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import math
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, overload

import re
import types

from .dataset import DataElement, Dataset, DeferredValue, EncapsulatedPixelData, Value
from .errors import DicomDecodeError, DicomEncodeError, DicomError, DicomTypeError
from .fileformat import EXPLICIT_VR_LITTLE_ENDIAN, is_encapsulated, read_file, write_file
from .objects import AttributeSpec, DicomObject, Finding, _state, in_use_type
from .tag_text import tag_text
from .values import PersonName, number_text, temporal_text

T = TypeVar("T", bound=DicomObject)


class ValidationFailed(DicomError):
    """``write`` refused an instance: its findings are in ``findings``, the file it was not
    written to in ``path`` (the message begins with it, when given)."""

    def __init__(self, findings: list[Finding], path: str = "") -> None:
        self.findings = findings
        self.path = path
        lines = "; ".join(f"{f.path}: {f.message} ({f.source})" for f in findings[:10])
        more = f" and {len(findings) - 10} more" if len(findings) > 10 else ""
        where = f"{path}: not written: " if path else ""
        super().__init__(f"{where}{len(findings)} validation error(s): {lines}{more}")


class NonConformantError(DicomError, ValueError):
    """A data set that cannot be an instance of a generated class with its annotations
    holding: a Type 1 attribute absent or empty, or a value of a type the VR does not
    take. ``problems`` names each attribute; ``dataset`` is the data set, whole, which
    can be written back as it is."""

    def __init__(self, cls: type[DicomObject], problems: list[str], dataset: Dataset, source: str = "") -> None:
        self.problems = problems
        self.dataset = dataset
        self.source = source
        where = f"{source}: " if source else ""
        shown = "; ".join(problems[:10]) + (f" and {len(problems) - 10} more" if len(problems) > 10 else "")
        super().__init__(f"{where}not a conformant {cls.__name__}: {shown}")


def _ds(value: float | int | Decimal) -> str:
    """A DS value in at most 16 characters (PS3.5 Table 6.2-1); NaN and infinity have none."""
    if not (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
        raise DicomEncodeError(f"DS value {value!r} is not a decimal string: DS has no NaN or infinity (PS3.5 Table 6.2-1)")
    text = number_text(value)
    if len(text) <= 16:
        return text
    if isinstance(value, Decimal):  # its digits are what was asked for: not rounded away unsaid
        raise DicomEncodeError(
            f"DS value {text} has {len(text)} characters, more than DS's 16 (PS3.5 Table 6.2-1): a Decimal is "
            "written with the digits it has; quantize it, or give a float, which is rounded to fit"
        )
    for digits in range(15, 0, -1):
        text = f"{float(value):.{digits}g}"
        if len(text) <= 16:
            return text
    raise DicomEncodeError(f"DS value {value!r} does not fit 16 characters")


def _to_text(value: object, vr: str) -> str:
    if isinstance(value, (datetime.date, datetime.time)) and vr in ("DA", "TM", "DT"):
        value = temporal_text(value, vr)
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
    """The data set of a generated instance.

    Type 2 attributes without a value, and attributes marked empty
    (:meth:`DicomObject.set_empty`, or read empty), are written empty; a value read
    and not changed is written as the element it was read from (the same bytes).
    """
    dataset = Dataset()
    extra = getattr(obj, "extra_elements", None)
    if isinstance(extra, Dataset):
        for element in extra.elements():
            dataset[element.tag] = element
    state = _state(obj)
    dataset.file_meta = state.meta
    in_use = obj.groups_in_use() if obj.GROUP_USAGE else set()
    for spec in obj.ATTRIBUTES:
        if spec.tag < 0:
            continue
        value = getattr(obj, spec.keyword)
        source = state.read.get(spec.keyword)
        if value is None:
            if spec.keyword in state.empty:
                if source is not None and spec.vr != "SQ" and _decode_value(spec, source.value) is None:
                    dataset[spec.tag] = copy.copy(source)  # as read (its padding too)
                else:
                    empty_vr = "SQ" if spec.vr == "SQ" else _vr_for(spec, obj)
                    dataset[spec.tag] = DataElement(spec.tag, empty_vr, [] if spec.vr == "SQ" else None)
                continue
            if state.from_data_set:
                continue  # absent in the data set read: absent again
            in_group = not spec.groups or not obj.GROUP_USAGE or bool(in_use.intersection(spec.groups))
            kind = in_use_type(spec, in_use).type if spec.group_types else spec.type
            wanted = in_group and (kind == "2" or obj.writes_empty(spec))
            if wanted:
                empty_vr = "SQ" if spec.vr == "SQ" else _vr_for(spec, obj)
                dataset[spec.tag] = DataElement(spec.tag, empty_vr, [] if spec.vr == "SQ" else None)
            continue
        if spec.vr == "SQ":
            items = [to_dataset(item) for item in value]
            if source is not None and source.vr == "SQ":
                dataset[spec.tag] = DataElement(
                    spec.tag, "SQ", items, undefined_length=source.undefined_length, read_as_un=source.read_as_un
                )
            else:
                dataset[spec.tag] = DataElement(spec.tag, "SQ", items)
            continue
        if source is not None and _same(_decode_value(spec, source.value), value):
            dataset[spec.tag] = copy.copy(source)  # read and not changed: written as it was read
            continue
        vr = _vr_for(spec, obj)
        try:
            encoded = _encode_value(spec, value, vr)
        except DicomEncodeError as exc:
            raise DicomEncodeError(f"{tag_text(spec.tag)} {spec.keyword}: {exc}") from exc
        dataset[spec.tag] = DataElement(spec.tag, vr, encoded)
    return dataset


def _same(read: object, value: object) -> bool:
    """Whether ``value`` is still the value read (same type too: 5 is not 5.0 for a DS)."""
    if isinstance(read, list) and isinstance(value, (list, tuple)):
        return len(read) == len(value) and all(_same(a, b) for a, b in zip(read, value))
    if isinstance(read, float) and isinstance(value, float) and math.isnan(read) and math.isnan(value):
        return True  # a NaN read ("nan" in a DS) and not changed is written back as read
    return type(read) is type(value) and read == value


_HINTS: dict[type[DicomObject], dict[str, Any]] = {}


def _hints(cls: type[DicomObject]) -> dict[str, Any]:
    """A generated class's evaluated annotations, once per class (item classes, tuple
    fields and required attributes are all read from them)."""
    known = _HINTS.get(cls)
    if known is None:
        known = _HINTS[cls] = typing.get_type_hints(cls)
    return known


_ITEM_CLASSES: dict[type[DicomObject], dict[str, type[DicomObject]]] = {}
_TUPLE_FIELDS: dict[type[DicomObject], dict[str, int]] = {}


def _tuple_fields(cls: type[DicomObject]) -> dict[str, int]:
    """The attributes typed value by value (``tuple[...]``, a fixed VM with Enumerated
    Values per value), with their number of values."""
    known = _TUPLE_FIELDS.get(cls)
    if known is None:
        known = {}
        for keyword, hint in _hints(cls).items():
            for arg in (hint, *typing.get_args(hint)):
                if typing.get_origin(arg) is tuple and Ellipsis not in typing.get_args(arg):
                    known[keyword] = len(typing.get_args(arg))
        _TUPLE_FIELDS[cls] = known
    return known


def _item_classes(cls: type[DicomObject]) -> dict[str, type[DicomObject]]:
    """The item class of each sequence attribute, from the class's annotations."""
    known = _ITEM_CLASSES.get(cls)
    if known is not None:
        return known
    hints = _hints(cls)
    found = {}
    for keyword, hint in hints.items():
        # list[Item] (a required sequence) or list[Item] | None
        for arg in (hint, *typing.get_args(hint)):
            inner = typing.get_args(arg)
            if typing.get_origin(arg) is list and inner and isinstance(inner[0], type) and issubclass(inner[0], DicomObject):
                found[keyword] = inner[0]
    _ITEM_CLASSES[cls] = found
    return found


_DA = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TM = re.compile(r"^(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?$")
_DT = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(\d{2}))?$")


def _date_time(text: str, vr: str) -> datetime.date | datetime.time | datetime.datetime | str:
    """A DA, TM or DT value as a datetime value where it is a complete one; its text
    where it is not (a range, a partial time, an invalid date)."""
    try:
        if vr == "DA" and (m := _DA.match(text)):
            return datetime.date(int(m[1]), int(m[2]), int(m[3]))
        if vr == "TM" and (m := _TM.match(text)):
            return datetime.time(int(m[1]), int(m[2]), int(m[3]), int((m[4] or "0").ljust(6, "0")))
        if vr == "DT" and (m := _DT.match(text)):
            zone = None
            if m[8]:
                offset = datetime.timedelta(hours=int(m[9]), minutes=int(m[10]))
                zone = datetime.timezone(offset if m[8] == "+" else -offset)
            return datetime.datetime(
                int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6]), int((m[7] or "0").ljust(6, "0")), zone
            )
    except ValueError:
        pass
    return text


def _is_empty(value: Value) -> bool:
    return value is None or value == "" or value == [] or value == b""


def _decode_value(spec: AttributeSpec, value: Value) -> Any:
    if isinstance(value, DeferredValue):
        value = value.decode()
    if isinstance(value, EncapsulatedPixelData):
        return value.encode()  # the value field's bytes (PS3.5 A.4); see _encapsulate
    if _is_empty(value):
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
        elif vr in ("DA", "TM", "DT") and isinstance(item, str):
            converted.append(_date_time(item, vr))
        else:
            converted.append(item)
    return converted if isinstance(value, list) else converted[0]


_REQUIRED: dict[type[DicomObject], frozenset[str]] = {}


def _required(cls: type[DicomObject]) -> frozenset[str]:
    """The attributes whose annotation does not allow ``None``."""
    known = _REQUIRED.get(cls)
    if known is None:
        hints = _hints(cls)
        known = frozenset(
            spec.keyword
            for spec in cls.ATTRIBUTES
            if spec.keyword in hints and not _allows_none(hints[spec.keyword])
        )
        _REQUIRED[cls] = known
    return known


def _allows_none(hint: Any) -> bool:
    if hint is None or hint is type(None):
        return True
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(_allows_none(arg) for arg in typing.get_args(hint))
    return False


def _check_sop_class(cls: type[DicomObject], dataset: Dataset, coerce: bool) -> str | None:
    """The SOP Class UID to give a coerced instance, or None; raises for a data set of another IOD."""
    names = getattr(cls, "SOP_CLASSES", ())
    if not names:
        return None  # a module, macro or item class
    from dicom_model import sop_classes

    own = sop_classes.sop_class_of(cls)
    uid = dataset.value(0x00080016)
    if isinstance(uid, str) and uid and sop_classes.iod_class_for(uid) is not cls:
        if coerce:
            return str(own.uid) if own is not None else None
        known = sop_classes.sop_class(uid)
        what = f"{known.name} ({uid})" if known is not None else uid
        theirs = f"{own.name} ({own.uid})" if own is not None else ", ".join(names)
        raise DicomTypeError(
            f"the data set's SOP Class UID is {what}, not that of {cls.__name__}: {theirs}; "
            f"from_dataset(..., coerce=True) makes a {cls.__name__} of it anyway"
        )
    return None


def from_dataset(cls: type[T], dataset: Dataset, *, coerce: bool = False, source: str = "") -> T:
    """An instance of a generated class from a data set; undeclared elements go to ``extra_elements``.

    A data set of another SOP class is refused with :class:`DicomTypeError` naming both,
    unless ``coerce``, which gives the instance the class's own SOP Class UID. A data set
    that cannot be an instance whose annotations hold raises :class:`NonConformantError`.
    """
    sop_class = _check_sop_class(cls, dataset, coerce)
    problems: list[str] = []
    instance = _from_dataset(cls, dataset, "", problems)
    if problems or instance is None:
        raise NonConformantError(cls, problems, dataset, source)
    if sop_class is not None:
        setattr(instance, "SOPClassUID", sop_class)
    return instance


def _from_dataset(cls: type[T], dataset: Dataset, path: str, problems: list[str]) -> T | None:
    items = _item_classes(cls)
    required = _required(cls)
    arguments: dict[str, Any] = {}
    declared = set()
    read: dict[str, DataElement] = {}
    empty: set[str] = set()
    fixed = _tuple_fields(cls)
    for spec in cls.ATTRIBUTES:
        declared.add(spec.tag)
        element = dataset.get(spec.tag)
        where = f"{path}.{spec.keyword}" if path else spec.keyword
        if element is None:
            if spec.keyword in required:
                problems.append(f"{where} {tag_text(spec.tag)} is absent (Type {spec.type})")
            continue
        read[spec.keyword] = element
        if spec.vr == "SQ" and isinstance(element.value, list):
            item_class = items.get(spec.keyword)
            if item_class is None:
                declared.discard(spec.tag)  # no item class to read it into: kept in extra_elements
                read.pop(spec.keyword)
                continue
            built = [
                _from_dataset(item_class, d, f"{where}[{i}]", problems)
                for i, d in enumerate(element.value)
                if isinstance(d, Dataset)
            ]
            arguments[spec.keyword] = [b for b in built if b is not None]
            continue
        value = _decode_value(spec, element.value)
        if value is None:
            empty.add(spec.keyword)
            if spec.keyword in required:
                problems.append(f"{where} {tag_text(spec.tag)} is empty (Type {spec.type})")
            continue
        if spec.keyword in fixed:
            # typed value by value (a tuple of the VM's length): the values read must fill it
            values = value if isinstance(value, list) else [value]
            if len(values) != fixed[spec.keyword]:
                problems.append(
                    f"{where} {tag_text(spec.tag)} has {len(values)} value(s); "
                    f"its VM is {fixed[spec.keyword]}"
                )
                continue
            value = tuple(values)
        arguments[spec.keyword] = value
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name not in arguments and field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            arguments[field.name] = None  # a Type 2 attribute absent (a required one is in ``problems``)
    extra = Dataset()
    for element in dataset.elements():
        if element.tag not in declared:
            extra[element.tag] = element
    if extra and "extra_elements" in {f.name for f in dataclasses.fields(cls)}:  # type: ignore[arg-type]
        arguments["extra_elements"] = extra
    if problems:
        return None
    try:
        instance = cls(**arguments)
    except DicomTypeError as exc:
        text = str(exc)
        shown = text if len(text) <= 300 else text[:300] + "..."
        problems.append(f"{path}: {shown}" if path else shown)  # the text names the class: "RTDose.NumberOfFrames: ..."
        return None
    state = _state(instance)
    state.read = read
    state.empty = empty
    state.meta = dataset.file_meta
    state.read_problems = dataset.read_problems
    state.from_data_set = True
    return instance


D = TypeVar("D", bound=Dataset)


@overload
def read(path: str | Path, *, strict: bool = True) -> DicomObject | Dataset: ...
@overload
def read(path: str | Path, cls: type[T]) -> T: ...
@overload
def read(path: str | Path, cls: type[D]) -> D: ...
def read(
    path: str | Path, cls: type[DicomObject] | type[Dataset] | None = None, *, strict: bool = True
) -> DicomObject | Dataset:
    """The typed IOD instance of a file, chosen by its SOP Class UID; a Dataset if none is generated.

    A file that cannot be an instance whose annotations hold (a Type 1 attribute absent
    or empty, a value of another type) raises :class:`NonConformantError` naming the
    file and each attribute; with ``strict=False`` its data set is returned instead
    (every element kept, written back by :func:`write` as read).

    ``read(path, CTImage)`` returns a ``CTImage`` (so typed for mypy and IDEs), or raises
    one :class:`DicomTypeError` naming the SOP Class the file has and the class asked
    for (:class:`NonConformantError` as above for a CT image that cannot be one).
    ``read(path, Dataset)`` returns the data set of any SOP class, untyped by IOD.
    """
    dataset = read_file(path).dataset
    if cls is None:
        try:
            return typed_dataset(dataset, source=str(path))
        except NonConformantError:
            if strict:
                raise
            return dataset
    if issubclass(cls, Dataset):
        if not isinstance(dataset, cls):
            raise DicomTypeError(f"{path}: read gives a {type(dataset).__name__}, not a {cls.__name__}")
        return dataset
    _check_read_class(cls, dataset, path)
    return from_dataset(cls, dataset, source=str(path))


def _check_read_class(cls: type[DicomObject], dataset: Dataset, path: str | Path) -> None:
    """Refuse, naming both, a file whose SOP Class UID is not one of ``cls``'s."""
    from dicom_model import sop_classes  # the generated table of SOP classes

    uid = dataset.value(0x00080016)
    if isinstance(uid, str) and uid and sop_classes.iod_class_for(uid) is cls:
        return
    own = sop_classes.sop_class_of(cls)
    asked = f"{cls.__name__} ({own.name}, {own.uid})" if own is not None else cls.__name__
    if not isinstance(uid, str) or not uid:
        raise DicomTypeError(f"{path}: the data set has no SOP Class UID (0008,0016); asked for {asked}")
    known = sop_classes.sop_class(uid)
    found = f"{known.name} ({uid})" if known is not None else uid
    raise DicomTypeError(f"{path}: the SOP Class is {found}, not that of the class asked for, {asked}")


def typed_dataset(dataset: Dataset, *, source: str = "") -> DicomObject | Dataset:
    """The typed IOD instance of a data set, chosen by its SOP Class UID; the data set if none is generated."""
    uid = dataset.value(0x00080016)
    if isinstance(uid, str):
        from dicom_model import sop_classes  # the generated table of SOP classes

        iod = sop_classes.iod_class_for(uid)
        if iod is not None:
            return from_dataset(iod, dataset, source=source)
    return dataset


def write(
    obj: DicomObject | Dataset,
    path: str | Path,
    *,
    transfer_syntax: str | None = None,
    validate: bool = True,
) -> None:
    """Write a typed instance (validated first) or a data set, atomically.

    ``transfer_syntax``: by default the one the instance or data set was read in
    (its File Meta Information says which), else Explicit VR Little Endian. The meta
    elements read that stay true (Source AE Title, ...) are written again.

    With ``validate=True`` an instance with any error finding (Type 1, Type 2,
    compiled condition, enumerated value, VR, VM) is refused with
    :class:`ValidationFailed`; ``validate=False`` writes it anyway. A plain
    :class:`Dataset` has no IOD to validate against: only the values of
    :func:`dataset_problems` (the form and length of AE, AS, CS, DA, DS, DT, IS, TM, UI
    and UR values set or changed since read) are checked, the same way.
    """
    if isinstance(obj, Dataset):
        if validate:
            problems = dataset_problems(obj)
            if problems:
                raise ValidationFailed(problems, str(path))
        write_file(path, obj, transfer_syntax or _syntax_of(obj.file_meta))
        return
    if validate:
        errors = obj.errors()
        if errors:
            raise ValidationFailed(errors, str(path))
    try:
        dataset = to_dataset(obj)
    except DicomEncodeError as exc:
        raise DicomEncodeError(f"{path}: {exc}") from exc
    syntax = transfer_syntax or _syntax_of(dataset.file_meta)
    try:
        _encapsulate(dataset, syntax)
    except DicomDecodeError as exc:
        raise DicomDecodeError(
            f"{exc.reason}: PixelData does not hold the items of encapsulated Pixel Data (PS3.5 A.4); native pixels "
            f"are encoded by pixels.encode(image, {syntax!r})",
            offset=exc.offset,
            path=exc.path,
            source=str(path),
        ) from None
    write_file(path, dataset, syntax)


def dataset_problems(dataset: Dataset, path: str = "") -> list[Finding]:
    """The values of a plain data set (no generated class: no Type, VM or condition known)
    that :func:`write` refuses: text of AE, AS, CS, DA, DS, DT, IS, TM, UI and UR not of its
    VR's form or longer than the VR allows (PS3.5 Table 6.2-1; a backslash separates values,
    but in UR), in the elements set or changed since they were read, items of sequences
    included. A value read and not changed is not judged: it is written back as it was read,
    conformant or not. Other VRs (names, texts, numbers, bytes) are not checked."""
    from . import vr_format
    from .codec import DEFAULT_REPERTOIRE  # the VRs whose text has a form PS3.5 Table 6.2-1 fixes
    from .value_checks import _MAX_LENGTH
    from .writer import _unchanged

    findings: list[Finding] = []
    elements = dataset._elements
    for tag in sorted(elements):
        element = elements[tag]
        if isinstance(element, tuple) or not element.decoded:
            continue  # read and never asked for: unchanged
        name = element.keyword or tag_text(tag)
        where = f"{path}.{name}" if path else name
        value = element.value
        if element.vr == "SQ":
            for index, item in enumerate(value if isinstance(value, list) else []):
                if isinstance(item, Dataset):
                    findings.extend(dataset_problems(item, f"{where}[{index}]"))
            continue
        if element.vr not in DEFAULT_REPERTOIRE:
            continue
        if element.raw is not None and _unchanged(element, "ascii"):
            continue  # read and not changed, as the writer tells (these VRs decode alike in any character set)
        for text in value if isinstance(value, list) else [value]:
            if not isinstance(text, str):
                continue
            for part in [text] if element.vr == "UR" else text.split("\\"):
                wrong = vr_format.problem(element.vr, part)
                if wrong is not None:
                    findings.append(Finding(where, "vr-format", wrong, "PS3.5 Table 6.2-1"))
                # the forms of AS, DA, DT and TM bound their lengths (DA's ACR-NEMA YYYY.MM.DD too)
                limit = _MAX_LENGTH.get(element.vr)
                kept = part.rstrip("\0" if element.vr == "UI" else " ")
                if limit is not None and element.vr not in ("AS", "DA", "DT", "TM") and len(kept) > limit:
                    shown = kept if len(kept) <= 40 else kept[:37] + "..."
                    message = f"{shown!r} has {len(kept)} characters; VR {element.vr} allows {limit}"
                    findings.append(Finding(where, "vr-length", message, "PS3.5 Table 6.2-1"))
    return findings


def _encapsulate(dataset: Dataset, transfer_syntax: str) -> None:
    """In an encapsulated transfer syntax, Pixel Data given as bytes is its value field:
    the items of PS3.5 A.4 (as a typed instance holds it); DicomDecodeError if it is not."""
    element = dataset.get(0x7FE00010)
    if element is not None and isinstance(element.value, bytes) and element.value and is_encapsulated(transfer_syntax):
        pixels = EncapsulatedPixelData.decode(element.value, source="PixelData")
        dataset[0x7FE00010] = DataElement(0x7FE00010, "OB", pixels, undefined_length=True)


def _syntax_of(meta: Dataset | None) -> str:
    syntax = meta.value(0x00020010) if meta is not None else None
    return syntax if isinstance(syntax, str) and syntax else EXPLICIT_VR_LITTLE_ENDIAN
