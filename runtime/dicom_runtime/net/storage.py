"""A storage, query and retrieve SCP over a folder of PS3.10 files.

:class:`StorageFolder` writes each received instance atomically and durably
(temporary file, rename) and durably *before* its C-STORE answers Success, so an acknowledged instance survives a crash. It answers C-FIND
(Patient Root and Study Root, PATIENT/STUDY/SERIES/IMAGE levels, PS3.4 C.2.2.2
matching: single value, wildcard, universal, UID list and range) and serves
C-MOVE and C-GET from the files it holds. The flush that makes an instance durable
goes to a write-ahead journal (:mod:`.journal`), replayed after a crash. Queries ask the
folder's index (:mod:`.index`, SQLite in ``<root>/.dicom-net/``), filled by the writer
thread once a stream of stores pauses, synchronised with the files at start (which makes
the rows a crash lost), and rebuilt from the files when it is lost.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import hashlib
import itertools
import logging
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from ..dataset import Dataset
from ..errors import DicomError
from ..fileformat import (
    IMPLICIT_VR_LITTLE_ENDIAN,
    decode_body,
    encode_body,
    file_header,
    write_bytes_atomic,
)
from .aio import Association, Handlers, QueryRequest, Request, StoreRequest
from .checks import uid_problem
from .index import SUBFOLDER, hold, index_path, open_index, release
from .instances import RE_ENCODABLE, Instance
from .journal import NAMES as JOURNAL_NAMES, Journal
from .matching import COMPUTED_KEYS, LEVEL_KEYS, Header, ScanningQuery, answers
from .messages import Status
from .rows import row_from_head, row_head
from .spill import SpilledData

__all__ = ["COMPUTED_KEYS", "DUPLICATE_POLICIES", "JOURNAL_SUBFOLDER", "LEVEL_KEYS", "StorageFolder"]

BACKLOG_LIMIT = 64 * 1024 * 1024
"""Acknowledged instances whose files are not written yet hold at most about this
much memory; beyond it, a C-STORE waits for the writer thread."""

# The writer thread runs at the server's scheduling priority. It used to run 10 nice levels
# lower, so that the event loop and the peer got the processor first; but it holds the
# interpreter lock for the Python between its system calls, and a lower-priority thread
# preempted while holding it stalls the event loop until the scheduler runs it again (a
# priority inversion). With fsync over 500 stores (perf trace of the event loop's thread,
# load 3-4): 32-158 ms waiting for the lock at nice +10, 5-32 ms at the same priority.

INDEX_IDLE = 0.05
INDEX_LAG = 4096
"""The writer thread makes the index rows of the files it has written once no instance has
come for INDEX_IDLE seconds, or a query waits for them, or INDEX_LAG are due, and commits
them together: a stream of up to INDEX_LAG C-STOREs (and its A-RELEASE-RP) waits for files
only. The rows are not part of any instance's durability: a file whose row is lost (a crash
before its commit, a failed commit) is indexed by the next start's synchronisation with the
files (or the next query's, after a failed commit), as a file put in by someone else is."""

ROWS_HELD = 16 * 1024 * 1024
"""The rows not yet made hold the first bytes of their files (:func:`.rows.row_head`: the
header, up to the Pixel Data), which they are made from; once these hold this much, the
rows are made as when INDEX_LAG are due."""

JOURNAL_LIMIT = 8 * 1024 * 1024
"""Instances up to this size go through the write-ahead journal; larger ones are
flushed directly (their own flush costs little next to their size)."""

DUPLICATE_POLICIES = ("keep", "replace", "reject")
"""What a C-STORE of a SOP Instance UID already held does when its data set differs: ``keep``
the stored one and answer Success (the default), ``replace`` it, or keep it and ``reject``
the new one with a failure status, :data:`DUPLICATE_REFUSED`. Either way both checksums are
logged; a data set identical to the stored one (in any transfer syntax, :func:`_same`) is answered
Success and changes nothing."""

DUPLICATE_REFUSED = 0xC111
"""The C-STORE status of a duplicate that ``reject`` refuses: a failure (Error: Cannot
understand, PS3.4 B.2.3's Cxxx, where an implementation assigns its own causes), since the
data set is not stored. A Warning (B000, answered before) says the instance was stored
(PS3.7 9.1.1.1.9, C.4), and an SCU counts it so; PS3.7's Duplicate SOP Instance (0111) is a
status of N-CREATE, not of C-STORE."""

log = logging.getLogger("dicom_runtime.net")

JOURNAL_SUBFOLDER = SUBFOLDER
"""Where a folder's write-ahead journal is kept by default: ``<root>/.dicom-net/.journal.0`` and ``.journal.1``
(the query index is there too: ``index.sqlite``)."""


class StorageFolder:
    """Received instances as ``<root>/<SOP Instance UID>.dcm``, and queries over them.

    With the journal (the default), an instance is durable once appended to it; its
    file is written by the folder's writer thread, in the order received, while the
    next instances arrive; the A-RELEASE-RP waits until the files are complete. ``durable=False`` answers Success without any flush:
    faster where fsync is slow, but an acknowledged instance can be lost in a power
    failure or kernel crash.

    Queries (C-FIND, C-MOVE, C-GET) ask the folder's index (:mod:`.index`), opened (or
    built from the files) here. ``index=False`` (a folder that only receives, as
    ``dicom-net get --out``) keeps none, and a query reads every file's header instead
    (:class:`.matching.ScanningQuery`).
    """

    def __init__(
        self, root: str | Path, *, durable: bool = True, journal: bool = True, duplicates: str = "keep",
        journal_dir: str | Path | None = None, index: bool = True, fileset: bool = False,
    ) -> None:
        if duplicates not in DUPLICATE_POLICIES:
            raise ValueError(f"duplicates={duplicates!r}: expected one of {', '.join(DUPLICATE_POLICIES)}")
        self.root = Path(root)
        self.durable = durable
        #: Keep the folder as a DICOM File-set: its DICOMDIR brought up to date before each
        #: A-RELEASE-RP (:func:`dicom_runtime.media.folder.keep_as_fileset`).
        self.fileset = fileset
        self.duplicates = duplicates
        # Data sets acknowledged (or being stored) whose files are not written yet, with a token of the
        # store and their transfer syntax.
        self._unwritten: dict[Path, tuple[bytes | SpilledData, int, str]] = {}
        self._tokens = itertools.count()
        self.root.mkdir(parents=True, exist_ok=True)
        for stale in self.root.glob(".*.dcm.*"):  # a write cut short by a crash, never acknowledged
            stale.unlink(missing_ok=True)
        # (path, the file's bytes, journal ticket, token); no ticket: the file is written already, only
        # its row is to be made (from those bytes; none: from the file)
        self._backlog: collections.deque[tuple[Path, bytes, int | None, int]] = collections.deque()
        self._backlog_bytes = 0
        self._enqueued = 0
        self._finished = 0  # written and indexed (or failed)
        self._files_done = 0  # written (or failed)
        self._index_wanted = False  # a query waits for the rows not yet made
        self._rows_due = False  # the writer waits (at most INDEX_IDLE) with rows to make
        self._failed = 0
        self._written = threading.Condition()
        self._writer: threading.Thread | None = None
        self._closing = False
        # The journal's segments are kept out of the instances' way, in a hidden subfolder
        # (or ``journal_dir``, on the same file system: retiring entries flushes that one).
        self.journal_dir = Path(journal_dir) if journal_dir is not None else self.root / JOURNAL_SUBFOLDER
        self.recovered = 0
        self.journal = None
        # The folder's modification time after the last change the folder made itself (or
        # synchronised): a different one means files were added or removed by someone else.
        self._stamp_lock = threading.Lock()
        self._changed = False
        existed = index_path(self.root).exists()
        self._index_lock = hold(self.root) if index else None  # so that `dicom-net index rebuild` refuses meanwhile
        self.index = open_index(self.root) if index else None
        self._stamp = self._root_stamp()
        if existed:  # files put in or taken out while no SCP ran on the folder
            self.synchronise()
        self._scan = None if index else ScanningQuery(self.root)
        if journal:  # entries acknowledged by a version before 0.3.0 are written, whatever the durability now
            self.recovered = self._recover_legacy()
        if durable and journal:
            self.journal_dir.mkdir(parents=True, exist_ok=True)
            if os.stat(self.journal_dir).st_dev != os.stat(self.root).st_dev:
                raise ValueError(
                    f"journal folder {self.journal_dir} is on another file system than {self.root}: "
                    "its flush would not cover the instances' files"
                )
            self.journal = Journal(self.journal_dir)
            self.recovered += self.journal.recover(self._replay)

    def _recover_legacy(self) -> int:
        """Entries of a journal at the old place (``<root>/.journal.0``, ``.journal.1``,
        before 0.3): written to their files, flushed, then the old segments removed."""
        old = [self.root / name for name in JOURNAL_NAMES]
        if not any(path.exists() for path in old) or self.journal_dir == self.root:
            return 0
        legacy = Journal(self.root)
        try:
            count = legacy.recover(self._replay)
        finally:
            legacy.close()  # recover() has flushed the files (syncfs) and invalidated the entries
        for path in old:
            path.unlink(missing_ok=True)
        if count:
            log.info("%s: %d instances recovered from the journal at its old place (%s)", self.root, count, ", ".join(p.name for p in old))
        return count

    def _replay(self, name: str, data: bytes) -> None:
        """A journal entry at recovery: its file written again, and indexed again."""
        path = self.root / name
        self._write(path, data, durable=False)
        self._index(path)

    def _root_stamp(self) -> int:
        return os.stat(self.root).st_mtime_ns

    def _write(self, path: Path, data: bytes, *, durable: bool, spilled: SpilledData | None = None) -> None:
        """Write an instance's file, noting whether the folder had been changed by someone
        else since the folder's own last change."""
        with self._stamp_lock:
            if self._root_stamp() != self._stamp:
                self._changed = True
            try:
                if spilled is None:
                    write_bytes_atomic(path, data, durable=durable)
                else:  # data: the file's header; the data set comes from its temporary file
                    spilled.write_file(path, data, durable=durable)
            finally:
                self._stamp = self._root_stamp()

    def synchronise(self) -> tuple[int, int]:
        """Index the ``*.dcm`` files put into the folder by others, and drop the rows of files
        removed by others; returns how many of each. Queries do this by themselves when the
        folder's modification time says it changed (a file replaced in place is not seen:
        ``dicom-net index rebuild`` then)."""
        if self.index is None:
            return 0, 0
        with self._stamp_lock:
            stamp = self._root_stamp()
            self._changed = False
            try:
                on_disk = {path.name for path in self.root.glob("*.dcm")}
                indexed = set(self.index.names())
                rows: list[tuple[object, ...]] = []
                for name in sorted(on_disk - indexed):
                    try:
                        rows.append(self.index.row_for(self.root / name))
                    except (OSError, DicomError):  # left out, as a scan of the files leaves it out
                        continue
                if rows:
                    self.index.add_rows(rows)  # one commit (after a crash, the rows it lost)
                added = len(rows)
                gone = indexed - on_disk
                self.index.remove(gone)
            except BaseException:
                self._changed = True  # tried again at the next query
                raise
            self._stamp = stamp
        if added or gone:
            log.info("%s: %d files put into the folder indexed, %d removed files dropped from the index", self.root, added, len(gone))
        return added, len(gone)

    def _index(self, path: Path, *, durable: bool = False) -> None:
        """Index a written file; one the reader refuses is logged and left out, as a query
        over the files would leave it out. OSError and sqlite3.Error go to the caller."""
        if self.index is None:
            return
        try:
            self.index.add_file(path, durable=durable)
        except DicomError as error:
            log.warning("%s: %s is stored but cannot be read back, so it is not indexed (%s)", self.root, path.name, error)

    def close(self) -> None:
        """Wait for the files still being written, then retire the journal (every file
        flushed); the folder stays usable without it."""
        self.flush()
        with self._written:
            self._closing = True
            self._written.notify_all()
        if self._writer is not None:
            self._writer.join()
            self._writer = None
        if self.journal is not None:
            if self._failed:
                log.error("%s: %d acknowledged instance(s) could not be written to their files; they stay in the "
                          "journal and are written again on the next start", self.root, self._failed)
            self.journal.close(checkpoint=not self._failed)
            self.journal = None
        if self._index_lock is not None:  # the index stays usable here; others may rebuild it from now on
            release(self._index_lock)
            self._index_lock = None

    def flush(self) -> None:
        """Wait until every instance acknowledged so far is also in its file (it is durable
        in the journal already; its file is written by the writer thread) and indexed."""
        with self._written:
            target = self._enqueued
            if self._finished < target:
                self._index_wanted = True
                self._written.notify_all()
            self._written.wait_for(lambda: self._finished >= target)

    def _files_flush(self) -> None:
        """Wait until every instance acknowledged so far is in its file (its row may follow)."""
        with self._written:
            target = self._enqueued
            self._written.wait_for(lambda: self._files_done >= target)

    def _enqueue(self, path: Path, data: bytes, ticket: int | None, token: int) -> None:
        """Hand an instance to the writer thread: its file ``data`` to write (``ticket``: its
        journal entry) or, without a ticket, only its row to make; either way the row is made
        from the first bytes of ``data`` (:func:`.rows.row_head`), or from the file where it
        is empty."""
        with self._written:
            self._backlog.append((path, data, ticket, token))
            self._backlog_bytes += len(data)
            self._enqueued += 1
            if ticket is None:
                self._files_done += 1  # its file is written already: only its row is to be made
            if self._writer is None:
                self._closing = False
                self._writer = threading.Thread(target=self._write_files, name=f"writer {self.root}", daemon=True)
                self._writer.start()
            # A row to make does not wake a writer that will come back for rows anyway (within
            # INDEX_IDLE): a stream of stores then costs it a wake-up per INDEX_IDLE, not per instance.
            if ticket is not None or not self._rows_due:
                self._written.notify_all()

    async def release(self, association: Association) -> None:
        """Before A-RELEASE-RP: wait until the files of the instances acknowledged so far are
        written, so that a peer whose release has completed finds each instance it sent in
        its file (as with an SCP that writes files before answering)."""
        if self._files_done < self._enqueued:
            await association.blocking(self._files_flush)
        if self.fileset:
            await association.blocking(self.update_fileset)

    def update_fileset(self) -> None:
        """Bring the folder's DICOMDIR up to date with its files (``fileset=True``). The
        folder's own change: it does not make queries rescan the folder."""
        from ..media.folder import keep_as_fileset

        with self._stamp_lock:
            unchanged = self._root_stamp() == self._stamp
            try:
                keep_as_fileset(self.root, durable=self.durable)
            except (OSError, DicomError) as error:  # the instances are stored; only the DICOMDIR lags
                log.error("%s: cannot update the DICOMDIR (%s)", self.root, error)
            finally:
                if unchanged:
                    self._stamp = self._root_stamp()

    def _room(self) -> None:
        """Wait while the files not yet written hold more than BACKLOG_LIMIT bytes."""
        with self._written:
            self._written.wait_for(lambda: self._backlog_bytes <= BACKLOG_LIMIT)

    def _write_files(self) -> None:
        """The writer thread: each journaled instance's file, in order, reported written to
        the journal (whose full segment it retires once all its files are written); then,
        once no instance has come for INDEX_IDLE seconds (or a query waits, or INDEX_LAG rows
        are due), the index rows of the files written, committed together. All off the path
        of any response, and rows off that of a stream of stores."""
        journal = self.journal
        lag = INDEX_LAG
        pending: list[tuple[Path, tuple[bytes, bool] | None]] = []  # written, row to make (from the file's first bytes)
        held = 0  # bytes of those first bytes
        indexed = self.index is not None
        while True:
            with self._written:
                if pending:
                    self._rows_due = True
                    self._written.wait_for(lambda: self._backlog or self._closing or self._index_wanted, timeout=INDEX_IDLE)
                    self._rows_due = False
                else:
                    self._written.wait_for(lambda: self._backlog or self._closing)
                    if not self._backlog:
                        return
                item = self._backlog.popleft() if self._backlog and len(pending) < lag and held < ROWS_HELD else None
                index_now = item is None
                if index_now:
                    self._index_wanted = False
            if item is not None:
                path, data, ticket, token = item
                written = ticket is None or self._write_file(path, data)
                if written and ticket is not None and journal is not None:
                    journal.written(ticket)
                with self._written:
                    self._forget(path, token)
                    self._backlog_bytes -= len(data)
                    if ticket is not None:
                        self._files_done += 1
                    if not written:  # stays in the journal
                        self._finished += 1
                    self._written.notify_all()
                if written:  # the file's header kept for its row (most of a file is its Pixel Data)
                    head = row_head(data) if data and indexed else None
                    held += 0 if head is None else len(head[0])
                    pending.append((path, head))
                if ticket is not None and journal is not None and not self._failed:
                    try:
                        journal.retire()
                    except OSError as error:  # the entries stay; replayed on the next start
                        self._failed += 1
                        log.error("%s: cannot retire journal entries (%s); they are replayed on the next start", self.root, error)
            if pending and index_now:
                self._index_rows(pending)
                pending, held = [], 0

    def _write_file(self, path: Path, data: bytes) -> bool:
        """The writer thread's file of one journaled instance; False (logged; it stays in the journal) if it fails."""
        try:
            self._write(path, data, durable=False)
        except Exception as error:  # kept in the journal: written again on the next start
            self._failed += 1
            log.error("%s: cannot write %s (%s); the instance stays in the journal", self.root, path.name, error)
            return False
        return True

    def _index_rows(self, pending: list[tuple[Path, tuple[bytes, bool] | None]]) -> None:
        """Make and commit the rows of the written files ``pending``, and count them
        finished. A row that cannot be made or committed is logged, and the folder is
        synchronised again at the next query (and the next start), which indexes the file."""
        rows: list[tuple[object, ...]] = []
        for path, head in pending:
            self._row(path, rows, head)
        if rows and self.index is not None:
            try:
                self.index.add_rows(rows)
            except Exception as error:  # the files are stored: indexed by the next synchronisation
                self._changed = True
                log.error("%s: cannot index %d file(s) (%s); they are indexed at the next query or start", self.root, len(rows), error)
        with self._written:
            self._finished += len(pending)
            self._written.notify_all()

    def _row(self, path: Path, rows: list[tuple[object, ...]], head: tuple[bytes, bool] | None = None) -> None:
        """The row of a written file added to ``rows`` where it can be made (logged otherwise);
        from its first bytes ``head`` where they were kept (:func:`.rows.row_from_head`), else
        from the file."""
        if self.index is None:
            return
        try:
            rows.append(self.index.row_for(path) if head is None else row_from_head(path, *head))
        except DicomError as error:
            log.warning("%s: %s is stored but cannot be read back, so it is not indexed (%s)", self.root, path.name, error)
        except Exception as error:  # the file is stored: indexed by the next synchronisation
            self._changed = True
            log.error("%s: cannot index %s (%s); it is indexed at the next query or start", self.root, path.name, error)

    @property
    def spill_directory(self) -> Path:
        """Where a server storing here spills large data sets as they arrive (:mod:`.spill`):
        the folder's ``.dicom-net/``, on its file system (made if missing)."""
        folder = self.root / JOURNAL_SUBFOLDER
        folder.mkdir(exist_ok=True)
        return folder

    def path_for(self, sop_instance: str) -> Path:
        return self.root / f"{sop_instance}.dcm"

    async def store(self, request: StoreRequest) -> int | Status:
        """C-STORE: 0x0000 once the instance is durable; 0x0117 for a bad UID, 0xA700 on a full disk.
        The data set has been checked against the command and the context already (:mod:`.checks`)."""
        uid = request.sop_instance
        problem = uid_problem(uid, "SOP Instance UID")
        if problem is not None:
            return Status(0x0117, problem)
        path = self.path_for(uid)
        held = self._unwritten.get(path)
        blocking = request.association.blocking
        if held is not None or path.exists():
            verdict = await self._duplicate(request, path, held)
            if verdict is not None:
                if held is None and self.index is not None and not await blocking(self.index.contains, path.name):
                    try:  # written, but its indexing was cut short (a crash before it was acknowledged)
                        await blocking(self._index, path, durable=self.durable)
                    except (OSError, sqlite3.Error) as error:
                        log.error("%s: cannot index %s (%s)", self.root, path.name, error)
                        return Status(0xA700, "cannot index the instance")
                return verdict
        token = next(self._tokens)
        spilled = request.spilled
        if spilled is not None:
            return await self._store_spilled(request, path, spilled, token)
        instance = request.instance
        self._unwritten[path] = (instance.data, token, instance.transfer_syntax)  # a second C-STORE of this UID now sees this one
        data = instance.file_bytes(request.calling_ae)
        journal = self.journal
        try:
            if journal is not None and len(data) <= JOURNAL_LIMIT:
                if self._backlog_bytes > BACKLOG_LIMIT:
                    await blocking(self._room)
                ticket = await blocking(journal.append, path.name, data)  # durable from here on: one in-place data flush
                # Handed to the writer thread once the response is sent: waking it now would
                # make it contend with this thread for the interpreter while the response is built.
                request.after_response.append(functools.partial(self._enqueue, path, data, ticket, token))
            else:
                try:
                    await blocking(self._write_direct, path, data)
                finally:
                    self._forget(path, token)
                if not self.durable and self.index is not None:  # its row is made by the writer thread, after the response
                    request.after_response.append(functools.partial(self._enqueue, path, data, None, token))
        except (OSError, sqlite3.Error) as error:
            self._forget(path, token)
            log.error("%s: cannot store %s (%s)", self.root, path.name, error)
            return Status(0xA700, "cannot store the instance")
        return 0

    async def _store_spilled(self, request: StoreRequest, path: Path, spilled: SpilledData, token: int) -> int | Status:
        """C-STORE of a data set that arrived spilled to a temporary file (a large one): stored
        as one too large for the journal, its file written from the temporary one by the
        kernel (the data set never in this process's memory)."""
        self._unwritten[path] = (spilled, token, request.context.transfer_syntax)
        header = file_header(request.sop_class, request.sop_instance, request.context.transfer_syntax, request.calling_ae)
        try:
            try:
                await request.association.blocking(self._write_direct, path, header, spilled)
            finally:
                self._forget(path, token)
            if not self.durable and self.index is not None:
                request.after_response.append(functools.partial(self._enqueue, path, b"", None, token))
        except (OSError, sqlite3.Error, DicomError) as error:
            log.error("%s: cannot store %s (%s)", self.root, path.name, error)
            return Status(0xA700, "cannot store the instance")
        return 0

    def _write_direct(self, path: Path, data: bytes, spilled: SpilledData | None = None) -> None:
        """An instance stored without the journal: its file, and when the folder is durable
        its row, both durable before it is acknowledged. Without durability the writer
        thread makes the row after the response (a crash before it leaves the file
        unindexed, and the next start indexes it: it synchronises with the files).
        ``spilled``: ``data`` is the file's header, its data set that file's."""
        self._write(path, data, durable=self.durable, spilled=spilled)
        if self.durable:
            self._index(path, durable=True)

    def _forget(self, path: Path, token: int) -> None:
        held = self._unwritten.get(path)
        if held is not None and held[1] == token:
            del self._unwritten[path]

    async def _duplicate(self, request: StoreRequest, path: Path, held: tuple[bytes | SpilledData, int, str] | None) -> Status | int | None:
        """A C-STORE of a SOP Instance UID already held: the answer, or None to store it anyway.
        The same data set in another transfer syntax is the same data set (:func:`_same`)."""
        spilled = request.spilled
        new: bytes | SpilledData = spilled if spilled is not None else request.instance.data
        new_syntax = request.context.transfer_syntax if spilled is not None else request.instance.transfer_syntax
        old: bytes | SpilledData
        if held is not None:
            old, _, old_syntax = held
        else:
            try:
                stored = await request.association.blocking(Instance.from_file, path)
            except (OSError, DicomError) as error:  # the stored file is unreadable: the new one replaces it
                log.warning("%s: %s is held but unreadable (%s); replaced", self.root, path.name, error)
                return None
            old, old_syntax = stored.data, stored.transfer_syntax
        same, how = await request.association.blocking(_same, old, old_syntax, new, new_syntax)
        if same:
            log.debug("%s (%s): %s received again, identical%s; nothing changed", request.association.peer, request.calling_ae, path.stem,
                      "" if old_syntax == new_syntax else f" as data ({old_syntax} stored, {new_syntax} received)")
            return 0
        checksums = f"stored sha256 {_sha256(old)} in {old_syntax}, received sha256 {_sha256(new)} in {new_syntax}"
        if how:
            checksums += f"; {how}"
        action = {"keep": "the stored one is kept", "replace": "the received one replaces it", "reject": f"the stored one is kept; refused with {DUPLICATE_REFUSED:04X}"}[self.duplicates]
        log.warning("%s (%s): duplicate SOP Instance UID %s with different content (%s); %s",
                    request.association.peer, request.calling_ae, path.stem, checksums, action)
        if self.duplicates == "replace":
            return None
        if self.duplicates == "reject":
            return Status(DUPLICATE_REFUSED, "duplicate SOP Instance UID with another data set; the stored instance is kept")
        return 0

    async def echo(self, request: Request) -> int:
        return 0

    def matching(self, identifier: Dataset, level: str) -> list[tuple[Path, Header]]:
        """Files whose attributes match every key of ``identifier`` (PS3.4 C.2.2.2), from the index,
        once every instance acknowledged so far is written and indexed."""
        self.flush()
        if self.index is None:
            assert self._scan is not None
            return list(self._scan.matching(identifier, level))
        if self._changed or self._root_stamp() != self._stamp:
            self.synchronise()
        return list(self.index.matching(identifier, level))

    async def find(self, request: QueryRequest) -> AsyncIterator[Dataset]:
        identifier = request.identifier
        level = request.level
        matches = await asyncio.to_thread(self.matching, identifier, level)
        for answer in answers(identifier, level, matches):
            yield answer

    async def retrieve(self, request: QueryRequest) -> Sequence[Instance | Path]:
        matches = await asyncio.to_thread(self.matching, request.identifier, request.level)
        return [path for path, _ in matches]

    def handlers(self) -> Handlers:
        """Verification, storage, query (C-FIND) and retrieve (C-MOVE, C-GET)."""
        return Handlers(
            echo=self.echo, store=self.store, find=self.find, move=self.retrieve, get=self.retrieve, release=self.release,
        )


def _sha256(data: bytes | SpilledData) -> str:
    return (data.sha256() if isinstance(data, SpilledData) else hashlib.sha256(data).hexdigest())[:16]


COMPARE_AS_DATA_LIMIT = 32 * 1024 * 1024
"""Two encodings of a SOP instance in different transfer syntaxes are compared as data (both
decoded, :func:`_same`) only while each is at most this many bytes and neither was spilled to a
temporary file (:mod:`.spill`): beyond it, only their bytes are compared (a large instance is not
decoded twice into memory), so the same data set re-sent in another syntax counts as different
content, and the log says so."""

def _same(old: bytes | SpilledData, old_syntax: str, new: bytes | SpilledData, new_syntax: str) -> tuple[bool, str]:
    """Whether two encodings of a SOP instance hold the same data set, and where they were not
    compared as data, why (for the log). The same bytes in the same syntax are the same; in two
    native or deflated syntaxes (:data:`.instances.RE_ENCODABLE`), both are decoded and encoded again in Implicit
    VR Little Endian, whose bytes are then compared: values equal as numbers and text, whatever
    the byte order, the VRs written (an Implicit VR's private element is UN) or the deflation."""
    if old_syntax == new_syntax:
        return _same_bytes(old, new), ""
    if old_syntax not in RE_ENCODABLE or new_syntax not in RE_ENCODABLE:  # compressed pixels are not decoded to be compared
        return False, "compared as bytes: a compressed transfer syntax's pixels are not decoded to be compared"
    if isinstance(old, SpilledData) or isinstance(new, SpilledData) or max(len(old), len(new)) > COMPARE_AS_DATA_LIMIT:
        return False, f"compared as bytes only: a data set beyond {COMPARE_AS_DATA_LIMIT} bytes is not decoded to be compared"
    try:
        return _canonical(old, old_syntax) == _canonical(new, new_syntax), ""
    except DicomError as error:
        return False, f"compared as bytes: one cannot be decoded ({error})"


def _canonical(data: bytes, syntax: str) -> bytes:
    """A data set's bytes in Implicit VR Little Endian: one encoding of what it holds."""
    return encode_body(decode_body(data, syntax, source="a duplicate's data set"), IMPLICIT_VR_LITTLE_ENDIAN, source_syntax=syntax)


def _same_bytes(old: bytes | SpilledData, new: bytes | SpilledData) -> bool:
    if isinstance(old, bytes) and isinstance(new, bytes):
        return old == new
    if isinstance(old, bytes) or isinstance(new, bytes):
        spilled, other = (new, old) if isinstance(old, bytes) else (old, new)
        assert isinstance(spilled, SpilledData) and isinstance(other, bytes)
        return spilled.equals(other)
    return len(old) == len(new) and old.sha256() == new.sha256()
