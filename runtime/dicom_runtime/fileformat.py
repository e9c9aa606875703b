"""The DICOM file format (PS3.10): preamble, "DICM", File Meta Information, data set.

Reading also accepts what is found in the wild: no preamble, no File Meta
Information, a meta group without its group length. Writing always produces a
conformant file, atomically (a temporary file, fsynced, then renamed), so a crash
never leaves a half-written file under the final name.
"""

from __future__ import annotations

import mmap
import os
import struct
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .dataset import DataElement, Dataset
from .errors import DicomDecodeError, DicomEncodeError
from .reader import EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, Encoding, Reader, read_dataset
from .writer import encode_dataset

#: This project's Implementation Class UID (PS3.7 D.3.3.2), a UUID-derived UID (PS3.5 B.2).
IMPLEMENTATION_CLASS_UID = "2.25.234007163342352280788179250500784768237"
IMPLEMENTATION_VERSION_NAME = "DICOM_TYPED_02"

IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99"
EXPLICIT_VR_BIG_ENDIAN = "1.2.840.10008.1.2.2"
_NATIVE = {
    IMPLICIT_VR_LITTLE_ENDIAN: IMPLICIT_LE,
    EXPLICIT_VR_LITTLE_ENDIAN: EXPLICIT_LE,
    EXPLICIT_VR_BIG_ENDIAN: EXPLICIT_BE,
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN: EXPLICIT_LE,
    "1.2.840.10008.1.2.4.95": EXPLICIT_LE,  # JPIP Referenced Deflate
}
_DEFLATED = {DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, "1.2.840.10008.1.2.4.95"}


@dataclass
class FileDataset:
    """A file's File Meta Information and data set."""

    dataset: Dataset
    meta: Dataset = field(default_factory=Dataset)
    transfer_syntax: str = EXPLICIT_VR_LITTLE_ENDIAN
    preamble: bytes | None = None


def encoding_of(transfer_syntax: str) -> Encoding:
    """Explicit VR Little Endian for every encapsulated transfer syntax (PS3.5 A.4)."""
    return _NATIVE.get(transfer_syntax, EXPLICIT_LE)


def _looks_explicit(data: memoryview) -> bool:
    """Whether the first element has two upper-case letters where an explicit VR stands."""
    return len(data) >= 6 and bytes(data[4:6]).isalpha() and bytes(data[4:6]).isupper()


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
    path: str | Path, *, stop_before_pixels: bool = False, defer_size: int | None = None, strict: bool = False
) -> FileDataset:
    """Read a DICOM file; large values over ``defer_size`` bytes stay on disk until used.

    The file is mapped, not read, so stopping before the pixel data of a file of
    hundreds of megabytes touches only its header. ``strict`` refuses odd value
    lengths, which PS3.5 forbids and some files have.
    """
    source = str(path)
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            raise DicomDecodeError("empty file", offset=0, source=source)
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            views: list[memoryview] = [memoryview(mapped)]
            try:
                return _read(views, source, stop_before_pixels, defer_size, Path(path), strict)
            finally:
                _release(views)


def read_bytes(data: bytes, *, source: str = "<bytes>", strict: bool = False) -> FileDataset:
    """Read a DICOM file's bytes (every value loaded)."""
    views: list[memoryview] = [memoryview(data)]
    try:
        return _read(views, source, False, None, None, strict)
    finally:
        _release(views)


def _release(views: list[memoryview]) -> None:
    """Release every view made while reading, newest first (a map cannot close before)."""
    for view in reversed(views):
        view.release()


def _loader(path: Path) -> Callable[[int, int], bytes]:
    def load(offset: int, length: int) -> bytes:
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read(length)

    return load


def _read(
    views: list[memoryview],
    source: str,
    stop_before_pixels: bool,
    defer_size: int | None,
    path: Path | None,
    strict: bool = False,
) -> FileDataset:
    """Parse the mapped file; every view made of it is added to ``views`` for release."""
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
    if len(view) - offset >= 8 and int.from_bytes(view[offset : offset + 2], "little") == 0x0002:
        end = _meta_end(view, offset, source)
        views.append(view[offset:end])
        reader = Reader(views[-1], EXPLICIT_LE, source=source, base_offset=offset)
        views.append(reader.data)
        meta, _ = reader.dataset(0, end - offset, EXPLICIT_LE, "", 0)
        offset = end
    syntax_element = meta.get(0x00020010)
    transfer_syntax = syntax_element.value if syntax_element is not None and isinstance(syntax_element.value, str) else ""
    body = view[offset:]
    views.append(body)
    encoding = encoding_of(transfer_syntax) if transfer_syntax else _guess_encoding(body)
    if encoding.explicit_vr and transfer_syntax not in _DEFLATED and len(body) >= 6 and not _looks_explicit(body):
        # The meta group says explicit VR but the data set is implicit, as some writers
        # do: read what is there (a documented leniency, as pydicom's).
        encoding = IMPLICIT_LE
    base = offset
    loader = _loader(path) if path is not None else None
    if transfer_syntax in _DEFLATED:
        body = memoryview(inflate(body, source=source, offset=offset))
        base = 0
        defer_size = None  # offsets into the inflated bytes are not file offsets
    reader = Reader(
        body,
        encoding,
        source=source,
        defer_size=defer_size,
        stop_before_pixels=stop_before_pixels,
        loader=loader,
        base_offset=base,
        strict=strict,
    )
    views.append(reader.data)
    dataset, _ = reader.read()
    if not transfer_syntax:
        transfer_syntax = {IMPLICIT_LE: IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_BE: EXPLICIT_VR_BIG_ENDIAN}.get(
            encoding, EXPLICIT_VR_LITTLE_ENDIAN
        )
    return FileDataset(dataset, meta, transfer_syntax, preamble)


