"""The asyncio adapter: associations over TCP (or TLS) driven by the sans-I/O core.

An :class:`Association` owns one transport and one :class:`~.association.Connection`.
As a requestor (:func:`associate`) it offers the DIMSE-C and DIMSE-N services as
an SCU: ``echo``, ``store``, ``find``, ``move``, ``get`` and the ``n_*`` methods.
As an acceptor (made by a :class:`.server.Server`) it answers requests with the async
handlers of :class:`Handlers`. Requests arriving on a requestor's association
(C-STORE sub-operations of a C-GET, N-EVENT-REPORT) go to its handlers too.

Every socket has TCP_NODELAY set: without it, each small PDU waits on Nagle's
algorithm and the peer's delayed ACK (about 40 ms a message on Linux).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from ..dataset import Dataset
from ..dictionary import uid_info
from ..errors import DicomError
from ..fileformat import (
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLEMENTATION_CLASS_UID,
    IMPLEMENTATION_VERSION_NAME,
    IMPLICIT_VR_LITTLE_ENDIAN,
    encoding_of,
)
from ..objects import DicomObject
from ..reader import read_dataset
from ..services import QueryIdentifier
from ..writer import encode_dataset
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
    Event,
    MessageReceived,
    Released,
    ReleaseRequested,
    context_answers,
    describe_contexts,
    describe_reject,
    negotiate,
)
from .dimse import Message
from .transcode import choose_context, in_syntax
from .instances import Instance, identifier_dataset, typed_identifier
from .messages import NAME_OF, RESPONSE_OF, VERIFICATION, Status, command, number, status_of, text
from .scp import (
    Dispatcher,
    EchoHandler,
    FindHandler,
    Handlers,
    NHandler,
    QueryRequest,
    ReleaseHandler,
    Request,
    RetrieveHandler,
    StoreHandler,
    StoreRequest,
)
from .pdu import AssociateAC, AssociateRJ, AssociateRQ, PresentationContextRQ, RoleSelection, UserIdentity, UserInformation

if TYPE_CHECKING:
    from .server import Server

log = logging.getLogger("dicom_runtime.net")

DEFAULT_TRANSFER_SYNTAXES = (EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN)
QUEUED_REQUESTS = 32
"""Requests received and not answered yet that an association holds before it stops
reading from its peer (TCP then holds the peer back), and starts again at half."""
QUEUED_BYTES = 64 * 1024 * 1024
"""The same bound on the bytes of those requests."""
IGNORED_AFTER_ABORT = 1024 * 1024
"""Bytes read (and ignored) after this side's A-ABORT before the connection is reset."""
DEFAULT_MESSAGE_BUDGET = 32 * 1024 * 1024
"""Bytes all the unfinished DIMSE messages of a server's associations may hold together in
memory; a data set beyond what is left is spilled to a temporary file (:mod:`.spill`)."""
DEFAULT_UNASSOCIATED_BUDGET = 16 * 1024 * 1024
"""Bytes all of a server's connections that are not associated yet may hold together
(a legitimate A-ASSOCIATE-RQ takes a few KiB)."""
Q = TypeVar("Q", bound=QueryIdentifier)
R = TypeVar("R")


@dataclass(frozen=True)
class Timeouts:
    """Seconds: TCP connect, ACSE (association and release answers), DIMSE (a
    response), network (an idle association), ARTIM (PS3.8 9.1.5)."""

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


# Results as the SCU sees them -------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """A C-MOVE or C-GET response: status and sub-operation counts."""

    status: Status
    remaining: int | None
    completed: int | None
    failed: int | None
    warning: int | None
    failed_instances: tuple[str, ...] = ()
    """The Failed SOP Instance UID List (0008,0058) of the response, if any."""


@dataclass(frozen=True)
class NResult:
    """A DIMSE-N response: status, the affected SOP instance and the data set if any."""

    status: Status
    sop_instance: str
    dataset: Dataset | None


