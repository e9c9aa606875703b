"""What travels in DIMSE messages: SOP instances as encoded bytes, and query identifiers.

An :class:`Instance` keeps a data set as the bytes of one transfer syntax, so a
file can be sent, and a received instance written, without decoding it; it is
decoded (and transcoded between the native syntaxes) only when needed. One read
from a file holds a read-only memory map of it, not a copy: sending it reads the
pages as they go out (the file must not be changed while the instance is in use).
"""

from __future__ import annotations

import logging
import mmap
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..dataset import DataElement, Dataset
from ..dictionary import lookup
from ..errors import DicomEncodeError, DicomError, UnknownTagError
from ..fileformat import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_BIG_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
    decode_body,
    encode_body,
    file_header,
    split_file,
    write_bytes_atomic,
)
from ..services import QueryIdentifier

if TYPE_CHECKING:
    from ..objects import DicomObject  # imported where used: a store of files needs none of it

log = logging.getLogger("dicom_runtime.net")

NATIVE_SYNTAXES = (EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN)
"""Transfer syntaxes an instance can be transcoded between."""
RE_ENCODABLE = (*NATIVE_SYNTAXES, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN)
"""The syntaxes :meth:`Instance.in_syntax` re-encodes a data set between (its pixels untouched)."""

Q = TypeVar("Q", bound=QueryIdentifier)

_MAP_FROM = 1 << 20
"""Files from this size up are memory-mapped by :meth:`Instance.from_file`; smaller ones are read."""
_HEAD = 1 << 20
"""How much of a mapped file is read to find its File Meta Information and leading UIDs."""


@dataclass(frozen=True)
class Instance:
    """A SOP instance: its class and instance UIDs, and its data set encoded in ``transfer_syntax``.

    ``buffer`` is the data set's bytes: ``bytes``, or for one read by :meth:`from_file` a
    read-only ``memoryview`` of the file's memory map (no copy); :attr:`data` is always ``bytes``."""

    sop_class: str
    sop_instance: str
    transfer_syntax: str
    buffer: bytes | memoryview

    @property
    def data(self) -> bytes:
        """The data set's bytes; for a memory-mapped instance a copy (send :attr:`buffer` instead)."""
        buffer = self.buffer
        return buffer if isinstance(buffer, bytes) else bytes(buffer)

    @classmethod
    def from_file(cls, path: str | Path, *, check: bool = False) -> Instance:
        """A PS3.10 file, without decoding its data set and without copying it: the data set
        is a read-only memory map of the file (its first MiB is read to find it). Its SOP
        Class and Instance UIDs are the data set's: where the File Meta Information says
        otherwise, that is logged.

        ``check=True`` also walks the whole data set (:func:`.checks.data_set_uids`, what an
        SCP does before it stores it): a damaged file is a :class:`DamagedFile` that says
        where as ``dicom-dump``, ``dicom-validate`` and :func:`~..fileformat.read_file` do,
        ``<path>: damaged: byte <offset in the file> at (gggg,eeee): <reason>``."""
        with Path(path).open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            whole: bytes | memoryview
            if size < _MAP_FROM:
                whole = handle.read()
                head = whole
            else:
                whole = memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
                head = bytes(whole[:_HEAD])
        try:
            meta, offset = split_file(head, source=str(path))
        except DicomError:
            if len(head) == len(whole):
                raise
            meta, offset = split_file(bytes(whole), source=str(path))  # File Meta Information past the first MiB
        values = [meta.value(tag) for tag in (0x00020002, 0x00020003, 0x00020010)]
        if not all(isinstance(v, str) and v for v in values):
            raise DicomEncodeError(f"{path}: the File Meta Information lacks the SOP class, instance or transfer syntax")
        sop_class, sop_instance, syntax = (str(v) for v in values)
        data: bytes | memoryview = whole[offset:]
        if syntax in (DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN) or len(data) <= len(head) - offset:
            data = bytes(data)  # these are decoded whole to find the UIDs (leading_uids)
        if len(data) % 2 and syntax == DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
            data = bytes(data) + b"\0"  # PS3.5 A.5: a deflated stream of odd length is padded (peers refuse odd PDVs)
        from ..fileformat import explicit_body
        from .checks import leading_uids

        lenient = explicit_body(data, syntax, source=str(path))
        if lenient is not None:  # read_file's leniency: sent as the syntax it is sent in says
            log.warning("%s: the data set is in Implicit VR, not as %s says: encoded again in Explicit VR", path, syntax)
            data = lenient
        inside = leading_uids(data if isinstance(data, bytes) else head[offset:], syntax)
        if inside is not None and inside[1] and (inside[0] or sop_class, inside[1]) != (sop_class, sop_instance):
            log.warning(
                "%s: the File Meta Information says SOP instance %s of %s, the data set %s of %s; the data set's are used",
                path, sop_instance, sop_class, inside[1], inside[0] or sop_class,
            )
            sop_class, sop_instance = inside[0] or sop_class, inside[1]
        if check:
            from .checks import data_set_uids

            try:
                data_set_uids(data, syntax, str(path))
            except DicomError as exc:
                raise DamagedFile(damage(path, offset, exc)) from None
        return cls(sop_class, sop_instance, syntax, data)

    @staticmethod
    def header_of(path: str | Path) -> tuple[str, str]:
        """(SOP Class UID, Transfer Syntax UID) of a PS3.10 file, from its File Meta
        Information only (:meth:`meta_of`)."""
        meta = Instance.meta_of(path)
        sop_class, syntax = meta.value(0x00020002), meta.value(0x00020010)
        if not isinstance(sop_class, str) or not isinstance(syntax, str) or not sop_class or not syntax:
            raise DicomEncodeError(f"{path}: the File Meta Information lacks the SOP class or transfer syntax")
        return sop_class, syntax

    @staticmethod
    def meta_of(path: str | Path) -> Dataset:
        """The File Meta Information of a PS3.10 file (the first 64 KiB are read)."""
        with Path(path).open("rb") as handle:
            head = handle.read(65536)
        meta, _ = split_file(head, source=str(path))
        return meta

    @classmethod
    def from_dataset(cls, dataset: Dataset | DicomObject, transfer_syntax: str = EXPLICIT_VR_LITTLE_ENDIAN) -> Instance:
        """A data set or a generated IOD instance, encoded in a native transfer syntax."""
        from ..objects import DicomObject

        if isinstance(dataset, DicomObject):
            from ..typed import to_dataset

            dataset = to_dataset(dataset)
        sop_class, sop_instance = dataset.value(0x00080016), dataset.value(0x00080018)
        if not isinstance(sop_class, str) or not isinstance(sop_instance, str):
            raise DicomEncodeError("an instance needs SOP Class UID (0008,0016) and SOP Instance UID (0008,0018)")
        return cls(sop_class, sop_instance, transfer_syntax, _encode(dataset, transfer_syntax))

    def dataset(self) -> Dataset:
        """The decoded data set."""
        return decode_body(self.data, self.transfer_syntax, source=f"instance {self.sop_instance}")

    def typed(self) -> DicomObject | Dataset:
        """The generated IOD class's instance where one exists for the SOP class, else the data set."""
        from ..typed import typed_dataset

        return typed_dataset(self.dataset())

    def in_syntax(self, transfer_syntax: str) -> Instance:
        """The same instance in another transfer syntax (native and deflated ones only)."""
        if transfer_syntax == self.transfer_syntax:
            return self
        if transfer_syntax not in RE_ENCODABLE or self.transfer_syntax not in RE_ENCODABLE:
            raise DicomEncodeError(
                f"instance {self.sop_instance}: cannot transcode {self.transfer_syntax} to {transfer_syntax}"
            )
        data = _encode(self.dataset(), transfer_syntax, self.transfer_syntax)
        return Instance(self.sop_class, self.sop_instance, transfer_syntax, data)

    def file_bytes(self, source_ae: str = "") -> bytes:
        """This instance as a PS3.10 file; its data set bytes unchanged."""
        return file_header(self.sop_class, self.sop_instance, self.transfer_syntax, source_ae) + self.buffer

    def write(self, path: str | Path, source_ae: str = "", *, durable: bool = True) -> None:
        """Write as a PS3.10 file, atomically and durably (fsync of file and folder);
        ``durable=False`` skips the fsyncs."""
        write_bytes_atomic(path, self.file_bytes(source_ae), durable=durable)


