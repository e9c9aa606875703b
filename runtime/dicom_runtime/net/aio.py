"""The asyncio adapter: associations over TCP (or TLS) driven by the sans-I/O core.

An :class:`Association` owns one transport and one :class:`~.association.Connection`.
As a requestor (:func:`associate`) it offers the DIMSE-C and DIMSE-N services as
an SCU: ``echo``, ``store``, ``find``, ``move``, ``get`` and the ``n_*`` methods
(:class:`~.scu.Requestor`).
As an acceptor (made by a :class:`.server.Server`) it answers requests with the async
handlers of :class:`Handlers`. Requests arriving on a requestor's association
(C-STORE sub-operations of a C-GET, N-EVENT-REPORT) go to its handlers too.
The messages themselves (sent with the transport's flow control, responses matched to
requests, received requests queued for one worker) are :class:`~.exchange.MessageExchange`'s;
this module keeps the transport, the association's establishment, release and abort, and
the ARTIM timer; the acceptor's receive deadlines (idle, a PDU, a message) are
:class:`~.deadlines.ReceiveTimers`'.

Every socket has TCP_NODELAY set: without it, each small PDU waits on Nagle's
algorithm and the peer's delayed ACK (about 40 ms a message on Linux).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import socket
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from ..fileformat import (
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLEMENTATION_CLASS_UID,
    IMPLEMENTATION_VERSION_NAME,
    IMPLICIT_VR_LITTLE_ENDIAN,
)
from .association import (
    DEFAULT_MAX_PDU,
    AcceptedContext,
    AcceptorPolicy,
    Aborted,
    AssociationAccepted,
    AssociationError,
    AssociationRejected,
    AssociationRequested,
    Connection,
    ContextsRejected,
    Event,
    MessageReceived,
    Released,
    ReleaseRequested,
    check_ae_title,
    describe_contexts,
    describe_reject,
    negotiate,
    rejected_contexts,
)
from .deadlines import ReceiveTimers
from .dimse import Message
from .exchange import QUEUED_BYTES as QUEUED_BYTES, QUEUED_REQUESTS as QUEUED_REQUESTS, MessageExchange  # the bounds: re-exported
from .messages import VERIFICATION
from .negotiation import MIN_PEER_PDU_LENGTH, pdu_length_problem
from .scu import NResult, Progress, Requestor, Responses
from .scp import (
    Dispatcher,
    Handlers,
    QueryRequest,
    Request,
    StoreHandler,
    StoreRequest,
)
from .pdu import AssociateAC, AssociateRJ, AssociateRQ, PresentationContextRQ, RoleSelection, UserIdentity, UserInformation

if TYPE_CHECKING:
    from .server import Server

log = logging.getLogger("dicom_runtime.net")

DEFAULT_TRANSFER_SYNTAXES = (EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN)
IGNORED_AFTER_ABORT = 1024 * 1024
"""Bytes read (and ignored) after this side's A-ABORT before the connection is reset."""
DEFAULT_MESSAGE_BUDGET = 32 * 1024 * 1024
"""Bytes all the unfinished DIMSE messages of a server's associations may hold together in
memory; a data set beyond what is left is spilled to a temporary file (:mod:`.spill`)."""
DEFAULT_UNASSOCIATED_BUDGET = 16 * 1024 * 1024
"""Bytes all of a server's connections that are not associated yet may hold together
(a legitimate A-ASSOCIATE-RQ takes a few KiB)."""
R = TypeVar("R")


@dataclass(frozen=True)
class Timeouts:
    """Seconds: TCP connect, ACSE (association and release answers), DIMSE (a
    response), network (an acceptor's association idle, a PDU begun, a DIMSE message begun:
    :mod:`.deadlines`), ARTIM (PS3.8 9.1.5)."""

    connect: float = 30.0
    acse: float = 30.0
    dimse: float = 60.0
    network: float = 300.0
    artim: float = 30.0


@dataclass(frozen=True)
class Proposal:
    """A presentation context to propose, with optional SCU/SCP role selection."""

    abstract_syntax: str
    transfer_syntaxes: tuple[str, ...] = DEFAULT_TRANSFER_SYNTAXES
    scu_role: bool | None = None
    scp_role: bool | None = None


