"""The directory records an instance's data set makes (PS3.3 F.5): its PATIENT, STUDY and
SERIES records, found in a File-set's tree or made, and the record of its own type, each
with its keys copied from the data set. Split from :mod:`.fileset`, whose FileSet class was
past 300 lines: these hold nothing of a File-set but the tree they are given."""

from __future__ import annotations

import copy

from ..dataset import DataElement, Dataset
from ..dictionary import lookup
from ..tag_text import tag_text
from .errors import MediaError
from .records import (
    RECORD_KEYS,
    SPECIFIC_CHARACTER_SET,
    DirectoryRecord,
    make_record,
    tag_of,
)

PATIENT_ID, STUDY_UID, SERIES_UID = 0x00100020, 0x0020000D, 0x0020000E


def text(dataset: Dataset, tag: int) -> str | None:
    """An element's value as text (several values joined by ``\\``); None when absent or empty."""
    value = dataset.value(tag)
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        return "\\".join(str(v) for v in value)
    return str(value)


def _find(records: list[DirectoryRecord], record_type: str, tag: int, value: str) -> DirectoryRecord | None:
    for record in records:
        if record.record_type == record_type and text(record.keys, tag) == value:
            return record
    return None


_VERIFICATION_FLAG = 0x0040A493
_VERIFICATION_DATETIME = 0x0040A030
_VERIFYING_OBSERVERS = 0x0040A073


def _verification_times(dataset: Dataset) -> list[str]:
    """The Verification DateTime values of an SR instance, as text (top level and the items of
    the Verifying Observer Sequence)."""
    import datetime

    from ..values import datetime_text

    found: list[str] = []
    items = dataset.value(_VERIFYING_OBSERVERS)
    for source in [dataset, *(i for i in (items if isinstance(items, list) else []) if isinstance(i, Dataset))]:
        element = source.get(_VERIFICATION_DATETIME)
        value: object = element.value if element is not None else None
        if isinstance(value, datetime.datetime):
            found.append(datetime_text(value))
        elif isinstance(value, str) and value.strip():
            found.append(value.strip())
    return found


def parent_records(roots: list[DirectoryRecord], dataset: Dataset, name: str) -> list[DirectoryRecord]:
    """The PATIENT, STUDY and SERIES records of an instance: found among ``roots`` and their
    children, or made (not yet attached); MediaError naming ``name`` when a key is missing."""
    patient_id = text(dataset, PATIENT_ID)
    study_uid = text(dataset, STUDY_UID)
    series_uid = text(dataset, SERIES_UID)
    for what, value in (("PatientID", patient_id), ("StudyInstanceUID", study_uid), ("SeriesInstanceUID", series_uid)):
        if value is None:
            raise MediaError(f"cannot be added: no {what}, a Type 1 key of its {what[:-2].upper()} record", path=name)
    assert patient_id is not None and study_uid is not None and series_uid is not None
    patient = _find(roots, "PATIENT", PATIENT_ID, patient_id) or record_of("PATIENT", dataset, name)
    study = _find(patient.children, "STUDY", STUDY_UID, study_uid) or record_of("STUDY", dataset, name)
    series = _find(study.children, "SERIES", SERIES_UID, series_uid) or record_of("SERIES", dataset, name)
    return [patient, study, series]

def record_of(record_type: str, dataset: Dataset, name: str) -> DirectoryRecord:
    """A record of ``record_type`` with its keys from the instance's data set (PS3.3 F.5: a
    Type 1 key missing or empty is a MediaError naming ``name``, a Type 2 one is written empty)."""
    keys = Dataset()
    charset = dataset.get(SPECIFIC_CHARACTER_SET)
    for keyword, key_type in RECORD_KEYS.get(record_type, []):
        tag = tag_of(keyword)
        element = dataset.get(tag)
        if element is None or element.value is None or element.value == "" or element.value == []:
            if key_type == 1:
                raise MediaError(
                    f"cannot be added: {keyword} {tag_text(tag)}, a Type 1 key of its "
                    f"{record_type} record, is {'missing' if element is None else 'empty'}",
                    path=name,
                )
            if key_type == 2:
                vrs = lookup(keyword).vrs
                keys[tag] = DataElement(tag, vrs[0] if vrs else "UN", None)
            continue
        keys[tag] = copy.copy(element)
    if record_type == "SR DOCUMENT" and str(dataset.value(_VERIFICATION_FLAG) or "").strip() == "VERIFIED":
        # Type 1C, required when VERIFIED (PS3.3 F.5): the latest Verification DateTime of the
        # Verifying Observer Sequence's items (or one at the top level)
        found = [v for v in _verification_times(dataset) if v]
        if not found:
            raise MediaError(
                "cannot be added: its Verification Flag is VERIFIED and no Verification DateTime (0040,A030) "
                "is given, a Type 1C key of its SR DOCUMENT record",
                path=name,
            )
        keys[_VERIFICATION_DATETIME] = DataElement(_VERIFICATION_DATETIME, "DT", max(found))
    if charset is not None:
        keys[SPECIFIC_CHARACTER_SET] = charset
    return make_record(record_type, keys)
