"""The acceptor: a :class:`Server` listens and serves associations (:class:`.aio.Association`)
with its handlers, within bounds on memory, connections and open files.

Split from :mod:`.aio` (the transport and the association), which was past 600 lines.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Mapping
from typing import Any

from . import dimse
from .aio import DEFAULT_MESSAGE_BUDGET, DEFAULT_UNASSOCIATED_BUDGET, Association, Handlers, Timeouts, _Protocol
from .association import AcceptorPolicy, Connection
from .dimse import DEFAULT_MAX_MESSAGE_SIZE, Budget, Spill

__all__ = ["FILES_RESERVED", "LOG_INTERVAL", "Server", "raise_file_limit"]

log = logging.getLogger("dicom_runtime.net")


class Server:
    """An SCP: accepts associations by ``policy`` and serves them with ``handlers``.

    ``max_associations`` concurrent associations are served; more are rejected
    (rejected-transient, local-limit-exceeded). ``destinations`` maps C-MOVE
    destination AE titles to (host, port). Memory is bounded: an unfinished data set
    beyond ``spill.threshold`` bytes, or beyond what ``message_budget`` (shared by all
    associations) has left, goes on in a temporary file in ``spill.directory``
    (:mod:`.spill`); a data set beyond ``max_message_size``, spilled bytes beyond
    ``spill.budget`` across associations, and bytes beyond ``unassociated_budget`` across
    connections not associated yet are each an abort of the association that would
    exceed them (``spill=True``: the defaults of :class:`~.spill.Spill`, in the system's
    temporary folder; ``False``: nothing is spilled, and the message budget is such a
    bound too); an
    association stops reading while :data:`QUEUED_REQUESTS` requests wait for answers,
    and one whose peer reads nothing for the idle timeout (``Timeouts.network``) is reset;
    one whose peer sends no PDU that carries progress for it, or is slower than it to finish
    a PDU or a DIMSE message begun, is aborted (:mod:`.deadlines`: bytes alone are not progress).
    """

    def __init__(
        self,
        policy: AcceptorPolicy,
        handlers: Handlers,
        *,
        tls: ssl.SSLContext | None = None,
        max_associations: int = 64,
        timeouts: Timeouts = Timeouts(),
        destinations: Mapping[str, tuple[str, int]] | None = None,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        message_budget: int = DEFAULT_MESSAGE_BUDGET,
        unassociated_budget: int = DEFAULT_UNASSOCIATED_BUDGET,
        spill: Spill | bool = True,
    ) -> None:
        self.policy = policy
        self.handlers = handlers
        self.tls = tls
        self.max_associations = max_associations
        self.timeouts = timeouts
        self.destinations: dict[str, tuple[str, int]] = dict(destinations or {})
        self.max_message_size = max_message_size
        self.message_budget = Budget(message_budget)
        self.spill: Spill | None = Spill() if spill is True else spill or None
        self.unassociated_budget = unassociated_budget
        self.unassociated_bytes = 0
        self.file_limit = 0
        self.max_connections = 1 << 30
        self._refused = 0
        self.active = 0
        self.associations: set[Association] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    def _factory(self) -> _Protocol:
        connection = Connection(
            requestor=False,
            max_pdu_length=self.policy.max_pdu_length,
            artim_timeout=self.timeouts.artim,
            max_message_size=self.max_message_size,
            answer_release=False,
            message_budget=self.message_budget,
            spill=self.spill,
        )
        association = Association(connection, handlers=self.handlers, timeouts=self.timeouts, server=self)
        if len(self.associations) >= self.max_connections:
            self._refused += 1
            _rate_limited(
                "connections", "%d connection(s) refused: %d are open, the most that %d open files allow",
                self._refused, len(self.associations), self.file_limit,
            )
            return _Refused(association)
        self.associations.add(association)
        return _Protocol(association, self.tls)

    def _forget(self, association: Association) -> None:
        self.associations.discard(association)
        if getattr(association, "_counted", False):
            association._counted = False
            self.active -= 1

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen; returns the port (useful with ``port=0``). What serving needs is loaded
        first, so the first association is served as fast as the next ones."""
        loop = asyncio.get_running_loop()
        await asyncio.to_thread(dimse.preload)
        self.file_limit = raise_file_limit()
        self.max_connections = max(8, (self.file_limit - FILES_RESERVED) // 3)
        if self.max_connections < self.max_associations:
            log.warning(
                "%d open files allow %d connections, fewer than max_associations (%d)",
                self.file_limit, self.max_connections, self.max_associations,
            )
        if loop.get_exception_handler() is None:
            loop.set_exception_handler(_loop_exception)
        # TLS is started on each connection by the association (its handshake within ARTIM, failures logged).
        self._server = await loop.create_server(self._factory, host, port, reuse_address=True, backlog=256)
        sockets = self._server.sockets
        self.port = sockets[0].getsockname()[1] if sockets else port
        return self.port

    async def serve_forever(self) -> None:
        assert self._server is not None
        await self._server.serve_forever()

    async def close(self) -> None:
        """Stop listening and abort the associations still open."""
        if self._server is not None:
            self._server.close()
        for association in list(self.associations):
            association.abort("the server is shutting down")
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> Server:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


FILES_RESERVED = 32
"""Open files kept for everything but connections (journal, log, files being read or written)."""


def raise_file_limit() -> int:
    """Raise this process's soft limit of open files to its hard limit where allowed (Linux,
    macOS); the soft limit now. A server serves at most a third of it, less a reserve, as
    connections: each may also hold a file and a C-MOVE's association."""
    try:
        import resource
    except ImportError:  # not POSIX
        return 1 << 16
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 16)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            log.warning("the open-file limit stays %d (cannot raise it to %d: %s)", soft, target, exc)
            return int(soft)
        log.info("open-file limit raised from %d to %d", soft, target)
        return int(target)
    return int(soft) if soft != resource.RLIM_INFINITY else 1 << 16


_LAST_LOGGED: dict[str, tuple[float, int]] = {}
LOG_INTERVAL = 10.0
"""Seconds between two log lines of one kind of repeated trouble (refused connections, accept errors)."""


def _rate_limited(kind: str, message: str, *args: object) -> None:
    """Log ``message`` at most once per LOG_INTERVAL for ``kind``, saying how many were not logged."""
    now = time.monotonic()
    last, skipped = _LAST_LOGGED.get(kind, (-LOG_INTERVAL, 0))
    if now - last < LOG_INTERVAL:
        _LAST_LOGGED[kind] = (last, skipped + 1)
        return
    _LAST_LOGGED[kind] = (now, 0)
    suffix = f" ({skipped} more since the last such line)" if skipped else ""
    log.warning(message + suffix, *args)


def _loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The event loop's errors (asyncio's accept loop out of file descriptors...): one line,
    rate-limited per kind; the traceback at debug level."""
    message = str(context.get("message", "event loop error"))
    exception = context.get("exception")
    _rate_limited(message, "%s: %s", message, exception or "")
    if exception is not None and log.isEnabledFor(logging.DEBUG):
        log.debug("%s", message, exc_info=exception)


class _Refused(_Protocol):
    """A connection beyond what the open-file limit allows: closed at once, nothing read."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.abort()  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        pass

    def connection_lost(self, exc: Exception | None) -> None:
        pass
