"""The actions of the DICOM upper layer state machine (AE-n, DT-n, AR-n, AA-n of PS3.8
Tables 9-6 to 9-9), as a mixin of :class:`~.association.Connection`, which runs the state
table (:mod:`.state`) and calls the action a transition names (``AE-3`` is ``_AE_3``). Split
from :mod:`.association`, whose class held both the table's driver and its actions.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import DicomError
from .deadlines import Clocks
from .dimse import Assembler, DimseError
from .events import (
    ABORT_REASONS,
    AcceptedContext,
    Aborted,
    AssociationAccepted,
    AssociationRejected,
    AssociationRequested,
    Event,
    MessageReceived,
    Released,
    ReleaseRequested,
    describe_abort,
)
from .pdu import (
    MAX_PDU_LENGTH,
    Abort,
    AssociateAC,
    AssociateRJ,
    AssociateRQ,
    PDataTF,
    Pdu,
    PduBuffer,
    ReleaseRP,
    ReleaseRQ,
)
from .state import UpperLayerStateMachine


class UpperLayerActions:
    """PS3.8's actions on a connection's state: what each sends, the events it reports, the
    ARTIM deadline it sets. The attributes are :class:`~.association.Connection`'s."""

    requestor: bool
    answers_release: bool
    machine: UpperLayerStateMachine
    max_pdu_length: int
    artim_timeout: float
    artim_deadline: float | None
    should_close: bool
    peer_max_pdu_length: int
    request: AssociateRQ | None
    accept_pdu: AssociateAC | None
    contexts: dict[int, AcceptedContext]
    _buffer: PduBuffer
    _assembler: Assembler
    _out: list[bytes]
    _out_size: int
    _events: list[Event]
    _now: float
    _from_state: str
    clocks: Clocks

    def _send(self, pdu: Pdu) -> None:
        encoded = pdu.encode()
        self._out.append(encoded)
        self._out_size += len(encoded)

    def _start_artim(self) -> None:
        self.artim_deadline = self._now + self.artim_timeout

    def _close(self) -> None:
        self.artim_deadline = None
        self.should_close = True

    # AE: association establishment (PS3.8 Table 9-6)
    def _AE_1(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        pass  # the adapter opens the transport connection

    def _AE_2(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        assert self.request is not None
        self._send(self.request)

    def _AE_3(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        assert isinstance(pdu, AssociateAC) and self.request is not None
        self.accept_pdu = pdu
        self.peer_max_pdu_length = pdu.user_information.max_length
        self._record_contexts(pdu)
        self._limit_pdus()
        self._events.append(AssociationAccepted(pdu))

    def _AE_4(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        assert isinstance(pdu, AssociateRJ)
        self._close()
        self._events.append(AssociationRejected(pdu))

    def _AE_5(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._start_artim()

    def _AE_6(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        assert isinstance(pdu, AssociateRQ)
        self.artim_deadline = None
        self.request = pdu
        self.peer_max_pdu_length = pdu.user_information.max_length
        self._events.append(AssociationRequested(pdu))

    def _AE_7(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        assert pdu is not None
        self._send(pdu)
        self._limit_pdus()

    def _limit_pdus(self) -> None:
        # 0 announces no maximum (PS3.8 D.1): the longest PDU this runtime reads at all.
        self._buffer.max_length = self.max_pdu_length or MAX_PDU_LENGTH

    def _AE_8(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        assert pdu is not None
        self._send(pdu)
        self._start_artim()

    # DT: data transfer (PS3.8 Table 9-7)
    def _DT_1(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        assert pdu is not None
        self._send(pdu)

    def _DT_2(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        assert isinstance(pdu, PDataTF)
        for value in pdu.values:
            if value.context_id not in self.contexts:
                self._provider_abort(6, f"a PDV of presentation context {value.context_id}, which was not accepted")
                return
        try:
            messages = self._assembler.add(pdu)
        except (DimseError, DicomError) as exc:
            self._assembler.discard()
            self._provider_abort(6, f"a DIMSE message that cannot be reassembled: {exc}")
            return
        self._events.extend(MessageReceived(m) for m in messages)
        # Progress is a PDV with data or a message completed (.deadlines): empty PDVs, which
        # PS3.8 E.1 forbids sending and asks receivers to take, are taken as nothing.
        size = sum(len(value.data) for value in pdu.values)
        clocks = self.clocks
        if size or messages:
            clocks.last_progress = self._now
        if not self._assembler.receiving:
            clocks.message_started, clocks.message_bytes = None, 0
        elif clocks.message_started is None or messages:
            clocks.message_started, clocks.message_bytes = self._now, size
        else:
            clocks.message_bytes += size

    # AR: association release (PS3.8 Table 9-8)
    def _AR_1(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._send(ReleaseRQ())

    def _AR_2(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        # This side never refuses a release; it answers at once unless its user answers.
        self._events.append(ReleaseRequested())
        if self.answers_release:
            self.machine.transition("Evt14")
            self._AR_4(None, reason, detail)

    def _AR_3(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._close()
        self._events.append(Released())

    def _AR_4(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._send(ReleaseRP())
        self._start_artim()
        self._events.append(Released())

    def _AR_5(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._close()

    def _AR_6(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._DT_2(pdu, reason, detail)

    def _AR_7(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._DT_1(pdu, reason, detail)

    def _AR_8(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        # Release collision: the requestor answers first (PS3.8 Section 7.2).
        self._events.append(ReleaseRequested())
        if self.requestor:
            self.machine.transition("Evt14")
            self._AR_9(None, reason, detail)

    def _AR_9(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._send(ReleaseRP())

    def _AR_10(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self.machine.transition("Evt14")
        self._AR_4(None, reason, detail)

    # AA: association abort (PS3.8 Table 9-9)
    def _AA_1(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._send(Abort(0, 0))  # PS3.8: service-user source
        self._start_artim()
        self._events.append(Aborted(0, 0, detail))

    def _AA_2(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._close()
        if self._from_state != "Sta13":
            self._events.append(Aborted(2, 0, detail))

    def _AA_3(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._close()
        source, why = (pdu.source, pdu.reason) if isinstance(pdu, Abort) else (2, 0)
        self._events.append(Aborted(source, why, describe_abort(source, why)))

    def _AA_4(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._close()
        self._events.append(Aborted(2, 0, "the peer closed the connection"))

    def _AA_5(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._close()

    def _AA_6(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        pass  # ignore the PDU

    def _AA_7(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._send(Abort(2, reason))

    def _AA_8(self, pdu: Pdu | None, reason: int, detail: str) -> None:
        self._send(Abort(2, reason))
        self._start_artim()
        self._events.append(Aborted(2, reason, f"{ABORT_REASONS.get(reason, reason)}: {detail}"))

    def _provider_abort(self, reason: int, detail: str) -> None:
        """A protocol error found inside an accepted PDU: A-ABORT (provider), as AA-8."""
        self.machine.state = "Sta13"
        self._AA_8(None, reason, detail)

    def _record_contexts(self, accept: AssociateAC) -> None:
        proposed = {c.context_id: c for c in self.request.contexts} if self.request else {}
        roles = {r.sop_class: r for r in accept.user_information.roles}
        for context in accept.contexts:
            if context.result != 0 or context.context_id not in proposed:
                continue
            abstract = proposed[context.context_id].abstract_syntax
            role = roles.get(abstract)
            self.contexts[context.context_id] = AcceptedContext(
                context.context_id,
                abstract,
                context.transfer_syntax,
                scu=role.scu if role else True,
                scp=role.scp if role else False,
            )


ActionFunction = Callable[[UpperLayerActions, "Pdu | None", int, str], None]
#: Each action by its PS3.8 name ("AE-3": UpperLayerActions._AE_3): the state machine calls it
#: from here, a dict look-up, where getattr with a name made per call missed the type's cache.
ACTIONS: dict[str, ActionFunction] = {
    name[1:].replace("_", "-"): function
    for name, function in vars(UpperLayerActions).items()
    if name[:4] in ("_AE_", "_DT_", "_AR_", "_AA_")
}
