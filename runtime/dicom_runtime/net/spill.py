"""Data sets too large to hold in memory while they arrive: kept in temporary files.

The :class:`~.dimse.Assembler` of a server's association moves an unfinished DIMSE
message's data set into a :class:`SpilledData` once it passes :attr:`Spill.threshold`
bytes (or once the unfinished messages of all associations hold their whole memory
budget), and writes the fragments that follow there. The file is unlinked as soon as
it is made: only its descriptor names it, so nothing is left on disk however the
association or the process ends, and its blocks go back to the file system when the
descriptor is closed (:meth:`SpilledData.close`, which the association calls once the
request is answered or dropped; a finalizer closes one that is forgotten). The bytes
spilled by all of a server's associations are bounded by :attr:`Spill.budget`.

A spilled data set is read through a read-only memory map (:meth:`SpilledData.mapped`),
so a check that walks its element headers touches only the pages it reads, and is
written into a PS3.10 file by the kernel (:meth:`SpilledData.write_file`:
``copy_file_range``, which shares the blocks where the file system can), not through
this process's memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import tempfile
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DicomError
from ..fileformat import write_all, write_atomic

MiB = 1024 * 1024
DEFAULT_SPILL_THRESHOLD = 4 * MiB
"""An unfinished data set larger than this is moved to a temporary file."""
DEFAULT_SPILL_BUDGET = 4 * 1024 * MiB
"""Bytes the spilled data sets of all of a server's associations may take on disk together."""
_CHUNK = 1 << 20


class SpillError(DicomError):
    """A data set that cannot be spilled: the disk budget is spent, or the file cannot be written."""


class Budget:
    """Bytes that several associations may hold together (a server's; shared by its
    connections): in memory for unfinished messages, on disk for spilled ones."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()  # given back from worker threads too

    def take(self, size: int) -> bool:
        with self._lock:
            if self.used + size > self.limit:
                return False
            self.used += size
            return True

    def give(self, size: int) -> None:
        with self._lock:
            self.used -= size


@dataclass
class Spill:
    """Where and when an acceptor's unfinished data sets go to disk.

    ``threshold``: a data set beyond this many bytes is spilled; ``directory``: where the
    temporary files are made (None: the system's temporary folder; a storage SCP uses
    its archive's own); ``budget``: the bytes all spilled data sets may take together,
    beyond which the association that would exceed it is aborted."""

    threshold: int = DEFAULT_SPILL_THRESHOLD
    directory: Path | None = None
    budget: Budget = field(default_factory=lambda: Budget(DEFAULT_SPILL_BUDGET))


def _close(fd: int, budget: Budget, taken: list[int]) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
    budget.give(taken[0])
    taken[0] = 0


class SpilledData:
    """A data set's bytes in an unlinked temporary file of ``spill.directory``."""

    def __init__(self, spill: Spill) -> None:
        try:
            fd, name = tempfile.mkstemp(prefix=".spill-", suffix=".tmp", dir=spill.directory)
        except OSError as exc:
            raise SpillError(f"cannot make a temporary file in {spill.directory or tempfile.gettempdir()}: {exc.strerror or exc}") from None
        os.unlink(name)  # from here on only the descriptor names it: nothing can be left behind
        self.directory = Path(name).parent
        self.size = 0
        self._fd = fd
        self._budget = spill.budget
        self._taken = [0]
        self._closer = weakref.finalize(self, _close, fd, spill.budget, self._taken)

    @property
    def closed(self) -> bool:
        return not self._closer.alive

    @property
    def fileno(self) -> int:
        return self._fd

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Append ``data``; :class:`SpillError` if the disk budget or the file system refuses it."""
        if not self._budget.take(len(data)):
            raise SpillError(f"spilled data sets of all associations would take more than {self._budget.limit} bytes of disk")
        self._taken[0] += len(data)
        view = memoryview(data)
        try:
            while view:
                written = os.pwrite(self._fd, view, self.size)
                self.size += written
                view = view[written:]
        except OSError as exc:
            raise SpillError(f"cannot write a spilled data set in {self.directory}: {exc.strerror or exc}") from None

    @contextlib.contextmanager
    def mapped(self) -> Iterator[mmap.mmap]:
        """The bytes as a read-only memory map (closed on leaving; keep no slice of it beyond)."""
        view = mmap.mmap(self._fd, self.size, access=mmap.ACCESS_READ)
        try:
            yield view
        finally:
            view.close()

    def read(self) -> bytes:
        """All the bytes, in memory."""
        parts = []
        offset = 0
        while offset < self.size:
            chunk = os.pread(self._fd, min(_CHUNK * 64, self.size - offset), offset)
            if not chunk:
                raise SpillError(f"a spilled data set in {self.directory} is shorter than written")
            parts.append(chunk)
            offset += len(chunk)
        return b"".join(parts)

    def chunks(self) -> Iterator[bytes]:
        offset = 0
        while offset < self.size:
            chunk = os.pread(self._fd, min(_CHUNK, self.size - offset), offset)
            if not chunk:
                raise SpillError(f"a spilled data set in {self.directory} is shorter than written")
            yield chunk
            offset += len(chunk)

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for chunk in self.chunks():
            digest.update(chunk)
        return digest.hexdigest()

    def equals(self, data: bytes) -> bool:
        """Whether these are the bytes ``data``."""
        if len(data) != self.size:
            return False
        offset = 0
        for chunk in self.chunks():
            if data[offset : offset + len(chunk)] != chunk:
                return False
            offset += len(chunk)
        return True

    def copy_into(self, fd: int) -> None:
        """Append the bytes to the open file ``fd`` (at its current position), by the kernel."""
        offset = 0
        copy = getattr(os, "copy_file_range", None)
        while offset < self.size and copy is not None:
            try:
                done = copy(self._fd, fd, self.size - offset, offset)
            except OSError:  # not across these file systems: by pread/write below
                break
            if done == 0:
                break
            offset += done
        while offset < self.size:
            chunk = os.pread(self._fd, min(_CHUNK, self.size - offset), offset)
            if not chunk:
                raise SpillError(f"a spilled data set in {self.directory} is shorter than written")
            write_all(fd, chunk)
            offset += len(chunk)

    def write_file(self, path: Path, header: bytes, *, durable: bool) -> None:
        """``header`` and these bytes as the file ``path``, made as
        :func:`~..fileformat.write_atomic` makes a file (atomically; with ``durable``
        flushed first, the data, then the folder)."""

        def fill(handle: int) -> None:
            write_all(handle, header)
            self.copy_into(handle)

        write_atomic(path, fill, durable=durable)

    def close(self) -> None:
        """Close the file (its blocks are freed) and give its bytes back to the disk budget."""
        self._closer()

    def __len__(self) -> int:
        return self.size