def _meta_end(view: memoryview, offset: int, source: str) -> int:
    """Where the File Meta Information ends: by its group length, or element by element."""
    if bytes(view[offset : offset + 6]) == b"\x02\x00\x00\x00UL" and len(view) - offset >= 12:
        length = int.from_bytes(view[offset + 8 : offset + 12], "little")
        end = offset + 12 + length
        if end <= len(view):
            return end
    position = offset  # no (or a wrong) group length: walk the group 0002 elements
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


def _short(tag: int, vr: bytes, value: str, pad: bytes) -> bytes:
    try:
        raw = value.encode("ascii")
    except UnicodeEncodeError:
        raise DicomEncodeError(f"File Meta Information ({tag >> 16:04X},{tag & 0xFFFF:04X}) {value!r} is not ASCII") from None
    raw += pad * (len(raw) % 2)
    return struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr, len(raw)) + raw


def file_header(sop_class: str, sop_instance: str, transfer_syntax: str, source_ae: str = "") -> bytes:
    """Preamble, "DICM" and the File Meta Information of a file this implementation writes
    (PS3.10 Table 7.1-1: version, SOP class and instance, transfer syntax, Implementation
    Class UID and version name, and the Source AE title if given), encoded directly."""
    elements = b"".join(
        (
            struct.pack("<HH2sHI", 0x0002, 0x0001, b"OB", 0, 2) + b"\x00\x01",
            _short(0x00020002, b"UI", sop_class, b"\0"),
            _short(0x00020003, b"UI", sop_instance, b"\0"),
            _short(0x00020010, b"UI", transfer_syntax, b"\0"),
            _short(0x00020012, b"UI", IMPLEMENTATION_CLASS_UID, b"\0"),
            _short(0x00020013, b"SH", IMPLEMENTATION_VERSION_NAME, b" "),
            _short(0x00020016, b"AE", source_ae, b" ") if source_ae else b"",
        )
    )
    return bytes(128) + b"DICM" + struct.pack("<HH2sHI", 0x0002, 0x0000, b"UL", 4, len(elements)) + elements


def write_bytes_atomic(path: str | Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically and durably: a temporary sibling, flushed to
    stable storage (fdatasync: the data and the size), renamed over ``path``, and the
    folder fsynced so the rename itself survives a crash. ``durable=False`` leaves out
    both syncs (still atomic; not crash-safe). A leftover temporary file is named
    ``.<name>.<pid>.<thread>.tmp``."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
            if durable:
                os.fdatasync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if not durable:
        return
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def inflate(body: bytes | memoryview, *, source: str, offset: int = 0) -> bytes:
    """A deflated data set's bytes inflated (PS3.5 A.5: raw deflate, no zlib header);
    DicomDecodeError naming ``source`` and ``offset`` when they do not inflate."""
    try:
        return zlib.decompress(bytes(body), -zlib.MAX_WBITS)
    except zlib.error as exc:
        raise DicomDecodeError(f"deflated data set does not inflate: {exc}", offset=offset, source=source) from None


def decode_body(body: bytes, transfer_syntax: str, *, source: str) -> Dataset:
    """The data set encoded in ``body`` in ``transfer_syntax`` (inflated first for the
    deflated syntaxes): the inverse of :func:`encode_body`."""
    if transfer_syntax in _DEFLATED:
        body = inflate(body, source=source)
    return read_dataset(body, encoding_of(transfer_syntax), source=source)


def encode_body(dataset: Dataset, transfer_syntax: str) -> bytes:
    """The data set's bytes in ``transfer_syntax``: deflated (and padded to even length) for
    the deflated syntaxes, Explicit VR Little Endian for the encapsulated ones (PS3.5 A.4)."""
    body = encode_dataset(dataset, encoding_of(transfer_syntax))
    if transfer_syntax in _DEFLATED:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
        body = compressor.compress(body) + compressor.flush()
        body += b"\0" * (len(body) % 2)
    return body


def encode_file(dataset: Dataset, transfer_syntax: str = EXPLICIT_VR_LITTLE_ENDIAN) -> bytes:
    """The bytes of a conformant PS3.10 file: preamble, DICM, meta group, data set."""
    sop_class = dataset.value(0x00080016)
    sop_instance = dataset.value(0x00080018)
    if not isinstance(sop_class, str) or not isinstance(sop_instance, str) or not sop_class or not sop_instance:
        raise DicomEncodeError("a DICOM file needs SOP Class UID (0008,0016) and SOP Instance UID (0008,0018)")
    return file_header(sop_class, sop_instance, transfer_syntax) + encode_body(dataset, transfer_syntax)


def write_file(path: str | Path, dataset: Dataset, transfer_syntax: str = EXPLICIT_VR_LITTLE_ENDIAN) -> None:
    """Write atomically: a temporary file beside ``path``, fsynced, then renamed."""
    write_bytes_atomic(path, encode_file(dataset, transfer_syntax))
