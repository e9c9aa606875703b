"""DICOM message exchange (PS3.7) over an association: the DIMSE messages sent and received.

:class:`MessageExchange` is mixed into :class:`~.aio.Association` (as :class:`~.scu.Requestor`
and :class:`~.scp.Dispatcher` are): a message is sent as PDUs with the transport's flow
control (:meth:`~MessageExchange._send`), a response is matched to its request by Message ID,
and the requests received (and the A-RELEASE-RQ after them) wait in one queue, read from the
peer no faster than they are answered, for the one worker that answers them in order.
Split from :mod:`.aio` (which keeps the transport, the association's establishment, release
and abort, and the timers), as that was past 600 lines.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import mmap
from typing import TYPE_CHECKING

from ..dataset import Dataset
from ..dictionary import uid_info
from .association import AcceptedContext, AssociationError, Connection, Event, ReleaseRequested
from .dimse import Message
from .messages import command, number
from .scu import _known

if TYPE_CHECKING:
    from .aio import Association, Timeouts
    from .scp import Handlers

__all__ = ["QUEUED_BYTES", "QUEUED_REQUESTS", "MessageExchange"]

log = logging.getLogger("dicom_runtime.net")

QUEUED_REQUESTS = 32
"""Requests received and not answered yet that an association holds before it stops
reading from its peer (TCP then holds the peer back), and starts again at half."""
QUEUED_BYTES = 64 * 1024 * 1024
"""The same bound on the bytes of those requests."""

_FLUSH_AT = 256 * 1024
"""Bytes of PDUs made before they are written to the transport while a message is sent."""
_UNMAP_EVERY = 8 * 1024 * 1024
"""While a memory-mapped data set is sent, its pages read so far are dropped from the
process every this many bytes written (they count in its resident set until then)."""


def _drop_pages(mapped: mmap.mmap) -> None:
    """Drop a read-only file mapping's pages from the process (they are read again from the
    page cache where touched again): the resident set does not grow with the file sent."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        mapped.madvise(mmap.MADV_DONTNEED)


