"""The DICOM file format (PS3.10): preamble, "DICM", File Meta Information, data set.

Reading also accepts what is found in the wild: no preamble, no File Meta
Information, a meta group without its group length. Writing always produces a
conformant file, atomically (a temporary file, fsynced, then renamed), so a crash
never leaves a half-written file under the final name: that is :mod:`.fileformat_write`,
and the transfer syntaxes' UIDs and encodings are :mod:`.encoding`'s; their names are
re-exported here.
"""

from __future__ import annotations

import errno
import mmap
import os
import stat
import zlib
from collections.abc import Callable

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true)

if TYPE_CHECKING:  # dataclasses, pathlib and typing are left out of a read's imports (start-up: dicom-dump)
    from pathlib import Path
    from typing import Literal

from .dataset import DataElement, Dataset
from .encoding import (  # the transfer syntaxes: re-exported, imported from here too
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN as DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_BIG_ENDIAN as EXPLICIT_VR_BIG_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN as EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN as IMPLICIT_VR_LITTLE_ENDIAN,
    _DEFLATED,
    encoding_of as encoding_of,
    is_encapsulated as is_encapsulated,
)
from .errors import DicomDecodeError
from .fileformat_write import (  # writing a file: re-exported, imported from here too
    IMPLEMENTATION_CLASS_UID as IMPLEMENTATION_CLASS_UID,
    IMPLEMENTATION_VERSION_NAME as IMPLEMENTATION_VERSION_NAME,
    RECOMPUTED_META as RECOMPUTED_META,
    encode_body as encode_body,
    encode_file as encode_file,
    file_header as file_header,
    write_all as write_all,
    write_atomic as write_atomic,
    write_bytes_atomic as write_bytes_atomic,
    write_file as write_file,
)
from .reader import EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, MAX_DEPTH, Encoding, Reader, read_dataset
from .writer import encode_dataset

#: The largest inflated data set accepted by default (``max_inflated``): 1 GiB.
MAX_INFLATED = 1 << 30


class FileDataset:
    """A file's File Meta Information and data set (equality and repr by the fields, as the
    data class it was)."""

    __match_args__ = ("dataset", "meta", "transfer_syntax", "preamble")

    def __init__(
        self, dataset: Dataset, meta: Dataset | None = None, transfer_syntax: str = EXPLICIT_VR_LITTLE_ENDIAN, preamble: bytes | None = None
    ) -> None:
        self.dataset = dataset
        self.meta = Dataset() if meta is None else meta
        self.transfer_syntax = transfer_syntax
        self.preamble = preamble

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__ or not isinstance(other, FileDataset):
            return NotImplemented
        return (self.dataset, self.meta, self.transfer_syntax, self.preamble) == (other.dataset, other.meta, other.transfer_syntax, other.preamble)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the data class was

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(dataset={self.dataset!r}, meta={self.meta!r}, "
            f"transfer_syntax={self.transfer_syntax!r}, preamble={self.preamble!r})"
        )


def _looks_explicit(data: memoryview) -> bool:
    """Whether the first element has two upper-case letters where an explicit VR stands."""
    return len(data) >= 6 and bytes(data[4:6]).isalpha() and bytes(data[4:6]).isupper()


def explicit_body(body: bytes | memoryview, transfer_syntax: str, *, source: str) -> bytes | None:
    """A data set that its File Meta Information says is in an Explicit VR Little Endian
    syntax (a native or an encapsulated one, not deflated) but that is encoded in Implicit VR,
    as some writers do and as :func:`read_file` reads it (the same leniency): its elements
    encoded again in Explicit VR Little Endian, values unchanged (encapsulated Pixel Data
    keeps its fragments), so that it is what that syntax says; None if it is not such a one."""
    if encoding_of(transfer_syntax) != EXPLICIT_LE or transfer_syntax in _DEFLATED:
        return None
    view = memoryview(body)
    if len(view) < 6 or _looks_explicit(view):
        return None
    return encode_dataset(read_dataset(bytes(view), IMPLICIT_LE, source=source), EXPLICIT_LE)


