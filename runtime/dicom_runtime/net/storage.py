"""A storage, query and retrieve SCP over a folder of PS3.10 files.

:class:`StorageFolder` writes each received instance atomically and durably
(temporary file, rename) and durably *before* its C-STORE answers Success, so an acknowledged instance survives a crash. It answers C-FIND
(Patient Root and Study Root, PATIENT/STUDY/SERIES/IMAGE levels, PS3.4 C.2.2.2
matching: single value, wildcard, universal, UID list and range) and serves
C-MOVE and C-GET from the files it holds. The flush that makes an instance durable
goes to a write-ahead journal (:mod:`.journal`), replayed after a crash.
"""

from __future__ import annotations

import asyncio
import fnmatch
import functools
import re
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from ..dataset import DataElement, Dataset
from ..errors import DicomError
from ..fileformat import read_file
from .aio import Handlers, QueryRequest, Request, StoreRequest
from ..fileformat import write_bytes_atomic
from .instances import Instance
from .journal import Journal

JOURNAL_LIMIT = 8 * 1024 * 1024
"""Instances up to this size go through the write-ahead journal; larger ones are
flushed directly (their own flush costs little next to their size)."""

_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")
LEVEL_KEYS = {"PATIENT": 0x00100020, "STUDY": 0x0020000D, "SERIES": 0x0020000E, "IMAGE": 0x00080018}
_LEVELS = ("PATIENT", "STUDY", "SERIES", "IMAGE")
_RANGE_VRS = {"DA", "TM", "DT"}