class MessageExchange:
    """Sending DIMSE messages, matching responses to requests, and the queue of requests
    received with the worker that answers them: the message half of :class:`~.aio.Association`."""

    if TYPE_CHECKING:
        _conn: Connection
        _transport: asyncio.Transport | None
        _loop: asyncio.AbstractEventLoop
        _closed: asyncio.Future[str]
        _responses: dict[int, asyncio.Queue[Message | None]]
        _requests: asyncio.Queue[Message | ReleaseRequested | None]
        _queued_bytes: int
        _reading_paused: bool
        _serving: bool
        _cancelled: set[int]
        _outstanding: collections.Counter[int]
        _can_write: asyncio.Event
        _sending: asyncio.Lock
        _ids: itertools.count[int]
        _worker: asyncio.Task[None] | None
        handlers: Handlers
        timeouts: Timeouts
        peer: str

        @property
        def _association(self) -> Association: ...
        def _process(self, events: list[Event]) -> None: ...
        def _flush(self) -> None: ...
        def abort(self, reason: str = "aborted by the local user", *, hard: bool = False) -> None: ...
        async def _serve(self, message: Message) -> None: ...

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
            # PS3.7 9.3.2.3: a C-CANCEL-RQ is for an operation in progress; one for no request of
            # this association (answered already: a late cancel) is dropped, as it would otherwise
            # cancel the next request that reuses its Message ID before it starts
            target = number(message.command, "MessageIDBeingRespondedTo")
            if target is not None and self._outstanding[target]:
                self._cancelled.add(target)
            else:
                log.debug("%s: a C-CANCEL-RQ for Message ID %s, which no request in progress has; ignored", self.peer, target)
        else:
            self._outstanding[_message_id(message)] += 1
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
            # the PDU and message the peer was sending waited on us: their deadlines count from now (.deadlines)
            self._conn.clocks.restart(self._loop.time())
            if self._transport is not None and not self._transport.is_closing():
                self._transport.resume_reading()

    def _start_worker(self) -> None:
        if self._worker is None:
            self._worker = self._loop.create_task(self._serve_requests())

    async def _stop_worker(self) -> None:
        if self._worker is not None and self._worker is not asyncio.current_task():
            self._requests.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    def _worker_idle(self) -> bool:
        """Whether the association waits on the peer alone: no request queued or being answered
        (a C-MOVE's sub-operations, a long C-FIND), none of ours awaiting a response."""
        return self._requests.empty() and not self._responses and not self._serving

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
            self._serving = True
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
                self._serving = False
                message.close()  # a spilled data set's file is freed once answered
                self._answered(message)

    def _answered(self, message: Message) -> None:
        """A request has had its final response: a C-CANCEL-RQ no longer names it."""
        message_id = _message_id(message)
        self._outstanding[message_id] -= 1
        if self._outstanding[message_id] <= 0:
            del self._outstanding[message_id]
            self._cancelled.discard(message_id)

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
                await handler(self._association)
            except Exception:  # the release goes ahead: the peer asked for it
                log.exception("%s: release handler failed", self.peer)
        self._process(self._conn.answer_release())

    # Messages out
    async def _send(self, context_id: int, command_set: Dataset, data: bytes | memoryview | None = None) -> None:
        """Send one DIMSE message. Its PDUs are made one at a time (from ``data`` as it is, a
        memory map's view included) and written every :data:`_FLUSH_AT` bytes; whenever the
        transport's buffer is past its high-water mark, the next is made once it has drained,
        so an association holds at most about ``_FLUSH_AT`` plus the transport's high-water
        mark plus one PDU of a message being sent, whatever its size."""
        async with self._sending:
            self._check_open()
            steps = self._conn.send_stepwise(context_id, command_set, data)
            mapped = data.obj if isinstance(data, memoryview) and isinstance(data.obj, mmap.mmap) else None
            written = 0
            try:
                for waiting in steps:
                    if waiting >= _FLUSH_AT:
                        self._flush()
                        await self._writable()
                        await asyncio.sleep(0)  # the other associations' turn, though the transport took it all
                        self._check_open()
                        written += waiting
                        if mapped is not None and written >= _UNMAP_EVERY:
                            _drop_pages(mapped)
                            written = 0
                self._flush()
                await self._writable()
            finally:
                steps.close()
                if mapped is not None:
                    _drop_pages(mapped)

    def _check_open(self) -> None:
        if self._closed.done():
            raise AssociationError(f"{self.peer}: the association has ended ({self._closed.result() or 'released'})")

    async def _writable(self) -> None:
        """Return once the transport is below its high-water mark; an AssociationError if the
        association ends meanwhile, or (and it is aborted) if the peer reads nothing for the
        network timeout."""
        if not self._can_write.is_set():
            # A peer that does not read what is sent to it is dropped after the idle timeout.
            waiter = asyncio.ensure_future(self._can_write.wait())
            try:
                done, _ = await asyncio.wait((waiter, self._closed), timeout=self.timeouts.network, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
            if not done:
                reason = f"the peer has read nothing sent to it for {self.timeouts.network:g} s"
                self.abort(reason, hard=True)
                raise AssociationError(f"{self.peer}: {reason}")
            self._check_open()

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
        self, context: AcceptedContext, name: str, data: bytes | memoryview | None, **fields: object
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

    async def _single(self, context: AcceptedContext, name: str, data: bytes | memoryview | None, **fields: object) -> Message:
        message_id, queue = await self._exchange(context, name, data, **fields)
        try:
            return await self._response(queue, name)
        finally:
            self._responses.pop(message_id, None)


def _message_id(message: Message) -> int:
    value = number(message.command, "MessageID")
    return -1 if value is None else value
