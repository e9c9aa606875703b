"""The blocking adapter: the asyncio associations and server, for code without an event loop.

Each :class:`BlockingAssociation` and :class:`BlockingServer` runs on one private
event loop thread shared by the process; calls block until the network answers.
Iterating ``find``/``move``/``get`` blocks for each response, as it arrives.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from ..dataset import Dataset
from ..objects import DicomObject
from ..services import QueryIdentifier
from . import aio, server as acceptor
from .association import AcceptorPolicy
from .instances import Instance
from .messages import Status

T = TypeVar("T")
Q = TypeVar("Q", bound=QueryIdentifier)

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    global _loop
    with _lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="dicom-net", daemon=True).start()
        loop = _loop
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result()


def _iterate(source: AsyncIterator[T]) -> Iterator[T]:
    while True:
        try:
            yield _run(_next(source))
        except StopAsyncIteration:
            return


async def _next(source: AsyncIterator[T]) -> T:
    return await source.__anext__()


class BlockingResponses(Iterator[T]):
    """The responses of a C-FIND, C-MOVE or C-GET; ``status`` once exhausted."""

    def __init__(self, responses: aio.Responses[T]) -> None:
        self._responses = responses
        self._iterator = _iterate(responses)

    def __next__(self) -> T:
        return next(self._iterator)

    @property
    def status(self) -> Status | None:
        return self._responses.status

    @property
    def received(self) -> list[Instance]:
        return self._responses.received

    def cancel(self) -> None:
        _run(self._responses.cancel())


class BlockingAssociation:
    """An association as the requestor, with blocking calls (see :class:`.aio.Association`)."""

    def __init__(self, association: aio.Association) -> None:
        self.association = association

    def echo(self) -> Status:
        return _run(self.association.echo())

    def store(self, instance: Instance | Dataset | DicomObject | str | Path, *, priority: int = 0) -> Status:
        return _run(self.association.store(instance, priority=priority))

    def find(self, identifier: Q, *, sop_class: str = "", priority: int = 0) -> BlockingResponses[Q]:
        return BlockingResponses(self.association.find(identifier, sop_class=sop_class, priority=priority))

    def find_dataset(self, identifier: Dataset, *, sop_class: str, priority: int = 0) -> BlockingResponses[Dataset]:
        return BlockingResponses(self.association.find(identifier, sop_class=sop_class, priority=priority))

    def move(
        self, identifier: QueryIdentifier | Dataset, destination: str, *, sop_class: str = ""
    ) -> BlockingResponses[aio.Progress]:
        return BlockingResponses(self.association.move(identifier, destination, sop_class=sop_class))

    def get(self, identifier: QueryIdentifier | Dataset, *, sop_class: str = "") -> BlockingResponses[aio.Progress]:
        return BlockingResponses(self.association.get(identifier, sop_class=sop_class))

    def n_get(self, sop_class: str, instance: str, attributes: Sequence[int] = ()) -> aio.NResult:
        return _run(self.association.n_get(sop_class, instance, attributes))

    def n_set(self, sop_class: str, instance: str, modifications: Dataset) -> aio.NResult:
        return _run(self.association.n_set(sop_class, instance, modifications))

    def n_action(self, sop_class: str, instance: str, action_type: int, information: Dataset | None = None) -> aio.NResult:
        return _run(self.association.n_action(sop_class, instance, action_type, information))

    def n_create(self, sop_class: str, instance: str | None = None, attributes: Dataset | None = None) -> aio.NResult:
        return _run(self.association.n_create(sop_class, instance, attributes))

    def n_delete(self, sop_class: str, instance: str) -> aio.NResult:
        return _run(self.association.n_delete(sop_class, instance))

    def n_event_report(self, sop_class: str, instance: str, event_type: int, information: Dataset | None = None) -> aio.NResult:
        return _run(self.association.n_event_report(sop_class, instance, event_type, information))

    def release(self) -> None:
        _run(self.association.release())

    def abort(self) -> None:
        _run(_call(self.association.abort))

    def __enter__(self) -> BlockingAssociation:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if kind is None:
            self.release()
        else:
            self.abort()


async def _call(function: Any) -> None:
    function()


def associate(host: str, port: int, **options: Any) -> BlockingAssociation:
    """:func:`.aio.associate`, blocking; the same options."""
    return BlockingAssociation(_run(aio.associate(host, port, **options)))


class BlockingServer:
    """A :class:`.server.Server` listening on the private loop thread until :meth:`close`."""

    def __init__(
        self,
        policy: AcceptorPolicy,
        handlers: aio.Handlers,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        destinations: Mapping[str, tuple[str, int]] | None = None,
        **options: Any,
    ) -> None:
        async def make() -> acceptor.Server:
            return acceptor.Server(policy, handlers, destinations=destinations, **options)

        self.server = _run(make())
        self.port = _run(self.server.start(host, port))

    def close(self) -> None:
        _run(self.server.close())

    def __enter__(self) -> BlockingServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
