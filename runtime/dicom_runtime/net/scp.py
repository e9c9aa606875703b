"""The SCP side of an association: requests as handlers see them, and their dispatch.

:class:`Handlers` holds the async functions an SCP answers requests with; the
:class:`Dispatcher` mixin of :class:`~.aio.Association` checks each received request
against its presentation context, calls the handler and sends the response(s),
including the C-STORE sub-operations of C-MOVE and C-GET. A request that cannot be
answered as asked is answered with a PS3.7 status and an Error Comment, never left
without a response.
"""

from __future__ import annotations

import asyncio
import re
import dataclasses
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..dataset import Dataset
from ..errors import DicomError
from ..fileformat import EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, decode_body, encoding_of
from ..writer import encode_dataset
from .association import AcceptedContext, AssociationError, Connection
from .dimse import Message, SpilledData
from .instances import Instance
from .transcode import choose_context, in_syntax_bounded
from .checks import data_set_size_problem, request_problem, store_problem, uid_problem
from .matching import encode_answer
from .messages import NAME_OF, RESPONSE_OF, Status, command, number, status_of, text

if TYPE_CHECKING:
    from .aio import Association, Timeouts
    from .server import Server

log = logging.getLogger("dicom_runtime.net")

DEFAULT_TRANSFER_SYNTAXES = (EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN)

# Requests as the SCP's handlers see them ------------------------------------------


@dataclass
class Request:
    """A DIMSE request received on an association."""

    association: Association
    message: Message
    context: AcceptedContext
    after_response: list[Callable[[], None]] = dataclasses.field(default_factory=list)
    """Work to run once the response has been sent (in a thread when other associations
    are being served), before the next request of the association is taken."""

    @property
    def sop_class(self) -> str:
        return text(self.message.command, "AffectedSOPClassUID") or text(self.message.command, "RequestedSOPClassUID")

    @property
    def sop_instance(self) -> str:
        return text(self.message.command, "AffectedSOPInstanceUID") or text(
            self.message.command, "RequestedSOPInstanceUID"
        )

    @property
    def message_id(self) -> int:
        return number(self.message.command, "MessageID") or 0

    @property
    def calling_ae(self) -> str:
        return self.association.calling_ae

    def dataset(self) -> Dataset | None:
        """The data set of the request, decoded in its presentation context's transfer syntax."""
        if self.message.data is None:
            return None
        if self.sop_instance:
            return Instance(self.sop_class, self.sop_instance, self.context.transfer_syntax, self.message.data).dataset()
        # no instance to name (a C-FIND, C-MOVE or C-GET identifier): an error names the request
        name = NAME_OF.get(self.message.command_field, "request")
        return decode_body(self.message.data, self.context.transfer_syntax, source=f"the {name} data set")


@dataclass
class StoreRequest(Request):
    """A C-STORE request: the instance as received, undecoded. A large data set arrives
    spilled to a temporary file (``spilled``; :mod:`.spill`), freed once the response is
    sent; ``instance`` then reads it into memory."""

    @property
    def instance(self) -> Instance:
        return Instance(self.sop_class, self.sop_instance, self.context.transfer_syntax, self.message.data or b"")

    @property
    def spilled(self) -> SpilledData | None:
        """The data set in its temporary file, if it was spilled (None: it is in memory)."""
        return self.message.spilled

    @property
    def move_originator(self) -> str:
        return text(self.message.command, "MoveOriginatorApplicationEntityTitle")


@dataclass
class QueryRequest(Request):
    """A C-FIND, C-MOVE or C-GET request; ``cancelled`` turns true on C-CANCEL."""

    @functools.cached_property
    def identifier(self) -> Dataset:
        """The identifier, decoded once (the SCP's checks, ``level`` and the handler all read it)."""
        return self.dataset() or Dataset()

    @property
    def level(self) -> str:
        value = self.identifier.value(0x00080052)
        return value.strip() if isinstance(value, str) else ""

    @property
    def move_destination(self) -> str:
        return text(self.message.command, "MoveDestination")

    @property
    def cancelled(self) -> bool:
        return self.message_id in self.association._cancelled


EchoHandler = Callable[[Request], Awaitable[int]]
StoreHandler = Callable[[StoreRequest], Awaitable[int | Status]]
"""A C-STORE handler answers a status code, or a :class:`Status` with an Error Comment."""
FindHandler = Callable[[QueryRequest], AsyncIterator[Dataset]]
RetrieveHandler = Callable[[QueryRequest], Awaitable[Sequence[Instance | Path]]]
NHandler = Callable[[Request], Awaitable[tuple[int, Dataset | None]]]
ReleaseHandler = Callable[["Association"], Awaitable[None]]


