"""A write-ahead journal that makes a received instance durable with one data flush.

Writing a file durably costs a data flush *and* a metadata flush (the new inode and
the rename). The journal pays one flush of data overwritten in place inside a
preallocated file: :meth:`Journal.append` writes ``(name, bytes)`` and
``fdatasync``s before returning, so the caller may acknowledge. The file is then
written the ordinary way (temporary name, rename, no flush). Every ``batch``
entries, :meth:`Journal.checkpoint` flushes the whole file system once (``syncfs``)
and starts a new generation, which retires the entries. After a crash,
:meth:`Journal.recover` writes (durably) every entry of the current generation,
then checkpoints.

Layout: block 0 holds ``MAGIC, generation``; entries follow from ``BLOCK``:
``MAGIC, generation, name length, data length, crc32`` then name and data. The
first entry that does not check out ends the journal.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import struct
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

MAGIC = b"DTJ1"
BLOCK = 4096
_HEADER = struct.Struct("<4sQHQI")  # magic, generation, name length, data length, crc32
_GROW = 16 * 1024 * 1024

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


class Journal:
    """The write-ahead journal of one folder (``<folder>/.journal``)."""

    def __init__(self, folder: Path, *, batch: int = 256) -> None:
        self.folder = folder
        self.path = folder / ".journal"
        self.batch = batch
        self._lock = threading.Lock()
        self._handle = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        self._size = os.fstat(self._handle).st_size
        self.generation = self._read_generation()
        self._offset = BLOCK
        self._entries = 0
        self._reserve(_GROW)  # written zeros now, at start, rather than during the first transfers

    def _read_generation(self) -> int:
        head = os.pread(self._handle, 12, 0)
        if len(head) == 12 and head[:4] == MAGIC:
            return int(struct.unpack("<Q", head[4:])[0])
        self._write_generation(1)
        return 1

    def _write_generation(self, generation: int) -> None:
        self._reserve(BLOCK)
        os.pwrite(self._handle, MAGIC + struct.pack("<Q", generation), 0)
        os.fdatasync(self._handle)

    def _reserve(self, end: int) -> None:
        """Make the file at least ``end`` bytes long with written zeros (so later
        overwrites change no metadata), flushed."""
        if end <= self._size:
            return
        target = max(end, self._size + _GROW)
        zeros = bytes(1024 * 1024)
        position = self._size
        while position < target:
            position += os.pwrite(self._handle, zeros[: min(len(zeros), target - position)], position)
        os.fsync(self._handle)
        self._size = target

    def entries(self) -> list[tuple[str, bytes]]:
        """The entries of the current generation, in order."""
        found: list[tuple[str, bytes]] = []
        offset = BLOCK
        while offset + _HEADER.size <= self._size:
            magic, generation, name_length, data_length, crc = _HEADER.unpack(os.pread(self._handle, _HEADER.size, offset))
            if magic != MAGIC or generation != self.generation or offset + _HEADER.size + name_length + data_length > self._size:
                break
            body = os.pread(self._handle, name_length + data_length, offset + _HEADER.size)
            if zlib.crc32(body) != crc:
                break
            found.append((body[:name_length].decode("utf-8"), body[name_length:]))
            offset += _HEADER.size + name_length + data_length
        return found

    def append(self, name: str, data: bytes) -> None:
        """Write the entry and flush it: once this returns, it survives a crash."""
        raw_name = name.encode("utf-8")
        body = raw_name + data
        header = _HEADER.pack(MAGIC, self.generation, len(raw_name), len(data), zlib.crc32(body))
        with self._lock:
            end = self._offset + len(header) + len(body)
            self._reserve(end + _HEADER.size)
            os.pwrite(self._handle, header + body, self._offset)
            os.fdatasync(self._handle)
            self._offset = end
            self._entries += 1

    def due(self) -> bool:
        return self._entries >= self.batch

    def checkpoint(self) -> None:
        """Flush every file written so far, then retire the journal's entries."""
        with self._lock:
            if self._entries == 0 and self._offset == BLOCK:
                return
            syncfs(self.folder)
            self.generation += 1
            self._write_generation(self.generation)
            self._offset = BLOCK
            self._entries = 0

    def recover(self, write: Callable[[str, bytes], None]) -> int:
        """Write every entry of the current generation again; returns how many."""
        entries = self.entries()
        for name, data in entries:
            write(name, data)
        self._offset = BLOCK
        self._entries = len(entries)
        if entries:
            self.checkpoint()
        return len(entries)

    def close(self) -> None:
        """Checkpoint: nothing in the journal is needed any more. The file stays, already
        allocated, for the next start."""
        self.checkpoint()
        os.close(self._handle)
