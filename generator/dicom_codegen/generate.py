"""The ``generate`` job: resolve inputs, parse, run passes, render, write or check.

Output is written to a temporary sibling folder and swapped in only when complete,
so the output folder is never left half-written: on Linux the two folders are
exchanged in one step (``renameat2`` with ``RENAME_EXCHANGE``), so that a process
killed at any moment leaves ``--out`` either as it was or wholly new; elsewhere, and
on file systems without the exchange, the old folder is renamed aside first. ``check=True`` renders into memory
and compares with what is on disk instead.
"""

from __future__ import annotations

import ctypes
import dataclasses
import difflib
import errno
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import parse_ps3, parse_ps4, parse_ps6, parse_ps7, passes, render
from .errors import CheckFailed, InputError, OutputError
from .manifest import Manifest, part_file
from .model import Model
from .passes_objects import object_counts
from .report import Report

#: Parts this version of the generator reads. PS3.3 is read into the intermediate
#: model (``model.json``); its typed classes are not rendered yet.
CONSUMED_PARTS = (3, 4, 6, 7)


@dataclass(frozen=True)
class Selection:
    """The edition chosen for each part (None: left out)."""

    editions: dict[int, str | None]

    @classmethod
    def resolve(cls, manifest: Manifest, given: dict[int, str | None]) -> Selection:
        """No ``--psN`` at all: the manifest defaults. Some: exactly those parts."""
        if any(given.values()):
            return cls(dict(given))
        return cls({part: manifest.defaults.get(part) for part in given})


def input_path(standard: Path, edition: str, part: int) -> Path:
    return standard / edition / part_file(part)


def build_model(standard: Path, selection: Selection, report: Report) -> Model:
    """Parse the selected parts and run the passes."""
    model = Model()
    for part in sorted(selection.editions):
        edition = selection.editions[part]
        if edition is None:
            report.warn(f"PS3.{part}: no edition given; left out")
            continue
        if part not in CONSUMED_PARTS:
            report.notes.append(
                f"PS3.{part} {edition}: not read by this generator version (no classes "
                "generated from it yet)"
            )
            continue
        path = input_path(standard, edition, part)
        with report.stage(f"parse PS3.{part} {edition}"):
            if part == 6:
                dictionary = parse_ps6.parse(path)
                model = dataclasses.replace(model, dictionary=dictionary)
                counts = dictionary.table_counts
            elif part == 3:
                objects = parse_ps3.parse(path)
                model = dataclasses.replace(model, objects=objects)
                counts = objects.table_counts
            elif part == 4:
                services = parse_ps4.parse(path)
                model = dataclasses.replace(model, services=services)
                counts = services.table_counts
            else:
                commands = parse_ps7.parse(path)
                model = dataclasses.replace(model, commands=commands)
                counts = commands.table_counts
        _check_edition(path, edition, part, model, report)
        report.counts.extend((f"PS3.{part} {edition}", t, n) for t, n in counts)
    with report.stage("passes"):
        model = passes.run(model)
    report.warnings.extend(w.message for w in model.warnings)
    report.notes.extend(object_counts(model))
    return model


def _check_edition(path: Path, edition: str, part: int, model: Model, report: Report) -> None:
    source = next(s for s in model.sources if s.part == part)
    if source.edition not in (edition, "unknown") and edition != "current":
        report.warn(f"{path}: the file says edition {source.edition}, its folder says {edition}")


def write_tree(out: Path, files: dict[str, str]) -> None:
    """Write ``files`` to a temporary sibling of ``out``, then swap it in: all or nothing.

    A failure while writing (a full disk, no permission) removes the staging folder and
    raises :class:`OutputError`; ``out`` is as it was. The swap is one exchange where the
    system has it (:func:`exchange`); where it has not and the rename of the new folder
    fails, the old folder is put back. A run killed after the exchange leaves the old
    output in a hidden sibling (``.NAME.new-*``); the next run removes such leftovers
    (:func:`leftovers`) while it holds the folder's lock."""
    out = out.resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        lock = _lock_folder(out.parent)
    except OSError as exc:
        raise OutputError(out, f"cannot write beside it: {exc.strerror or exc}") from None
    try:
        _write_tree_locked(out, files, removing_leftovers=lock is not None)
    finally:
        if lock is not None:
            os.close(lock)  # closing the descriptor releases the lock


