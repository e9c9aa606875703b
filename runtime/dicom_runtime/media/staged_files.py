"""The files a File-set's write makes and removes (split from :mod:`.fileset`, whose FileSet
class was past 300 lines): what is staged for a file (:class:`Pending`), its bytes, a hard
link in its place, the DICOMDIR's stamp (another writer's change shows in it), and the
records and folders a removal leaves empty."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import DicomDecodeError, DicomEncodeError
from ..fileformat import encode_file, read_file
from .errors import MediaError
from .records import HIERARCHY, DirectoryRecord


def stamp(path: Path) -> tuple[int, int, int] | None:
    """The DICOMDIR's inode, modification time and size; None when there is none."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def link(source: Path, destination: Path) -> bool:
    """``destination`` made a hard link to ``source``, atomically (a temporary link renamed);
    False where the file system cannot link."""
    temporary = destination.with_name(f".{destination.name}.{os.getpid()}.link")
    try:
        temporary.unlink(missing_ok=True)
        os.link(source, temporary)
    except OSError:
        return False
    os.replace(temporary, destination)
    return True


@dataclass
class Pending:
    source: Path
    transcode: bool  # written in Explicit VR Little Endian rather than copied
    link: bool = False  # a hard link to the source rather than a copy (where the file system allows)


def file_bytes(item: Pending, syntax: str) -> bytes:
    """The bytes of a staged file: its own, or (``item.transcode``) encoded in ``syntax``."""
    if not item.transcode:
        return item.source.read_bytes()
    try:
        read = read_file(item.source)
        return encode_file(read.dataset, syntax, meta=read.meta)
    except DicomDecodeError as exc:
        raise MediaError(f"cannot be written into the File-set: {exc.detail}", path=str(item.source)) from None
    except (DicomEncodeError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise MediaError(f"cannot be written into the File-set: {reason}", path=str(item.source)) from None


def prune_folders(root: Path, folder: Path) -> None:
    """Remove ``folder`` and the folders above it left empty, up to ``root``."""
    root = root.resolve()
    while folder.resolve() != root and root in folder.resolve().parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def prune_empty(roots: list[DirectoryRecord]) -> None:
    """Drop the PATIENT, STUDY and SERIES records with nothing below them (those whose only
    records below were inactive or stale, dropped when the DICOMDIR was read), as a removal
    drops the records it leaves empty."""

    def kept(records: list[DirectoryRecord]) -> list[DirectoryRecord]:
        out = []
        for record in records:
            record.children[:] = kept(record.children)
            if record.record_type not in HIERARCHY or record.children:
                out.append(record)
        return out

    roots[:] = kept(roots)
