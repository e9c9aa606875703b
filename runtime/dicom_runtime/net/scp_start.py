"""Starting ``dicom-net scp`` (:mod:`.cli`): the folders it is to use are named in its errors
(the option or the configuration's setting, the path and the reason), and a start that fails
(the port in use, a folder that cannot be made) leaves nothing behind it made: the folders it
created (the storage folder, or its ``.dicom-net/`` with the journal, the index and its lock)
are removed again; folders that were there before are kept, with what they held."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import argparse

    from .config import ApplicationEntity

from .cli_args import JOURNAL_SUBFOLDER, Failed


class _Closable(Protocol):
    def close(self) -> None: ...


class Made:
    """The folders a start is to use (:meth:`watch`), checked, and those of them it creates
    removed again by :meth:`undo` when the start fails."""

    def __init__(self) -> None:
        self._settings: list[tuple[str, Path]] = []
        self._made: list[Path] = []  # the topmost folders that did not exist: what the start creates
        self.folder: _Closable | None = None  # the storage folder once open: closed before the undo

    def watch(self, setting: str, path: Path | None, *, parents: bool = True) -> None:
        """``path`` is a folder the start is to make or use, given by ``setting`` (``--out``,
        ``FILE: ae[0].storage``): :class:`.Failed` at once if something else is there.
        ``parents=False`` (the storage folder): only its last component may be made; a missing
        parent is refused (a mistyped path must not become a new, empty archive: dcmtk's
        ``storescp -od`` refuses a folder that does not exist)."""
        if path is None:
            return
        path = Path(os.path.abspath(path.expanduser()))
        if path.exists() and not path.is_dir():
            raise Failed(f"{setting} = {str(path)!r}: not a folder (a file of that name is there)")
        if not parents and not path.exists() and not path.parent.exists():
            raise Failed(
                f"{setting} = {str(path)!r}: its parent folder {str(path.parent)!r} does not exist "
                "(only the storage folder itself is made: make its parents first)"
            )
        self._settings.append((setting, path))
        top = None
        for folder in (path, *path.parents):
            if folder.exists():
                break
            top = folder
        if top is not None and top not in self._made and not any(made in top.parents for made in self._made):
            self._made = [made for made in self._made if top not in made.parents] + [top]

    @contextlib.contextmanager
    def opening(self) -> Iterator[None]:
        """Make and open the watched folders within: an :class:`OSError` becomes :class:`.Failed`
        naming the setting whose folder it concerns, the path and the reason."""
        try:
            yield
        except OSError as exc:
            if exc.filename is None:
                raise
            failed = Path(os.path.abspath(os.fsdecode(exc.filename)))
            owners = [(setting, path) for setting, path in self._settings if path == failed or path in failed.parents]
            reason = exc.strerror or str(exc)
            if not owners:
                raise Failed(f"{failed}: {reason}") from None
            setting, path = max(owners, key=lambda owner: len(owner[1].parts))
            inside = "" if failed == path else f" ({failed.relative_to(path)} in it)"
            raise Failed(f"{setting} = {str(path)!r}: cannot make or open this folder{inside}: {reason}") from None

    def undo(self) -> None:
        """Remove the folders the start created (after closing the storage folder, if it opened)."""
        if self.folder is not None:
            with contextlib.suppress(Exception):
                self.folder.close()
            self.folder = None
        for made in self._made:
            shutil.rmtree(made, ignore_errors=True)
        self._made = []


def watch_options(made: Made, args: argparse.Namespace) -> None:
    """The folders of ``dicom-net scp --out OUT [--journal DIR] [--spill-dir DIR]``."""
    made.watch("--out", Path(args.out), parents=False)
    made.watch("--journal" if args.journal else f"--out (its {JOURNAL_SUBFOLDER} folder)", Path(args.journal or Path(args.out) / JOURNAL_SUBFOLDER))
    made.watch("--spill-dir", Path(args.spill_dir) if args.spill_dir else None)


def watch_entity(made: Made, entity: ApplicationEntity, where: str, args: argparse.Namespace) -> None:
    """The folders of a configured AE (``where``: ``FILE: ae[0]``), ``--out`` and ``--journal`` applied."""
    storage = "--out" if args.out is not None else f"{where}.storage"
    made.watch(storage, entity.storage, parents=False)
    if entity.storage is not None:
        journal = "--journal" if args.journal else f"{where}.journal" if entity.journal is not None else f"{storage} (its {JOURNAL_SUBFOLDER} folder)"
        made.watch(journal, entity.journal or entity.storage / JOURNAL_SUBFOLDER)
    made.watch(f"{where}.spill_dir", entity.spill_dir)
