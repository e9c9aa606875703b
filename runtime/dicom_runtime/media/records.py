"""Directory records (PS3.3 Annex F, the Basic Directory IOD): the record types, the keys
each one carries, and the typed tree a DICOMDIR is read into.

The keys of each record type are PS3.3 Annex F's (Tables F.5-x; PS3.3 is an excerpt in
this project's mirror, so they are taken as facts from what dciodvfy checks, and what
dcmtk's ``dcmgpdir`` and pydicom's ``FileSet`` write): Type 1 keys must be present and
not empty in the instance a record is made from, Type 2 keys are written empty when the
instance lacks them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..dataset import Dataset, Value
from ..dictionary import lookup

# Tags of the Basic Directory IOD (PS3.3 F.3), by keyword
FILESET_ID = 0x00041130
FILESET_DESCRIPTOR_FILE_ID = 0x00041141
FILESET_DESCRIPTOR_CHARSET = 0x00041142
FIRST_ROOT_RECORD = 0x00041200
LAST_ROOT_RECORD = 0x00041202
FILESET_CONSISTENCY = 0x00041212
DIRECTORY_RECORD_SEQUENCE = 0x00041220
NEXT_RECORD = 0x00041400
RECORD_IN_USE = 0x00041410
LOWER_LEVEL = 0x00041420
RECORD_TYPE = 0x00041430
PRIVATE_RECORD_UID = 0x00041432
REFERENCED_FILE_ID = 0x00041500
REFERENCED_SOP_CLASS = 0x00041510
REFERENCED_SOP_INSTANCE = 0x00041511
REFERENCED_TRANSFER_SYNTAX = 0x00041512
SPECIFIC_CHARACTER_SET = 0x00080005
#: The Media Storage Directory Storage SOP Class (PS3.4 Annex I).
MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"
#: The elements that link records and say their type: kept by the writer, not in ``keys``.
LINK_TAGS = frozenset({NEXT_RECORD, RECORD_IN_USE, LOWER_LEVEL, RECORD_TYPE})
#: The elements of a record that reference its file.
REFERENCE_TAGS = frozenset({REFERENCED_FILE_ID, REFERENCED_SOP_CLASS, REFERENCED_SOP_INSTANCE, REFERENCED_TRANSFER_SYNTAX})

_CONTENT = [("ContentDate", 1), ("ContentTime", 1), ("InstanceNumber", 1), ("ContentLabel", 1),
            ("ContentDescription", 2), ("ContentCreatorName", 2)]
#: Each record type's keys: (keyword, type).
RECORD_KEYS: dict[str, list[tuple[str, int]]] = {
    "PATIENT": [("PatientName", 2), ("PatientID", 1)],
    "STUDY": [("StudyDate", 1), ("StudyTime", 1), ("AccessionNumber", 2), ("StudyDescription", 2),
              ("StudyInstanceUID", 1), ("StudyID", 1)],
    "SERIES": [("Modality", 1), ("SeriesInstanceUID", 1), ("SeriesNumber", 1)],
    "IMAGE": [("InstanceNumber", 1)],
    "RT DOSE": [("InstanceNumber", 1), ("DoseSummationType", 1)],
    "RT STRUCTURE SET": [("InstanceNumber", 1), ("StructureSetLabel", 1), ("StructureSetDate", 2),
                         ("StructureSetTime", 2)],
    "RT PLAN": [("InstanceNumber", 1), ("RTPlanLabel", 1), ("RTPlanDate", 2), ("RTPlanTime", 2)],
    "RT TREAT RECORD": [("InstanceNumber", 1), ("TreatmentDate", 2), ("TreatmentTime", 2)],
    "PRESENTATION": [("PresentationCreationDate", 1), ("PresentationCreationTime", 1), ("InstanceNumber", 1),
                     ("ContentLabel", 1), ("ContentDescription", 2), ("ContentCreatorName", 2),
                     ("ReferencedSeriesSequence", 3)],
    "WAVEFORM": [("InstanceNumber", 1), ("ContentDate", 1), ("ContentTime", 1)],
    "SR DOCUMENT": [("InstanceNumber", 1), ("CompletionFlag", 1), ("VerificationFlag", 1), ("ContentDate", 1),
                    ("ContentTime", 1), ("ConceptNameCodeSequence", 1)],
    "KEY OBJECT DOC": [("InstanceNumber", 1), ("ContentDate", 1), ("ContentTime", 1), ("ConceptNameCodeSequence", 1)],
    "SPECTROSCOPY": [("ImageType", 1), ("ContentDate", 1), ("ContentTime", 1), ("InstanceNumber", 1),
                     ("NumberOfFrames", 1), ("Rows", 1), ("Columns", 1), ("DataPointRows", 1),
                     ("DataPointColumns", 1)],
    "RAW DATA": [("ContentDate", 1), ("ContentTime", 1), ("InstanceNumber", 2)],
    "REGISTRATION": _CONTENT,
    "FIDUCIAL": _CONTENT,
    "VALUE MAP": _CONTENT,
    "SURFACE": _CONTENT,
    "ENCAP DOC": [("ContentDate", 2), ("ContentTime", 2), ("InstanceNumber", 1), ("DocumentTitle", 2),
                  ("ConceptNameCodeSequence", 2), ("MIMETypeOfEncapsulatedDocument", 1)],
    "STEREOMETRIC": [],
}
#: Every Directory Record Type of PS3.3 F.5 (the retired ones included).
RECORD_TYPES = frozenset(
    {"PATIENT", "STUDY", "SERIES", "IMAGE", "PRIVATE", "TOPIC", "VISIT", "RESULTS", "INTERPRETATION",
     "STUDY COMPONENT", "STORED PRINT", "OVERLAY", "MODALITY LUT", "VOI LUT", "CURVE", "MRDR",
     "HL7 STRUC DOC", "HANGING PROTOCOL", "PALETTE", "IMPLANT", "IMPLANT ASSY", "IMPLANT GROUP",
     "MEASUREMENT", "PLAN", "SURFACE SCAN", "TRACT", "ASSESSMENT", "RADIOTHERAPY", "ANNOTATION", "INVENTORY"}
    | set(RECORD_KEYS)
)
#: The record types above the instances, from the top.
HIERARCHY = ("PATIENT", "STUDY", "SERIES")

_RT = "1.2.840.10008.5.1.4.1.1.481."
_SR = "1.2.840.10008.5.1.4.1.1.88."
#: SOP classes whose instances get a record type other than IMAGE (PS3.3 F.5).
SOP_CLASS_RECORD_TYPES: dict[str, str] = {
    _RT + "2": "RT DOSE",
    _RT + "3": "RT STRUCTURE SET",
    _RT + "5": "RT PLAN",
    _RT + "8": "RT PLAN",  # RT Ion Plan
    **{_RT + n: "RT TREAT RECORD" for n in ("4", "6", "7", "9")},
    **{f"1.2.840.10008.5.1.4.1.1.11.{n}": "PRESENTATION" for n in range(1, 13)},
    **{_SR + n: "SR DOCUMENT" for n in ("11", "22", "33", "34", "35", "40", "50", "65", "67", "68", "69", "70",
                                        "71", "72", "73", "74", "75", "76")},
    _SR + "59": "KEY OBJECT DOC",
    "1.2.840.10008.5.1.4.1.1.4.2": "SPECTROSCOPY",
    "1.2.840.10008.5.1.4.1.1.66": "RAW DATA",
    "1.2.840.10008.5.1.4.1.1.66.1": "REGISTRATION",
    "1.2.840.10008.5.1.4.1.1.66.3": "REGISTRATION",
    "1.2.840.10008.5.1.4.1.1.66.2": "FIDUCIAL",
    "1.2.840.10008.5.1.4.1.1.66.5": "SURFACE",
    "1.2.840.10008.5.1.4.1.1.67": "VALUE MAP",
    "1.2.840.10008.5.1.4.1.1.77.1.5.3": "STEREOMETRIC",
    **{f"1.2.840.10008.5.1.4.1.1.104.{n}": "ENCAP DOC" for n in range(1, 6)},
    **{f"1.2.840.10008.5.1.4.1.1.9.{a}.{b}": "WAVEFORM" for a in range(1, 9) for b in range(1, 5)},
}
_PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)


def record_type_for(sop_class: str, dataset: Dataset) -> str | None:
    """The record type of an instance: by its SOP class, else IMAGE when it has pixel data or
    its SOP class is one of PS3.4's Image Storage classes (with or without Pixel Data, as
    dcmmkdir makes them); None when none of these says (no record type is known for it)."""
    known = SOP_CLASS_RECORD_TYPES.get(sop_class)
    if known is not None:
        return known
    if any(tag in dataset for tag in _PIXEL_TAGS) or 0x00280010 in dataset:
        return "IMAGE"
    from dicom_model.sop_classes import sop_class as listed  # the generated PS3.4 table, only here

    found = listed(sop_class)
    if found is not None and found.service_class == "Storage Service Class" and " Image Storage" in found.name:
        return "IMAGE"
    return None


def tag_of(keyword: str) -> int:
    return lookup(keyword).tag


def _text(value: Value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "\\".join(str(v) for v in value)
    return str(value)


@dataclass(eq=False)
class DirectoryRecord:
    """One directory record: its type, its keys (every element of the record but the
    link and type elements), its lower-level records in order, and where it was read."""

    record_type: str
    keys: Dataset = field(default_factory=Dataset)
    children: list[DirectoryRecord] = field(default_factory=list)
    parent: DirectoryRecord | None = field(default=None, repr=False)
    #: The record's byte offset in the DICOMDIR it was read from (None: not read, or since moved).
    offset: int | None = None

    def value(self, keyword_or_tag: str | int) -> Value:
        """A key's value (None if absent or empty)."""
        return self.keys.value(keyword_or_tag if isinstance(keyword_or_tag, int) else tag_of(keyword_or_tag))

    def text(self, keyword_or_tag: str | int) -> str | None:
        """A key's value as text (several values joined by backslashes)."""
        return _text(self.value(keyword_or_tag))

    @property
    def file_id(self) -> tuple[str, ...] | None:
        """The Referenced File ID's components, or None."""
        value = self.keys.value(REFERENCED_FILE_ID)
        if value is None or value == "":
            return None
        return tuple(str(v) for v in value) if isinstance(value, list) else tuple(str(value).split("\\"))

    @property
    def sop_class_uid(self) -> str | None:
        return self.text(REFERENCED_SOP_CLASS)

    @property
    def sop_instance_uid(self) -> str | None:
        return self.text(REFERENCED_SOP_INSTANCE)

    @property
    def transfer_syntax_uid(self) -> str | None:
        return self.text(REFERENCED_TRANSFER_SYNTAX)

    def walk(self) -> Iterator[DirectoryRecord]:
        """This record and every record below it, depth first in order."""
        stack = [self]
        while stack:
            record = stack.pop()
            yield record
            stack.extend(reversed(record.children))

    def matches(self, keys: dict[str, str]) -> bool:
        """Whether each key (keyword: text) has that value here."""
        return all(self.text(keyword) == wanted for keyword, wanted in keys.items())

    def label(self) -> str:
        """One line for a tree listing."""
        shown = {
            "PATIENT": ("PatientID", "PatientName"),
            "STUDY": ("StudyInstanceUID", "StudyDate", "StudyDescription"),
            "SERIES": ("SeriesInstanceUID", "Modality", "SeriesNumber"),
        }.get(self.record_type, ("InstanceNumber",))
        parts = [f"{k}={self.text(k)}" for k in shown if self.text(k)]
        if self.file_id is not None:
            parts.append("file " + "\\".join(self.file_id))
        return f"{self.record_type} " + " ".join(parts)


