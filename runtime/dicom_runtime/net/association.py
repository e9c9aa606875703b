"""One side of an association, without I/O: bytes and times in, events and bytes out.

:class:`Connection` runs the upper layer state machine of PS3.8 Table 9-10
(:mod:`.state`) and performs its actions (AE-n, DT-n, AR-n, AA-n of PS3.8 Tables
9-6 to 9-9, in :mod:`.actions`; the events it reports are in :mod:`.events`, re-exported here). An adapter (:mod:`.aio`, :mod:`.blocking`) owns the socket: it calls
:meth:`Connection.connection_made`, :meth:`~Connection.receive`,
:meth:`~Connection.connection_lost` and :meth:`~Connection.timer` as things
happen, sends :meth:`~Connection.data_to_send`, and closes the transport when
:attr:`~Connection.should_close` is set. The ARTIM timer is a deadline
(:attr:`~Connection.artim_deadline`) the adapter watches.

:func:`~.negotiation.negotiate`, the acceptor's decision on an A-ASSOCIATE-RQ as a pure
function of the request and an :class:`~.negotiation.AcceptorPolicy`, is in :mod:`.negotiation`
with the rest of association negotiation; its names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Generator

from ..dataset import Dataset
from ..errors import DicomError
from .actions import ACTIONS, UpperLayerActions
from .deadlines import Clocks
from .dimse import Assembler, Budget, DimseError, Spill, command_set
from .events import (  # what an association reports: re-exported, imported from here too
    ABORT_REASONS as ABORT_REASONS,
    REJECT_REASONS as REJECT_REASONS,
    REJECT_SOURCES as REJECT_SOURCES,
    AcceptedContext as AcceptedContext,
    Aborted as Aborted,
    AssociationAccepted as AssociationAccepted,
    AssociationRejected as AssociationRejected,
    AssociationRequested as AssociationRequested,
    Event as Event,
    MessageReceived as MessageReceived,
    Released as Released,
    ReleaseRequested as ReleaseRequested,
    describe_abort as describe_abort,
    describe_reject as describe_reject,
)
from .negotiation import (  # the acceptor's answer to an A-ASSOCIATE-RQ: re-exported, imported from here too
    CONTEXT_RESULTS as CONTEXT_RESULTS,
    DEFAULT_MAX_PDU as DEFAULT_MAX_PDU,
    AcceptorPolicy as AcceptorPolicy,
    AccessRule as AccessRule,
    Authenticator as Authenticator,
    check_ae_title as check_ae_title,
    context_answers as context_answers,
    describe_contexts as describe_contexts,
    negotiate as negotiate,
    rejected_contexts as rejected_contexts,
    valid_ae_title as valid_ae_title,
)
from .pdu import (
    AssociateAC,
    AssociateRJ,
    AssociateRQ,
    PDataTF,
    Pdu,
    PduBuffer,
    PduError,
    PresentationDataValue,
    ReleaseRP,
    ReleaseRQ,
)
from .state import EVENTS, STATES, UpperLayerStateMachine

ASSOCIATION_PDU_LIMIT = 1024 * 1024
"""The longest A-ASSOCIATE PDU read before the association is established."""
PDU_CAP = 1024 * 1024
"""The longest P-DATA-TF PDU sent: where the peer announced no limit (0) or a larger one,
messages go in PDUs of this length, so that no more than this is copied at once."""


class AssociationError(DicomError):
    """An association that could not be made or was lost, with the peer and the reason."""


class ContextsRejected(AssociationError):
    """An association the peer accepted with none of the proposed presentation contexts
    (the message names each SOP class and its PS3.8 Table 9-18 result); it has been released.
    ``accept`` is the peer's A-ASSOCIATE-AC."""

    def __init__(self, message: str, accept: AssociateAC) -> None:
        super().__init__(message)
        self.accept = accept