async def _echo_success(request: Request) -> int:
    return 0


@dataclass
class Handlers:
    """The SCP's async handlers; a service without a handler is refused (0x0122 or
    0x0211). ``find`` yields matches; ``move`` and ``get`` return what to send."""

    echo: EchoHandler | None = _echo_success
    store: StoreHandler | None = None
    find: FindHandler | None = None
    move: RetrieveHandler | None = None
    get: RetrieveHandler | None = None
    n_event_report: NHandler | None = None
    n_get: NHandler | None = None
    n_set: NHandler | None = None
    n_action: NHandler | None = None
    n_create: NHandler | None = None
    n_delete: NHandler | None = None
    release: ReleaseHandler | None = None
    """Runs when the peer asks to release, after the association's last response and
    before A-RELEASE-RP (a storage SCP makes its files complete here)."""


class Dispatcher:
    """Answering requests: the SCP half of :class:`~.aio.Association`."""

    if TYPE_CHECKING:
        _conn: Connection
        _server: Server | None
        _cancelled: set[int]
        _get_store: StoreHandler | None
        handlers: Handlers
        timeouts: Timeouts
        peer: str

        @property
        def calling_ae(self) -> str: ...
        async def blocking(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...
        async def _send(self, context_id: int, command_set: Dataset, data: bytes | memoryview | None = None) -> None: ...
        async def _single(self, context: AcceptedContext, name: str, data: bytes | memoryview | None, **fields: object) -> Message: ...
        def _context_for(self, sop_class: str, transfer_syntax: str = "", *, as_scp: bool = False) -> AcceptedContext: ...
        async def release(self) -> None: ...

    @property
    def _association(self) -> Association:
        return self  # type: ignore[return-value]  # Dispatcher is only ever mixed into Association

    async def _serve(self, message: Message) -> None:
        """Answer one request; whatever happens, it gets a response or the association ends."""
        try:
            await self._dispatch_request(message)
        except (AssociationError, asyncio.CancelledError):
            raise
        except Exception as exc:  # a handler's or our bug: one request fails, never silently
            log.error("%s: %s failed: %s", self.peer, NAME_OF.get(message.command_field, "a request"), exc)
            log.debug("%s: traceback", self.peer, exc_info=True)
            await self._respond_safely(Request(self._association, message, self._conn.contexts[message.context_id]), Status(0x0110, "processing failure"))

    async def _dispatch_request(self, message: Message) -> None:
        context = self._conn.contexts[message.context_id]
        field = message.command_field
        me = self._association
        request = Request(me, message, context)
        problem: Status | None = None
        if field in _DIMSE_C:
            problem = request_problem(field, request.sop_class, request.sop_instance, context.abstract_syntax)
            if problem is None and field == 0x0001:
                problem = store_problem(request.sop_class, request.sop_instance, context.transfer_syntax, message.body)
        problem = problem or data_set_size_problem(field, message.body)  # before anything decodes it
        if problem is not None:
            log.warning(
                "%s (%s): %s refused with %04X: %s", self.peer, self.calling_ae, NAME_OF.get(field, "a request"), problem.code, problem.comment
            )
            await self._respond_safely(request, problem)
            return
        if field == 0x0001:
            store = StoreRequest(me, message, context)
            handler = self._get_store or self.handlers.store
            status = Status(0x0122, "no storage here") if handler is None else await _guarded(handler(store), 0xA700, self.peer, "C-STORE")
            try:
                await self._respond(store, "C-STORE-RSP", status)
            finally:
                for work in store.after_response:
                    await self.blocking(work)
        elif field == 0x0030:
            code = Status(0x0122) if self.handlers.echo is None else await _guarded(self.handlers.echo(request), 0x0110, self.peer, "C-ECHO")
            await self._respond(request, "C-ECHO-RSP", code)
        elif field == 0x0020:
            await self._serve_find(QueryRequest(me, message, context))
        elif field in (0x0021, 0x0010):
            await self._serve_retrieve(QueryRequest(me, message, context), field == 0x0021)
        elif field in _N_REQUESTS:
            await self._serve_n(request, *_N_REQUESTS[field])
        else:
            await self._respond_safely(request, Status(0x0211, "unrecognized operation"))

    async def _respond_safely(self, request: Request, status: Status) -> None:
        """A failure response that can always be encoded: the request's UIDs are echoed only
        when they are valid; if even that cannot be sent, the association is aborted."""
        fields: dict[str, object] = {}
        sop_class, sop_instance = request.sop_class, request.sop_instance
        fields["AffectedSOPClassUID"] = sop_class if uid_problem(sop_class, "") is None else request.context.abstract_syntax
        fields["AffectedSOPInstanceUID"] = sop_instance if uid_problem(sop_instance, "") is None else None
        name = NAME_OF.get(RESPONSE_OF.get(request.message.command_field, 0), "C-ECHO-RSP")
        try:
            await self._respond(request, name, status, **fields)
        except AssociationError:
            raise
        except Exception as exc:
            log.error("%s: the response to a %s cannot be sent (%s); association aborted", self.peer, name[:-4], exc)
            self._association.abort(f"the response to a {name[:-4]} cannot be sent")
            raise AssociationError(f"{self.peer}: the response to a {name[:-4]} cannot be sent") from None

    async def _respond(
        self, request: Request, name: str | None, status: Status, data: bytes | None = None, /, **fields: object
    ) -> None:
        if name is None:
            name = NAME_OF.get(RESPONSE_OF.get(request.message.command_field, 0), "C-ECHO-RSP")
        affected_instance = fields.pop("AffectedSOPInstanceUID", request.sop_instance or None)
        affected_class = fields.pop("AffectedSOPClassUID", request.sop_class or None)
        rsp = command(
            name,
            data_set=data is not None,
            AffectedSOPClassUID=affected_class,
            MessageIDBeingRespondedTo=request.message_id,
            Status=status.code,
            AffectedSOPInstanceUID=affected_instance if name.startswith(("C-STORE", "N-")) else None,
            ErrorComment=_comment(status) if status.comment and status.category in ("Failure", "Warning") else None,
            **fields,
        )
        await self._send(request.context.context_id, rsp, data)

    async def _refused_identifier(self, request: QueryRequest, response: str) -> bool:
        """Answer A900 (Identifier does not match SOP Class, PS3.4 C.4.1.1.4, C.4.2.1.5) to an
        identifier that is not a hierarchical one of its model, a C-MOVE's or C-GET's without
        the Unique Key of its level (:func:`.matching.retrieve_key_problem`: it would retrieve
        everything the other keys match), or whose keys cannot be
        matched (a DT key or Timezone Offset From UTC that is none, :func:`.matching.key_problem`);
        True if it was answered so. Worklist and other models without Query/Retrieve Levels
        are left to their handlers."""
        from .matching import hierarchy_problem, key_problem
        from .presets import QUERY_RETRIEVE

        if request.sop_class not in QUERY_RETRIEVE:  # Patient Root and Study Root FIND, MOVE, GET
            return False
        try:
            identifier = request.identifier
        except Exception:
            return False  # the handler's own error says what does not decode
        problem = hierarchy_problem(request.sop_class, identifier, query=response == "C-FIND-RSP") or key_problem(identifier)
        if problem is None:
            return False
        log.warning("%s (%s): %s refused with A900: %s", self.peer, self.calling_ae, response[:-4], problem)
        await self._respond(request, response, Status(0xA900, problem))
        return True

    async def _serve_find(self, request: QueryRequest) -> None:
        handler = self.handlers.find
        if handler is None:
            await self._respond(request, "C-FIND-RSP", Status(0x0122))
            return
        encoding = encoding_of(request.context.transfer_syntax)
        if await self._refused_identifier(request, "C-FIND-RSP"):
            return
        unsent: list[str] = []  # why each match that cannot be encoded was not sent
        try:
            async for match in handler(request):
                if request.cancelled:
                    await self._respond(request, "C-FIND-RSP", Status(0xFE00))
                    return
                try:
                    data = encode_answer(match, encoding)
                except Exception as exc:  # this match only (the writer's DicomEncodeError): the others are still sent
                    log.warning("%s (%s): a C-FIND match cannot be encoded, not sent: %s", self.peer, self.calling_ae, exc)
                    unsent.append(str(exc))
                    continue
                await self._respond(request, "C-FIND-RSP", Status(0xFF00), data)
                await asyncio.sleep(0)  # let a C-CANCEL in
        except (AssociationError, asyncio.CancelledError):
            raise
        except Exception as exc:
            log.warning("%s (%s): C-FIND refused with C000: %s", self.peer, self.calling_ae, exc)
            log.debug("%s: traceback", self.peer, exc_info=True)
            await self._respond(request, "C-FIND-RSP", Status(0xC000, str(exc)))
            return
        if unsent and not request.cancelled:  # the final response says that matches are missing
            comment = f"{len(unsent)} match{'es' if len(unsent) > 1 else ''} not sent, cannot be encoded: {unsent[0]}"
            await self._respond(request, "C-FIND-RSP", Status(0xC000, comment))
            return
        await self._respond(request, "C-FIND-RSP", Status(0xFE00 if request.cancelled else 0))

    async def _serve_retrieve(self, request: QueryRequest, move: bool) -> None:
        name = "C-MOVE-RSP" if move else "C-GET-RSP"
        handler = self.handlers.move if move else self.handlers.get
        if handler is None:
            await self._respond(request, name, Status(0x0122))
            return
        from .aio import Proposal, associate

        if await self._refused_identifier(request, name):
            return
        destination: tuple[str, int] | None = None
        if move:
            destination = self._server.destinations.get(request.move_destination) if self._server else None
            if destination is None:
                await self._respond(request, name, Status(0xA801, f"unknown move destination {request.move_destination!r}"))
                return
        try:
            items = list(await handler(request))
        except Exception as exc:
            log.warning("%s (%s): %s refused with C000: %s", self.peer, self.calling_ae, name[:-4], exc)
            log.debug("%s: traceback", self.peer, exc_info=True)
            await self._respond(request, name, Status(0xC000, str(exc)))
            return
        counts = {"completed": 0, "failed": 0, "warning": 0}
        failures: list[tuple[str, str]] = []  # (SOP Instance UID, why)
        target: Association = self._association
        if move and items:
            assert destination is not None and self._server is not None
            headers = await asyncio.to_thread(_headers, items)
            try:
                target = await associate(
                    destination[0],
                    destination[1],
                    called_ae=request.move_destination,
                    calling_ae=self._server.policy.ae_title,
                    contexts=[Proposal(uid, syntaxes) for uid, syntaxes in _retrieve_proposals(headers)],
                    timeouts=self.timeouts,
                )
            except (AssociationError, OSError) as exc:
                log.warning(
                    "%s (%s): C-MOVE to %s at %s:%d: no sub-association: %s",
                    self.peer, self.calling_ae, request.move_destination, destination[0], destination[1], exc,
                )
                comment = _destination_failure(request.move_destination, str(exc))
                await self._respond(request, name, Status(0xA702, comment), **_counts(len(items), counts))
                return
        try:
            for index, item in enumerate(items):
                if request.cancelled:
                    break
                uid = item.sop_instance if isinstance(item, Instance) else item.stem
                try:
                    instance = item if isinstance(item, Instance) else await asyncio.to_thread(Instance.from_file, item)
                    uid = instance.sop_instance
                    if move:
                        status = await target.store(instance, move_originator=(self.calling_ae, request.message_id))
                    else:
                        status = await self._store_sub_operation(instance)
                except (DicomError, OSError) as exc:
                    status = Status(0xA702, str(exc))
                    if isinstance(exc, AssociationError) and not target.is_established:
                        untried = items[index + 1 :]
                        log.warning("%s (%s): %s sub-operations stopped, the sub-association is gone (%s): this one and %d "
                                    "not attempted count as failed", self.peer, self.calling_ae, name[:-4], exc, len(untried))
                        counts["failed"] += len(items) - index
                        failures.append((uid, str(exc)))
                        # PS3.4 C.4.2.3.1 / C.4.3.3.1: the list names every sub-operation counted as failed
                        failures.extend((other, str(exc)) for other in await asyncio.to_thread(_sop_instances, untried))
                        break
                key = "completed" if status.is_success else "warning" if status.category == "Warning" else "failed"
                counts[key] += 1
                if key == "failed":
                    why = status.comment or str(status)
                    log.warning("%s (%s): %s sub-operation for %s failed: %s", self.peer, self.calling_ae, name[:-4], uid, why)
                    failures.append((uid, why))
                remaining = len(items) - index - 1
                if remaining:
                    await self._respond(request, name, Status(0xFF00), **_counts(remaining, counts))
        finally:
            if target is not self:
                await target.release()
        done = counts["completed"] + counts["failed"] + counts["warning"]
        if request.cancelled:
            final = Status(0xFE00)
        elif counts["failed"] and not counts["completed"] and not counts["warning"]:
            # PS3.4 C.4.2.3.1 / C.4.3.3.1: "Failure or Refused if all sub-operations were
            # unsuccessful"; A702 with the counts, as dcmtk's dcmqrscp answers
            final = Status(0xA702)
        elif counts["failed"] or counts["warning"]:
            final = Status(0xB000)
        else:
            final = Status(0)
        fields = _counts(len(items) - done if request.cancelled else 0, counts)
        if not request.cancelled:
            fields.pop("NumberOfRemainingSuboperations")
        body = None
        if failures:
            # PS3.4 C.4.2.1.4.2 / C.4.3.1.3.2: the Failed SOP Instance UID List, and what went wrong.
            listed = Dataset()
            listed.add(0x00080058, "UI", [uid for uid, _ in failures if uid])
            body = encode_dataset(listed, encoding_of(request.context.transfer_syntax))
            uid, why = failures[0]
            final = Status(final.code, _failures_comment(len(failures), why.removeprefix(f"instance {uid}: ")))
        await self._respond(request, name, final, body, **fields)

    async def _store_sub_operation(self, instance: Instance) -> Status:
        context = self._context_for(instance.sop_class, instance.transfer_syntax, as_scp=True)
        context = choose_context(instance, context, self._conn.contexts.values(), as_scp=True)
        instance = await in_syntax_bounded(instance, context.transfer_syntax)  # transcoded if the peer took none of its own
        reply = await self._single(
            context, "C-STORE-RQ", instance.buffer, AffectedSOPClassUID=instance.sop_class, Priority=0,
            AffectedSOPInstanceUID=instance.sop_instance,
        )
        return status_of(reply.command)

    async def _serve_n(self, request: Request, name: str, attribute: str) -> None:
        handler: NHandler | None = getattr(self.handlers, attribute)
        if handler is None:
            await self._respond(request, name, Status(0x0211 if request.sop_class else 0x0118, "not supported"))
            return
        try:
            code, data = await handler(request)
        except Exception as exc:
            log.warning("%s (%s): %s refused with C000: %s", self.peer, self.calling_ae, name[:-4], exc)
            log.debug("%s: traceback", self.peer, exc_info=True)
            await self._respond(request, name, Status(0x0110, str(exc)))
            return
        body = None if data is None else encode_dataset(data, encoding_of(request.context.transfer_syntax))
        extra: dict[str, object] = {}
        if attribute == "n_event_report":
            extra["EventTypeID"] = number(request.message.command, "EventTypeID")
        elif attribute == "n_action":
            extra["ActionTypeID"] = number(request.message.command, "ActionTypeID")
        elif attribute == "n_create" and data is not None and not request.sop_instance:
            created = data.value(0x00080018)
            extra["AffectedSOPInstanceUID"] = created if isinstance(created, str) else None
        await self._respond(request, name, Status(code), body, **extra)


_N_REQUESTS: Mapping[int, tuple[str, str]] = {
    0x0100: ("N-EVENT-REPORT-RSP", "n_event_report"),
    0x0110: ("N-GET-RSP", "n_get"),
    0x0120: ("N-SET-RSP", "n_set"),
    0x0130: ("N-ACTION-RSP", "n_action"),
    0x0140: ("N-CREATE-RSP", "n_create"),
    0x0150: ("N-DELETE-RSP", "n_delete"),
}


def _counts(remaining: int, counts: Mapping[str, int]) -> dict[str, object]:
    return {
        "NumberOfRemainingSuboperations": remaining,
        "NumberOfCompletedSuboperations": counts["completed"],
        "NumberOfFailedSuboperations": counts["failed"],
        "NumberOfWarningSuboperations": counts["warning"],
    }


async def _guarded(result: Awaitable[int | Status], failure: int, peer: str, operation: str) -> Status:
    """A handler's answer as a Status; a handler that fails is logged in one line (the
    traceback at debug level) and answered with ``failure``."""
    try:
        answer = await result
    except Exception as exc:
        log.error("%s: %s handler failed: %s", peer, operation, exc)
        log.debug("%s: traceback", peer, exc_info=True)
        return Status(failure, f"{operation} failed: {exc}")
    return answer if isinstance(answer, Status) else Status(int(answer))


def _destination_failure(destination: str, reason: str) -> str:
    """A C-MOVE's Error Comment when no association with its destination was made: the
    kind of failure and the AE title, within the 64 characters of LO (the full reason is
    in the SCP's log)."""
    if "rejected every presentation context" in reason:  # association.ContextsRejected
        kind = "accepted no presentation context"
    elif "rejected" in reason:
        kind = "rejected the association"
    elif "cannot connect" in reason or "timed out" in reason or "refused" in reason:
        kind = "cannot be reached"
    else:
        kind = "association failed"
    return fit_lo(f"move destination {destination.strip()} {kind}")


def _failures_comment(count: int, why: str) -> str:
    """The Error Comment of a C-MOVE/C-GET with failed sub-operations: how many, and the
    first one's reason in words that fit the 64 characters of LO (the log has it in full)."""
    why = re.sub(r"^(\S+:\d+(?: \([^)]*\))?: )+", "", why)  # "host:port (AE): " prefixes
    known = re.match(r"no accepted presentation context for (.+?)( with the SCP role)?$", why)
    if known:
        why = "no presentation context accepted for " + known.group(1)
        if len(f"{count} failed; {why}") > 64:
            why = "no presentation context accepted for its SOP class"
    moved = re.match(r"cannot transcode (\S+) to (\S+)", why)
    if moved:
        why = f"cannot transcode {_short_syntax(moved.group(1))} to {_short_syntax(moved.group(2))}"
    return fit_lo(f"{count} failed; {why}")


def _short_syntax(uid: str) -> str:
    from ..dictionary import all_uids

    entry = all_uids().get(uid)
    names = {"1.2.840.10008.1.2": "Implicit LE", "1.2.840.10008.1.2.1": "Explicit LE", "1.2.840.10008.1.2.1.99": "Deflated LE"}
    if uid in names:
        return names[uid]
    if entry is not None and "JPEG 2000" in entry.name:
        return "JPEG 2000"
    if entry is not None and "JPEG-LS" in entry.name:
        return "JPEG-LS"
    if entry is not None and "JPEG" in entry.name:
        return "JPEG"
    return uid


def _comment(status: Status) -> str:
    """Error Comment (0000,0902): LO, at most 64 characters of the default repertoire."""
    return fit_lo(status.comment.encode("ascii", "replace").decode("ascii").replace("\\", "/"))


def fit_lo(text: str, limit: int = 64) -> str:
    """``text`` within an LO's 64 characters: a longer one is cut before its last whole
    word that fits and ends with "..." (never inside a word, a tag or a UID, which would
    read as another one); the full text is in the SCP's log."""
    if len(text) <= limit:
        return text
    head = text[: limit - 3]
    if " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ;:,(") + "..."