class StorageFolder:
    """Received instances as ``<root>/<SOP Instance UID>.dcm``, and queries over them.

    ``durable=False`` answers Success without fsync: faster where fsync is slow,
    but an acknowledged instance can be lost in a power failure or kernel crash.
    """

    def __init__(self, root: str | Path, *, durable: bool = True, journal: bool = True) -> None:
        self.root = Path(root)
        self.durable = durable
        self.root.mkdir(parents=True, exist_ok=True)
        for stale in self.root.glob(".*.dcm.*"):  # a write cut short by a crash, never acknowledged
            stale.unlink(missing_ok=True)
        self._headers: dict[Path, tuple[float, Dataset]] = {}
        self._pending = 0
        self._written = threading.Condition()
        self.journal = Journal(self.root) if durable and journal else None
        self.recovered = 0
        if self.journal is not None:
            self.recovered = self.journal.recover(lambda name, data: write_bytes_atomic(self.root / name, data, durable=False))

    def close(self) -> None:
        """Wait for the files still being written, then retire the journal (every file
        flushed); the folder stays usable without it."""
        self.flush()
        if self.journal is not None:
            self.journal.close()
            self.journal = None

    def flush(self) -> None:
        """Wait until every acknowledged instance is also in its file (it is durable in the
        journal already; its file is written right after the response is sent)."""
        with self._written:
            self._written.wait_for(lambda: self._pending == 0)

    def _materialize(self, path: Path, data: bytes) -> None:
        try:
            write_bytes_atomic(path, data, durable=False)
        finally:
            with self._written:
                self._pending -= 1
                journal = self.journal
                if self._pending == 0:
                    # No journal entry is waiting for its file: the entries may be retired.
                    if journal is not None and journal.due():
                        journal.checkpoint()
                    self._written.notify_all()

    def path_for(self, sop_instance: str) -> Path:
        return self.root / f"{sop_instance}.dcm"

    async def store(self, request: StoreRequest) -> int:
        """C-STORE: 0x0000 once the instance is durable; 0xA900 for a bad UID, 0xA700 on a full disk."""
        uid = request.sop_instance
        if not _UID.match(uid) or len(uid) > 64:
            return 0xA900
        path = self.path_for(uid)
        data = request.instance.file_bytes(request.calling_ae)
        journal = self.journal
        blocking = request.association.blocking
        try:
            if journal is not None and len(data) <= JOURNAL_LIMIT:
                with self._written:
                    self._pending += 1  # before the entry exists: no checkpoint may retire it unwritten
                try:
                    await blocking(journal.append, path.name, data)  # durable from here on: one in-place data flush
                except BaseException:
                    with self._written:
                        self._pending -= 1
                        self._written.notify_all()
                    raise
                request.after_response.append(functools.partial(self._materialize, path, data))
            else:
                await blocking(write_bytes_atomic, path, data, durable=self.durable)
        except OSError:
            return 0xA700
        return 0

    async def echo(self, request: Request) -> int:
        return 0

    def _entries(self) -> list[tuple[Path, Dataset]]:
        found: list[tuple[Path, Dataset]] = []
        for path in sorted(self.root.glob("*.dcm")):
            try:
                stamp = path.stat().st_mtime
                cached = self._headers.get(path)
                if cached is None or cached[0] != stamp:
                    cached = (stamp, read_file(path, stop_before_pixels=True, defer_size=1024).dataset)
                    self._headers[path] = cached
            except (OSError, DicomError):
                continue
            found.append((path, cached[1]))
        return found

    def matching(self, identifier: Dataset, level: str) -> list[tuple[Path, Dataset]]:
        """Files whose attributes match every key of ``identifier`` at or above ``level``."""
        self.flush()
        if level not in LEVEL_KEYS:
            raise DicomError(f"Query/Retrieve Level {level!r} is not one of {', '.join(_LEVELS)}")
        keys = [e for e in identifier.elements() if e.tag not in (0x00080052, 0x00080005) and e.vr != "SQ"]
        return [(path, header) for path, header in self._entries() if all(_matches(k, header.get(k.tag)) for k in keys)]

    async def find(self, request: QueryRequest) -> AsyncIterator[Dataset]:
        identifier = request.identifier
        level = request.level
        matches = await asyncio.to_thread(self.matching, identifier, level)
        seen: set[str] = set()
        for _, header in matches:
            unique = header.value(LEVEL_KEYS[level])
            if not isinstance(unique, str) or unique in seen:
                continue
            seen.add(unique)
            answer = Dataset()
            answer.add(0x00080052, "CS", level)
            for element in identifier.elements():
                if element.tag in (0x00080052,):
                    continue
                value = header.get(element.tag)
                answer[element.tag] = value if value is not None else DataElement(element.tag, element.vr, None)
            yield answer

    async def retrieve(self, request: QueryRequest) -> Sequence[Instance | Path]:
        matches = await asyncio.to_thread(self.matching, request.identifier, request.level)
        return [path for path, _ in matches]

    def handlers(self) -> Handlers:
        """Verification, storage, query (C-FIND) and retrieve (C-MOVE, C-GET)."""
        return Handlers(echo=self.echo, store=self.store, find=self.find, move=self.retrieve, get=self.retrieve)


def _matches(key: DataElement, element: DataElement | None) -> bool:
    """PS3.4 C.2.2.2: universal, single value, wildcard, UID list and range matching."""
    wanted = key.value
    if wanted is None or wanted == "" or wanted == []:
        return True
    if element is None or element.value is None:
        return False
    have = element.value
    haves = [str(v) for v in have] if isinstance(have, list) else [str(have)]
    if isinstance(wanted, list):
        if key.vr == "UI":
            return any(h in [str(w) for w in wanted] for h in haves)
        wanted = "\\".join(str(w) for w in wanted)
    text = str(wanted)
    if key.vr in _RANGE_VRS and "-" in text:
        low, high = text.split("-", 1)
        return any((not low or h >= low) and (not high or h <= high) for h in haves)
    if key.vr == "UI" and "\\" in text:
        return any(h in text.split("\\") for h in haves)
    if ("*" in text or "?" in text) and key.vr not in ("UI", "DA", "TM", "DT"):
        pattern = text.replace("[", "[[]")
        return any(fnmatch.fnmatchcase(h.strip(), pattern) for h in haves)
    return any(h.strip() == text.strip() for h in haves)
