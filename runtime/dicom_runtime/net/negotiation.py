"""Association negotiation, the acceptor's side: its answer to an A-ASSOCIATE-RQ (PS3.8 7.1.1, PS3.7 Annex D).

:func:`negotiate` is the acceptor's decision, as a pure function of the request and an
:class:`AcceptorPolicy` (its AE title, the SOP classes and transfer syntaxes it accepts, who may
associate, user identity, the sub-items it answers): an A-ASSOCIATE-AC with the answer to each
presentation context (:func:`context_answers`; one in which none is accepted too, so that the
requestor learns each one's reason) and role selection, or an A-ASSOCIATE-RJ with PS3.8's
reason. The AE title rule of PS3.5 6.2 (:func:`valid_ae_title`) is here too. Split
from :mod:`.association` (the state machine, which re-exports these names), as that was past
600 lines.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..dictionary import uid_info
from ..errors import DicomError
from ..fileformat import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, IMPLICIT_VR_LITTLE_ENDIAN
from .pdu import (
    APPLICATION_CONTEXT,
    AssociateAC,
    AssociateRJ,
    AssociateRQ,
    PresentationContextAC,
    RoleSelection,
    UserIdentity,
    UserInformation,
)

__all__ = [
    "CONTEXT_RESULTS",
    "DEFAULT_MAX_PDU",
    "MIN_PEER_PDU_LENGTH",
    "AcceptorPolicy",
    "AccessRule",
    "Authenticator",
    "check_ae_title",
    "context_answers",
    "describe_contexts",
    "negotiate",
    "pdu_length_problem",
    "rejected_contexts",
    "valid_ae_title",
]

DEFAULT_MAX_PDU = 256 * 1024
"""The maximum PDU length this side announces and accepts by default."""
#: Presentation context results (PS3.8 Table 9-18).
CONTEXT_RESULTS: Mapping[int, str] = {
    0: "acceptance",
    1: "user-rejection",
    2: "no-reason (provider rejection)",
    3: "abstract-syntax-not-supported (provider rejection)",
    4: "transfer-syntaxes-not-supported (provider rejection)",
}


def valid_ae_title(title: str) -> bool:
    """PS3.5 Table 6.2-1 (AE): 1 to 16 characters of the default repertoire, no backslash or
    control characters, not only spaces ("A value consisting solely of spaces shall not be used")."""
    return 0 < len(title) <= 16 and bool(title.strip(" ")) and all(" " <= c <= "~" and c != "\\" for c in title)


def check_ae_title(title: str, name: str) -> str:
    """``title`` if :func:`valid_ae_title`, else :class:`ValueError` naming the argument ``name``."""
    if not isinstance(title, str) or not valid_ae_title(title):
        raise ValueError(
            f"{name} = {title!r}: an AE title has 1 to 16 characters of the default repertoire, "
            "not only spaces, no backslash or control characters (PS3.5 6.2)"
        )
    return title


@dataclass(frozen=True)
class AccessRule:
    """A calling AE title allowed to associate, from the listed networks (empty: any)."""

    calling_ae: str
    networks: tuple[str, ...] = ()

    def allows(self, calling_ae: str, address: str) -> bool:
        if calling_ae != self.calling_ae and self.calling_ae != "*":
            return False
        if not self.networks:
            return True
        try:
            host = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(host in ipaddress.ip_network(n, strict=False) for n in self.networks)


Authenticator = Callable[[UserIdentity, str], "bytes | bool"]
"""(identity, peer address) -> False to reject, True to accept, or bytes: accept with
this server response (PS3.7 D.3.3.7.2)."""


@dataclass(frozen=True)
class AcceptorPolicy:
    """What an acceptor accepts: its AE title, SOP classes with transfer syntaxes in
    order of preference, and the limits and checks of PS3.15-style security."""

    ae_title: str
    supported: Mapping[str, tuple[str, ...]]
    check_called_ae: bool = True
    access: tuple[AccessRule, ...] = ()  # empty: everyone
    authenticator: Authenticator | None = None
    require_identity: bool = False
    max_pdu_length: int = DEFAULT_MAX_PDU
    max_contexts: int = 128
    async_window: tuple[int, int] | None = None
    accept_scp_role: bool = True  # agree that the requestor acts as SCP (C-GET's C-STORE sub-operations)
    extended: Mapping[str, Callable[[bytes], bytes | None]] = field(default_factory=dict)
    implementation_class_uid: str = IMPLEMENTATION_CLASS_UID
    implementation_version_name: str = IMPLEMENTATION_VERSION_NAME

    def __post_init__(self) -> None:
        check_ae_title(self.ae_title, "ae_title")


def reversible(sop_class: str, policy: AcceptorPolicy) -> bool:
    """Whether the requestor may take the SCP role for ``sop_class`` (PS3.7 D.3.3.4: the
    acceptor answers with the roles it supports): only for a storage SOP class, whose C-STORE
    sub-operations of a C-GET this AE sends as SCU, or a private one the dictionary does not
    know (stored, it is retrieved so too). For Verification, the Query/Retrieve models and the
    other known classes this AE is never SCU towards a requestor: granting it said it was."""
    if not policy.accept_scp_role:
        return False
    try:
        uid_info(sop_class)
    except DicomError:
        return True
    return sop_class in _storage_classes()


@functools.lru_cache(maxsize=1)
def _storage_classes() -> frozenset[str]:
    from .presets import storage_sop_classes

    return frozenset(storage_sop_classes(retired=True))


def context_answers(request: AssociateRQ, policy: AcceptorPolicy) -> list[PresentationContextAC]:
    """The answer to each proposed presentation context (PS3.8 Table 9-18 results). A rejected
    context's transfer syntax "shall not be tested" (PS3.8 9.3.3.2): Implicit VR LE is sent."""
    answers: list[PresentationContextAC] = []
    # Where the requestor takes the SCP role (C-GET's C-STORE sub-operations), it receives the
    # instances and we send them: a context gets a syntax every instance can be sent in
    # (transcode.producible: native, or one this runtime encodes losslessly) if it proposes one
    # we have; another (JPEG Lossless, say, only decoded here) only if it proposes none, as in a
    # context of that syntax alone, used for the instances held in it. When the requestor
    # proposes a compressed syntax first (getscu's --prefer-j2k-lossless puts JPEG 2000 before
    # the native syntaxes, in one context), that is accepted if it qualifies, so that instances
    # held in it are sent as they are. Otherwise our order decides.
    from .transcode import producible  # transcode imports .association, which imports this module

    receiving = {r.sop_class for r in request.user_information.roles if r.scp and reversible(r.sop_class, policy)}
    native = (IMPLICIT_VR_LITTLE_ENDIAN, "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2")
    for proposed in request.contexts:
        syntaxes = policy.supported.get(proposed.abstract_syntax)
        if syntaxes is None:
            answers.append(PresentationContextAC(proposed.context_id, 3, IMPLICIT_VR_LITTLE_ENDIAN))
            continue
        if proposed.abstract_syntax in receiving:
            sendable = tuple(ts for ts in syntaxes if producible(ts))
            syntaxes = sendable if any(ts in proposed.transfer_syntaxes for ts in sendable) else syntaxes
        if proposed.abstract_syntax in receiving and proposed.transfer_syntaxes and proposed.transfer_syntaxes[0] not in native:
            choice = next((ts for ts in proposed.transfer_syntaxes if ts in syntaxes), None)
        else:
            choice = next((ts for ts in syntaxes if ts in proposed.transfer_syntaxes), None)
        result = 0 if choice is not None else 4
        answers.append(PresentationContextAC(proposed.context_id, result, choice or IMPLICIT_VR_LITTLE_ENDIAN))
    return answers