_DIMSE_C = frozenset((0x0001, 0x0010, 0x0020, 0x0021, 0x0030))



def _headers(items: Sequence[Instance | Path]) -> list[tuple[str, str]]:
    """(SOP class, transfer syntax) of each instance to send; a file's from its meta header."""
    found: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, Instance):
            found.append((item.sop_class, item.transfer_syntax))
            continue
        try:
            found.append(Instance.header_of(item))
        except (DicomError, OSError):
            continue  # its sub-operation fails, and says why
    return found


def _sop_instances(items: Sequence[Instance | Path]) -> list[str]:
    """The SOP Instance UIDs of instances to send, for the Failed SOP Instance UID List of
    sub-operations never attempted; a file's from its File Meta Information, else its name
    (the storage folder names each file by it)."""
    found: list[str] = []
    for item in items:
        if isinstance(item, Instance):
            found.append(item.sop_instance)
            continue
        try:
            uid = Instance.meta_of(item).value(0x00020003)
        except (DicomError, OSError):
            uid = None
        found.append(uid.strip("\0 ") if isinstance(uid, str) and uid.strip("\0 ") else item.stem)
    return found


def _retrieve_proposals(headers: Sequence[tuple[str, str]]) -> list[tuple[str, tuple[str, ...]]]:
    """The presentation contexts a C-MOVE proposes to its destination: each instance's own
    transfer syntax in a context of its own (so that it is sent byte for byte), then one
    with the native syntaxes per SOP class (transcoding between them); within 128."""
    wanted: dict[str, set[str]] = {}
    for sop_class, syntax in headers:
        wanted.setdefault(sop_class, set()).add(syntax)
    own: list[tuple[str, tuple[str, ...]]] = [(uid, (ts,)) for uid, syntaxes in sorted(wanted.items()) for ts in sorted(syntaxes)]
    native: list[tuple[str, tuple[str, ...]]] = [(uid, DEFAULT_TRANSFER_SYNTAXES) for uid in sorted(wanted)]
    if len(own) + len(native) > 128:
        return [(uid, tuple(sorted(wanted[uid] - set(DEFAULT_TRANSFER_SYNTAXES))) + DEFAULT_TRANSFER_SYNTAXES) for uid in sorted(wanted)][:128]
    return own + native


