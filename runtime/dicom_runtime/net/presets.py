"""SOP classes and transfer syntaxes an SCP usually accepts, from the generated dictionary."""

from __future__ import annotations

from ..dictionary import all_uids
from ..fileformat import EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN
from .messages import VERIFICATION

QUERY_RETRIEVE = (
    "1.2.840.10008.5.1.4.1.2.1.1",  # Patient Root - FIND
    "1.2.840.10008.5.1.4.1.2.1.2",  # Patient Root - MOVE
    "1.2.840.10008.5.1.4.1.2.1.3",  # Patient Root - GET
    "1.2.840.10008.5.1.4.1.2.2.1",  # Study Root - FIND
    "1.2.840.10008.5.1.4.1.2.2.2",  # Study Root - MOVE
    "1.2.840.10008.5.1.4.1.2.2.3",  # Study Root - GET
)


#: The Media Storage Directory Storage SOP Class (a DICOMDIR's): not an instance an SCP stores.
MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"

#: The PS3.4 service classes whose SOP classes a storage SCP receives by C-STORE.
STORAGE_SERVICE_CLASSES = ("Storage Service Class", "Non-Patient Object Storage Service Class")


def storage_sop_classes(*, retired: bool = False, ps6_names_only: bool = False) -> tuple[str, ...]:
    """The Storage SOP classes: those of PS3.4's Storage and Non-Patient Object Storage
    Service Classes (C-STORE), and those PS3.6 Table A-1 names "... Storage" (an edition of
    PS3.6 may be older or newer than the PS3.4), without the DICOMDIR's. The PS3.4 names of
    many do not end in "Storage" ("Digital X-Ray Image Storage - For Presentation",
    "Grayscale Softcopy Presentation State Storage SOP Class"). ``ps6_names_only``: only
    the PS3.6 ones named "... Storage"."""
    from dicom_model import sop_classes  # generated PS3.4 constants (not an IOD class)

    found = {
        entry.uid
        for entry in all_uids().values()
        if entry.type == "SOP Class" and entry.name.endswith("Storage") and (retired or not entry.retired)
    }
    found |= set() if ps6_names_only else {
        str(sop)
        for sop in sop_classes.ALL
        if sop.service_class in STORAGE_SERVICE_CLASSES and "C-STORE" in sop.dimse and (retired or not sop.retired)
    }
    found.discard(MEDIA_STORAGE_DIRECTORY)
    return tuple(sorted(found))


def storage_transfer_syntaxes() -> tuple[str, ...]:
    """Every transfer syntax of the edition: Explicit and Implicit VR Little Endian
    first, then the others (a storage SCP keeps the bytes as received)."""
    first = (EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN)
    rest = sorted(
        entry.uid
        for entry in all_uids().values()
        if entry.type == "Transfer Syntax" and entry.uid not in first and entry.uid != EXPLICIT_VR_BIG_ENDIAN
    )
    return first + tuple(rest) + (EXPLICIT_VR_BIG_ENDIAN,)


def archive_contexts() -> dict[str, tuple[str, ...]]:
    """Verification, every non-retired storage SOP class and Patient/Study Root Q/R."""
    native: tuple[str, ...] = (EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN)
    contexts: dict[str, tuple[str, ...]] = {VERIFICATION: native}
    contexts.update({uid: storage_transfer_syntaxes() for uid in storage_sop_classes()})
    contexts.update({uid: native for uid in QUERY_RETRIEVE})
    return contexts
