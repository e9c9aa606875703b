"""``dicom-net store HOST PORT PATH...``: files and folders sent by C-STORE over one association,
in the order given, with a progress bar on a terminal (imported by :mod:`.cli` for that
subcommand only).

One request is outstanding at a time (what a peer negotiating no asynchronous operations
allows, as dcmtk's storescp), but the next file is read while the peer works on the one
before it: its request is written, the next file is read and checked, and only then is the
response awaited, so that the reading is off the critical path of the exchange."""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path

from ..errors import DicomError
from .aio import Association, Proposal
from .cli import _associate, _imported
from .cli_args import Failed
from .instances import Instance
from .messages import Status

def _files(paths: Sequence[str]) -> list[Path]:
    found: list[Path] = []
    for name in paths:
        try:
            mode = os.stat(name).st_mode  # one stat a path (Path.is_dir then is_file made two)
        except (OSError, ValueError):
            mode = 0
        if stat.S_ISDIR(mode):
            found.extend(sorted(p for p in Path(name).rglob("*") if p.is_file()))
        elif stat.S_ISREG(mode):
            found.append(Path(name))
        else:
            raise Failed(f"{name}: no such file or folder")
    return found


def _head(path: Path, size: int = 65536) -> bytes:
    """The first ``size`` bytes of a file (all of a smaller one), without a buffered file object."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        parts = [os.read(fd, size)]
        got = len(parts[0])
        while got < size and parts[-1]:  # a short read before the end of the file (not a regular disk file)
            parts.append(os.read(fd, size - got))
            got += len(parts[-1])
        return parts[0] if len(parts) == 1 else b"".join(parts)
    finally:
        os.close(fd)


def _bare_instance(path: Path) -> Instance:
    """A file without File Meta Information (a bare data set, as some tools write): read as
    the reader does (its transfer syntax guessed from the first element), and its SOP Class
    and Instance UIDs taken from the data set; :class:`DicomError` when it has none."""
    from ..fileformat import read_file

    read = read_file(path)
    dataset = read.dataset
    sop_class, sop_instance = dataset.value(0x00080016), dataset.value(0x00080018)
    if not isinstance(sop_class, str) or not sop_class or not isinstance(sop_instance, str) or not sop_instance:
        raise DicomError("not DICOM: no File Meta Information, and no SOP Class and Instance UID in a data set")
    syntax = read.transfer_syntax if read.transfer_syntax in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1") else "1.2.840.10008.1.2.1"
    return Instance.from_dataset(dataset, syntax)


Header = tuple[Path, "Path | Instance", str, str]
"""(the file, what is sent: the file or the instance made of a bare data set, SOP class, syntax)."""


def _headers(files: Sequence[Path]) -> tuple[list[Header], int, int]:
    """What each file is (from its File Meta Information only), how many were skipped as not
    DICOM, and how many as DICOMDIRs."""
    from ..fileformat import split_file

    headers: list[Header] = []
    skipped = 0
    directories = 0
    bare = 0
    for path in files:
        try:
            head = _head(path)  # the File Meta Information, not the whole file
            try:
                meta, _ = split_file(head, source=str(path))
            except DicomError:
                # No File Meta Information: a bare data set, sent with the meta built from itself.
                instance = _bare_instance(path)
                bare += 1
                headers.append((path, instance, instance.sop_class, instance.transfer_syntax))
                continue
            sop_class, syntax = meta.value(0x00020002), meta.value(0x00020010)
            if not isinstance(sop_class, str) or not isinstance(syntax, str) or not sop_class or not syntax:
                raise DicomError("no SOP class or transfer syntax in the File Meta Information")
        except (DicomError, OSError) as exc:
            why = str(exc.strerror if isinstance(exc, OSError) and exc.strerror else exc).removeprefix(f"{path}: ")
            print(f"{path}: skipped, not DICOM: {why}", file=sys.stderr)
            skipped += 1
            continue
        if sop_class.strip("\0 ") == MEDIA_STORAGE_DIRECTORY:
            # a File-set's DICOMDIR indexes the files beside it: no instance to store (it has no SOP
            # Class or Instance UID in its data set; storescu refuses it too), so a CD's folder sends its images
            print(f"{path}: skipped, a DICOMDIR (Media Storage Directory Storage): not an instance to store", file=sys.stderr)
            directories += 1
            continue
        headers.append((path, path, sop_class, syntax))
    if bare:
        print(f"dicom-net store: {bare} file(s) without File Meta Information: sent with SOP class, instance and "
              "transfer syntax taken from the data set", file=sys.stderr)
    return headers, skipped, directories


#: The Media Storage SOP Class of a DICOMDIR (PS3.4 Annex I: no network service).
MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"


def _proposals(headers: Sequence[Header]) -> list[Proposal]:
    wanted: dict[str, set[str]] = {}
    for _, _, sop_class, syntax in headers:
        wanted.setdefault(sop_class, set()).add(syntax)
    native = ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2")
    # Each file's own syntax gets a context of its own, so the files go as they are; one context
    # with both native syntaxes per SOP class is the fallback (transcoding between native syntaxes).
    proposals = [Proposal(uid, (ts,)) for uid, syntaxes in sorted(wanted.items()) for ts in sorted(syntaxes)]
    proposals += [Proposal(uid, native) for uid, syntaxes in sorted(wanted.items()) if not syntaxes <= set(native)]
    if len(proposals) > 128:
        raise Failed(f"{len(proposals)} presentation contexts needed: more than one association can propose (128)")
    return proposals


class _Tally:
    """What became of the files (a plain class: a dataclass costs the start-up about 0.5 ms)."""

    __slots__ = ("stored", "warned", "refused", "unsent", "lost")

    def __init__(self) -> None:
        self.stored = 0
        self.warned = 0  # answered with a warning status: stored (counted in stored too)
        self.refused = 0  # answered with a failure status by the peer: not stored
        self.unsent = 0  # not sent: damaged, or nothing the peer accepted fits it
        self.lost: str | None = None  # why the association ended before every file was sent


def _load(item: Path | Instance) -> Instance:
    """The instance of a file, its data set walked first: a damaged one is not sent (a peer
    would abort the association on it, as storescp does)."""
    if not isinstance(item, Path):
        return item
    return Instance.from_file(item, check=True)  # "<path>: damaged: byte <file offset> at ..."


async def _send_all(association: Association, headers: Sequence[Header], advance: Callable[[], None]) -> _Tally:
    """C-STORE of each file in turn: the request of one is sent (:meth:`~.scu.Requestor.send_store`),
    the next file is read and checked while the peer stores the first, then the first's response
    is taken, so reading costs no time of the exchange. A file's error (it is damaged, or gone) is
    reported at its turn, after the response of the one before it."""
    tally = _Tally()

    def ended(number: int, path: Path, exc: DicomError) -> bool:
        """A store that failed here (no context fits, no transcoding) or as the association ended."""
        if not association.is_established:
            tally.lost = f"{exc}; {len(headers) - number} file(s) from {path} on not sent"
            return False
        tally.unsent += 1  # refused here, before any C-STORE-RQ
        print(f"{path}: not sent: {exc}", file=sys.stderr)
        advance()
        return True

    async def finish(number: int, path: Path, response: Callable[[], Awaitable[Status]]) -> bool:
        """Count the response of ``path``'s request; False when the association has ended."""
        try:
            status = await response()
        except DicomError as exc:
            return ended(number, path, exc)
        if status.is_success:
            tally.stored += 1
        elif status.category == "Warning":  # PS3.4 B.2.3: B000, B006, B007 are stored
            tally.stored += 1
            tally.warned += 1
            print(f"{path}: stored with a warning: {status}", file=sys.stderr)
        else:
            tally.refused += 1
            print(f"{path}: {status}", file=sys.stderr)  # the peer's answer
        advance()
        return True

    pending: tuple[int, Path, Callable[[], Awaitable[Status]]] | None = None
    for number, (path, item, _, _) in enumerate(headers):
        loaded: Instance | DicomError | OSError
        try:
            loaded = _load(item)  # while the request before it awaits its response
        except (DicomError, OSError) as exc:
            loaded = exc
        if pending is not None:
            done, pending = pending, None
            if not await finish(*done):
                return tally
        if isinstance(loaded, OSError):
            raise loaded  # a file gone since it was listed: the command stops, naming it
        if isinstance(loaded, DicomError):
            tally.unsent += 1
            print(f"{path}: not sent: {str(loaded).removeprefix(f'{path}: ')}", file=sys.stderr)
            advance()
            continue
        try:
            pending = (number, path, await association.send_store(loaded))
        except DicomError as exc:
            if not ended(number, path, exc):
                return tally
    if pending is not None:
        await finish(*pending)
    return tally