class DamagedFile(DicomError):
    """A file whose data set does not decode (:meth:`Instance.from_file` with ``check=True``)."""


def damage(path: str | Path, origin: int, walked: DicomError) -> str:
    """What is wrong with the file at ``path``, whose data set starts at byte ``origin`` and
    failed the SCP's walk with ``walked``: the reader's words, a byte offset in the file and
    the tag path (``<path>: damaged: byte 1488 at (7FE0,0010): length 8192 is larger than the
    8130 bytes that remain``), as the other tools report it. Where the reader takes what the
    walk refuses, the walk's reason, its offset counted from the data set's first byte."""
    from ..errors import DicomDecodeError
    from ..fileformat import read_file

    try:
        read_file(path)
    except DicomDecodeError as exc:
        at = f" at {exc.path}" if exc.path else ""
        return f"{path}: damaged: byte {exc.offset}{at}: {exc.reason}"
    except (DicomError, OSError, ValueError):
        pass
    return f"{path}: damaged: {walked} (offsets from the data set's first byte, byte {origin} of the file)"


def _encode(dataset: Dataset, transfer_syntax: str, source_syntax: str | None = None) -> bytes:
    if transfer_syntax not in NATIVE_SYNTAXES + (DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,):
        raise DicomEncodeError(f"cannot encode a data set in {transfer_syntax}: not a native transfer syntax")
    return encode_body(dataset, transfer_syntax, source_syntax=source_syntax)


def identifier_dataset(keys: Mapping[str, Any] | QueryIdentifier) -> Dataset:
    """A query identifier as a data set: keyword -> value, lists of dicts for sequences."""
    if isinstance(keys, QueryIdentifier):
        keys = keys.identifier()
    result = Dataset()
    for keyword, value in keys.items():
        entry = lookup(keyword)
        vr = entry.vrs[0]
        if vr == "SQ":
            items = value if isinstance(value, list) else []
            result.add(entry.tag, vr, [identifier_dataset(item) for item in items])
        elif value is None or value == "":
            result.add(entry.tag, vr, None)
        else:
            result.add(entry.tag, vr, value)
    return result


def identifier_keys(dataset: Dataset) -> dict[str, Any]:
    """A received identifier as keyword -> value (strings; lists of dicts for sequences)."""
    keys: dict[str, Any] = {}
    for element in dataset.elements():
        try:
            keyword = lookup(element.tag).keyword
        except UnknownTagError:
            continue
        keys[keyword] = _key_value(element)
    return keys


def _key_value(element: DataElement) -> Any:
    value = element.value
    if isinstance(value, list) and value and isinstance(value[0], Dataset):
        return [identifier_keys(item) for item in value if isinstance(item, Dataset)]
    if isinstance(value, list):
        return "\\".join(str(v) for v in value)
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def typed_identifier(cls: type[Q], dataset: Dataset) -> Q:
    """A received identifier as the query class it answers; keys the class lacks are dropped."""
    import dataclasses

    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    keys = {k: v for k, v in identifier_keys(dataset).items() if k in names and not isinstance(v, list)}
    return cls(**keys)
