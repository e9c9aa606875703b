"""The receive-side deadlines of an acceptor's association: bytes alone are not progress.

A peer that sent one byte just inside the idle timeout, again and again, held its association
(and one of ``max_associations``) forever, as did one that sent empty P-DATA-TFs: any bytes
restarted the idle timer. Now three clocks, kept by the sans-I/O
:class:`~.association.Connection` (:class:`Clocks`) and watched by the adapter
(:class:`ReceiveTimers`, mixed into :class:`~.aio.Association`), each end the association
with an A-ABORT and a log line naming the peer, the state and the reason, all with the
network timeout (``Timeouts.network``, ``--idle-timeout``) as ``network``:

- *idle*: no PDU that carries progress for ``network`` seconds while no request is being
  answered. Progress is any PDU but a P-DATA-TF whose PDVs hold no byte and complete no
  message (PS3.8 E.1 forbids sending such empty PDVs, and asks receivers to take them: they
  are taken, as nothing). A P-DATA-TF with no PDV at all is an invalid PDU (PS3.8 9.3.5),
  an A-ABORT at once (:func:`.pdu.decode_pdu`).
- *PDU*: a PDU must be complete ``network`` seconds after its first byte arrived.
- *message*: a DIMSE message, which a peer may send as an endless trickle of tiny valid
  P-DATA-TFs, each carrying a byte, must be complete ``network`` seconds after its first PDV,
  plus one second per :data:`MESSAGE_MIN_RATE` bytes received of it: a data set that comes at
  1 KiB/s or faster is received whatever its size, one trickled more slowly is not.

Before the association, ARTIM (PS3.8 9.1.5; ``Timeouts.artim``) bounds the A-ASSOCIATE-RQ
too: started on the transport connection (AE-5), stopped only by a complete A-ASSOCIATE-RQ
(AE-6), never by bytes; so does the idle deadline, which counts from the connection, whichever
passes first (an idle abort while a PDU is begun says "no complete PDU", not "no data"). While this side has stopped reading (requests waiting for answers,
:mod:`.exchange`), and when it reads again, the PDU and message clocks start again: the peer
waited on us.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .aio import Timeouts
    from .association import Connection

__all__ = ["MESSAGE_MIN_RATE", "Clocks", "ReceiveTimers", "next_check", "overdue"]

log = logging.getLogger("dicom_runtime.net")

MESSAGE_MIN_RATE = 1024
"""Bytes a second a DIMSE message being received must average once its first ``network``
seconds have passed (a second more of its deadline for each this many bytes received)."""


@dataclass
class Clocks:
    """The loop times the receive deadlines count from (None: no PDU, or no message, begun)."""

    last_progress: float
    pdu_started: float | None = None
    message_started: float | None = None
    message_bytes: int = 0  # of the message being received, since message_started

    def restart(self, now: float) -> None:
        """This side is not reading: what the peer sends waits on us, not on it."""
        if self.pdu_started is not None:
            self.pdu_started = now
        if self.message_started is not None:
            self.message_started = now
            self.message_bytes = 0


def _deadlines(clocks: Clocks, network: float) -> list[tuple[float, str]]:
    # idle: said as what the peer did, a PDU begun and not complete (a trickle) or nothing
    idle = f"no complete PDU for {network:g} s (one begun, not complete)" if clocks.pdu_started is not None else f"no data for {network:g} s"
    found = [(clocks.last_progress + network, idle)]
    if clocks.pdu_started is not None:
        found.append((clocks.pdu_started + network, f"a PDU not complete {network:g} s after its first byte"))
    if clocks.message_started is not None:
        allowed = network + clocks.message_bytes / MESSAGE_MIN_RATE
        found.append((
            clocks.message_started + allowed,
            f"a DIMSE message not complete {allowed:g} s after its first PDV ({clocks.message_bytes} bytes received, "
            f"less than {MESSAGE_MIN_RATE} a second past the first {network:g} s)",
        ))
    return found


def overdue(clocks: Clocks, now: float, network: float) -> str | None:
    """The first deadline passed at ``now``, as the reason of the abort; None if none has."""
    for deadline, reason in _deadlines(clocks, network):
        if now >= deadline:
            return reason
    return None


def next_check(clocks: Clocks, network: float) -> float:
    """When the next deadline passes (the clocks may move it later meanwhile, never earlier)."""
    return min(deadline for deadline, _ in _deadlines(clocks, network))


class ReceiveTimers:
    """An acceptor's one timer over its :class:`Clocks`: the receive half of :class:`~.aio.Association`."""

    if TYPE_CHECKING:
        _conn: Connection
        _loop: asyncio.AbstractEventLoop
        _closed: asyncio.Future[str]
        _idle: asyncio.TimerHandle | None
        _reading_paused: bool
        timeouts: Timeouts
        peer: str

        def _worker_idle(self) -> bool: ...
        def abort(self, reason: str = "aborted by the local user", *, hard: bool = False) -> None: ...

    def _arm_idle(self) -> None:
        self._idle = self._loop.call_at(next_check(self._conn.clocks, self.timeouts.network), self._idle_check)

    def _idle_check(self) -> None:
        if self._closed.done():
            return
        now = self._loop.time()
        clocks = self._conn.clocks
        if self._reading_paused:
            clocks.restart(now)
        if not self._worker_idle():
            # busy on a request, the peer's or ours: not idle, and the idle time starts again
            # when it is answered (re-armed in the past, the check would run again at once)
            clocks.last_progress = now
        reason = overdue(clocks, now, self.timeouts.network)
        if reason is not None:
            reason = f"{reason} in {self._conn.state}"
            if self._conn.state == "Sta2":
                # before an A-ASSOCIATE-RQ there is no association to abort (PS3.8 Table 9-10 has
                # no Evt15 in Sta2) and so no Aborted event to log: the connection is closed, said here
                log.warning("%s: %s; connection closed", self.peer, reason)
            self.abort(reason)
            return
        self._arm_idle()
