"""The storage SCP's query index: one row per stored instance, in SQLite in the folder.

C-FIND, C-MOVE and C-GET ask the index instead of reading every file (see
:class:`.matching.ScanningQuery`, the former way, kept as the reference). A query runs
in two steps:

1. SQL selects candidate rows by the indexed columns of :data:`COLUMNS` (unique keys,
   patient, accession, date, modality...). Each condition is *conservative*: it never
   drops a row the PS3.4 C.2.2.2 matcher would keep. A value the columns cannot state
   exactly (several values, surrounding spaces, a number) is stored as
   :data:`UNSURE`, which every condition lets through.
2. :func:`.matching.matches` decides on each candidate, on the attributes of
   :data:`STORED_TAGS` kept in the row (as JSON), so the result is the matcher's own.
   A key outside them is read from the file's header, for the candidates only.

The schema is plain SQL (TEXT columns, ordinary indexes, ``?`` parameters) behind a
small :class:`Backend` protocol; the one dialect-specific piece, wildcard matching, is
the backend's :meth:`Backend.wildcard`, and so is the upsert (:meth:`Backend.upsert`).
SQLite is the embedded backend; a PostgreSQL one would implement the same protocol
(``LIKE`` with escapes for ``GLOB``, ``INSERT ... ON CONFLICT (name) DO UPDATE``) and its
own :func:`open_index` (the file handling here, rebuild and marker, is SQLite's).

Durability. The index is not part of an instance's durable step (:mod:`.storage`): the
writer thread commits the rows of the files it has written once a stream of stores
pauses (or a query waits for them). What a crash loses of them is made again at the next
start, which synchronises the index with the files before it serves (the rows of files
without one are made, those of missing files dropped), and journal replay indexes what it
writes. An instance stored durably without the journal is indexed, with a synchronous
commit, before it is acknowledged. So after a crash and the restart the index holds every
acknowledged instance. Lost or damaged, it is rebuilt from the files
(:func:`rebuild`, ``dicom-net index rebuild FOLDER``, or on the next start). A row is made
from the stored attributes' bytes alone (:mod:`.rows`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from ..dataset import DataElement, Dataset, Value
from ..errors import DicomError
from .matching import RANGE_VRS, check_level, instance_matches, is_universal, matching_keys, normal_date, query_zone, range_bounds
from .matching import read_header, wildcard_pattern
from .rows import _HEAD as _HEAD, _stored_elements as _stored_elements
from .rows import COLUMNS as COLUMNS, ROW_TAGS as ROW_TAGS, STORED_TAGS as STORED_TAGS, UNSURE as UNSURE
from .rows import row_for as _row_for, row_of as row_of, stored_header as stored_header

log = logging.getLogger("dicom_runtime.net")

SCHEMA_VERSION = 2
"""2: a date column keeps an ACR-NEMA date (``2010.05.05``) as :data:`UNSURE`, which a
date key now matches by its meaning (an index of 1 is rebuilt on opening)."""
SUBFOLDER = ".dicom-net"
"""The folder's hidden subfolder, where the index (and by default the journal) is kept."""
INDEX_NAME = "index.sqlite"
"""The index's file, in :data:`SUBFOLDER`."""
LOCK_NAME = "index.lock"
"""Held shared by each :class:`.storage.StorageFolder` on the folder, exclusively by
``dicom-net index rebuild``, which so refuses to replace an index in use."""
class Backend(Protocol):
    """Where the rows are kept: SQLite now; the statements are portable SQL."""

    def wildcard(self, column: str) -> str:
        """A condition, with one parameter, true where ``column`` matches a PS3.4 wildcard
        pattern given with ``[`` escaped as ``[[]`` (``*``: any characters, ``?``: one)."""
        ...

    def upsert(self, table: str, columns: Sequence[str]) -> str:
        """A statement, with one parameter a column, inserting a row or replacing the one
        with its primary key (the first column)."""
        ...

    def select(self, sql: str, params: Sequence[object]) -> list[tuple[object, ...]]: ...

    def write(self, sql: str, rows: Iterable[Sequence[object]], *, durable: bool = False) -> None:
        """Run ``sql`` for each row, in one transaction; ``durable``: on stable storage when this returns."""
        ...

    def close(self) -> None: ...