def _guess_encoding(data: memoryview) -> Encoding:
    """For a data set without File Meta Information: look at the first element.

    Group numbers are small, so the first byte of a big endian tag is 0 and the
    second is not.
    """
    big = len(data) >= 2 and data[0] == 0 and data[1] != 0
    if _looks_explicit(data):
        return EXPLICIT_BE if big else EXPLICIT_LE
    return IMPLICIT_LE


def read_file(
    path: str | Path,
    *,
    stop_before_pixels: bool = False,
    defer_size: int | None = None,
    strict: bool = False,
    max_inflated: int | None = MAX_INFLATED,
    views: bool = True,
) -> FileDataset:
    """Read a DICOM file; values over ``defer_size`` bytes (of any VR) stay on disk
    until used, as :class:`DeferredValue` (read then from the file, if it is still the one
    read: replaced or changed since, a DicomDecodeError naming it).

    The file is mapped, not read, so stopping before the pixel data of a file of
    hundreds of megabytes touches only its header. ``strict`` refuses odd value
    lengths, which PS3.5 forbids and some files have. A deflated data set is inflated
    a piece at a time, to at most ``max_inflated`` bytes (``None``: no limit), and only
    up to its Pixel Data with ``stop_before_pixels``.

    Values are decoded when first asked for (:class:`DataElement`); every check that
    could make decoding fail is made here, so a damaged file fails here, with the same
    error as when every value was decoded at once. Pixel Data (or Float or Double Float
    Pixel Data) of at least :data:`~dicom_runtime.reader.VIEW_SIZE` bytes stays a read-only view
    on the file's bytes (:meth:`DataElement.view`; a file of :data:`MAP_SIZE` bytes
    or more is mapped, a smaller one read) until its value is asked for as ``bytes`` (then
    read from the file with ``os.pread``, not through the map) or set; the map is closed
    when the last such view goes (while it is open it holds a descriptor of the file:
    ``views=False`` copies every value out instead; a header read, ``stop_before_pixels``,
    keeps no view). Replacing the file (as :func:`write_file` does, by rename) leaves the
    views as read; cutting it short in place while they live is not supported (a value
    then asked for is a DicomDecodeError naming the file).
    """
    source = str(path)
    content, kept = _open(path, views)
    if not len(content):
        raise DicomDecodeError("empty file", offset=0, source=source)
    buffers: list[memoryview] = [memoryview(content)]
    try:
        keep = views and not stop_before_pixels  # a header read holds no map
        return _read(buffers, source, stop_before_pixels, defer_size, path, strict, max_inflated, keep_views=keep, kept=kept)
    finally:
        _release(buffers, content)


#: Files of at least this size are mapped; smaller ones are read (one system call, and
#: no map to set up and tear down: a quarter of the time for the small files of a study).
MAP_SIZE = 1 << 20

#: What is read of a pipe or a device (not a regular file: it cannot be mapped, and has no
#: size to check lengths against until it is read to its end) before it is refused: an
#: endless one (``/dev/zero``) would otherwise take all memory. A larger data set is read
#: from a file.
MAX_STREAM = 1 << 28


class _MappedFile:
    """The file a map was made of, for the values that stay views on the map: one asked for
    as ``bytes`` is read with ``os.pread`` (from the page cache, not through the map, whose
    pages would then count beside the copy). The file is opened again by its path, and used
    only while it is the same file (device and inode): one replaced since (by rename, as
    :func:`write_file` does) gives None, and the caller copies from the map."""

    def __init__(self, path: str | Path, handle: int) -> None:
        self.path = path
        status = os.fstat(handle)
        self.identity = (status.st_dev, status.st_ino)

    def read_at(self, position: int, length: int) -> bytes | None:
        try:
            handle = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError:
            return None
        try:
            status = os.fstat(handle)
            if (status.st_dev, status.st_ino) != self.identity:
                return None
            chunks = []
            done = 0
            while done < length:
                chunk = os.pread(handle, length - done, position + done)
                if not chunk:
                    raise DicomDecodeError(
                        f"the file is shorter than when it was read: {done} of {length} bytes of a value",
                        offset=position,
                        source=str(self.path),
                    )
                chunks.append(chunk)
                done += len(chunk)
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        finally:
            os.close(handle)