def rejected_contexts(request: AssociateRQ, answers: Sequence[PresentationContextAC]) -> list[tuple[str, str]]:
    """(abstract syntax, PS3.8 Table 9-18 reason) of each proposed context that ``answers``
    (an A-ASSOCIATE-AC's) does not accept, in the order proposed; one it leaves out is "not answered"."""
    by_id = {answer.context_id: answer.result for answer in answers}
    rejected: list[tuple[str, str]] = []
    for proposed in request.contexts:
        result = by_id.get(proposed.context_id)
        if result != 0:
            reason = "not answered" if result is None else CONTEXT_RESULTS.get(result, f"result {result}").split(" (")[0]
            rejected.append((proposed.abstract_syntax, reason))
    return rejected


def describe_contexts(request: AssociateRQ, policy: AcceptorPolicy) -> str:
    """"1.2.3: abstract-syntax-not-supported; ..." for the contexts not accepted."""
    return "; ".join(f"{uid}: {reason}" for uid, reason in rejected_contexts(request, context_answers(request, policy)))


MIN_PEER_PDU_LENGTH = 1024
"""The least Maximum Length Received (PS3.7 D.1) an acceptor sends its P-DATA-TF PDUs in. The
standard sets no floor, but each PDU costs 12 bytes of headers and a step of the state
machine: a peer that announced 7 (one byte a PDU) made a C-GET of 2 MB 26 MB on the wire and
held the event loop (and every other association) for seconds at a time. 0 is "no maximum"."""


