"""Access to a :class:`~dicom_runtime.dataset.Dataset`'s elements by dictionary keyword.

``dataset.PatientName`` is the element's value as the generated classes have it,
by the VR read and the dictionary's VM: PN a :class:`PersonName`, DS a ``float``, IS an
``int``, DA/TM/DT a ``datetime`` value where complete (else the text), a sequence a
list of data sets, and a list whenever the dictionary's VM allows more than one value
(``ImageType`` is ``["ORIGINAL", "PRIMARY"]``, ``["ORIGINAL"]`` with one value); an
element absent or empty is ``None``. These are what the annotations of
``dicom_model.dataset.Dataset`` (generated from PS3.6) say. A value the annotation
cannot describe (DS text that is not a number, two values of a VM 1 attribute) raises
:class:`DicomTypeError` naming the element; ``dataset["RescaleSlope"].value`` gives it as read.

Setting converts a Python value to an element of the dictionary's VR (``None`` makes
it present and empty); a value of a type the VR does not take is refused with
:class:`DicomTypeError`. A name that is no keyword of the dictionary is an
``AttributeError``, on reading and on setting alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .dictionary import DictionaryEntry, get_entry
from .errors import DicomEncodeError, DicomTypeError

if TYPE_CHECKING:
    from .dataset import Dataset
    from .objects import AttributeSpec


def keyword_entry(name: str) -> DictionaryEntry | None:
    """The dictionary entry of a keyword; None for names that are not one (``_x``, ``foo``;
    keywords are letters and digits: ``dBdt`` is one)."""
    if not name[:1].isalpha():
        return None
    return get_entry(name)


def _spec(entry: DictionaryEntry, vr: str) -> AttributeSpec:
    from .objects import AttributeSpec

    return AttributeSpec(entry.keyword, entry.tag, vr, entry.vm, "3", (), entry.source)


def multiple(entry: DictionaryEntry) -> bool:
    """Whether the attribute is typed as a list of values: a VM other than 1 whose values
    are not all bytes (as the generator types the fields of IOD classes)."""
    bulk = {"OB", "OW", "OD", "OF", "OL", "OV", "UN"}
    return entry.vm not in ("1", "") and not all(vr in bulk for vr in entry.vrs)


def get_value(dataset: Dataset, entry: DictionaryEntry) -> Any:
    """The value of ``entry``'s element (see the module's docstring); None when absent or empty."""
    from .typed import _decode_value

    element = dataset.get(entry.tag)
    if element is None:
        return None
    where = f"{entry.keyword} {entry.tag_text}"
    if element.vr == "SQ":
        return list(element.value) if isinstance(element.value, list) and element.value else None
    value = _decode_value(_spec(entry, element.vr), element.value)
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    if element.vr in ("DS", "IS"):
        for item in values:
            if isinstance(item, str):
                raise DicomTypeError(
                    f"{where}: {item!r} is not a number of VR {element.vr}; dataset[{entry.keyword!r}].value gives the text"
                )
    if multiple(entry):
        return values
    if isinstance(value, list):
        raise DicomTypeError(
            f"{where}: {len(value)} values, VM is {entry.vm}; dataset[{entry.keyword!r}].value gives them as read"
        )
    return value


def set_value(dataset: Dataset, entry: DictionaryEntry, value: object) -> None:
    """Store ``value`` as the element of ``entry``, of the dictionary's VR."""
    from .dataset import DataElement, Dataset as _Dataset
    from .value_checks import _type_problem
    from .typed import _encode_value, _vr_for

    if not entry.vrs:
        raise DicomTypeError(f"{entry.keyword} {entry.tag_text} has no VR in the dictionary: not a data set attribute")
    tag = entry.tag
    if entry.vr == "SQ":
        if value is None:
            dataset[tag] = DataElement(tag, "SQ", [])
            return
        if not isinstance(value, list):
            raise DicomTypeError(f"{entry.keyword} {entry.tag_text}: a sequence takes a list of data sets, not {type(value).__name__}")
        wrong = next(((i, item) for i, item in enumerate(value) if not isinstance(item, _Dataset)), None)
        if wrong is not None:
            raise DicomTypeError(
                f"{entry.keyword} {entry.tag_text}: a sequence takes a list of data sets; item {wrong[0]} is a {type(wrong[1]).__name__}"
            )
        dataset[tag] = DataElement(tag, "SQ", list(value))
        return
    spec = _spec(entry, " or ".join(entry.vrs))
    vr = _vr_for(spec, dataset)
    if value is None:
        dataset[tag] = DataElement(tag, vr, None)
        return
    if isinstance(value, tuple):
        value = list(value)
    problem = _type_problem(spec, value)
    if problem:
        raise DicomTypeError(f"{entry.keyword} {entry.tag_text}: {problem}")
    try:
        encoded = _encode_value(spec, value, vr)
    except DicomEncodeError as exc:  # a NaN DS, a Decimal of too many digits: named as a type error is
        raise DicomEncodeError(f"{entry.keyword} {entry.tag_text}: {exc}") from None
    dataset[tag] = DataElement(tag, vr, encoded)