def _open(path: str | Path, views: bool = True) -> tuple[bytes | mmap.mmap, _MappedFile | None]:
    """The file's bytes: read whole when small, else mapped read-only (pages come in as
    they are used), with what reads the values that stay views on the map (``views``).
    Either stays unchanged while values are views on it."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        status = os.fstat(handle)
        if stat.S_ISDIR(status.st_mode):  # os.open takes a folder; its read would not name it
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        regular = stat.S_ISREG(status.st_mode)
        size = status.st_size
        if size >= MAP_SIZE and regular:
            return mmap.mmap(handle, 0, access=mmap.ACCESS_READ), (_MappedFile(path, handle) if views else None)
        chunks = []
        want = max(size + 1, 1 << 16) if regular else 1 << 20
        total = 0
        while True:  # to the end, should the file have grown since fstat
            chunk = os.read(handle, want)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if regular and len(chunk) < want and total >= size:
                break  # short of what was asked, at the size fstat gave: the end (one read, not two)
            if not regular and total > MAX_STREAM:
                raise DicomDecodeError(
                    f"more than {MAX_STREAM >> 20} MiB (MAX_STREAM) from a pipe or a device, which is read "
                    "whole first: not read (save it to a file to read it)",
                    offset=MAX_STREAM,
                    source=str(path),
                )
        return (chunks[0] if len(chunks) == 1 else b"".join(chunks) if chunks else b""), None
    finally:
        os.close(handle)


def read_file_partial(
    path: str | Path, *, stop_before_pixels: bool = False, defer_size: int | None = None, views: bool = True
) -> tuple[FileDataset, DicomDecodeError | None]:
    """Like :func:`read_file`, but a file that fails part way gives what was read before
    the failure (every element, sequences up to the failing item) and the error."""
    source = str(path)
    found: list[FileDataset] = []
    try:
        content, kept = _open(path, views)
    except DicomDecodeError as exc:
        return FileDataset(Dataset()), exc
    if not len(content):
        return FileDataset(Dataset()), DicomDecodeError("empty file", offset=0, source=source)
    buffers: list[memoryview] = [memoryview(content)]
    try:
        keep = views and not stop_before_pixels  # a header read holds no map
        return _read(buffers, source, stop_before_pixels, defer_size, path, False, MAX_INFLATED, found, keep_views=keep, kept=kept), None
    except DicomDecodeError as exc:
        return (found[0] if found else FileDataset(Dataset())), exc
    finally:
        _release(buffers, content)


def _plausible(view: memoryview) -> bool:
    """Whether bytes without preamble and meta can start a data set: a first element of a
    low, even group (command, directory or data set groups) whose length fits."""
    if len(view) < 8:
        return False
    for order in ("little", "big"):
        group = int.from_bytes(view[0:2], order)
        if group % 2 == 0 and group <= 0x0008:
            if _looks_explicit(view):
                return True
            length = int.from_bytes(view[4:8], order)
            if length == 0xFFFFFFFF or length <= len(view) - 8:
                return True
    return False


def read_bytes(
    data: bytes, *, source: str = "<bytes>", strict: bool = False, max_inflated: int | None = MAX_INFLATED
) -> FileDataset:
    """Read a DICOM file's bytes (every value loaded)."""
    views: list[memoryview] = [memoryview(data)]
    try:
        return _read(views, source, False, None, None, strict, max_inflated)
    finally:
        _release(views)