def pdu_length_problem(request: AssociateRQ) -> str | None:
    """Why the requestor's maximum PDU length cannot be served, or None."""
    length = request.user_information.max_length
    if 0 < length < MIN_PEER_PDU_LENGTH:
        return f"its maximum PDU length {length} is below {MIN_PEER_PDU_LENGTH}, the least this acceptor sends in"
    return None


def negotiate(request: AssociateRQ, policy: AcceptorPolicy, peer_address: str = "") -> AssociateAC | AssociateRJ:
    """The answer to ``request``: an A-ASSOCIATE-AC, or an -RJ with PS3.8's reason."""
    if request.protocol_version & 1 == 0:
        return AssociateRJ(1, 2, 2)
    if request.application_context != APPLICATION_CONTEXT:
        return AssociateRJ(1, 1, 2)
    if (policy.check_called_ae and request.called_ae != policy.ae_title) or not valid_ae_title(request.called_ae):
        return AssociateRJ(1, 1, 7)
    if not valid_ae_title(request.calling_ae):
        return AssociateRJ(1, 1, 3)
    if policy.access and not any(rule.allows(request.calling_ae, peer_address) for rule in policy.access):
        return AssociateRJ(1, 1, 3)
    if len(request.contexts) > policy.max_contexts:
        return AssociateRJ(2, 3, 2)
    if pdu_length_problem(request) is not None:
        return AssociateRJ(1, 1, 1)
    identity_response: bytes | None = None
    identity = request.user_information.identity
    if identity is None and policy.require_identity:
        return AssociateRJ(1, 1, 1)
    if identity is not None and policy.authenticator is not None:
        verdict = policy.authenticator(identity, peer_address)
        if verdict is False:
            return AssociateRJ(1, 1, 1)
        if isinstance(verdict, bytes) and identity.response_requested:
            identity_response = verdict
    contexts = context_answers(request, policy)
    accepted_abstracts = {
        proposed.abstract_syntax for proposed, answer in zip(request.contexts, contexts) if answer.result == 0
    }
    if not request.contexts:
        return AssociateRJ(1, 1, 1)  # nothing proposed (PS3.8 9.3.2 asks for one or more)
    # Where no context is accepted, the association is still accepted, with each context's
    # result (PS3.8 Table 9-18), as dcmtk's storescp and pynetdicom answer: so the requestor can
    # say why for each SOP class (an A-ASSOCIATE-RJ has only "no-reason-given" for it).
    roles = tuple(
        RoleSelection(role.sop_class, role.scu, role.scp and reversible(role.sop_class, policy))
        for role in request.user_information.roles
        if role.sop_class in accepted_abstracts
    )
    extended = tuple(
        (uid, answer)
        for uid, info in request.user_information.extended
        if uid in accepted_abstracts and uid in policy.extended
        for answer in [policy.extended[uid](info)]
        if answer is not None
    )
    user = UserInformation(
        max_length=policy.max_pdu_length,
        implementation_class_uid=policy.implementation_class_uid,
        implementation_version_name=policy.implementation_version_name,
        async_window=policy.async_window if request.user_information.async_window else None,
        roles=roles,
        extended=extended,
        identity_response=identity_response,
    )
    return AssociateAC(request.called_ae, request.calling_ae, tuple(contexts), user)