_SCHEMA = [
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE instances (name TEXT PRIMARY KEY, "
    + ", ".join(f"{column} TEXT" for column in COLUMNS.values())
    + ", attrs TEXT NOT NULL)",
    *(f"CREATE INDEX instances_{column} ON instances ({column})" for column in COLUMNS.values()),
]
_ROW = ("name", *COLUMNS.values(), "attrs")
"""The columns of an instance's row, in the order of :func:`row_of`."""


class SQLiteBackend:
    """The embedded backend: one SQLite file, WAL journal, commits not flushed (the
    storage journal's flush covers them) unless asked to be durable."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=NORMAL")
            if create:
                self._create()
        except sqlite3.Error:
            self._connection.close()
            raise

    def _create(self) -> None:
        with self._lock:
            self._connection.execute("BEGIN")
            for statement in _SCHEMA:
                self._connection.execute(statement)
            self._connection.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            self._connection.execute("COMMIT")

    def wildcard(self, column: str) -> str:
        return f"{column} GLOB ?"  # case-sensitive, * and ?, [[] is a literal [

    def upsert(self, table: str, columns: Sequence[str]) -> str:
        return f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

    def select(self, sql: str, params: Sequence[object]) -> list[tuple[object, ...]]:
        with self._lock:
            return self._connection.execute(sql, params).fetchall()

    def write(self, sql: str, rows: Iterable[Sequence[object]], *, durable: bool = False) -> None:
        with self._lock:
            connection = self._connection
            if durable:
                connection.execute("PRAGMA synchronous=FULL")
            try:
                connection.execute("BEGIN")
                try:
                    connection.executemany(sql, rows)
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
            finally:
                if durable:
                    connection.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        with self._lock:
            self._connection.close()


class IndexedHeader:
    """An instance as its index row tells it; attributes it does not keep are read from
    the file's header on first use."""

    __slots__ = ("path", "_text", "_attrs", "_unstored", "_file")

    def __init__(self, path: Path, attrs: str) -> None:
        self.path = path
        self._text = attrs
        self._attrs: dict[str, list[object]] | None = None  # parsed on first use
        self._unstored: frozenset[int] = frozenset()
        self._file: Dataset | None = None

    def get(self, key: int, /) -> DataElement | None:
        if self._attrs is None:
            self._attrs = json.loads(self._text)
            self._unstored = frozenset(self._attrs.pop("unstored", ()))  # type: ignore[arg-type]
        if key in STORED_TAGS and key not in self._unstored:
            found = self._attrs.get(f"{key:08X}")
            if found is None:
                return None
            vr, value = found
            assert isinstance(vr, str)
            return DataElement(key, vr, value)  # type: ignore[arg-type]  # JSON of a Value
        if self._file is None:
            try:
                self._file = read_header(self.path)
            except (OSError, DicomError) as error:
                log.warning("%s: indexed, but its header cannot be read (%s)", self.path, error)
                self._file = Dataset()
        return self._file.get(key)

    def value(self, key: int) -> Value:
        element = self.get(key)
        return None if element is None else element.value


def _condition(backend: Backend, key: DataElement) -> tuple[str, list[object]] | None:
    """A conservative SQL condition for ``key`` (see :func:`.matching.matches`, whose branches
    it follows), or None when the key is universal or has no column."""
    column = COLUMNS.get(key.tag)
    if column is None or is_universal(key):
        return None
    unsure = f"{column} = '{UNSURE}'"
    wanted = key.value
    if isinstance(wanted, list):
        if key.vr == "UI":
            values = [str(w) for w in wanted]
            return f"{column} IN ({', '.join('?' * len(values))}) OR {unsure}", list(values)
        wanted = "\\".join(str(w) for w in wanted)
    text = str(wanted)
    if key.vr in RANGE_VRS and "-" in text:
        low, high = (_date_param(key.vr, end) for end in range_bounds(text))
        parts, params = [f"{column} > ''"], []  # an empty value is in no range (PS3.4 C.2.2.2.5)
        if low:
            parts.append(f"{column} >= ?")
            params.append(low)
        if high:
            parts.append(f"{column} <= ?")
            params.append(high)
        return f"({' AND '.join(parts)}) OR {unsure}", list(params)
    if key.vr == "UI" and "\\" in text:
        values = text.split("\\")
        return f"{column} IN ({', '.join('?' * len(values))}) OR {unsure}", list(values)
    if ("*" in text or "?" in text) and key.vr not in ("UI", "DA", "TM", "DT"):
        return f"{backend.wildcard(column)} OR {unsure}", [wildcard_pattern(text)]
    return f"{column} IN (?, '{UNSURE}')", [_date_param(key.vr, text.strip())]


def _date_param(vr: str, text: str) -> str:
    """A DA key's value as the column holds dates (``YYYYMMDD``; a row keeps an ACR-NEMA
    ``YYYY.MM.DD`` value as :data:`UNSURE`); other values as they are (a key that is no date
    matches nothing, or only its own text, which the column holds)."""
    return (normal_date(text) or text) if vr == "DA" and text else text


class Index:
    """The rows of one folder's instances, and queries over them."""

    def __init__(self, root: Path, backend: Backend) -> None:
        self.root = root
        self.backend = backend
        self._upsert = backend.upsert("instances", _ROW)

    def add(self, names_and_headers: Iterable[tuple[str, Dataset]], *, durable: bool = False) -> None:
        """Index (or index again) files of the folder, by name, with their headers."""
        self.add_rows([row_of(name, header) for name, header in names_and_headers], durable=durable)

    def add_rows(self, rows: Sequence[tuple[object, ...]], *, durable: bool = False) -> None:
        """Commit rows made by :meth:`row_for` (or :func:`row_of`), in one transaction."""
        self.backend.write(self._upsert, rows, durable=durable)

    @staticmethod
    def row_for(path: Path) -> tuple[object, ...]:
        """The row of a file of the folder, from its header; DicomError/OSError if it cannot be read."""
        return _row_for(path)

    def add_file(self, path: Path, *, durable: bool = False) -> None:
        """Index a file of the folder from its header; DicomError/OSError if it cannot be read."""
        self.add_rows([self.row_for(path)], durable=durable)

    def remove(self, names: Iterable[str]) -> None:
        self.backend.write("DELETE FROM instances WHERE name = ?", [(name,) for name in names])

    def contains(self, name: str) -> bool:
        return bool(self.backend.select("SELECT 1 FROM instances WHERE name = ?", (name,)))

    def names(self) -> list[str]:
        return [str(row[0]) for row in self.backend.select("SELECT name FROM instances ORDER BY name", ())]

    def __len__(self) -> int:
        return int(str(self.backend.select("SELECT COUNT(*) FROM instances", ())[0][0]))

    def matching(self, identifier: Dataset, level: str) -> list[tuple[Path, IndexedHeader]]:
        """The instances whose attributes match every key of ``identifier``, in file name order."""
        check_level(level)
        keys, zone = matching_keys(identifier), query_zone(identifier)
        where: list[str] = []
        params: list[object] = []
        for key in keys:
            condition = _condition(self.backend, key)
            if condition is not None:
                where.append(f"({condition[0]})")
                params.extend(condition[1])
        sql = "SELECT name, attrs FROM instances" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY name"
        found: list[tuple[Path, IndexedHeader]] = []
        for name, attrs in self.backend.select(sql, params):
            header = IndexedHeader(self.root / str(name), str(attrs))
            if instance_matches(keys, header, zone):
                found.append((header.path, header))
        return found

    def close(self) -> None:
        self.backend.close()


def index_path(root: Path) -> Path:
    return root / SUBFOLDER / INDEX_NAME


def _rebuilding_marker(path: Path) -> Path:
    return path.with_name(path.name + ".rebuilding")


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def hold(root: Path, *, exclusive: bool = False) -> int:
    """Take the folder's index lock (:data:`LOCK_NAME`): shared, waiting for an exclusive
    holder, or exclusive, ValueError at once if anyone holds it. Returns the descriptor
    to give :func:`release`."""
    folder = root / SUBFOLDER
    folder.mkdir(parents=True, exist_ok=True)
    handle = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH)
    except BlockingIOError:
        os.close(handle)
        raise ValueError(f"{root}: the query index is in use by an SCP serving the folder; stop it first") from None
    except BaseException:
        os.close(handle)
        raise
    return handle


