"""Writing the DICOM file format (PS3.10): the File Meta Information this implementation
writes, the data set's bytes in a transfer syntax, and the file, made atomically.

Writing always produces a conformant file (PS3.10 7.1: preamble, "DICM", the File Meta
Information with this implementation's Implementation Class UID and Version Name), atomically
(a temporary file, fsynced, then renamed), so a crash never leaves a half-written file under
the final name. Split from :mod:`.fileformat` (reading; it re-exports these names), as that was
past 600 lines.
"""

from __future__ import annotations

import errno
import os
import struct
import zlib
from collections.abc import Callable

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true)

if TYPE_CHECKING:  # pathlib is imported where a file is written (start-up: dicom-dump)
    from pathlib import Path

from .dataset import DataElement, Dataset, DeferredValue, EncapsulatedPixelData
from .encoding import EXPLICIT_LE, EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, _DEFLATED, encoding_of, is_encapsulated
from .errors import DicomEncodeError
from .tag_text import tag_text
from .writer import encode_dataset

__all__ = [
    "IMPLEMENTATION_CLASS_UID",
    "IMPLEMENTATION_VERSION_NAME",
    "RECOMPUTED_META",
    "encode_body",
    "encode_file",
    "file_header",
    "write_all",
    "write_atomic",
    "write_bytes_atomic",
    "write_file",
]

#: This project's Implementation Class UID (PS3.7 D.3.3.2), a UUID-derived UID (PS3.5 B.2).
IMPLEMENTATION_CLASS_UID = "2.25.234007163342352280788179250500784768237"
IMPLEMENTATION_VERSION_NAME = "DICOM_TYPED_02"


def _short(tag: int, vr: bytes, value: str, pad: bytes) -> bytes:
    try:
        raw = value.encode("ascii")
    except UnicodeEncodeError:
        raise DicomEncodeError(f"File Meta Information {tag_text(tag)} {value!r} is not ASCII") from None
    raw += pad * (len(raw) % 2)
    return struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr, len(raw)) + raw


#: Meta elements this implementation sets itself when it writes a file: group length,
#: version, SOP class and instance (from the data set), transfer syntax (the one written),
#: Implementation Class UID and Version Name (this implementation's).
RECOMPUTED_META = frozenset({0x00020000, 0x00020001, 0x00020002, 0x00020003, 0x00020010, 0x00020012, 0x00020013})


def file_header(
    sop_class: str, sop_instance: str, transfer_syntax: str, source_ae: str = "", *, kept: Dataset | None = None
) -> bytes:
    """Preamble, "DICM" and the File Meta Information of a file this implementation writes
    (PS3.10 Table 7.1-1: version, SOP class and instance, transfer syntax, Implementation
    Class UID and version name, and the Source AE title if given), encoded directly.

    ``kept``: the meta of the file a data set was read from; its elements other than
    :data:`RECOMPUTED_META` stay true and are written unchanged (Source AE Title,
    Sending and Receiving AE Titles, Private Information, ...)."""
    parts = [
        struct.pack("<HH2sHI", 0x0002, 0x0001, b"OB", 0, 2) + b"\x00\x01",
        _short(0x00020002, b"UI", sop_class, b"\0"),
        _short(0x00020003, b"UI", sop_instance, b"\0"),
        _short(0x00020010, b"UI", transfer_syntax, b"\0"),
        _short(0x00020012, b"UI", IMPLEMENTATION_CLASS_UID, b"\0"),
        _short(0x00020013, b"SH", IMPLEMENTATION_VERSION_NAME, b" "),
    ]
    others = Dataset()
    if kept is not None:
        for element in kept.elements():
            if element.tag not in RECOMPUTED_META and element.tag >> 16 == 0x0002:
                others[element.tag] = element
    if source_ae and 0x00020016 not in others:
        others[0x00020016] = DataElement(0x00020016, "AE", source_ae)
    elements = b"".join(parts) + encode_dataset(others, EXPLICIT_LE)
    return bytes(128) + b"DICM" + struct.pack("<HH2sHI", 0x0002, 0x0000, b"UL", 4, len(elements)) + elements