async def store(args: argparse.Namespace) -> int:
    """The ``store`` subcommand: exit status 0 when every file was stored."""
    _imported()
    headers, skipped, directories = _headers(_files(args.paths))
    if not headers:
        raise Failed("no DICOM files to send" + (" (a DICOMDIR is not sent: its folder's files are)" if directories else ""))
    proposals = _proposals(headers)
    async with await _associate(args, proposals) as association:
        with _progress("C-STORE", len(headers)) as advance:
            tally = await _send_all(association, headers, advance)
    parts = [f"{tally.stored} of {len(headers)} stored" + (f" ({tally.warned} with a warning)" if tally.warned else "")]
    parts += [f"{tally.refused} refused by the peer"] if tally.refused else []
    parts += [f"{tally.unsent} not sent"] if tally.unsent else []
    parts += [f"{skipped} skipped (not DICOM)"] if skipped else []
    parts += [f"{directories} DICOMDIR skipped"] if directories else []
    print(f"C-STORE {args.host}:{args.port} ({args.aec}): " + ", ".join(parts))
    if tally.lost is not None:
        raise Failed(f"the association ended: {tally.lost}")
    if tally.stored < len(headers):
        raise Failed(f"{len(headers) - tally.stored} of {len(headers)} instances were not stored")
    return 0


@contextlib.contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[], None]]:
    """A progress bar on standard error when it is a terminal (rich, imported only then);
    yields the function that counts one step."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)