# The association -------------------------------------------------------------------


class _Protocol(asyncio.Protocol):
    def __init__(self, owner: Association, tls: ssl.SSLContext | None = None) -> None:
        self.owner = owner
        self.tls = tls  # an acceptor's: the TLS handshake is made here (see Association._handshake)
        self._early: list[bytes] | None = None  # data that came with the end of the handshake, before the attach

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        if self.tls is not None:
            context, self.tls = self.tls, None
            self._early = []
            transport.pause_reading()
            self.owner._handshake(transport, self, context)
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.owner._attach(transport)
        early, self._early = self._early, None
        for data in early or ():
            self.owner._received(data)

    def data_received(self, data: bytes) -> None:
        if self._early is not None:
            self._early.append(data)
            return
        self.owner._received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner._lost()

    def pause_writing(self) -> None:
        self.owner._can_write.clear()

    def resume_writing(self) -> None:
        self.owner._can_write.set()


class Association(MessageExchange, ReceiveTimers, Requestor, Dispatcher):
    """One association, either side. Use :func:`associate` or a :class:`Server`."""

    def __init__(
        self,
        connection: Connection,
        *,
        handlers: Handlers | None = None,
        timeouts: Timeouts = Timeouts(),
        server: Server | None = None,
    ) -> None:
        self._conn = connection
        self.handlers = handlers or Handlers(echo=None)
        self.timeouts = timeouts
        self._server = server
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self.peer = ""
        self._established: asyncio.Future[AssociateAC] = self._loop.create_future()
        self._closed: asyncio.Future[str] = self._loop.create_future()
        self._responses: dict[int, asyncio.Queue[Message | None]] = {}
        self._requests: asyncio.Queue[Message | ReleaseRequested | None] = asyncio.Queue()
        self._queued_bytes = 0
        self._reading_paused = False
        self._serving = False  # a request is being answered: the association is not idle
        self._unassociated = 0  # bytes counted in the server's budget for connections not yet associated
        self._ignored = 0  # bytes received after this side aborted
        self._raw: asyncio.Transport | None = None  # the TCP transport under a TLS handshake
        self._handshaking: asyncio.Task[None] | None = None
        self._cancelled: set[int] = set()  # Message IDs of outstanding requests a C-CANCEL-RQ named
        self._outstanding: collections.Counter[int] = collections.Counter()  # Message IDs queued or being answered
        self._can_write = asyncio.Event()
        self._can_write.set()
        self._sending = asyncio.Lock()  # one message's PDUs at a time: a message is never interleaved with another
        self._ids = itertools.count(1)
        self._worker: asyncio.Task[None] | None = None
        self._artim: asyncio.TimerHandle | None = None
        self._artim_at: float | None = None
        self._idle: asyncio.TimerHandle | None = None
        self._get_store: StoreHandler | None = None
        self._established.add_done_callback(_consume)

    # Facts about the association
    @property
    def calling_ae(self) -> str:
        return self._conn.request.calling_ae if self._conn.request else ""

    @property
    def called_ae(self) -> str:
        return self._conn.request.called_ae if self._conn.request else ""

    @property
    def peer_ae(self) -> str:
        """The other side's AE title: the calling AE where this side accepted, the called AE
        where it requested (as each log line's ``peer (AE)`` names it)."""
        return self.called_ae if self._conn.requestor else self.calling_ae

    @property
    def request(self) -> AssociateRQ | None:
        return self._conn.request

    @property
    def accepted(self) -> AssociateAC | None:
        return self._conn.accept_pdu

    @property
    def contexts(self) -> Mapping[int, AcceptedContext]:
        return self._conn.contexts

    @property
    def is_established(self) -> bool:
        return self._conn.established

    @property
    def concurrent_associations(self) -> int:
        """Associations its server is serving now (1 for a requestor)."""
        return self._server.active if self._server is not None else 1

    async def blocking(self, function: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Run blocking work (file I/O) for this association: in a thread while other
        associations are being served, so they go on; here when alone, where a thread
        hand-off would only add latency."""
        if self.concurrent_associations > 1:
            return await asyncio.to_thread(function, *args, **kwargs)
        return function(*args, **kwargs)

    async def wait_closed(self) -> str:
        """Wait until the association ends; the reason ('' for an orderly release)."""
        return await asyncio.shield(self._closed)

    # Transport callbacks
    def _handshake(self, raw: asyncio.Transport, protocol: _Protocol, context: ssl.SSLContext) -> None:
        """An acceptor's TLS handshake, within the ARTIM timeout; a failure is one log line."""
        peer = raw.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self._raw = raw

        async def handshake() -> None:
            try:
                transport = await self._loop.start_tls(
                    raw, protocol, context, server_side=True, ssl_handshake_timeout=self.timeouts.artim
                )
            except Exception as exc:  # anything the peer sends or fails to send
                reason = str(exc) or type(exc).__name__
                log.warning("%s: TLS handshake failed: %s", self.peer, reason)
                raw.abort()
                self._finish(f"TLS handshake failed: {reason}")
                return
            if transport is None or self._closed.done():
                raw.abort()
                self._finish("closed during the TLS handshake")
                return
            protocol.connection_made(transport)

        self._handshaking = self._loop.create_task(handshake())

    def _attach(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self._process(self._conn.connection_made(self._loop.time()))
        if not self._conn.requestor:
            self._arm_idle()

    def _received(self, data: bytes) -> None:
        if self._conn.state == "Sta13":  # after our A-ABORT, -RJ or -RELEASE-RP: waiting for the close
            self._ignored += len(data)
            if self._ignored > IGNORED_AFTER_ABORT and self._transport is not None:
                self._transport.abort()  # a peer that goes on sending is reset, not read on until ARTIM
                return
        try:
            self._process(self._conn.receive(data, self._loop.time()))
        except Exception:  # a bug here must cost one association, never the server
            log.exception("%s: internal error; association aborted", self.peer)
            if self._transport is not None:
                self._transport.abort()
            self._finish("internal error")
            return
        server = self._server
        if server is not None and (self._unassociated or self._conn.state == "Sta2"):
            held = self._conn.buffered if self._conn.state == "Sta2" else 0
            server.unassociated_bytes += held - self._unassociated
            self._unassociated = held
            if server.unassociated_bytes > server.unassociated_budget:
                log.warning(
                    "%s: connections not associated yet hold more than %d bytes; this one (%d bytes of an "
                    "unfinished A-ASSOCIATE-RQ) is closed", self.peer, server.unassociated_budget, held,
                )
                self.abort("too many bytes held before association", hard=True)

    def _lost(self) -> None:
        self._conn.discard()
        self._process(self._conn.connection_lost())
        self._finish("the connection closed")
        for handle in (self._artim, self._idle):
            if handle is not None:
                handle.cancel()

    def _process(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, AssociationRequested):
                self._answer(event.request)
            elif isinstance(event, AssociationAccepted):
                if not self._established.done():
                    self._established.set_result(event.accept)
                self._start_worker()
            elif isinstance(event, AssociationRejected):
                if not self._established.done():
                    self._established.set_exception(AssociationError(f"{self.peer}: association {event}"))
            elif isinstance(event, MessageReceived):
                self._dispatch(event.message)
            elif isinstance(event, ReleaseRequested) and not self._conn.answers_release:
                self._queue(event)  # answered after the requests before it
            elif isinstance(event, Released):
                self._finish("")
            elif isinstance(event, Aborted):
                log.warning("%s (%s): %s", self.peer, self.peer_ae or "?", event.detail)
                self._finish(event.detail)
        self._flush()
        if self._conn.should_close and self._transport is not None:
            self._transport.close()
        if self._conn.artim_deadline != self._artim_at:
            if self._artim is not None:
                self._artim.cancel()
            self._artim_at = self._conn.artim_deadline
            self._artim = None if self._artim_at is None else self._loop.call_at(self._artim_at, self._artim_fired)

    def _artim_fired(self) -> None:
        self._artim_at = None
        self._artim = None
        self._process(self._conn.timer(self._loop.time()))
        if self._conn.should_close and self._transport is not None:
            self._transport.abort()

    def _flush(self) -> None:
        data = self._conn.data_to_send()
        if data and self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def _finish(self, reason: str) -> None:
        if self._closed.done():
            return
        self._closed.set_result(reason)
        if not self._established.done():
            self._established.set_exception(AssociationError(f"{self.peer}: {reason or 'released'}"))
        for queue in self._responses.values():
            queue.put_nowait(None)
        self._requests.put_nowait(None)
        self._conn.discard()
        if self._server is not None:
            self._server.unassociated_bytes -= self._unassociated
            self._unassociated = 0
            self._server._forget(self)

    # Acceptor: answering the A-ASSOCIATE-RQ
    def _answer(self, request: AssociateRQ) -> None:
        server = self._server
        assert server is not None
        if self._conn.state != "Sta3":
            return  # PDUs after the A-ASSOCIATE-RQ, before our answer, already aborted it (AA-8)
        address = self.peer.rsplit(":", 1)[0]
        answer: AssociateAC | AssociateRJ
        if server.active >= server.max_associations:
            answer = AssociateRJ(2, 3, 2)  # rejected-transient, local-limit-exceeded
        else:
            answer = negotiate(request, server.policy, address)
        if isinstance(answer, AssociateRJ):
            # A wrong called AE title is named (the calling one is not what was wrong).
            who = (
                f"calling AE {request.calling_ae}, called AE {request.called_ae!r} is not {server.policy.ae_title!r}"
                if (answer.source, answer.reason) == (1, 7) else request.calling_ae
            )
            why = pdu_length_problem(request) if (answer.source, answer.reason) == (1, 1) else None
            log.warning("%s (%s): association %s%s", self.peer, who, describe_reject(answer), f": {why}" if why else "")
            self._conn.reject(answer)
            return
        if all(c.result != 0 for c in answer.contexts):
            # Accepted all the same, each context with its result, which the requestor reports.
            log.warning(
                "%s (%s): association accepted, but no presentation context: %s",
                self.peer, request.calling_ae, describe_contexts(request, server.policy),
            )
        server.active += 1
        self._counted = True
        self._conn.accept(answer)
        self._start_worker()

    # Ending
    async def release(self) -> None:
        """A-RELEASE, waiting for the peer's answer (ACSE timeout, then abort)."""
        if self._closed.done():
            return
        self._conn.release()
        self._flush()
        try:
            async with asyncio.timeout(self.timeouts.acse):
                await asyncio.shield(self._closed)
        except TimeoutError:
            self.abort(f"no A-RELEASE-RP within {self.timeouts.acse:g} s")
        await self._stop_worker()

    def abort(self, reason: str = "aborted by the local user", *, hard: bool = False) -> None:
        """A-ABORT at once; ``hard``: reset the connection without waiting for what is still
        to be sent (a peer that does not read would hold it open)."""
        if self._closed.done():
            return
        with contextlib.suppress(AssociationError):
            self._process(self._conn.abort(reason))
        if self._transport is not None:
            if hard:
                self._transport.abort()
            else:
                self._transport.close()
        elif self._raw is not None:
            self._raw.abort()
        self._finish(reason)

    async def __aenter__(self) -> Association:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if kind is None:
            await self.release()
        else:
            self.abort(f"aborted after {kind.__name__}")
            await self._stop_worker()


def _consume(future: asyncio.Future[AssociateAC]) -> None:
    if not future.cancelled():
        future.exception()  # mark retrieved: a rejected association is reported by associate()


# Requestor ---------------------------------------------------------------------------


async def associate(
    host: str,
    port: int,
    *,
    called_ae: str = "ANY-SCP",
    calling_ae: str = "DICOM-TYPED",
    contexts: Sequence[Proposal | str] = (VERIFICATION,),
    max_pdu_length: int = DEFAULT_MAX_PDU,
    identity: UserIdentity | None = None,
    extended: Sequence[tuple[str, bytes]] = (),
    tls: ssl.SSLContext | None = None,
    server_hostname: str | None = None,
    timeouts: Timeouts = Timeouts(),
    handlers: Handlers | None = None,
) -> Association:
    """Open an association as the requestor; :class:`AssociationError` with the
    PS3.8 reason if the peer rejects it or cannot be reached; :class:`ValueError`, before
    connecting, for an AE title that is not one (PS3.5 6.2)."""
    check_ae_title(called_ae, "called_ae")
    check_ae_title(calling_ae, "calling_ae")
    proposals = [p if isinstance(p, Proposal) else Proposal(p) for p in contexts]
    if len(proposals) > 128:
        raise AssociationError("at most 128 presentation contexts can be proposed (PS3.8 9.3.2.2)")
    roles = tuple(
        RoleSelection(p.abstract_syntax, bool(p.scu_role), bool(p.scp_role))
        for p in proposals
        if p.scu_role is not None or p.scp_role is not None
    )
    request = AssociateRQ(
        called_ae=called_ae,
        calling_ae=calling_ae,
        contexts=tuple(
            PresentationContextRQ(2 * index + 1, p.abstract_syntax, p.transfer_syntaxes) for index, p in enumerate(proposals)
        ),
        user_information=UserInformation(
            max_length=max_pdu_length,
            implementation_class_uid=IMPLEMENTATION_CLASS_UID,
            implementation_version_name=IMPLEMENTATION_VERSION_NAME,
            roles=tuple({r.sop_class: r for r in roles}.values()),
            extended=tuple(extended),
            identity=identity,
        ),
    )
    connection = Connection(requestor=True, max_pdu_length=max_pdu_length, artim_timeout=timeouts.artim)
    connection.request_association(request)
    association = Association(connection, handlers=handlers, timeouts=timeouts)
    loop = asyncio.get_running_loop()
    where = f"{host}:{port} ({called_ae})"
    try:
        async with asyncio.timeout(timeouts.connect):
            await loop.create_connection(
                lambda: _Protocol(association), host, port, ssl=tls, server_hostname=server_hostname if tls else None
            )
    except TimeoutError:
        raise AssociationError(f"{where}: no connection within {timeouts.connect:g} s") from None
    except OSError as exc:
        raise AssociationError(f"{where}: cannot connect: {exc.strerror or exc}") from None
    try:
        async with asyncio.timeout(timeouts.acse):
            await asyncio.shield(association._established)
    except TimeoutError:
        association.abort("no A-ASSOCIATE-AC or -RJ")
        raise AssociationError(f"{where}: no answer to the A-ASSOCIATE-RQ within {timeouts.acse:g} s") from None
    except AssociationError as exc:
        raise AssociationError(f"{where}: {str(exc).split(': ', 1)[-1]}") from None
    accepted = association.accepted
    length = accepted.user_information.max_length if accepted is not None else 0
    if 0 < length < MIN_PEER_PDU_LENGTH:  # as an acceptor refuses such a requestor (negotiation.pdu_length_problem)
        await association.release()
        raise AssociationError(f"{where}: its maximum PDU length {length} is below {MIN_PEER_PDU_LENGTH}, the least this side sends in; released")
    if not association.contexts and accepted is not None:
        # Nothing can be exchanged: released in order, and each SOP class named with its result.
        await association.release()
        raise ContextsRejected(f"{where}: the peer rejected every presentation context: {_rejections(request, accepted)}", accepted)
    return association


def _rejections(request: AssociateRQ, accept: AssociateAC) -> str:
    """"Modality Worklist Information Model - FIND (1.2.840.10008.5.1.4.31): abstract-syntax-not-supported; ..."."""
    from ..dictionary import uid_info
    from .scu import _known

    return "; ".join(
        f"{uid_info(uid).name} ({uid}): {reason}" if _known(uid) else f"{uid}: {reason}"
        for uid, reason in rejected_contexts(request, accept.contexts)
    )


# Acceptor: the Server is in .server ----------------------------------------------


def storage_policy(ae_title: str, sop_classes: Sequence[str], transfer_syntaxes: Sequence[str] = (), **options: object) -> AcceptorPolicy:
    """An :class:`AcceptorPolicy` for these SOP classes, preferring Explicit VR LE."""
    syntaxes = tuple(transfer_syntaxes) or DEFAULT_TRANSFER_SYNTAXES
    return AcceptorPolicy(ae_title, {uid: syntaxes for uid in sop_classes}, **options)  # type: ignore[arg-type]

__all__ = [
    "Association",
    "Handlers",
    "NResult",
    "Progress",
    "Proposal",
    "QueryRequest",
    "Request",
    "Responses",
    "StoreRequest",
    "Timeouts",
    "associate",
    "storage_policy",
]
