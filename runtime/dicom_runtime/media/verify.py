"""Checking a File-set: every referenced file against its record, and what no record references."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..dataset import Dataset
from ..errors import DicomDecodeError
from ..fileformat import read_file
from .errors import MediaError
from .instance_records import text
from .records import RECORD_KEYS, DirectoryRecord, InstanceRecord, tag_of

if TYPE_CHECKING:
    from .fileset import FileSet


@dataclass(frozen=True)
class Problem:
    """One finding of :meth:`FileSet.verify`: the record's byte offset in the DICOMDIR
    (None for a file no record references), its File ID or path, and what is wrong."""

    where: str
    message: str
    offset: int | None = None
    orphan: bool = False

    def __str__(self) -> str:
        at = f" (record at byte {self.offset})" if self.offset is not None else ""
        return f"{self.where}{at}: {self.message}"


def verify(fileset: FileSet, *, progress: Callable[[int, int], None] | None = None) -> list[Problem]:
    """:meth:`FileSet.verify`."""
    problems: list[Problem] = []
    instances = fileset.instances()
    referenced: set[Path] = {fileset.dicomdir_path.resolve()}
    for done, record in enumerate(instances, 1):
        problems.extend(_check(fileset, record, referenced))
        if progress is not None:
            progress(done, len(instances))
    if fileset.source is not None:
        for stale in fileset.source.unreached:
            problems.append(Problem(str(fileset.dicomdir_path), f"a {stale.record_type} record no link reaches (stale)", stale.offset))
        for inactive in fileset.source.inactive:
            problems.append(Problem(str(fileset.dicomdir_path), f"an inactive {inactive.record_type} record", inactive.offset))
    same_files = set()  # a referenced file under another name (a storage folder's hard link) is no orphan
    for path in referenced:
        try:
            st = path.stat()
        except OSError:
            continue
        same_files.add((st.st_dev, st.st_ino))
    for folder, folders, files in os.walk(fileset.root):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            if name.startswith(".") or path.resolve() in referenced:
                continue
            st = path.lstat()
            if (st.st_dev, st.st_ino) in same_files:
                continue
            problems.append(Problem(str(path.relative_to(fileset.root)), "orphan: no record references it", orphan=True))
    return problems


def _check(fileset: FileSet, record: InstanceRecord, referenced: set[Path]) -> list[Problem]:
    file_id = "\\".join(record.file_id or ())
    try:
        path = fileset._reading_path(record)
    except MediaError as exc:
        return [Problem(file_id, exc.reason, record.offset)]
    referenced.add(path.resolve())
    if not path.is_file():
        return [Problem(file_id, "the referenced file is missing", record.offset)]
    try:
        # read to its end, as add reads it: a file damaged after its header (cut short in its
        # Pixel Data) passed a header read here and failed only when the instance was read
        read = read_file(path)
    except DicomDecodeError as exc:
        return [Problem(file_id, f"the referenced file is damaged: {exc.detail}", record.offset)]
    except OSError as exc:
        return [Problem(file_id, f"the referenced file cannot be read: {exc.strerror or exc}", record.offset)]
    out: list[Problem] = []
    data = read.dataset
    actual = {
        "Referenced SOP Class UID in File": text(read.meta, 0x00020002) or text(data, 0x00080016),
        "Referenced SOP Instance UID in File": text(read.meta, 0x00020003) or text(data, 0x00080018),
        "Referenced Transfer Syntax UID in File": read.transfer_syntax,
    }
    recorded = {
        "Referenced SOP Class UID in File": record.sop_class_uid,
        "Referenced SOP Instance UID in File": record.sop_instance_uid,
        "Referenced Transfer Syntax UID in File": record.transfer_syntax_uid,
    }
    for what, value in recorded.items():
        if value is not None and value != actual[what]:
            out.append(Problem(file_id, f"{what} is {value}, the file's is {actual[what]}", record.offset))
    for keyword, _ in RECORD_KEYS.get(record.record_type, []):
        _compare(record, data, keyword, file_id, out)
    node = record.parent
    while node is not None:
        level_key = {"PATIENT": "PatientID", "STUDY": "StudyInstanceUID", "SERIES": "SeriesInstanceUID"}.get(node.record_type)
        if level_key is not None:
            _compare(node, data, level_key, file_id, out)
        node = node.parent
    return out


def _compare(record: DirectoryRecord, data: Dataset, keyword: str, file_id: str, out: list[Problem]) -> None:
    tag = tag_of(keyword)
    if tag not in record.keys or tag not in data or record.keys[tag].vr == "SQ":
        return
    mine, theirs = record.text(tag), text(data, tag)
    if (mine or "").strip() != (theirs or "").strip():
        out.append(Problem(file_id, f"{keyword} of its {record.record_type} record is {mine!r}, the file's is {theirs!r}", record.offset))
