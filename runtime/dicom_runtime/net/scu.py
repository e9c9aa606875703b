"""The SCU side of an association: the DIMSE-C and DIMSE-N requests it sends, and their results.

:class:`Requestor` is mixed into :class:`~.aio.Association` (as :class:`~.scp.Dispatcher`
is for the SCP side): ``echo``, ``store``, ``find``, ``move``, ``get`` and the ``n_*``
methods, over the association's own message exchange. Split from :mod:`.aio`, which was
past 600 lines.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from ..dataset import Dataset
from ..dictionary import uid_info
from ..errors import DicomError
from ..fileformat import EXPLICIT_VR_LITTLE_ENDIAN, encoding_of
from ..reader import read_dataset
from ..services import QueryIdentifier
from ..writer import encode_dataset
from .association import AcceptedContext, AssociationError, Connection
from .dimse import Message
from .instances import Instance, identifier_dataset, typed_identifier
from .messages import VERIFICATION, Status, command, number, status_of, text
from .transcode import choose_context, in_syntax

if TYPE_CHECKING:
    from ..objects import DicomObject  # only named: importing it (and its conditions) costs a store's start-up 5-8 ms
    from .scp import StoreHandler, StoreRequest

__all__ = ["NResult", "Progress", "Requestor", "Responses"]

Q = TypeVar("Q", bound=QueryIdentifier)
R = TypeVar("R")


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


# Requests -------------------------------------------------------------------------


class Requestor:
    """Sending requests and reading their responses: the SCU half of :class:`~.aio.Association`."""

    if TYPE_CHECKING:
        _conn: Connection
        _get_store: StoreHandler | None
        _responses: dict[int, asyncio.Queue[Message | None]]
        peer: str

        async def _send(self, context_id: int, command_set: Dataset, data: bytes | memoryview | None = None) -> None: ...
        async def _single(self, context: AcceptedContext, name: str, data: bytes | memoryview | None, **fields: object) -> Message: ...
        async def _exchange(
            self, context: AcceptedContext, name: str, data: bytes | memoryview | None, **fields: object
        ) -> tuple[int, asyncio.Queue[Message | None]]: ...
        async def _response(self, queue: asyncio.Queue[Message | None], operation: str) -> Message: ...
        def _context_for(self, sop_class: str, transfer_syntax: str = "", *, as_scp: bool = False) -> AcceptedContext: ...

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
        lossless compressed one; compressed Pixel Data needs the ``pixels`` extra), in a
        worker thread, so that the event loop is not held while it is converted.
        """
        response = await self.send_store(instance, priority=priority, move_originator=move_originator)
        return await response()

    async def send_store(
        self,
        instance: Instance | Dataset | DicomObject | str | Path,
        *,
        priority: int = 0,
        move_originator: tuple[str, int] | None = None,
    ) -> Callable[[], Awaitable[Status]]:
        """The first half of :meth:`store`: the C-STORE-RQ is sent (its data set handed to the
        transport, as flow control lets it), and what is returned awaits its response and gives
        its status; call it once. Meanwhile the caller can prepare its next request (read the
        next file) while the peer works on this one, without a task of its own; the response
        is still awaited within the DIMSE timeout, counted from when it is called."""
        if isinstance(instance, (str, Path)):
            instance = Instance.from_file(instance)
        if isinstance(instance, Instance):
            context = self._context_for(instance.sop_class, instance.transfer_syntax)
            context = choose_context(instance, context, self._conn.contexts.values())
            if context.transfer_syntax != instance.transfer_syntax:
                # The peer took none of its own syntaxes: a conversion decodes and encodes the
                # whole instance, so it runs in a worker thread, and the event loop goes on
                # serving the other associations (and this one's timers) meanwhile.
                instance = await asyncio.to_thread(in_syntax, instance, context.transfer_syntax)
        else:
            dataset = instance if isinstance(instance, Dataset) else _to_dataset(instance)
            sop_class = dataset.value(0x00080016)
            context = self._context_for(sop_class if isinstance(sop_class, str) else "", EXPLICIT_VR_LITTLE_ENDIAN)
            instance = Instance.from_dataset(dataset, context.transfer_syntax)
        message_id, queue = await self._exchange(
            context,
            "C-STORE-RQ",
            instance.buffer,
            AffectedSOPClassUID=instance.sop_class,
            Priority=priority,
            AffectedSOPInstanceUID=instance.sop_instance,
            MoveOriginatorApplicationEntityTitle=move_originator[0] if move_originator else None,
            MoveOriginatorMessageID=move_originator[1] if move_originator else None,
        )

        async def response() -> Status:
            try:
                return status_of((await self._response(queue, "C-STORE-RQ")).command)
            finally:
                self._responses.pop(message_id, None)

        return response

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
