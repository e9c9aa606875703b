"""The Conformance Statement's media part (PS3.2 Annex A, A.1's Media Services table and
A.5 Media Interchange) for AEs whose storage folder is kept as a File-set."""

from __future__ import annotations

from collections.abc import Sequence

from ..fileformat import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME
from .records import RECORD_KEYS

MEDIA_TABLE_HEADER = ("Media Storage Application Profile", "Write Files (FSC or FSU)", "Read Files (FSR)")


def media_rows(titles: Sequence[str]) -> tuple[tuple[str, str, str], ...]:
    """The rows of A.1's Media Services table."""
    if not titles:
        return (("None", "No", "No"),)
    return (("File-set of the storage folder (no PS3.11 profile claimed: files keep their received transfer syntax)", "Yes (FSC, FSU)", "No"),)


def overview_sentence(titles: Sequence[str]) -> str:
    if not titles:
        return "It does not support media interchange."
    return f"{', '.join(titles)} keep{'s' if len(titles) == 1 else ''} its storage folder as a DICOM File-set with a DICOMDIR (FSC and FSU)."


def media_sections(titles: Sequence[str]) -> list[tuple[str, str, str]]:
    """A.5's sections as (number, name, text)."""
    names = ", ".join(titles)
    types = ", ".join(sorted(set(RECORD_KEYS) - {"PATIENT", "STUDY", "SERIES"}))
    return [
        ("A.5", "Media Interchange",
         f"{names}: the storage folder is kept as a File-set (PS3.10 Section 8), with a DICOMDIR (Basic Directory "
         "IOD) at the folder's root. No removable media are written: the DICOMDIR and the DICOM folder beneath it can be copied to them (the folder also holds what is not part of the File-set: the SCP's .dicom-net journal and query index, and each instance by its SOP Instance UID, <UID>.dcm, hard links to the same files)."),
        ("A.5.1", "Implementation Model", "One File-set per storage folder; the AE is its File-set Creator and Updater."),
        ("A.5.1.1", "Application Data Flow Diagram",
         "Instances received by C-STORE are written to the folder as <SOP Instance UID>.dcm; before each "
         "association's A-RELEASE-RP, once their files are written, the DICOMDIR is updated: new instances are "
         "added, instances whose files are gone are removed."),
        ("A.5.1.2", "Functional Definitions of AEs",
         "FSC: creates the DICOMDIR when the folder has none. FSU: adds and removes directory records, rewriting "
         "the DICOMDIR atomically (temporary file, fsync, rename). FSR: not offered by the AE."),
        ("A.5.1.3", "Sequencing of Real World Activities",
         "An instance is in the DICOMDIR from the release of the association that stored it (from the next release of any association where that one was aborted). An instance lacking a Type 1 key of its record stays stored, out of the DICOMDIR, and the SCP logs it."),
        ("A.5.1.4", "File Meta Information for Implementation Class and Version",
         f"Implementation Class UID {IMPLEMENTATION_CLASS_UID}, Implementation Version Name {IMPLEMENTATION_VERSION_NAME}."),
        ("A.5.2", "AE Specifications",
         f"{names}: roles FSC and FSU of the Media Storage Directory SOP Class (1.2.840.10008.1.3.10). Directory "
         f"records: PATIENT, STUDY, SERIES, and per instance IMAGE or, by SOP class, {types}, with the keys "
         "PS3.3 Annex F requires; an instance lacking a Type 1 key of its records is stored but left out of the "
         "DICOMDIR. No PS3.11 Application Profile is claimed: files keep the transfer syntax they were received in."),
        ("A.5.3", "Augmented and Private Application Profiles", "None."),
        ("A.5.3.1", "Augmented Application Profiles", "None."),
        ("A.5.3.2", "Private Application Profiles", "None."),
        ("A.5.4", "Media Configuration",
         "File IDs are DICOM\\Sxxxxxxx\\Rxxxxxxx\\Ixxxxxxx (a folder per study and per series), each a hard link "
         "to the stored <SOP Instance UID>.dcm file (a copy where the file system cannot link)."),
    ]