def _release(views: list[memoryview], mapped: bytes | mmap.mmap | None = None) -> None:
    """Release every view made while reading, newest first, then close the map unless
    values still are views on it (large bulk values, :meth:`DataElement.view`): then
    it closes when the last of them goes."""
    for view in reversed(views):
        view.release()
    if isinstance(mapped, mmap.mmap):
        try:
            mapped.close()
        except BufferError:
            pass  # exported views remain: the map is kept for them


def _buffer_loader(buffer: bytearray) -> Callable[[int, int], bytes]:
    def load(offset: int, length: int) -> bytes:
        return bytes(buffer[offset : offset + length])

    return load


def _loader(path: str | Path) -> Callable[[int, int], bytes]:
    """What reads a deferred value from the file, if it is still the file read (the same
    file, size and modification time): one replaced since (written back by rename) or changed
    in place holds other bytes there, which is a DicomDecodeError naming it."""
    read = os.stat(path)
    identity = (read.st_dev, read.st_ino, read.st_size, read.st_mtime_ns)

    def load(offset: int, length: int) -> bytes:
        with open(path, "rb") as handle:
            now = os.fstat(handle.fileno())
            if (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) == identity:
                data = os.pread(handle.fileno(), length, offset)
                if len(data) == length:
                    return data
        raise DicomDecodeError(
            f"the file changed since it was read (replaced or written over): the deferred value of {length} bytes "
            "here is no longer in it; read the file again",
            offset=offset,
            source=str(path),
        )

    return load


def _read(
    views: list[memoryview],
    source: str,
    stop_before_pixels: bool,
    defer_size: int | None,
    path: str | Path | None,
    strict: bool = False,
    max_inflated: int | None = MAX_INFLATED,
    partial: list[FileDataset] | None = None,
    *,
    keep_views: bool = False,
    kept: _MappedFile | None = None,
) -> FileDataset:
    """Parse the mapped file; every view made of it is added to ``views`` for release.

    On a DicomDecodeError, what was read before it goes to ``partial`` (if given).
    ``keep_views``: large pixel data of the (not deflated) data set may stay a view on it."""
    view = views[0]
    if len(view) == 0:
        raise DicomDecodeError("no data", offset=0, source=source)
    preamble: bytes | None = None
    offset = 0
    if len(view) >= 132 and bytes(view[128:132]) == b"DICM":
        preamble = bytes(view[:128])
        offset = 132
    elif len(view) >= 4 and bytes(view[:4]) == b"DICM":
        offset = 4
    meta = Dataset()
    problems: list[tuple[str, str, str]] = []  # the data set's read_problems, the meta group's too
    if len(view) - offset >= 8 and int.from_bytes(view[offset : offset + 2], "little") == 0x0002:
        meta, end = _read_meta(view, offset, source, problems, views, partial, preamble)
        offset = end
    elif preamble is None and offset == 0 and not _plausible(view):
        raise DicomDecodeError(
            "not a DICOM file: no preamble and 'DICM', no File Meta Information, and the first bytes "
            "are not a data element",
            offset=0,
            source=source,
        )
    syntax_value = meta.value(0x00020010)
    transfer_syntax = syntax_value if isinstance(syntax_value, str) else ""
    body = view[offset:]
    views.append(body)
    encoding = encoding_of(transfer_syntax) if transfer_syntax else _guess_encoding(body)
    if encoding.explicit_vr and transfer_syntax not in _DEFLATED and len(body) >= 6 and not _looks_explicit(body):
        # The meta group says explicit VR but the data set is implicit, as some writers
        # do: read what is there (a documented leniency, as pydicom's).
        encoding = IMPLICIT_LE
    base = 0  # the data set is read in the file's bytes from ``start``: offsets are file offsets
    start = offset
    data = view
    loader = _loader(path) if path is not None and defer_size is not None else None
    if transfer_syntax in _DEFLATED:
        inner = encoding

        def enough(data: bytearray) -> bool:
            return _header_end(data, inner)

        inflated = inflate(
            body, source=source, offset=offset, limit=max_inflated, enough=enough if stop_before_pixels else None
        )
        body = data = memoryview(inflated)
        views.append(body)
        start = 0
        # offsets into the inflated bytes are not file offsets: a deferred value is a
        # slice of the inflated buffer, copied only when asked for
        loader = _buffer_loader(inflated)
        keep_views = False  # the inflated copy: its values are copied out, as before
    reader = Reader(
        data,
        encoding,
        source=source,
        defer_size=defer_size,
        stop_before_pixels=stop_before_pixels,
        loader=loader,
        base_offset=base,
        strict=strict,
        views=keep_views,
        read_at=kept.read_at if kept is not None and keep_views else None,
        start=start,
    )
    reader.problems = problems
    views.append(reader.data)
    cut = isinstance(data.obj, Inflated) and not data.obj.ended and not stop_before_pixels
    try:
        dataset, _ = reader.read()
    except DicomDecodeError as exc:
        if partial is not None:
            read = reader.partial or Dataset()
            object.__setattr__(read, "_read_problems", problems)
            partial.append(FileDataset(read, meta, transfer_syntax, preamble))
        if transfer_syntax in _DEFLATED:
            raise _in_inflated(exc, offset, cut) from None
        raise
    object.__setattr__(dataset, "_read_problems", problems)
    dataset.file_meta = meta
    if not transfer_syntax:
        transfer_syntax = {IMPLICIT_LE: IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_BE: EXPLICIT_VR_BIG_ENDIAN}.get(
            encoding, EXPLICIT_VR_LITTLE_ENDIAN
        )
        # No File Meta Information (or none naming the syntax): the data set carries the
        # syntax it was read in, so that writing it back (typed.write, encode_file's byte
        # swap of bulk data) and decoding its pixels use that one; the FileDataset's meta
        # stays what the file holds.
        dataset.file_meta = Dataset({**meta._all(), 0x00020010: DataElement(0x00020010, "UI", transfer_syntax)})
    return FileDataset(dataset, meta, transfer_syntax, preamble)


