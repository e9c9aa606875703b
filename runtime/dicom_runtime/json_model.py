"""The DICOM JSON Model (PS3.18 Annex F): a data set to and from JSON-ready values.

Attributes are keyed by their tag as 8 upper-case hex digits, each with its ``vr``
and, unless empty, a ``Value`` array (``InlineBinary`` base64 for the bulk VRs;
for encapsulated Pixel Data, its items as encoded, without the Sequence Delimitation Item).
PN values are objects of Alphabetic, Ideographic and Phonetic groups; DS and IS
values are JSON numbers where they parse as numbers; AT values are tag strings.
"""

from __future__ import annotations

import base64
from typing import Any

from .codec import BYTES_VRS, DEFAULT_REPERTOIRE, NUMBERS
from .dataset import DataElement, Dataset, DeferredValue, EncapsulatedPixelData, Value
from .errors import DicomDecodeError, DicomError

_PN_GROUPS = ("Alphabetic", "Ideographic", "Phonetic")


def _number(text: str, vr: str) -> int | float | str:
    try:
        return int(text) if vr == "IS" else float(text)
    except ValueError:
        return text


def to_json(dataset: Dataset) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for element in dataset.elements():
        key = f"{element.tag:08X}"
        entry: dict[str, Any] = {"vr": element.vr}
        value = element.value
        if isinstance(value, DeferredValue) and element.vr not in BYTES_VRS:
            value = value.decode()  # a deferred number or text: its values, not its bytes
        if element.vr == "SQ" and isinstance(value, list):
            if value:
                entry["Value"] = [to_json(item) for item in value if isinstance(item, Dataset)]
        elif isinstance(value, EncapsulatedPixelData):
            # PS3.18 F.2.7: InlineBinary is the base64 of the Value Field: here its items (Basic
            # Offset Table, fragments) with their item tags and lengths, as encoded (PS3.5 A.4),
            # without the Sequence Delimitation Item that ends the undefined length (as pydicom's
            # to_json_dict gives them and its from_json reads them)
            entry["InlineBinary"] = base64.b64encode(value.encode()[:-8]).decode("ascii")
        elif isinstance(value, (bytes, DeferredValue)):
            raw = value.read() if isinstance(value, DeferredValue) else value
            if raw:
                entry["InlineBinary"] = base64.b64encode(raw).decode("ascii")
        elif value is not None and value != "" and value != []:
            values = value if isinstance(value, list) else [value]
            if element.vr == "PN":
                entry["Value"] = [
                    {group: part for group, part in zip(_PN_GROUPS, str(v).split("=")) if part} for v in values
                ]
            elif element.vr == "AT":
                entry["Value"] = [f"{v:08X}" for v in values if isinstance(v, int)]
            elif element.vr in ("DS", "IS"):
                entry["Value"] = [_number(str(v), element.vr) for v in values]
            else:
                entry["Value"] = list(values)
        result[key] = entry
    return result


def from_json(data: dict[str, Any]) -> Dataset:
    dataset = Dataset()
    for key, entry in data.items():
        try:
            tag = int(key, 16)
            vr = entry["vr"]
        except (ValueError, KeyError, TypeError) as exc:
            raise DicomDecodeError(f"attribute {key!r} is not of the JSON model: {exc!r}", offset=0, path=key) from None
        value = _value(vr, entry, key)
        dataset[tag] = DataElement(tag, vr, value, raw=_as_read(tag, vr, value))
    return dataset


def _as_read(tag: int, vr: str, value: Value) -> bytes | None:
    """The value field of a text value in the default repertoire (AE, AS, CS, DA, DS, DT,
    IS, TM, UI, UR), as if it had been read from a file: a data set from the JSON model is
    one read, in another form (PS3.18 F), so :func:`~dicom_runtime.typed.write` does not
    judge its values (it judges the values set or changed) and writes them as they came,
    conformant or not. None for any other value (encoded when written)."""
    if vr not in DEFAULT_REPERTOIRE or not (isinstance(value, str) or (isinstance(value, list) and value and all(isinstance(v, str) for v in value))):
        return None
    from .reader import EXPLICIT_LE
    from .writer import encode_value

    try:
        return encode_value(DataElement(tag, vr, value), EXPLICIT_LE, "ascii")
    except DicomError:  # not encodable (a character outside the repertoire): judged, and refused, when written
        return None


def _value(vr: str, entry: dict[str, Any], key: str) -> Value:
    if "InlineBinary" in entry:
        return base64.b64decode(entry["InlineBinary"])
    values = entry.get("Value")
    if not values:
        return [] if vr == "SQ" else (b"" if vr in BYTES_VRS else None)
    if vr == "SQ":
        return [from_json(item) for item in values]
    if vr == "PN":
        texts = ["=".join(v.get(g, "") for g in _PN_GROUPS).rstrip("=") for v in values]
        return texts[0] if len(texts) == 1 else texts
    if vr == "AT":
        tags = [int(v, 16) for v in values]
        return tags[0] if len(tags) == 1 else tags
    if vr in NUMBERS:
        numbers = [int(v) if vr not in ("FL", "FD") else float(v) for v in values]
        return numbers[0] if len(numbers) == 1 else numbers
    texts = [_text(v, vr) for v in values]
    return texts[0] if len(texts) == 1 else texts


def _text(value: Any, vr: str) -> str:
    if isinstance(value, float) and vr == "DS" and value.is_integer():
        return str(int(value))
    return str(value)