class Connection(UpperLayerActions):
    """The sans-I/O upper layer and DIMSE message assembly of one association.

    ``requestor``: this side asks for the association (an SCU); otherwise it
    accepts. ``max_pdu_length`` is announced to the peer and is the largest PDU
    this side accepts (a longer announcement is a protocol error: A-ABORT); 0 announces
    no maximum, and PDUs up to :data:`.pdu.MAX_PDU_LENGTH` are then read.
    ``max_message_size`` bounds a reassembled DIMSE message; ``message_budget`` and
    ``spill`` are the :class:`~.dimse.Assembler`'s (memory shared with other
    associations; large data sets in temporary files). With
    ``answer_release=False`` an A-RELEASE-RQ is not answered at once (Sta8, PS3.8
    AR-2): the user answers with :meth:`answer_release` once its work for the
    association is done, so that no response follows the A-RELEASE-RP.
    """

    def __init__(
        self,
        *,
        requestor: bool,
        max_pdu_length: int = DEFAULT_MAX_PDU,
        artim_timeout: float = 30.0,
        max_message_size: int = 2**31,
        answer_release: bool = True,
        message_budget: Budget | None = None,
        spill: Spill | None = None,
    ) -> None:
        self.requestor = requestor
        self.answers_release = answer_release
        self.machine = UpperLayerStateMachine()
        self.max_pdu_length = max_pdu_length
        self.artim_timeout = artim_timeout
        self.artim_deadline: float | None = None
        self.should_close = False
        self.peer_max_pdu_length = 0
        self.request: AssociateRQ | None = None
        self.accept_pdu: AssociateAC | None = None
        self.contexts: dict[int, AcceptedContext] = {}
        # Until the association is established, PDUs up to ASSOCIATION_PDU_LIMIT are read; then
        # the maximum length this side announced (a longer P-DATA-TF is a protocol error).
        self._buffer = PduBuffer(max_length=max(max_pdu_length, ASSOCIATION_PDU_LIMIT))
        self._assembler = Assembler(max_message_size, message_budget, spill)
        self._out: list[bytes] = []
        self._out_size = 0
        self._events: list[Event] = []
        self._now = 0.0
        self._from_state = "Sta1"
        self.clocks = Clocks(last_progress=0.0)
        """When the last PDU that carried progress came, and the PDU and message being
        received began (:mod:`.deadlines`; bytes alone are not progress)."""

    # Inputs from the adapter ---------------------------------------------------

    @property
    def state(self) -> str:
        return self.machine.state

    @property
    def established(self) -> bool:
        return self.machine.state == "Sta6"

    def request_association(self, request: AssociateRQ) -> None:
        """Evt1, A-ASSOCIATE request: the adapter then opens the transport connection."""
        self.request = request
        self._run("Evt1")

    def connection_made(self, now: float = 0.0) -> list[Event]:
        """Evt2 (requestor: send the A-ASSOCIATE-RQ) or Evt5 (acceptor: start ARTIM)."""
        self._now = now
        self.clocks.last_progress = now
        return self._run("Evt2" if self.requestor else "Evt5")

    def receive(self, data: bytes, now: float = 0.0) -> list[Event]:
        """Bytes from the transport; the events they complete."""
        self._now = now
        events: list[Event] = []
        if self.machine.state == "Sta1":
            return events
        before = self._buffer.pending
        try:
            pdus = self._buffer.feed(data)
        except PduError as exc:
            return self._run("Evt19", reason=(1 if "unknown PDU type" in exc.reason else 6), detail=str(exc))
        if not self._buffer.pending:
            self.clocks.pdu_started = None
        elif pdus or not before:
            self.clocks.pdu_started = now  # a PDU begun in these bytes
        for pdu in pdus:
            events += self._pdu(pdu)
            if self.machine.state in ("Sta1", "Sta13") and self.should_close:
                break
        return events

    def connection_lost(self) -> list[Event]:
        """Evt17: the transport closed."""
        if self.machine.state == "Sta1":
            return []
        return self._run("Evt17")

    def timer(self, now: float) -> list[Event]:
        """Evt18 if the ARTIM deadline has passed."""
        self._now = now
        if self.artim_deadline is None or now < self.artim_deadline:
            return []
        self.artim_deadline = None
        return self._run("Evt18")

    def accept(self, accept: AssociateAC) -> None:
        """Evt7, A-ASSOCIATE response (accept)."""
        self.accept_pdu = accept
        self._record_contexts(accept)
        self._run("Evt7", pdu=accept)

    def reject(self, reject: AssociateRJ) -> None:
        """Evt8, A-ASSOCIATE response (reject)."""
        self._run("Evt8", pdu=reject)

    def send_message(self, context_id: int, command: Dataset, data: bytes | memoryview | None = None) -> None:
        """Evt9 for each P-DATA-TF of one DIMSE message (command set built here)."""
        for _ in self.send_stepwise(context_id, command, data):
            pass

    def send_stepwise(self, context_id: int, command: Dataset, data: bytes | memoryview | None = None) -> Generator[int, None, None]:
        """Evt9 for each P-DATA-TF of one DIMSE message, made one at a time as the iterator is
        advanced: after each it yields how many bytes :meth:`data_to_send` holds, so that an
        adapter can write them and wait for its transport before the next PDU is made. ``data``
        (a byte-format ``memoryview`` too, such as a memory-mapped file's) is not copied whole:
        each PDU copies its fragment. A PDU is at most the peer's maximum length, and at most
        :data:`PDU_CAP` when the peer set no limit (or a larger one)."""
        if context_id not in self.contexts:
            raise AssociationError(f"presentation context {context_id} was not accepted")
        limit = min(self.peer_max_pdu_length or PDU_CAP, PDU_CAP)
        room = limit - 6  # a PDU of one PDV: 6 bytes of PDV header (length, id, flags)
        if room < 1:
            raise DimseError(f"maximum PDU length {limit} leaves no room for data")
        for is_command, payload in ((True, command_set(command)), (False, data)):
            if payload is None:
                continue
            start, end = 0, len(payload)
            while True:
                stop = min(start + room, end)
                chunk = payload if isinstance(payload, bytes) and stop - start == end else bytes(payload[start:stop])
                self._run("Evt9", pdu=PDataTF((PresentationDataValue(context_id, is_command, stop == end, chunk),)))
                yield self._out_size
                start = stop
                if start >= end:
                    break

    def release(self) -> None:
        """Evt11, A-RELEASE request."""
        self._run("Evt11")

    def answer_release(self) -> list[Event]:
        """Evt14, the A-RELEASE response to a ReleaseRequested (``answer_release=False``).
        Nothing happens if the association has ended meanwhile."""
        if self.state != "Sta8":
            return []
        return self._run("Evt14")

    def abort(self, detail: str = "aborted by the local user") -> list[Event]:
        """Evt15, A-ABORT request."""
        return self._run("Evt15", detail=detail)

    @property
    def buffered(self) -> int:
        """Bytes received and held: a PDU not complete yet, and a DIMSE message not complete yet."""
        return self._buffer.pending + self._assembler.pending

    def discard(self) -> None:
        """Give back what a message not complete yet holds (the transport has closed)."""
        self._assembler.discard()

    def data_to_send(self) -> bytes:
        data = self._out[0] if len(self._out) == 1 else b"".join(self._out)
        self._out.clear()
        self._out_size = 0
        return data

    # The state machine (its actions, PS3.8 Tables 9-6 to 9-9, are in .actions) -----------

    def _pdu(self, pdu: Pdu) -> list[Event]:
        if isinstance(pdu, PDataTF):
            return self._run("Evt10", pdu=pdu)  # progress or not: DT-2 says
        self.clocks.last_progress = self._now
        if isinstance(pdu, AssociateAC):
            return self._run("Evt3", pdu=pdu)
        if isinstance(pdu, AssociateRJ):
            return self._run("Evt4", pdu=pdu)
        if isinstance(pdu, AssociateRQ):
            return self._run("Evt6", pdu=pdu)
        if isinstance(pdu, ReleaseRQ):
            return self._run("Evt12")
        if isinstance(pdu, ReleaseRP):
            return self._run("Evt13")
        return self._run("Evt16", pdu=pdu)

    def _run(self, event: str, *, pdu: Pdu | None = None, reason: int = 2, detail: str = "") -> list[Event]:
        state = self.machine.state
        entry = self.machine.peek(event)
        if entry is None:
            if event in ("Evt1", "Evt7", "Evt8", "Evt9", "Evt11", "Evt14", "Evt15"):
                raise AssociationError(f"{event} is not possible in {state}")
            return []
        action, nexts = entry
        next_state = None
        if action == "AE-6":
            next_state = "Sta3"
        elif action == "AR-8":
            next_state = "Sta9" if self.requestor else "Sta10"
        self.machine.transition(event, next_state)
        self._events = []
        self._from_state = state
        ACTIONS[action](self, pdu, reason, detail or f"{EVENTS[event]} in {state} ({STATES[state]})")
        return self._events