def _in_inflated(exc: DicomDecodeError, start: int, cut: bool) -> DicomDecodeError:
    """An error in a deflated data set, said to be there: its offset is in the inflated
    bytes, and a deflate stream that ends early means the file is cut short."""
    where = f"byte {exc.offset} of the data set inflated from file byte {start}"
    reason = f"{exc.reason} ({where}{'; the deflate stream ends early: the file is cut short' if cut else ''})"
    return DicomDecodeError(reason, offset=exc.offset, path=exc.path, source=exc.source)


def _read_meta(
    view: memoryview,
    offset: int,
    source: str,
    problems: list[tuple[str, str, str]],
    views: list[memoryview],
    partial: list[FileDataset] | None,
    preamble: bytes | None,
) -> tuple[Dataset, int]:
    """The File Meta Information from ``offset``, and where it ends: where its group 0002
    elements end. Read to the end its Group Length (0002,0000) gives; a length that says
    otherwise (too short, it cuts an element; too long, it takes in data set elements, or
    more group 0002 elements follow) is added to ``problems``, and the group is read again
    to where its elements end, as dcmtk does (the walk is only made then: most files are
    right)."""
    stated = _stated_meta_end(view, offset)
    first: list[tuple[str, str, str]] = []
    if stated is not None:
        reader = Reader(view, EXPLICIT_LE, source=source)  # offsets in the file's bytes
        reader.problems = first
        views.append(reader.data)
        try:
            meta, _ = reader.dataset(offset, stated, EXPLICIT_LE, "", 0)
            if (max(meta._elements) >> 16) == 0x0002 and int.from_bytes(view[stated : stated + 2], "little") != 0x0002:
                problems.extend(first)
                return meta, stated
        except DicomDecodeError:
            pass
    end = _meta_walk(view, offset, source)
    if stated is not None or bytes(view[offset : offset + 6]) == b"\x02\x00\x00\x00UL":
        length = int.from_bytes(view[offset + 8 : offset + 12], "little")
        problems.append((
            "(0002,0000)",
            f"byte {offset}: File Meta Information Group Length is {length}, but the group's elements "
            f"after it take {end - offset - 12} bytes; read to where they end",
            "PS3.10 Section 7.1",
        ))
    reader = Reader(view, EXPLICIT_LE, source=source)
    reader.problems = problems
    views.append(reader.data)
    try:
        meta, _ = reader.dataset(offset, end, EXPLICIT_LE, "", 0)
    except DicomDecodeError:
        if partial is not None:
            read = Dataset()
            object.__setattr__(read, "_read_problems", problems)
            partial.append(FileDataset(read, reader.partial or Dataset(), "", preamble))
        raise
    return meta, end


