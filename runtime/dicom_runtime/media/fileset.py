"""A File-set (PS3.10 Section 8): files under File IDs and the DICOMDIR that indexes them.

:class:`FileSet` reads a DICOMDIR into its tree of records, stages additions and
removals in memory, and writes them in one step (:meth:`FileSet.write`), in this order:
the new files (each atomically, under a File ID nothing references yet), one flush of
the file system, the DICOMDIR (temporary file, fsync, rename), then the removed files
are deleted. So a crash at any point leaves the old DICOMDIR or the new one, and every
file either references exists; what a crash can leave is an unreferenced file, which
:meth:`FileSet.verify` reports as an orphan.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from ..dataset import DataElement, Dataset
from ..errors import DicomDecodeError, DicomEncodeError
from ..fileformat import (
    EXPLICIT_VR_LITTLE_ENDIAN,
    is_encapsulated,
    read_file,
    write_bytes_atomic,
)
from ..objects import DicomObject
from ..typed import read as typed_read
from ..uid import generate_uid
from .dicomdir import Dicomdir, encode_dicomdir, read_dicomdir
from .errors import MediaError
from .fileid import (
    FILE_ID_CHARACTERS,
    check_file_id,
    file_id_problem,
    new_file_id,
    resolve,
)
from .instance_records import SERIES_UID, STUDY_UID, parent_records, record_of, text
from .profiles import DEFAULT_PROFILE, Profile, get_profile
from .records import (
    HIERARCHY,
    RECORD_TYPES,
    REFERENCED_FILE_ID,
    REFERENCED_SOP_CLASS,
    REFERENCED_SOP_INSTANCE,
    REFERENCED_TRANSFER_SYNTAX,
    DirectoryRecord,
    InstanceRecord,
    record_type_for,
)
from .staged_files import Pending, file_bytes, link, prune_empty, prune_folders, stamp
from .verify import Problem

DICOMDIR = "DICOMDIR"


class FileSet:
    """A File-set rooted at a folder; see the module's description."""

    def __init__(self, root: str | Path, *, profile: str = DEFAULT_PROFILE, fileset_id: str = "", strict: bool = True) -> None:
        """An empty File-set at ``root`` (nothing is written before :meth:`write`); use
        :meth:`open` for an existing one. ``strict``: File IDs read must keep PS3.10's
        character rules (without it, only staying under the root is required)."""
        if len(fileset_id) > 16 or set(fileset_id) - FILE_ID_CHARACTERS:
            raise MediaError(f"File-set ID {fileset_id!r} is not up to 16 characters A-Z, 0-9 and _ (PS3.10 8.5)", path=str(root))
        self.root = Path(root)
        self.profile: Profile = get_profile(profile)
        self.fileset_id = fileset_id
        self.strict = strict
        self.instance_uid = generate_uid()
        self.roots: list[DirectoryRecord] = []
        self.source: Dicomdir | None = None
        self._header: Dataset | None = None  # the File-set elements read (descriptor file ID kept)
        #: The DICOMDIR as this object last read or wrote it (inode, mtime, size); None: none yet
        self._stamp: tuple[int, int, int] | None = None
        self._resolved_root: Path | None = None
        self._instances: dict[str, InstanceRecord] = {}
        self._file_ids: set[tuple[str, ...]] = set()
        self._pending: dict[int, Pending] = {}
        self._removed: list[Path] = []

    # -- reading ------------------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, profile: str = DEFAULT_PROFILE, strict: bool = True) -> FileSet:
        """The File-set of a DICOMDIR (``path`` is the DICOMDIR or the folder holding it).

        MediaError (naming the DICOMDIR, the record's byte offset and the reason) for a file
        that is not a Basic Directory, damaged bytes, links outside the file or in a cycle,
        and a Referenced File ID that breaks the rules or leaves the root; with ``strict``
        also a Directory Record Type PS3.3 does not define and a File ID outside the
        character rules (symbolic links are checked when a path is made: :meth:`path_of`)."""
        path = Path(path)
        dicomdir_path = path / DICOMDIR if path.is_dir() else path
        dicomdir = read_dicomdir(dicomdir_path)
        fileset = cls(dicomdir_path.parent, profile=profile, fileset_id=dicomdir.fileset_id, strict=strict)
        fileset.source = dicomdir
        fileset._stamp = stamp(dicomdir_path)
        fileset._header = dicomdir.header
        fileset.instance_uid = dicomdir.instance_uid or fileset.instance_uid
        fileset.roots = dicomdir.roots
        if strict:
            for record in [*fileset.records(), *dicomdir.unreached, *dicomdir.inactive]:
                if record.record_type not in RECORD_TYPES:
                    raise MediaError(
                        f"Directory Record Type {record.record_type!r} is not one of PS3.3 F.5's", path=str(dicomdir_path), offset=record.offset
                    )
        for record in fileset.records():
            file_id = record.file_id
            if file_id is None:
                continue
            check_file_id(file_id, source=str(dicomdir_path), offset=record.offset, strict=strict)
            fileset._file_ids.add(file_id)
            uid = record.sop_instance_uid
            if uid and isinstance(record, InstanceRecord):
                fileset._instances[uid] = record
        return fileset

    @property
    def dicomdir_path(self) -> Path:
        return self.root / DICOMDIR

    def records(self) -> Iterator[DirectoryRecord]:
        """Every record in use, depth first in order."""
        for root in self.roots:
            yield from root.walk()

    def instances(self) -> list[InstanceRecord]:
        """The records that reference a file, in order."""
        return [r for r in self.records() if isinstance(r, InstanceRecord) and r.file_id is not None]

    def find(self, record_type: str | None = None, **keys: str) -> list[DirectoryRecord]:
        """The records of a type (any when None) whose keys have these values, e.g.
        ``find("STUDY", StudyInstanceUID="1.2.3")`` or ``find(PatientID="X")``."""
        return [r for r in self.records() if (record_type is None or r.record_type == record_type) and r.matches(keys)]

    def instance(self, sop_instance_uid: str) -> InstanceRecord | None:
        """The record of an instance by its SOP Instance UID."""
        return self._instances.get(sop_instance_uid)

    def path_of(self, record: DirectoryRecord) -> Path:
        """The path of a record's file under the root, checked (MediaError if it has no
        Referenced File ID, or it leaves the root)."""
        file_id = record.file_id
        source = str(self.dicomdir_path)
        if file_id is None:
            raise MediaError(f"a {record.record_type} record without a Referenced File ID", path=source, offset=record.offset)
        return resolve(self.root, file_id, source=source, offset=record.offset, strict=self.strict, real_root=self._real_root())

    def read(self, record: DirectoryRecord) -> DicomObject | Dataset:
        """The record's file read as :func:`dicom_runtime.typed.read` reads it (typed by
        its SOP Class; a Dataset when none is generated): MediaError if it is missing."""
        path = self.path_of(record)
        if id(record) in self._pending:
            path = self._pending[id(record)].source
        if not path.is_file():
            raise MediaError(f"the referenced file {path} is missing", path=str(self.dicomdir_path), offset=record.offset)
        return typed_read(path, strict=False)

    # -- staging ------------------------------------------------------------------------------------------------

    def add(self, path: str | Path, *, link: bool = False) -> InstanceRecord:
        """Stage one instance: its records (PATIENT, STUDY, SERIES as needed, and its own)
        are made now, its file is copied under a new File ID by :meth:`write` (a file
        already under the root with a conformant File ID stays where it is). MediaError
        naming the file when it is not DICOM or is damaged anywhere (its Pixel Data and what
        follows included: the whole file is read, since a header read would let an instance
        cut short after its header into the File-set, to fail only when it is read), lacks a
        record's Type 1 key, has no record type, is in the File-set already, or has a transfer
        syntax the profile refuses.
        ``link``: the File ID is made a hard link to the file (no copy; a copy where the
        file system cannot link), as a storage folder kept as a File-set does."""
        source = Path(path)
        name = str(source)
        try:
            # the whole file: the reader checks every length and fragment as it goes (a small file
            # is read at once anyway; a large one's Pixel Data stays a view on its mapped bytes)
            read = read_file(source)
        except DicomDecodeError as exc:
            raise MediaError(f"cannot be added: {exc.detail}", path=name) from None
        except OSError as exc:
            raise MediaError(f"cannot be added: {exc.strerror or exc}", path=name) from None
        dataset = read.dataset
        sop_class = text(read.meta, 0x00020002) or text(dataset, 0x00080016)
        sop_instance = text(read.meta, 0x00020003) or text(dataset, 0x00080018)
        if not sop_class or not sop_instance:
            raise MediaError("cannot be added: no SOP Class UID or SOP Instance UID", path=name)
        if sop_instance in self._instances:
            raise MediaError(f"cannot be added: instance {sop_instance} is in the File-set already", path=name)
        syntax = read.transfer_syntax
        transcode = read.preamble is None or 0x00020010 not in read.meta
        if not self.profile.allows(syntax):
            if is_encapsulated(syntax):
                raise MediaError(
                    f"cannot be added: its transfer syntax {syntax} is not one {self.profile.name} allows "
                    f"({', '.join(self.profile.transfer_syntaxes or ())})",
                    path=name,
                )
            transcode = True
        written_syntax = EXPLICIT_VR_LITTLE_ENDIAN if transcode and not self.profile.allows(syntax) else syntax
        record_type = record_type_for(sop_class, dataset)
        if record_type is None:
            raise MediaError(f"cannot be added: no directory record type is known for SOP class {sop_class}", path=name)
        chain = parent_records(self.roots, dataset, name)
        leaf = record_of(record_type, dataset, name)
        file_id = self._in_place(source, link)
        in_place = file_id is not None
        if in_place and transcode:
            # a file of the File-set is never rewritten: its user's bytes stay as they are
            why = "has no File Meta Information" if written_syntax == syntax else f"is in {syntax}, which {self.profile.name} does not allow"
            raise MediaError(
                f"cannot be added in place: it {why}, so it would have to be rewritten; add it from outside the "
                "File-set's root to have a converted copy made",
                path=name,
            )
        if file_id is None:
            file_id = new_file_id(text(dataset, STUDY_UID) or "", text(dataset, SERIES_UID) or "", sop_instance, self._taken)
        leaf.keys[REFERENCED_FILE_ID] = DataElement(REFERENCED_FILE_ID, "CS", list(file_id))
        leaf.keys[REFERENCED_SOP_CLASS] = DataElement(REFERENCED_SOP_CLASS, "UI", sop_class)
        leaf.keys[REFERENCED_SOP_INSTANCE] = DataElement(REFERENCED_SOP_INSTANCE, "UI", sop_instance)
        leaf.keys[REFERENCED_TRANSFER_SYNTAX] = DataElement(REFERENCED_TRANSFER_SYNTAX, "UI", written_syntax)
        assert isinstance(leaf, InstanceRecord)
        # attached only now, when nothing more can fail: a record just made has no parent yet
        patient, study, series_record = chain
        if patient.parent is None and not any(r is patient for r in self.roots):
            self.roots.append(patient)
        for parent, child in ((patient, study), (study, series_record), (series_record, leaf)):
            if child.parent is None:
                child.parent = parent
                parent.children.append(child)
        self._instances[sop_instance] = leaf
        self._file_ids.add(file_id)
        if not in_place or transcode:
            self._pending[id(leaf)] = Pending(source, transcode, link)
        return leaf

    def _real_root(self) -> Path:
        """The root with its symbolic links resolved (once: every path is checked against it)."""
        if self._resolved_root is None:
            self._resolved_root = self.root.resolve()
        return self._resolved_root

    def _in_place(self, source: Path, link: bool) -> tuple[str, ...] | None:
        """The File ID of a file already under the root at a conformant File ID, else None;
        MediaError for one under the root at no File ID, unless it is to be linked."""
        real = source.resolve()
        if self._real_root() not in real.parents:
            return None
        parts = real.relative_to(self._real_root()).parts
        if (problem := file_id_problem(parts)) is not None:
            if not link:  # a copy would leave it there unreferenced; a link is what a storage folder asks
                raise MediaError(
                    f"cannot be added: it is under the File-set's root as {chr(92).join(parts)}, which is no File ID "
                    f"({problem}), and would stay there unreferenced: rename it, or add it from outside the root",
                    path=str(source),
                )
            return None
        file_id = tuple(parts)
        return None if file_id in self._file_ids else file_id

    def _taken(self, file_id: tuple[str, ...]) -> bool:
        return file_id in self._file_ids or self.root.joinpath(*file_id).exists()

    def remove(self, target: DirectoryRecord | str) -> list[InstanceRecord]:
        """Stage the removal of an instance (its record or SOP Instance UID) or of every
        instance below a PATIENT, STUDY or SERIES record; records left without instances
        below them go too. The files are deleted by :meth:`write`, after the DICOMDIR no
        longer references them. Returns the instance records removed."""
        if isinstance(target, str):
            record = self._instances.get(target)
            if record is None:
                raise MediaError(f"no instance {target} in the File-set", path=str(self.dicomdir_path))
            target = record
        removed = [r for r in target.walk() if isinstance(r, InstanceRecord)]
        for record in removed:
            uid = record.sop_instance_uid
            if uid is not None:
                self._instances.pop(uid, None)
            file_id = record.file_id
            if file_id is not None:
                self._file_ids.discard(file_id)
                if self._pending.pop(id(record), None) is None:
                    self._removed.append(self.path_of(record))
        node: DirectoryRecord | None = target
        while node is not None:
            parent = node.parent
            siblings = parent.children if parent is not None else self.roots
            siblings[:] = [r for r in siblings if r is not node]
            if parent is None or parent.children or parent.record_type not in HIERARCHY:
                break
            node = parent
        return removed

    # -- writing ------------------------------------------------------------------------------------------------

    def write(self, *, durable: bool = True, progress: Callable[[int, int], None] | None = None) -> None:
        """Write the staged changes: new files, the DICOMDIR atomically, then deletions.

        Writers take turns (an flock on the root folder itself, so that nothing but File-set
        files is left in it: a lock file is no File ID, and dcmmkdir +r refuses it); MediaError, and
        nothing written, if the DICOMDIR changed since this object read or wrote it, or
        exists when this File-set was made new rather than opened.

        ``progress(done, total)`` is called after each file written. ``durable=False``
        leaves out the flushes (still atomic, not crash-safe)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise MediaError("not a folder: the File-set's root must be one", path=str(self.root)) from None
        except OSError as exc:
            raise MediaError(f"cannot make the File-set's folder: {exc.strerror or exc}", path=str(self.root)) from None
        self._resolved_root = None  # made now, if it was not there
        source = str(self.dicomdir_path)
        lock = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time
            if stamp(self.dicomdir_path) != self._stamp:
                raise MediaError(
                    "the DICOMDIR exists already (open it with FileSet.open)"
                    if self._stamp is None
                    else "the DICOMDIR was changed by another writer since it was read: open it again",
                    path=source,
                )
            self._write_locked(durable, progress)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise MediaError(f"cannot write the File-set: {where}{exc.strerror or exc}", path=str(self.root)) from None
        finally:
            os.close(lock)

    def _write_locked(self, durable: bool, progress: Callable[[int, int], None] | None) -> None:
        prune_empty(self.roots)
        source = str(self.dicomdir_path)
        pending = [(r, self._pending[id(r)]) for r in self.instances() if id(r) in self._pending]
        made: list[Path] = []
        try:
            for done, (record, item) in enumerate(pending, 1):
                destination = self.path_of(record)
                destination.parent.mkdir(parents=True, exist_ok=True)
                if not (item.link and not item.transcode and link(item.source, destination)):
                    write_bytes_atomic(destination, file_bytes(item, record.transfer_syntax_uid or EXPLICIT_VR_LITTLE_ENDIAN), durable=False)
                made.append(destination)
                if progress is not None:
                    progress(done, len(pending))
            if pending and durable:
                from ..net.journal import syncfs

                syncfs(self.root)  # every new file on disk before a DICOMDIR references it
            try:
                data = encode_dicomdir(self.roots, instance_uid=self.instance_uid, fileset_id=self.fileset_id, header=self._header)
            except DicomEncodeError as exc:
                raise MediaError(f"cannot write the DICOMDIR: {exc}", path=source) from None
            write_bytes_atomic(self.dicomdir_path, data, durable=durable)
        except BaseException:
            if stamp(self.dicomdir_path) != self._stamp:
                raise  # the new DICOMDIR is in place (its folder's fsync failed): its files stay
            # nothing references the files this write made: taken away with the folders they needed
            for path in made:
                path.unlink(missing_ok=True)
            for record, _ in pending:
                prune_folders(self.root, self.path_of(record).parent)  # the empty ones only
            raise
        self._stamp = stamp(self.dicomdir_path)
        for path in self._removed:
            path.unlink(missing_ok=True)
            prune_folders(self.root, path.parent)
        self._pending.clear()
        self._removed.clear()
        self.source = None

    # -- checking -----------------------------------------------------------------------------------------------

    def verify(self, *, progress: Callable[[int, int], None] | None = None) -> list[Problem]:
        """Every referenced file exists, is under the root, reads to its end (one damaged
        after its header, cut short in its Pixel Data, is reported), and matches its record (SOP
        Class, SOP Instance and Transfer Syntax UIDs, the record's keys and its parents'
        PatientID / StudyInstanceUID / SeriesInstanceUID); files under the root that no
        record references are reported as orphans; so are stale and inactive records."""
        from .verify import verify

        return verify(self, progress=progress)

    def _reading_path(self, record: DirectoryRecord) -> Path:
        """Where a record's file is read from now: its staged source until written."""
        pending = self._pending.get(id(record))
        return pending.source if pending is not None else self.path_of(record)