def release(handle: int) -> None:
    os.close(handle)  # closing the descriptor drops its lock


def rebuild(root: str | Path, *, lock: bool = True) -> int:
    """Build the index of ``root`` again from its ``*.dcm`` files (those that cannot be
    read are logged and left out), replacing the one there; returns how many files it
    holds. The old index stays until the new one is complete; a crash on the way leaves
    a marker that makes the next :func:`open_index` rebuild. It takes the index lock
    exclusively (ValueError, naming the folder, while an SCP serves it); ``lock=False``:
    the caller holds it already."""
    root = Path(root)
    if lock:
        handle = hold(root, exclusive=True)
        try:
            return rebuild(root, lock=False)
        finally:
            release(handle)
    path = index_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f"{path.name}.new-{os.getpid()}")
    _remove_database(scratch)
    backend = SQLiteBackend(scratch, create=True)
    index = Index(root, backend)
    count = 0
    try:
        batch: list[tuple[str, Dataset]] = []
        for file in sorted(root.glob("*.dcm")):
            try:
                batch.append((file.name, read_header(file)))
            except (OSError, DicomError) as error:
                log.warning("%s: not indexed: %s", file, error)
                continue
            if len(batch) >= 1000:
                index.add(batch)
                count += len(batch)
                batch = []
        index.add(batch)
        count += len(batch)
        backend.select("PRAGMA wal_checkpoint(TRUNCATE)", ())
    finally:
        backend.close()
    with open(scratch, "rb+") as built:
        os.fsync(built.fileno())
    marker = _rebuilding_marker(path)
    marker.write_bytes(b"")  # from here until the rename, the index at ``path`` is not to be trusted
    _fsync_folder(path.parent)
    _remove_database(path)
    Path(f"{scratch}-wal").unlink(missing_ok=True)
    Path(f"{scratch}-shm").unlink(missing_ok=True)
    os.replace(scratch, path)
    _fsync_folder(path.parent)
    marker.unlink()
    _fsync_folder(path.parent)
    return count


def open_index(root: Path) -> Index:
    """The index of ``root``: the one there, or built from the files when it is missing,
    of another schema, damaged, or left half rebuilt. The caller holds the index lock
    (shared, :func:`hold`)."""
    path = index_path(root)
    reason = None
    if _rebuilding_marker(path).exists():
        reason = "a rebuild of it was cut short"
    elif not path.exists():
        reason = "it is missing"
    else:
        try:
            backend = SQLiteBackend(path)
            try:
                version = backend.select("SELECT value FROM meta WHERE name = 'schema'", ())
            except sqlite3.Error:
                backend.close()
                raise
            if version == [(str(SCHEMA_VERSION),)]:
                return Index(root, backend)
            backend.close()
            reason = f"its schema is {version[0][0] if version else 'unknown'}, not {SCHEMA_VERSION}"
        except sqlite3.Error as error:
            reason = f"it cannot be read ({error})"
    count = rebuild(root, lock=False)
    if count or reason != "it is missing":  # a new folder's first index says nothing
        log.info("%s: query index rebuilt from %d files (%s: %s)", root, count, path, reason)
    return Index(root, SQLiteBackend(path))