class Responses(Generic[R]):
    """The responses of a C-FIND, C-MOVE or C-GET, as an async iterator of pending
    results; ``status`` is the final status once iteration ends."""

    def __init__(self, source: AsyncIterator[R], cancel: Callable[[], Awaitable[None]]) -> None:
        self._source = source
        self._cancel = cancel
        self.status: Status | None = None
        self.received: list[Instance] = []  # C-GET: the instances stored on this association

    def __aiter__(self) -> Responses[R]:
        return self

    async def __anext__(self) -> R:
        return await self._source.__anext__()

    async def cancel(self) -> None:
        """Send C-CANCEL-RQ for this request."""
        await self._cancel()

    async def all(self) -> list[R]:
        return [item async for item in self]


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


class Association(Dispatcher):
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
        self._unassociated = 0  # bytes counted in the server's budget for connections not yet associated
        self._ignored = 0  # bytes received after this side aborted
        self._raw: asyncio.Transport | None = None  # the TCP transport under a TLS handshake
        self._handshaking: asyncio.Task[None] | None = None
        self._cancelled: set[int] = set()
        self._can_write = asyncio.Event()
        self._can_write.set()
        self._ids = itertools.count(1)
        self._worker: asyncio.Task[None] | None = None
        self._artim: asyncio.TimerHandle | None = None
        self._artim_at: float | None = None
        self._idle: asyncio.TimerHandle | None = None
        self._last_activity = self._loop.time()
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
        self._last_activity = self._loop.time()
        if self._conn.state == "Sta13":  # after our A-ABORT, -RJ or -RELEASE-RP: waiting for the close
            self._ignored += len(data)
            if self._ignored > IGNORED_AFTER_ABORT and self._transport is not None:
                self._transport.abort()  # a peer that goes on sending is reset, not read on until ARTIM
                return
        try:
            self._process(self._conn.receive(data, self._last_activity))
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
                log.warning("%s (%s): %s", self.peer, self.calling_ae or "?", event.detail)
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

    def _arm_idle(self) -> None:
        self._idle = self._loop.call_at(self._last_activity + self.timeouts.network, self._idle_check)

    def _idle_check(self) -> None:
        if self._closed.done():
            return
        if self._loop.time() - self._last_activity >= self.timeouts.network and self._worker_idle():
            self.abort(f"no data for {self.timeouts.network:g} s")
        else:
            self._arm_idle()

    def _worker_idle(self) -> bool:
        return self._requests.empty() and not self._responses

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
            detail = ""
            if (answer.source, answer.reason) == (1, 1) and request.contexts:
                if all(c.result != 0 for c in context_answers(request, server.policy)):
                    detail = f" (no presentation context accepted: {describe_contexts(request, server.policy)})"
            # A wrong called AE title is named (the calling one is not what was wrong).
            who = (
                f"calling AE {request.calling_ae}, called AE {request.called_ae!r} is not {server.policy.ae_title!r}"
                if (answer.source, answer.reason) == (1, 7) else request.calling_ae
            )
            log.warning("%s (%s): association %s%s", self.peer, who, describe_reject(answer), detail)
            self._conn.reject(answer)
            return
        server.active += 1
        self._counted = True
        self._conn.accept(answer)
        self._start_worker()

    # Messages in
    def _dispatch(self, message: Message) -> None:
        field = message.command_field
        if field & 0x8000:
            queue = self._responses.get(number(message.command, "MessageIDBeingRespondedTo") or -1)
            if queue is None:
                log.warning("%s: a response to no outstanding request; ignored", self.peer)
            else:
                queue.put_nowait(message)
        elif field == 0x0FFF:
            self._cancelled.add(number(message.command, "MessageIDBeingRespondedTo") or -1)
        else:
            self._queue(message)

    def _queue(self, item: Message | ReleaseRequested) -> None:
        """A request for the worker; reading stops while too many wait (backpressure)."""
        self._requests.put_nowait(item)
        if isinstance(item, Message):
            self._queued_bytes += item.held
        if not self._reading_paused and (
            self._requests.qsize() >= QUEUED_REQUESTS or self._queued_bytes >= QUEUED_BYTES
        ) and self._transport is not None:
            self._reading_paused = True
            self._transport.pause_reading()

    def _dequeued(self, item: Message | ReleaseRequested) -> None:
        if isinstance(item, Message):
            self._queued_bytes -= item.held
        if self._reading_paused and self._requests.qsize() <= QUEUED_REQUESTS // 2 and self._queued_bytes < QUEUED_BYTES // 2:
            self._reading_paused = False
            if self._transport is not None and not self._transport.is_closing():
                self._transport.resume_reading()

    def _start_worker(self) -> None:
        if self._worker is None:
            self._worker = self._loop.create_task(self._serve_requests())

    async def _serve_requests(self) -> None:
        while True:
            message = await self._requests.get()
            if message is None or self._closed.done():
                self._drop_queued(message)
                return  # an ended association: what is still queued cannot be answered
            self._dequeued(message)
            if isinstance(message, ReleaseRequested):
                await self._answer_release()
                continue
            try:
                await self._serve(message)
            except AssociationError as exc:
                if self._closed.done():
                    return  # the end of the association is logged where it happened
                log.warning("%s: %s", self.peer, exc)
            except Exception as exc:  # never a request left without an answer: the association ends
                log.error("%s: a request could not be answered (%s); association aborted", self.peer, exc)
                log.debug("%s: traceback", self.peer, exc_info=True)
                self.abort("a request could not be answered")
            finally:
                message.close()  # a spilled data set's file is freed once answered

    def _drop_queued(self, first: Message | ReleaseRequested | None) -> None:
        """Free the spilled data sets of requests that will not be answered (the association ended)."""
        item = first
        while True:
            if isinstance(item, Message):
                item.close()
            try:
                item = self._requests.get_nowait()
            except asyncio.QueueEmpty:
                return

    async def _answer_release(self) -> None:
        """Every request before the A-RELEASE-RQ is answered: run the release handler,
        then send A-RELEASE-RP."""
        handler = self.handlers.release
        if handler is not None:
            try:
                await handler(self)
            except Exception:  # the release goes ahead: the peer asked for it
                log.exception("%s: release handler failed", self.peer)
        self._process(self._conn.answer_release())

    # Messages out
    async def _send(self, context_id: int, command_set: Dataset, data: bytes | None = None) -> None:
        if self._closed.done():
            raise AssociationError(f"{self.peer}: the association has ended ({self._closed.result() or 'released'})")
        self._conn.send_message(context_id, command_set, data)
        self._flush()
        if not self._can_write.is_set():
            # A peer that does not read what is sent to it is dropped after the idle timeout.
            try:
                async with asyncio.timeout(self.timeouts.network):
                    await self._can_write.wait()
            except TimeoutError:
                reason = f"the peer has read nothing sent to it for {self.timeouts.network:g} s"
                self.abort(reason, hard=True)
                raise AssociationError(f"{self.peer}: {reason}") from None

    async def _response(self, queue: asyncio.Queue[Message | None], operation: str) -> Message:
        try:
            async with asyncio.timeout(self.timeouts.dimse):
                message = await queue.get()
        except TimeoutError:
            self.abort(f"{operation}: no response within {self.timeouts.dimse:g} s")
            raise AssociationError(f"{self.peer}: {operation}: no response within {self.timeouts.dimse:g} s") from None
        if message is None:
            reason = self._closed.result() if self._closed.done() else ""
            raise AssociationError(f"{self.peer}: {operation}: the association ended ({reason or 'released'})")
        return message

    def _context_for(self, sop_class: str, transfer_syntax: str = "", *, as_scp: bool = False) -> AcceptedContext:
        candidates = [c for c in self._conn.contexts.values() if c.abstract_syntax == sop_class and (c.scp or not as_scp)]
        if not candidates:
            name = uid_info(sop_class).name if _known(sop_class) else sop_class
            role = " with the SCP role" if as_scp else ""
            raise AssociationError(f"{self.peer}: no accepted presentation context for {name}{role}")
        for context in candidates:
            if context.transfer_syntax == transfer_syntax:
                return context
        return candidates[0]

    async def _exchange(
        self, context: AcceptedContext, name: str, data: bytes | None, **fields: object
    ) -> tuple[int, asyncio.Queue[Message | None]]:
        message_id = next(self._ids) & 0xFFFF
        queue: asyncio.Queue[Message | None] = asyncio.Queue()
        self._responses[message_id] = queue
        try:
            await self._send(context.context_id, command(name, data_set=data is not None, MessageID=message_id, **fields), data)
        except BaseException:
            del self._responses[message_id]
            raise
        return message_id, queue

    async def _single(self, context: AcceptedContext, name: str, data: bytes | None, **fields: object) -> Message:
        message_id, queue = await self._exchange(context, name, data, **fields)
        try:
            return await self._response(queue, name)
        finally:
            self._responses.pop(message_id, None)

    # SCU: DIMSE-C
    async def echo(self) -> Status:
        """C-ECHO (Verification SOP Class)."""
        context = self._context_for(VERIFICATION)
        return status_of((await self._single(context, "C-ECHO-RQ", None, AffectedSOPClassUID=VERIFICATION)).command)

    async def store(
        self,
        instance: Instance | Dataset | DicomObject | str | Path,
        *,
        priority: int = 0,
        move_originator: tuple[str, int] | None = None,
    ) -> Status:
        """C-STORE of a generated IOD instance, a data set, an :class:`Instance` or a file.

        A file's data set is sent as stored when its transfer syntax was accepted, and
        transcoded otherwise (:mod:`.transcode`: to a native syntax the peer accepted, else a
        lossless compressed one; compressed Pixel Data needs the ``pixels`` extra).
        """
        if isinstance(instance, (str, Path)):
            instance = Instance.from_file(instance)
        if isinstance(instance, Instance):
            context = self._context_for(instance.sop_class, instance.transfer_syntax)
            context = choose_context(instance, context, self._conn.contexts.values())
            instance = in_syntax(instance, context.transfer_syntax)  # transcoded if the peer took none of its own
        else:
            dataset = instance if isinstance(instance, Dataset) else _to_dataset(instance)
            sop_class = dataset.value(0x00080016)
            context = self._context_for(sop_class if isinstance(sop_class, str) else "", EXPLICIT_VR_LITTLE_ENDIAN)
            instance = Instance.from_dataset(dataset, context.transfer_syntax)
        reply = await self._single(
            context,
            "C-STORE-RQ",
            instance.data,
            AffectedSOPClassUID=instance.sop_class,
            Priority=priority,
            AffectedSOPInstanceUID=instance.sop_instance,
            MoveOriginatorApplicationEntityTitle=move_originator[0] if move_originator else None,
            MoveOriginatorMessageID=move_originator[1] if move_originator else None,
        )
        return status_of(reply.command)

    @overload
    def find(self, identifier: Q, *, sop_class: str = "", priority: int = 0) -> Responses[Q]: ...
    @overload
    def find(self, identifier: Dataset, *, sop_class: str, priority: int = 0) -> Responses[Dataset]: ...
    def find(
        self, identifier: QueryIdentifier | Dataset, *, sop_class: str = "", priority: int = 0
    ) -> Responses[Any]:
        """C-FIND: an async iterator of matches (typed like ``identifier``), then ``status``."""
        uid = sop_class or _model_sop_class(identifier, "FIND")
        state: dict[str, int] = {}

        async def matches() -> AsyncIterator[QueryIdentifier | Dataset]:
            context = self._context_for(uid)
            message_id, queue = await self._exchange(
                context, "C-FIND-RQ", self._encode(identifier, context), AffectedSOPClassUID=uid, Priority=priority
            )
            state["id"] = message_id
            try:
                while True:
                    reply = await self._response(queue, "C-FIND")
                    status = status_of(reply.command)
                    if not status.is_pending:
                        responses.status = status
                        return
                    found = read_dataset(reply.data or b"", encoding_of(context.transfer_syntax), source="C-FIND response")
                    yield typed_identifier(type(identifier), found) if isinstance(identifier, QueryIdentifier) else found
            finally:
                self._responses.pop(message_id, None)

        responses: Responses[Any] = Responses(matches(), lambda: self._cancel(uid, state))
        return responses

    def move(
        self, identifier: QueryIdentifier | Dataset, destination: str, *, sop_class: str = "", priority: int = 0
    ) -> Responses[Progress]:
        """C-MOVE to the AE title ``destination``: an async iterator of pending progress."""
        uid = sop_class or _model_sop_class(identifier, "MOVE")
        return self._retrieve("C-MOVE-RQ", uid, identifier, priority, MoveDestination=destination)

    def get(
        self,
        identifier: QueryIdentifier | Dataset,
        *,
        sop_class: str = "",
        priority: int = 0,
        store: StoreHandler | None = None,
    ) -> Responses[Progress]:
        """C-GET: the instances arrive as C-STORE sub-operations on this association
        (propose the storage SOP classes with ``scp_role=True``). Without ``store``
        they are kept in ``received`` and answered with Success."""
        uid = sop_class or _model_sop_class(identifier, "GET")
        responses = self._retrieve("C-GET-RQ", uid, identifier, priority)

        async def keep(request: StoreRequest) -> int:
            responses.received.append(request.instance)
            return 0

        self._get_store = store or keep
        return responses

    def _retrieve(
        self, name: str, uid: str, identifier: QueryIdentifier | Dataset, priority: int, **fields: object
    ) -> Responses[Progress]:
        state: dict[str, int] = {}

        async def progress() -> AsyncIterator[Progress]:
            context = self._context_for(uid)
            message_id, queue = await self._exchange(
                context, name, self._encode(identifier, context), AffectedSOPClassUID=uid, Priority=priority, **fields
            )
            state["id"] = message_id
            try:
                while True:
                    reply = await self._response(queue, name[:-3])
                    step = Progress(
                        status_of(reply.command),
                        number(reply.command, "NumberOfRemainingSuboperations"),
                        number(reply.command, "NumberOfCompletedSuboperations"),
                        number(reply.command, "NumberOfFailedSuboperations"),
                        number(reply.command, "NumberOfWarningSuboperations"),
                        _failed_list(reply.data, context.transfer_syntax),
                    )
                    if not step.status.is_pending:
                        responses.status = step.status
                        responses.final = step  # type: ignore[attr-defined]
                        return
                    yield step
            finally:
                self._responses.pop(message_id, None)
                self._get_store = None

        responses: Responses[Progress] = Responses(progress(), lambda: self._cancel(uid, state))
        return responses

    async def _cancel(self, uid: str, state: dict[str, int]) -> None:
        if "id" in state:
            await self._send(self._context_for(uid).context_id, command("C-CANCEL-RQ", MessageIDBeingRespondedTo=state["id"]))

    @staticmethod
    def _encode(identifier: QueryIdentifier | Dataset, context: AcceptedContext) -> bytes:
        dataset = identifier if isinstance(identifier, Dataset) else identifier_dataset(identifier)
        return encode_dataset(dataset, encoding_of(context.transfer_syntax))

    # SCU (or SCP, for N-EVENT-REPORT): DIMSE-N
    async def _n(
        self, name: str, sop_class: str, data: Dataset | None, context_class: str, **fields: object
    ) -> NResult:
        context = self._context_for(context_class or sop_class)
        body = None if data is None else encode_dataset(data, encoding_of(context.transfer_syntax))
        reply = await self._single(context, name, body, **fields)
        dataset = None
        if reply.data is not None:
            dataset = read_dataset(reply.data, encoding_of(context.transfer_syntax), source=f"{name[:-3]} response")
        return NResult(status_of(reply.command), text(reply.command, "AffectedSOPInstanceUID"), dataset)

    async def n_get(self, sop_class: str, instance: str, attributes: Sequence[int] = (), *, context_class: str = "") -> NResult:
        """N-GET: ``attributes`` are tags (none: all)."""
        return await self._n(
            "N-GET-RQ", sop_class, None, context_class, RequestedSOPClassUID=sop_class,
            RequestedSOPInstanceUID=instance, AttributeIdentifierList=list(attributes) or None,
        )

    async def n_set(self, sop_class: str, instance: str, modifications: Dataset, *, context_class: str = "") -> NResult:
        return await self._n(
            "N-SET-RQ", sop_class, modifications, context_class, RequestedSOPClassUID=sop_class,
            RequestedSOPInstanceUID=instance,
        )

    async def n_action(
        self, sop_class: str, instance: str, action_type: int, information: Dataset | None = None, *, context_class: str = ""
    ) -> NResult:
        return await self._n(
            "N-ACTION-RQ", sop_class, information, context_class, RequestedSOPClassUID=sop_class,
            RequestedSOPInstanceUID=instance, ActionTypeID=action_type,
        )

    async def n_create(
        self, sop_class: str, instance: str | None = None, attributes: Dataset | None = None, *, context_class: str = ""
    ) -> NResult:
        return await self._n(
            "N-CREATE-RQ", sop_class, attributes, context_class, AffectedSOPClassUID=sop_class,
            AffectedSOPInstanceUID=instance,
        )

    async def n_delete(self, sop_class: str, instance: str, *, context_class: str = "") -> NResult:
        return await self._n(
            "N-DELETE-RQ", sop_class, None, context_class, RequestedSOPClassUID=sop_class,
            RequestedSOPInstanceUID=instance,
        )

    async def n_event_report(
        self, sop_class: str, instance: str, event_type: int, information: Dataset | None = None, *, context_class: str = ""
    ) -> NResult:
        return await self._n(
            "N-EVENT-REPORT-RQ", sop_class, information, context_class, AffectedSOPClassUID=sop_class,
            AffectedSOPInstanceUID=instance, EventTypeID=event_type,
        )

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

    async def _stop_worker(self) -> None:
        if self._worker is not None and self._worker is not asyncio.current_task():
            self._requests.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

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