def _stated_meta_end(view: memoryview, offset: int) -> int | None:
    """Where the File Meta Information Group Length says the group ends, if it is there and
    the end is within the bytes."""
    if bytes(view[offset : offset + 6]) == b"\x02\x00\x00\x00UL" and len(view) - offset >= 12:
        end = offset + 12 + int.from_bytes(view[offset + 8 : offset + 12], "little")
        if end <= len(view):
            return end
    return None


def _meta_end(view: memoryview, offset: int, source: str) -> int:
    """Where the File Meta Information ends: by its group length, or element by element."""
    stated = _stated_meta_end(view, offset)
    return stated if stated is not None else _meta_walk(view, offset, source)


def _meta_walk(view: memoryview, offset: int, source: str) -> int:
    """Where the group 0002 elements from ``offset`` end."""
    position = offset
    while len(view) - position >= 8 and int.from_bytes(view[position : position + 2], "little") == 0x0002:
        vr = bytes(view[position + 4 : position + 6])
        if vr in (b"OB", b"OW", b"UN", b"SQ", b"UT", b"UC", b"UR"):
            if len(view) - position < 12:
                break
            position += 12 + int.from_bytes(view[position + 8 : position + 12], "little")
        else:
            position += 8 + int.from_bytes(view[position + 6 : position + 8], "little")
        if position > len(view):
            raise DicomDecodeError("File Meta Information runs past the end of the file", offset=offset, source=source)
    return position


def split_file(data: bytes, *, source: str = "<bytes>") -> tuple[Dataset, int]:
    """The File Meta Information of a PS3.10 file and the offset where its data set begins.

    Used to send or store a data set's bytes as they are, without decoding them.
    """
    view = memoryview(data)
    if len(view) < 132 or bytes(view[128:132]) != b"DICM":
        raise DicomDecodeError("not a DICOM file: no 'DICM' after the 128-byte preamble", offset=128, source=source)
    end = _meta_end(view, 132, source)
    meta = read_dataset(bytes(view[132:end]), EXPLICIT_LE, source=source)
    return meta, end


_CHUNK = 1 << 16


class Inflated(bytearray):
    """Inflated bytes, and whether the deflate stream ended (its final block was read): not
    so when the file is cut short, or when reading stopped once ``enough`` held."""

    ended = False