class PatientRecord(DirectoryRecord):
    """A PATIENT record."""

    @property
    def patient_id(self) -> str | None:
        return self.text("PatientID")

    @property
    def patient_name(self) -> str | None:
        return self.text("PatientName")


class StudyRecord(DirectoryRecord):
    """A STUDY record."""

    @property
    def study_instance_uid(self) -> str | None:
        return self.text("StudyInstanceUID")


class SeriesRecord(DirectoryRecord):
    """A SERIES record."""

    @property
    def series_instance_uid(self) -> str | None:
        return self.text("SeriesInstanceUID")

    @property
    def modality(self) -> str | None:
        return self.text("Modality")


class InstanceRecord(DirectoryRecord):
    """A record of an instance (IMAGE, RT DOSE, SR DOCUMENT, ...), referencing its file."""


_CLASSES: dict[str, type[DirectoryRecord]] = {"PATIENT": PatientRecord, "STUDY": StudyRecord, "SERIES": SeriesRecord}


def make_record(record_type: str, keys: Dataset, *, offset: int | None = None) -> DirectoryRecord:
    """A record of the class its type has (InstanceRecord for one that references a file)."""
    cls = _CLASSES.get(record_type)
    if cls is None:
        cls = InstanceRecord if REFERENCED_FILE_ID in keys or record_type in RECORD_KEYS else DirectoryRecord
    return cls(record_type, keys, offset=offset)