def _failed_list(data: bytes | None, transfer_syntax: str) -> tuple[str, ...]:
    """The Failed SOP Instance UID List of a C-MOVE or C-GET response's identifier."""
    if not data:
        return ()
    try:
        value = read_dataset(data, encoding_of(transfer_syntax), source="C-MOVE/C-GET response").value(0x00080058)
    except DicomError:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _consume(future: asyncio.Future[AssociateAC]) -> None:
    if not future.cancelled():
        future.exception()  # mark retrieved: a rejected association is reported by associate()


def _to_dataset(obj: DicomObject) -> Dataset:
    from ..typed import to_dataset

    return to_dataset(obj)


def _known(uid: str) -> bool:
    try:
        uid_info(uid)
    except DicomError:
        return False
    return True


def _model_sop_class(identifier: QueryIdentifier | Dataset, operation: str) -> str:
    if isinstance(identifier, Dataset):
        raise AssociationError(f"C-{operation} of a plain data set needs sop_class=")
    for uid in identifier.SOP_CLASSES:
        if _known(uid) and operation in uid_info(uid).name.upper():
            return uid
    raise AssociationError(f"{type(identifier).__name__} has no C-{operation} SOP class")


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
    PS3.8 reason if the peer rejects it or cannot be reached."""
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
    return association


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