def _lock_folder(folder: Path) -> int | None:
    """An exclusive ``flock`` on ``folder`` itself (no lock file is left behind), held
    until its descriptor is closed: a second ``generate`` into the same folder waits for
    the first. None where the system has no ``flock`` (the leftovers are then kept)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        return None
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def leftovers(out: Path) -> list[Path]:
    """The staging and retired folders beside ``out`` that a run killed mid-way left:
    ``.NAME.new-*`` (written in part, or the old output after the exchange) and
    ``.NAME.old-*``. Only a run that holds the folder's lock may remove them."""
    return sorted(
        p for pattern in (f".{out.name}.new-*", f".{out.name}.old-*") for p in out.parent.glob(pattern) if p.is_dir()
    )


def _write_tree_locked(out: Path, files: dict[str, str], removing_leftovers: bool) -> None:
    if removing_leftovers:
        for stale in leftovers(out):
            shutil.rmtree(stale, ignore_errors=True)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    except OSError as exc:
        raise OutputError(out, f"cannot write beside it: {exc.strerror or exc}") from None
    try:
        for relative, text in files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        retired: Path | None = None
        if out.exists() and exchange(staging, out):
            retired = staging  # now the old output
        else:
            if out.exists():
                retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
                retired.rmdir()
                os.rename(out, retired)
            try:
                os.rename(staging, out)
            except BaseException:
                if retired is not None:
                    os.rename(retired, out)
                raise
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(out, f"not written ({exc.strerror or exc}); left as it was") from None
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


#: ``renameat2``'s flag that swaps two existing paths (Linux 3.15, glibc 2.28).
RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one step; False where the system or the file system
    cannot (no ``renameat2``, or ``EINVAL``/``ENOSYS``/``EOPNOTSUPP``), so that the caller
    renames instead. Any other failure is the ``OSError``."""
    function = getattr(_libc(), "renameat2", None)
    if function is None:
        return False
    result = function(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def compare_tree(out: Path, files: dict[str, str]) -> list[str]:
    """Differences between ``files`` and the folder ``out``, as readable lines."""
    problems: list[str] = []
    on_disk = (
        {
            p.relative_to(out).as_posix()
            for p in out.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        if out.is_dir()
        else set()
    )
    for missing in sorted(set(files) - on_disk):
        problems.append(f"missing: {out / missing}")
    for extra in sorted(on_disk - set(files)):
        problems.append(f"not generated (stale): {out / extra}")
    for relative in sorted(set(files) & on_disk):
        current = (out / relative).read_text(encoding="utf-8")
        if current != files[relative]:
            diff = list(
                difflib.unified_diff(
                    current.splitlines(),
                    files[relative].splitlines(),
                    f"committed/{relative}",
                    f"regenerated/{relative}",
                    lineterm="",
                    n=1,
                )
            )
            shown = "\n".join(diff[:30]) + ("\n..." if len(diff) > 30 else "")
            problems.append(f"differs: {out / relative}\n{shown}")
    return problems


def generate(
    standard: Path, out: Path, selection: Selection, report: Report, *, check: bool = False
) -> Model:
    """Run the whole job. Raises :class:`InputError` or :class:`CheckFailed`."""
    if not standard.is_dir():
        raise InputError(standard, "standard folder not found (run `dicom-codegen fetch` first)")
    model = build_model(standard, selection, report)
    with report.stage("render"):
        files = render.render(model)
    if check:
        with report.stage("check"):
            problems = compare_tree(out, files)
        if problems:
            raise CheckFailed(
                f"{out} does not match its inputs ({len(problems)} difference(s)); "
                "run `dicom-codegen generate` and commit:\n" + "\n".join(problems)
            )
        report.notes.append(f"check: {out} matches its inputs ({len(files)} files)")
    else:
        with report.stage("write"):
            write_tree(out, files)
        report.notes.append(f"wrote {len(files)} files to {out}")
    return model
