"""``dicom-media``: create, list, add to, remove from and verify a File-set.

::

    dicom-media create OUT SOURCE...        # files or folders copied into OUT under new File IDs, and a DICOMDIR
    dicom-media list ROOT                   # the records as a tree (--format json: one document)
    dicom-media add ROOT SOURCE...          # more instances
    dicom-media remove ROOT UID|FILEID...   # instances by SOP Instance UID or Referenced File ID
    dicom-media verify ROOT                 # referenced files exist, read to their end, match their records; orphans

Exit status: 0 done (verify: no problem), 1 verify found problems, 2 bad input (one line on
standard error naming the file, the record's byte offset and the reason).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from ..cli_parsing import HelpFormatter, LazyParser
from ..version import version_action
from .profiles import DEFAULT_PROFILE, PROFILES

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true), without importing typing for --help

# What ``--help`` needs is argparse and the profiles' names: the File-set, the records, the
# reader, pathlib and json are imported when a subcommand runs (#19).
if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

    from .fileset import FileSet
    from .records import DirectoryRecord

Progress = Callable[[int, int], None]


def _path(text: str) -> Path:
    from pathlib import Path

    return Path(text)


_path.__name__ = "Path"  # argparse names the type in its messages: as with type=Path


def _create(create: argparse.ArgumentParser) -> None:
    create.add_argument("root", type=_path)
    create.add_argument("sources", nargs="+", type=_path)
    create.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES))
    create.add_argument("--fileset-id", default="", help="File-set ID (0004,1130), up to 16 characters A-Z 0-9 _")
    create.add_argument("--skip-bad", action="store_true", help="leave out files that cannot be added (listed on stderr)")
    _no_progress(create)


def _list(listing: argparse.ArgumentParser) -> None:
    listing.add_argument("root", type=_path)
    listing.add_argument("--format", choices=("text", "json"), default="text")


def _add(add: argparse.ArgumentParser) -> None:
    add.add_argument("root", type=_path)
    add.add_argument("sources", nargs="+", type=_path)
    add.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES))
    add.add_argument("--skip-bad", action="store_true")
    _no_progress(add)


def _remove(remove: argparse.ArgumentParser) -> None:
    remove.add_argument("root", type=_path)
    remove.add_argument("targets", nargs="+")


def _verify(verify: argparse.ArgumentParser) -> None:
    verify.add_argument("root", type=_path)
    _no_progress(verify)


def _no_progress(command: argparse.ArgumentParser) -> None:
    command.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")


def _parser() -> argparse.ArgumentParser:
    """The parser of ``dicom-media``, each subcommand's arguments added when it is parsed or its
    help is asked for (:class:`.LazyParser`)."""
    parser = argparse.ArgumentParser(
        prog="dicom-media", description="DICOM File-sets and their DICOMDIR (PS3.10)", formatter_class=HelpFormatter
    )
    parser.add_argument("--version", action=version_action("dicom-media"))
    sub = parser.add_subparsers(dest="command", required=True, parser_class=LazyParser)
    sub.add_parser("create", help="a new File-set from files or folders").defer(_create)
    sub.add_parser("list", help="the records as a tree").defer(_list)
    sub.add_parser("add", help="add instances").defer(_add)
    sub.add_parser("remove", help="remove instances by SOP Instance UID or File ID").defer(_remove)
    sub.add_parser("verify", help="check every referenced file against its record; report orphans").defer(_verify)
    return parser


def _files(sources: list[Path]) -> list[Path]:
    from pathlib import Path

    from .fileset import DICOMDIR

    out: list[Path] = []
    for source in sources:
        if source.is_dir():
            for folder, folders, names in os.walk(source):
                folders.sort()
                out.extend(Path(folder) / n for n in sorted(names) if n != DICOMDIR and not n.startswith("."))
        else:
            out.append(source)
    return out


class _progress:
    """``with _progress(show, label) as update``: a progress bar on standard error (rich)
    while the block runs, ``update(done, total)`` moving it; None when not ``show``."""

    def __init__(self, show: bool, label: str) -> None:
        self.show, self.label = show, label
        self.bar: object = None

    def __enter__(self) -> Progress | None:
        if not self.show:
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        bar = Bar(TextColumn(self.label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=Console(stderr=True))
        bar.__enter__()
        self.bar = bar
        task = bar.add_task(self.label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return update

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self.bar is not None:
            from rich.progress import Progress as Bar

            bar, self.bar = self.bar, None
            assert isinstance(bar, Bar)
            bar.__exit__(kind, error, trace)


def _add_all(fileset: FileSet, sources: list[Path], skip_bad: bool, show: bool) -> int:
    from .errors import MediaError

    files = _files(sources)
    added = 0
    with _progress(show, "reading") as update:
        for done, path in enumerate(files, 1):
            try:
                fileset.add(path)
                added += 1
            except MediaError as exc:
                if not skip_bad:
                    raise
                print(f"skipped: {exc}", file=sys.stderr)
            if update is not None:
                update(done, len(files))
    with _progress(show, "writing") as update:
        fileset.write(progress=update)
    return added


def _tree(record: DirectoryRecord, depth: int, out: list[str]) -> None:
    out.append("  " * depth + record.label())
    for child in record.children:
        _tree(child, depth + 1, out)


def _json(record: DirectoryRecord) -> dict[str, object]:
    keys = {}
    for element in record.keys.elements():
        if element.vr != "SQ":
            keys[element.keyword or f"{element.tag:08X}"] = record.text(element.tag)
    return {"type": record.record_type, "offset": record.offset, "keys": keys, "children": [_json(c) for c in record.children]}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from .errors import MediaError
    from .fileset import DICOMDIR, FileSet

    show = not getattr(args, "no_progress", True) and sys.stderr.isatty()
    try:
        if args.command == "create":
            if (args.root / DICOMDIR).exists():
                raise MediaError("a File-set exists here already (use add)", path=str(args.root / DICOMDIR))
            fileset = FileSet(args.root, profile=args.profile, fileset_id=args.fileset_id)
            added = _add_all(fileset, args.sources, args.skip_bad, show)
            print(f"{args.root / DICOMDIR}: {_count(added, 'instance')}")
        elif args.command == "add":
            fileset = FileSet.open(args.root, profile=args.profile)
            added = _add_all(fileset, args.sources, args.skip_bad, show)
            print(f"{fileset.dicomdir_path}: {_count(added, 'instance')} added, {len(fileset.instances())} in all")
        elif args.command == "remove":
            fileset = FileSet.open(args.root)
            removed = 0
            for target in args.targets:
                record = fileset.instance(target)
                if record is None:
                    by_id = [r for r in fileset.instances() if "\\".join(r.file_id or ()) in (target, target.replace("/", "\\"))]
                    if not by_id:
                        raise MediaError(f"no instance with SOP Instance UID or File ID {target}", path=str(fileset.dicomdir_path))
                    record = by_id[0]
                removed += len(fileset.remove(record))
            fileset.write()
            print(f"{fileset.dicomdir_path}: {_count(removed, 'instance')} removed, {len(fileset.instances())} left")
        elif args.command == "list":
            fileset = FileSet.open(args.root)
            if args.format == "json":
                import json

                json.dump({"fileset_id": fileset.fileset_id, "records": [_json(r) for r in fileset.roots]}, sys.stdout, indent=2)
                sys.stdout.write("\n")
            else:
                lines: list[str] = []
                for root in fileset.roots:
                    _tree(root, 0, lines)
                sys.stdout.write("".join(line + "\n" for line in lines))
        elif args.command == "verify":
            fileset = FileSet.open(args.root)
            with _progress(show, "verifying") as update:
                problems = fileset.verify(progress=update)
            for problem in problems:
                print(str(problem))
            print(f"{fileset.dicomdir_path}: {_count(len(fileset.instances()), 'instance')}, {_count(len(problems), 'problem')}")
            return 1 if problems else 0
    except MediaError as exc:
        print(f"dicom-media: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def _count(number: int, noun: str) -> str:
    """``1 instance``, ``2 instances``."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
