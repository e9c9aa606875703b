"""What an association reports: the events :class:`~.association.Connection` hands its adapter,
the presentation contexts both sides agreed on, and the PS3.8 words for an A-ASSOCIATE-RJ's and an
A-ABORT's reasons. Split from :mod:`.association` (which re-exports every name) so that the
state machine's actions (:mod:`.actions`) can make these events without importing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .dimse import Message
from .pdu import AssociateAC, AssociateRJ, AssociateRQ

#: A-ASSOCIATE-RJ reasons (PS3.8 Table 9-21), by (source, reason).
REJECT_REASONS: Mapping[tuple[int, int], str] = {
    (1, 1): "no-reason-given",
    (1, 2): "application-context-name-not-supported",
    (1, 3): "calling-AE-title-not-recognized",
    (1, 7): "called-AE-title-not-recognized",
    (2, 1): "no-reason-given",
    (2, 2): "protocol-version-not-supported",
    (3, 1): "temporary-congestion",
    (3, 2): "local-limit-exceeded",
}
#: A-ASSOCIATE-RJ sources (PS3.8 Table 9-21).
REJECT_SOURCES: Mapping[int, str] = {
    1: "DICOM UL service-user",
    2: "DICOM UL service-provider (ACSE related function)",
    3: "DICOM UL service-provider (Presentation related function)",
}
#: A-ABORT reasons of the service provider (PS3.8 Table 9-26).
ABORT_REASONS: Mapping[int, str] = {
    0: "reason-not-specified",
    1: "unrecognized-PDU",
    2: "unexpected-PDU",
    4: "unrecognized-PDU parameter",
    5: "unexpected-PDU parameter",
    6: "invalid-PDU-parameter value",
}


def describe_reject(reject: AssociateRJ) -> str:
    """``rejected-permanent by DICOM UL service-user: called-AE-title-not-recognized``."""
    result = {1: "rejected-permanent", 2: "rejected-transient"}.get(reject.result, f"result {reject.result}")
    source = REJECT_SOURCES.get(reject.source, f"source {reject.source}")
    reason = REJECT_REASONS.get((reject.source, reject.reason), f"reason {reject.reason}")
    return f"{result} by {source}: {reason}"


def describe_abort(source: int, reason: int) -> str:
    if source == 0:
        return "aborted by the peer (service-user)"
    return f"aborted by the service provider: {ABORT_REASONS.get(reason, f'reason {reason}')}"


# Events handed to the adapter -------------------------------------------------


@dataclass(frozen=True)
class AssociationRequested:
    """An A-ASSOCIATE indication (acceptor): answer with accept() or reject()."""

    request: AssociateRQ


@dataclass(frozen=True)
class AssociationAccepted:
    """An A-ASSOCIATE confirmation (accept), for the requestor."""

    accept: AssociateAC


@dataclass(frozen=True)
class AssociationRejected:
    """An A-ASSOCIATE confirmation (reject), for the requestor."""

    reject: AssociateRJ

    def __str__(self) -> str:
        return describe_reject(self.reject)


@dataclass(frozen=True)
class MessageReceived:
    """A complete DIMSE message."""

    message: Message


@dataclass(frozen=True)
class ReleaseRequested:
    """An A-RELEASE indication: the peer asks to release. Answered by the core, unless
    the connection was made with ``answer_release=False``: then by
    :meth:`Connection.answer_release`."""


@dataclass(frozen=True)
class Released:
    """The association was released in order."""


@dataclass(frozen=True)
class Aborted:
    """An A-ABORT or A-P-ABORT indication, or a local abort; ``reason`` says why."""

    source: int
    reason: int
    detail: str

    def __str__(self) -> str:
        return self.detail


Event = AssociationRequested | AssociationAccepted | AssociationRejected | MessageReceived | ReleaseRequested | Released | Aborted


@dataclass(frozen=True)
class AcceptedContext:
    """A presentation context both sides agreed on."""

    context_id: int
    abstract_syntax: str
    transfer_syntax: str
    scu: bool = True  # the requestor may act as SCU
    scp: bool = False  # the requestor may act as SCP (role selection, e.g. C-GET)
