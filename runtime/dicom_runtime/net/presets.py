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


def storage_sop_classes(*, retired: bool = False) -> tuple[str, ...]:
    """The Storage SOP classes of PS3.6 Table A-1 (names ending in "Storage")."""
    return tuple(
        sorted(
            entry.uid
            for entry in all_uids().values()
            if entry.type == "SOP Class" and entry.name.endswith("Storage") and (retired or not entry.retired)
        )
    )


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
