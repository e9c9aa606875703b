"""A write-ahead journal that makes a received instance durable with one data flush.

Writing a file durably costs a data flush *and* a metadata flush (the new inode and
the rename). The journal pays one flush of data overwritten in place inside a
preallocated file: :meth:`Journal.append` writes ``(name, bytes)`` and
``fdatasync``s before returning, so the caller may acknowledge. The file is then
written the ordinary way (temporary name, rename, no flush) and reported with
:meth:`Journal.written`.

The journal has two segments, ``.journal.0`` and ``.journal.1``; entries go to the
*active* one. Once it holds ``batch`` entries, the next append makes the other
segment active (:meth:`Journal.rotate`; appends never wait for what follows), and when every file of the
old segment's entries is written, :meth:`Journal.retire` flushes the file system
once (``syncfs``) and gives the old segment a new generation, which invalidates its
entries. After a crash, :meth:`Journal.recover` writes every valid entry of both
segments again, the older segment first, then checkpoints.

Layout of a segment: block 0 holds ``MAGIC, generation``; entries follow from
``BLOCK``, each starting on a ``BLOCK`` boundary: ``MAGIC, generation, name length,
data length, crc32`` then name and data. The first entry that does not check out
ends the segment. Appends are written with ``O_DIRECT | O_DSYNC`` where the file
system allows it (one system call, which returns once the entry is on stable
storage, and no copy left in the page cache); elsewhere with ``pwrite`` and
``fdatasync``. Generations only
grow, across both segments: a retired segment takes the next one, so the active
segment's entries are always the newest.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import os
import struct
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"DTJ2"
BLOCK = 4096
_HEADER = struct.Struct("<4sQHQI")  # magic, generation, name length, data length, crc32
_GROW = 16 * 1024 * 1024
NAMES = (".journal.0", ".journal.1")
"""The two segment files in the folder."""

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def syncfs(path: Path) -> None:
    """Flush the file system that holds ``path`` (Linux syncfs(2); sync(2) elsewhere)."""
    handle = os.open(path, os.O_RDONLY)
    try:
        function = getattr(_libc, "syncfs", None)
        if function is None or function(handle) != 0:
            os.sync()
    finally:
        os.close(handle)


def _aligned(offset: int) -> int:
    return -(-offset // BLOCK) * BLOCK


@dataclass
class _Segment:
    path: Path
    handle: int
    size: int
    direct: int | None
    """The segment opened with O_DIRECT | O_DSYNC, where the file system allows it."""
    generation: int = 0
    offset: int = BLOCK
    entries: int = 0
    unwritten: int = 0
    """Entries whose file has not been reported written."""

    def reserve(self, end: int) -> None:
        """Make the file at least ``end`` bytes long with written zeros (so later
        overwrites change no metadata), flushed."""
        if end <= self.size:
            return
        target = max(end, self.size + _GROW)
        zeros = bytes(1024 * 1024)
        position = self.size
        while position < target:
            position += os.pwrite(self.handle, zeros[: min(len(zeros), target - position)], position)
        os.fsync(self.handle)
        self.size = target

    def start(self, generation: int) -> None:
        """Begin ``generation``: entries of earlier ones stop counting."""
        self.reserve(BLOCK)
        os.pwrite(self.handle, MAGIC + struct.pack("<Q", generation), 0)
        os.fdatasync(self.handle)
        self.generation, self.offset, self.entries, self.unwritten = generation, BLOCK, 0, 0

    def read(self, limit: int | None = None) -> list[tuple[str, bytes]]:
        """The valid entries of the current generation, in order (at most ``limit``)."""
        found: list[tuple[str, bytes]] = []
        offset = BLOCK
        while offset + _HEADER.size <= self.size and (limit is None or len(found) < limit):
            magic, generation, name_length, data_length, crc = _HEADER.unpack(os.pread(self.handle, _HEADER.size, offset))
            if magic != MAGIC or generation != self.generation or offset + _HEADER.size + name_length + data_length > self.size:
                break
            body = os.pread(self.handle, name_length + data_length, offset + _HEADER.size)
            if zlib.crc32(body) != crc:
                break
            found.append((body[:name_length].decode("utf-8"), body[name_length:]))
            offset = _aligned(offset + _HEADER.size + name_length + data_length)
        return found


class Journal:
    """The write-ahead journal of one folder (``<folder>/.journal.0`` and ``.journal.1``).

    Thread-safe: appends, rotation and retirement may come from different threads.
    """

    def __init__(self, folder: Path, *, batch: int = 256) -> None:
        self.folder = folder
        self.batch = batch
        self._lock = threading.Lock()
        """The segments' state: held for bookkeeping only, never across a write to the disk."""
        self._appending = threading.Lock()
        """Appends one at a time: the aligned buffer and the active segment's end are theirs."""
        self._segments: list[_Segment] = []
        for name in NAMES:
            path = folder / name
            handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                direct: int | None = os.open(path, os.O_WRONLY | os.O_CLOEXEC | os.O_DIRECT | os.O_DSYNC)
            except (OSError, AttributeError):  # tmpfs and others refuse O_DIRECT
                direct = None
            segment = _Segment(path, handle, os.fstat(handle).st_size, direct)
            head = os.pread(handle, 12, 0)
            if len(head) == 12 and head[:4] == MAGIC:
                segment.generation = int(struct.unpack("<Q", head[4:])[0])
            segment.reserve(_GROW)  # written zeros now, at start, rather than during the first transfers
            self._segments.append(segment)
        for segment in self._segments:
            if segment.generation == 0:
                segment.start(self._next_generation())
        # Appends go to the newest segment, after whatever it holds; entries left by a
        # crash must be replayed (recover()) before anything is appended.
        self._active = max(self._segments, key=lambda s: s.generation)
        self._retiring: _Segment | None = None
        self._unrecovered = any(s.read(limit=1) for s in self._segments)
        self._buffer = mmap.mmap(-1, _GROW)  # page-aligned, as O_DIRECT needs

    def _next_generation(self) -> int:
        return max(s.generation for s in self._segments) + 1

    def entries(self) -> list[tuple[str, bytes]]:
        """The valid entries of both segments, oldest first."""
        with self._lock:
            return [entry for s in sorted(self._segments, key=lambda s: s.generation) for entry in s.read()]

    def append(self, name: str, data: bytes) -> int:
        """Write the entry and flush it: once this returns, it survives a crash. Returns
        the ticket to give :meth:`written` once the entry's file is written."""
        if self._unrecovered:
            raise RuntimeError(f"{self.folder}: the journal holds entries from before; recover() them first")
        raw_name = name.encode("utf-8")
        crc = zlib.crc32(data, zlib.crc32(raw_name))
        with self._appending:
            with self._lock:
                if self._active.entries >= self.batch:
                    self._rotate()  # the full segment is retired once its files are written
                segment = self._active
                generation, offset = segment.generation, segment.offset
            # The state lock is not held while the entry goes to the disk, so that the writer
            # thread's written() and retire() never wait for it (and the appending thread does
            # not have to wake the writer when its write returns). Only appends move the active
            # segment's end and size, and retire() and rotation touch the other segment.
            header = _HEADER.pack(MAGIC, generation, len(raw_name), len(data), crc)
            length = len(header) + len(raw_name) + len(data)
            padded = _aligned(length)
            segment.reserve(offset + padded + BLOCK)
            if segment.direct is not None:
                if padded > len(self._buffer):
                    self._buffer.close()
                    self._buffer = mmap.mmap(-1, _aligned(padded + _GROW))
                buffer = self._buffer
                buffer[: len(header)] = header
                buffer[len(header) : len(header) + len(raw_name)] = raw_name
                buffer[len(header) + len(raw_name) : length] = data
                buffer[length:padded] = bytes(padded - length)
                with memoryview(buffer) as view:
                    written = os.pwrite(segment.direct, view[:padded], offset)  # returns once on stable storage
                expected = padded
            else:
                written = os.pwritev(segment.handle, (header, raw_name, data), offset)
                expected = length
                os.fdatasync(segment.handle)
            if written != expected:
                raise OSError(f"{segment.path}: short write ({written} of {expected} bytes)")
            with self._lock:
                segment.offset = offset + padded
                segment.entries += 1
                segment.unwritten += 1
            return generation

    def written(self, ticket: int) -> None:
        """The file of an entry appended with ``ticket`` has been written (not flushed)."""
        with self._lock:
            for segment in self._segments:
                if segment.generation == ticket:
                    segment.unwritten -= 1

    def rotate(self) -> bool:
        """Make the other segment active; the full one waits for :meth:`retire`. False
        when the other segment has not been retired yet. (:meth:`append` rotates by
        itself once the active segment holds ``batch`` entries.)"""
        with self._appending, self._lock:  # never the segment an append is writing to
            return self._rotate()

    def _rotate(self) -> bool:
        if self._retiring is not None:
            return False
        other = next(s for s in self._segments if s is not self._active)
        if other.generation < self._active.generation:
            other.start(self._next_generation())
        self._retiring, self._active = self._active, other
        return True

    def retire(self) -> bool:
        """If every file of the rotated segment's entries is written: flush the file
        system, then invalidate the segment's entries. True when it did."""
        with self._lock:
            segment = self._retiring
            if segment is None or segment.unwritten > 0:
                return False
        syncfs(self.folder)  # appends go on meanwhile, into the active segment
        with self._lock:
            segment.start(self._next_generation())
            self._retiring = None
        return True

    def checkpoint(self) -> None:
        """Retire every entry of both segments: for when nothing is in flight (every
        entry's file written), at recovery and at close."""
        with self._appending:
            with self._lock:
                if all(s.entries == 0 for s in self._segments):
                    return
            syncfs(self.folder)
            with self._lock:
                for segment in sorted(self._segments, key=lambda s: s.generation):
                    if segment.entries:
                        segment.start(self._next_generation())
                self._retiring = None

    def recover(self, write: Callable[[str, bytes], None]) -> int:
        """Write every entry of both segments again, oldest first; returns how many."""
        with self._lock:
            found = [(segment, segment.read()) for segment in sorted(self._segments, key=lambda s: s.generation)]
        for _, entries in found:
            for name, data in entries:
                write(name, data)
        with self._lock:
            for segment, entries in found:
                segment.entries = len(entries)
                segment.unwritten = 0
        self.checkpoint()
        self._unrecovered = False
        return sum(len(entries) for _, entries in found)

    def close(self, *, checkpoint: bool = True) -> None:
        """Checkpoint (nothing in the journal is needed any more), then close. The files
        stay, already allocated, for the next start. ``checkpoint=False`` keeps the
        entries for the next start's recovery."""
        if checkpoint:
            self.checkpoint()
        for segment in self._segments:
            os.close(segment.handle)
            if segment.direct is not None:
                os.close(segment.direct)
        self._buffer.close()