def write_all(fd: int, data: bytes | memoryview) -> None:
    """Write all of ``data`` to the open file ``fd`` (os.write may write less than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _discard(temporary: Path) -> None:
    """Remove a temporary file if it is there (not there, or its folder is not: nothing to do)."""
    try:
        temporary.unlink()
    except (FileNotFoundError, NotADirectoryError):
        pass


def write_atomic(path: str | Path, fill: Callable[[int], None], *, durable: bool = True) -> None:
    """Make the file ``path`` atomically and durably from what ``fill`` writes to an open
    descriptor: a temporary sibling, flushed to stable storage (fdatasync: the data and the
    size), renamed over ``path``, and the folder fsynced so the rename itself survives a
    crash. ``durable=False`` leaves out both syncs (still atomic; not crash-safe). A
    leftover temporary file is named ``.<name>.<pid>.<thread>.tmp``; one ``fill`` fails in
    is removed. An OSError of the temporary file or its rename names ``path`` (the
    temporary name is this function's own)."""
    import threading
    from pathlib import Path

    target = Path(path)
    if not target.name:  # "" or "/": no file to make (with_name would say "has an empty name")
        raise IsADirectoryError(errno.EISDIR, "not a file name", str(path)) if str(path) else FileNotFoundError(
            errno.ENOENT, "no file name given", str(path)
        )
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        try:
            fill(handle)
            if durable:
                os.fdatasync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, target)
    except OSError as exc:
        _discard(temporary)
        if exc.filename != str(temporary) or exc.errno is None:
            raise
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        _discard(temporary)
        raise
    if not durable:
        return
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def write_bytes_atomic(path: str | Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` as :func:`write_atomic` makes a file."""
    write_atomic(path, lambda handle: write_all(handle, data), durable=durable)


def encode_body(dataset: Dataset, transfer_syntax: str, *, source_syntax: str | None = None) -> bytes:
    """The data set's bytes in ``transfer_syntax``: deflated (and padded to even length) for
    the deflated syntaxes, Explicit VR Little Endian for the encapsulated ones (PS3.5 A.4).

    ``source_syntax``: the transfer syntax the data set was read in. A data set holds the values
    of OW, OF, OD, OL and OV in the byte order of the file they were read from; where that order
    and the target's differ (Explicit VR Big Endian to or from any other syntax), they are
    written swapped, word by word (PS3.5 7.3), so the values stay the same numbers."""
    if source_syntax is not None and (source_syntax == EXPLICIT_VR_BIG_ENDIAN) != (transfer_syntax == EXPLICIT_VR_BIG_ENDIAN):
        dataset = _bulk_swapped(dataset)
    body = encode_dataset(dataset, encoding_of(transfer_syntax))
    if transfer_syntax in _DEFLATED:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
        body = compressor.compress(body) + compressor.flush()
        body += b"\0" * (len(body) % 2)
    return body


#: The VRs whose values are words of more than one byte, held in the byte order of their file.
_WORD_VRS = frozenset({"OW", "OF", "OD", "OL", "OV"})


def _bulk_swapped(dataset: Dataset) -> Dataset:
    """A copy of ``dataset`` (items included) whose OW/OF/OD/OL/OV values are in the other byte
    order: OW in 16-bit words whatever Bits Allocated says (PS3.5 6.2, as dcmtk's dcmconv does),
    OF and OL in 32-bit, OD and OV in 64-bit words. A value left in the file (deferred) is read.
    The one byte-swap mechanism: writing in the other byte order and pixels.transcode use it."""
    from .codec import swap_bytes

    copy = Dataset()
    copy.file_meta = dataset.file_meta
    copy.undefined_length = dataset.undefined_length
    for element in dataset.elements():
        value = element.value
        if element.vr in _WORD_VRS and isinstance(value, DeferredValue):
            value = value.read()
        if element.vr in _WORD_VRS and isinstance(value, bytes) and value:
            element = DataElement(element.tag, element.vr, swap_bytes(value, element.vr), undefined_length=element.undefined_length)
        elif element.vr == "SQ" and isinstance(value, list):
            items = [_bulk_swapped(item) if isinstance(item, Dataset) else item for item in value]
            element = DataElement(element.tag, "SQ", items, undefined_length=element.undefined_length)  # type: ignore[arg-type]
        copy[element.tag] = element
    return copy


def _syntax_read(dataset: Dataset, meta: Dataset | None) -> str | None:
    """The transfer syntax the data set was read in, by the File Meta Information it came with."""
    for source in (meta, dataset.file_meta):
        value = source.value(0x00020010) if source is not None else None
        if isinstance(value, str) and value.strip("\0 "):
            return value.strip("\0 ")
    return None


def encode_file(
    dataset: Dataset, transfer_syntax: str = EXPLICIT_VR_LITTLE_ENDIAN, *, meta: Dataset | None = None
) -> bytes:
    """The bytes of a conformant PS3.10 file: preamble, DICM, meta group, data set.

    ``meta`` (by default the ``file_meta`` the data set was read with): its elements
    that stay true are kept (see :func:`file_header`)."""
    kept = meta if meta is not None else dataset.file_meta
    sop_class = dataset.value(0x00080016)
    sop_instance = dataset.value(0x00080018)
    if kept is not None and 0x00080016 not in dataset and 0x00080018 not in dataset:
        # a data set without them (a DICOMDIR): the Media Storage SOP Class and Instance it was read with
        sop_class, sop_instance = kept.value(0x00020002), kept.value(0x00020003)
    if not isinstance(sop_class, str) or not isinstance(sop_instance, str) or not sop_class or not sop_instance:
        raise DicomEncodeError("a DICOM file needs SOP Class UID (0008,0016) and SOP Instance UID (0008,0018)")
    source = _syntax_read(dataset, meta)
    _refuse_encapsulated_in_native(dataset, transfer_syntax, source)
    _refuse_native_in_encapsulated(dataset, transfer_syntax, source)
    header = file_header(sop_class, sop_instance, transfer_syntax, kept=kept)
    if 0x00041220 in dataset and _DEFLATED.isdisjoint({source, transfer_syntax}):
        # a DICOMDIR: its record links are file offsets, and its records move with the new
        # meta's length (and the syntax's): the links follow them (PS3.3 F.3.2.1)
        from .media.relink import relinked

        dataset = relinked(dataset, encoding_of(source or transfer_syntax), encoding_of(transfer_syntax), len(header))
    return header + encode_body(dataset, transfer_syntax, source_syntax=source)


def _refuse_encapsulated_in_native(dataset: Dataset, transfer_syntax: str, read_in: str | None) -> None:
    """Encapsulated Pixel Data (read in a compressed syntax) cannot be written in a native one
    (PS3.5 A.4: only the encapsulated syntaxes hold it; written so, the file declared its
    fragments native, which dciodvfy and pydicom refuse): one DicomEncodeError naming the
    syntaxes and the way (``pixels.transcode`` decodes it)."""
    element = dataset.get(0x7FE00010)
    if element is None or is_encapsulated(transfer_syntax) or not isinstance(element.value, EncapsulatedPixelData):
        return
    raise DicomEncodeError(
        f"(7FE0,0010) PixelData is encapsulated (read in {read_in or 'an encapsulated syntax'}) and {transfer_syntax} "
        f"is a native transfer syntax (PS3.5 A.4): decode it first, pixels.transcode(dataset, {transfer_syntax!r})"
    )


def _refuse_native_in_encapsulated(dataset: Dataset, transfer_syntax: str, read_in: str | None) -> None:
    """The other way: native Pixel Data in an encapsulated syntax was written with its defined
    length, a file dcmdump and dciodvfy refuse (PS3.5 A.4: undefined length, items): one
    DicomEncodeError naming the syntaxes and the way (``pixels.transcode`` encodes it)."""
    element = dataset.get(0x7FE00010)
    if element is None or not is_encapsulated(transfer_syntax) or isinstance(element.value, EncapsulatedPixelData):
        return
    if element.value is None or (isinstance(element.value, (bytes, memoryview)) and not len(element.value)):
        return  # empty: nothing to encapsulate
    read = f" (read in {read_in})" if read_in and not is_encapsulated(read_in) else ""
    raise DicomEncodeError(
        f"(7FE0,0010) PixelData is native{read} and {transfer_syntax} is an encapsulated transfer syntax (PS3.5 A.4): "
        f"encode it first, pixels.transcode(dataset, {transfer_syntax!r})"
    )


def write_file(
    path: str | Path,
    dataset: Dataset,
    transfer_syntax: str = EXPLICIT_VR_LITTLE_ENDIAN,
    *,
    meta: Dataset | None = None,
) -> None:
    """Write atomically: a temporary file beside ``path``, fsynced, then renamed. A data
    set that cannot be encoded raises :class:`DicomEncodeError` naming the file (and the
    attribute), and leaves nothing written."""
    try:
        data = encode_file(dataset, transfer_syntax, meta=meta)
    except DicomEncodeError as exc:
        raise DicomEncodeError(f"{path}: {exc}") from exc
    write_bytes_atomic(path, data)