def inflate(
    body: bytes | memoryview,
    *,
    source: str,
    offset: int = 0,
    limit: int | None = MAX_INFLATED,
    enough: Callable[[bytearray], bool] | None = None,
) -> Inflated:
    """A deflated data set's bytes inflated (PS3.5 A.5: raw deflate, no zlib header),
    a piece at a time: never more than ``limit`` bytes (``None``: no limit), and no more
    than needed once ``enough(inflated so far)`` is true (a header read stops there).
    DicomDecodeError naming ``source`` and ``offset`` when they do not inflate, and
    naming the limit when the data set is larger."""
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    out = Inflated()
    view = memoryview(body)
    position = 0
    next_check = _CHUNK
    try:
        while True:
            if decompressor.unconsumed_tail:
                piece = decompressor.decompress(decompressor.unconsumed_tail, _CHUNK)
            elif position < len(view) and not decompressor.eof:
                piece = decompressor.decompress(view[position : position + _CHUNK], _CHUNK)
                position += _CHUNK
            else:
                break
            out += piece
            if limit is not None and len(out) > limit:
                raise DicomDecodeError(
                    f"deflated data set inflates to more than the limit of {limit} bytes (max_inflated)",
                    offset=offset,
                    source=source,
                )
            if enough is not None and len(out) >= next_check:
                if enough(out):
                    return out
                next_check = 2 * len(out)  # look again when twice as much is there: linear in all
            if decompressor.eof:
                break
        out += decompressor.flush()
        out.ended = decompressor.eof
    except zlib.error as exc:
        raise DicomDecodeError(f"deflated data set does not inflate: {exc}", offset=offset, source=source) from None
    finally:
        view.release()
    return out


def _header_end(data: bytearray, encoding: Encoding) -> bool:
    """Whether ``data`` holds every top-level element before Pixel Data (or more):
    walks the element headers, skipping values and sequences, without decoding."""
    view = memoryview(data)
    try:
        return _skip(view, 0, encoding, top=True) is not None
    finally:
        view.release()


def _skip(
    view: memoryview, offset: int, encoding: Encoding, *, top: bool = False, item: bool = False, depth: int = 0
) -> int | None:
    """The offset after the elements from ``offset`` (to an Item Delimitation Item when
    ``item``; to Pixel Data when ``top``); None when ``view`` ends first. Nested deeper
    than the reader accepts, it stops there: the reader then reports the nesting."""
    if depth > 2 * MAX_DEPTH + 2:
        return offset
    order: Literal["little", "big"] = "little" if encoding.little_endian else "big"
    while True:
        if len(view) - offset < 8:
            return None
        tag = (int.from_bytes(view[offset : offset + 2], order) << 16) | int.from_bytes(view[offset + 2 : offset + 4], order)
        if top and tag >= 0x7FE00010:
            return offset
        if tag in (0xFFFEE00D, 0xFFFEE0DD):
            return offset + 8
        vr = bytes(view[offset + 4 : offset + 6]) if encoding.explicit_vr else b""
        if tag == 0xFFFEE000:
            length, offset = int.from_bytes(view[offset + 4 : offset + 8], order), offset + 8
            if length == 0xFFFFFFFF:
                end = _skip(view, offset, encoding, item=True, depth=depth + 1)
                if end is None:
                    return None
                offset = end
            else:
                offset += length
            continue
        if encoding.explicit_vr and vr.decode("latin_1") not in ("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT", "SV", "UV"):
            offset += 8 + int.from_bytes(view[offset + 6 : offset + 8], order)
            continue
        if encoding.explicit_vr:
            if len(view) - offset < 12:
                return None
            length, offset = int.from_bytes(view[offset + 8 : offset + 12], order), offset + 12
        else:
            length, offset = int.from_bytes(view[offset + 4 : offset + 8], order), offset + 8
        if length == 0xFFFFFFFF:
            inner = encoding if vr != b"UN" else IMPLICIT_LE
            end = _skip(view, offset, inner, item=True, depth=depth + 1)  # items until the Sequence Delimitation Item
            if end is None:
                return None
            offset = end
        else:
            offset += length


def decode_body(body: bytes, transfer_syntax: str, *, source: str) -> Dataset:
    """The data set encoded in ``body`` in ``transfer_syntax`` (inflated first for the
    deflated syntaxes): the inverse of :func:`encode_body`."""
    if transfer_syntax in _DEFLATED:
        return read_dataset(inflate(body, source=source), encoding_of(transfer_syntax), source=source)
    return read_dataset(body, encoding_of(transfer_syntax), source=source)
