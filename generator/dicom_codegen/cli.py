"""The ``dicom-codegen`` command line.

Exit status: 0 success; 1 ``generate --check`` found differences; 2 bad input
(the message names the file, the table ``xml:id`` and the row).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from . import __version__
from .errors import CheckFailed, InputError
from .fetch import editions_for, fetch_part
from .generate import Selection, build_model, generate
from .manifest import load_manifest
from .render import dump_json
from .report import Report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dicom-codegen",
        description="Generate the typed DICOM model from the standard's DocBook XML.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    fetch = commands.add_parser("fetch", help="put parts 3, 4, 6 and 7 into standard_xml/EDITION/")
    fetch.add_argument(
        "edition",
        help="an edition (2015b), 'current', 'defaults' (each part's default edition) "
        "or 'all' (every manifest entry)",
    )
    fetch.add_argument("--from", dest="source", type=Path, help="a local mirror DIR/EDITION/partNN.xml")
    fetch.add_argument(
        "--fallback-from",
        type=Path,
        help="a local mirror to use when the download fails (for machines without network)",
    )
    fetch.add_argument("--standard", type=Path, default=Path("standard_xml"))
    fetch.add_argument("--timeout", type=float, default=20.0, help="seconds per download")

    for name, help_text in (
        ("generate", "regenerate the output folder (default generated/)"),
        ("dump-model", "print the intermediate model as sorted JSON"),
    ):
        sub = commands.add_parser(name, help=help_text)
        for part in (3, 4, 6, 7):
            sub.add_argument(f"--ps{part}", metavar="ED", help=f"edition of PS3.{part}")
        sub.add_argument("--standard", type=Path, default=Path("standard_xml"))
        sub.add_argument("--quiet", "-q", action="store_true", help="no progress or summary")
        if name == "generate":
            sub.add_argument("--out", type=Path, default=Path("generated"))
            sub.add_argument(
                "--check", action="store_true", help="fail if the output folder differs"
            )
        else:
            sub.add_argument("--output", "-o", type=Path, help="file to write (default stdout)")
    return parser


def _selection(args: argparse.Namespace) -> Selection:
    """The ``--psN`` options; with none given, the defaults of the manifest."""
    given: dict[int, str | None] = {part: getattr(args, f"ps{part}") for part in (3, 4, 6, 7)}
    if any(given.values()):
        return Selection(given)
    return Selection.resolve(load_manifest(args.standard / "manifest.json"), given)


def _fetch(args: argparse.Namespace, console: Console) -> int:
    manifest = load_manifest(args.standard / "manifest.json")
    wanted = editions_for(manifest, args.edition)
    fetched = 0
    for edition, part in wanted:
        try:
            result = fetch_part(
                manifest, args.standard, edition, part, source_dir=args.source, timeout=args.timeout
            )
        except InputError as exc:
            if args.fallback_from is None or args.source is not None:
                raise
            console.print(f"[yellow]warning:[/] {exc}; using {args.fallback_from}")
            result = fetch_part(
                manifest, args.standard, edition, part, source_dir=args.fallback_from
            )
        if result is None:
            console.print(f"PS3.{part} {edition}: not available, skipped")
            continue
        fetched += 1
        status = "sha256 verified" if result.verified else f"sha256 {result.sha256} (not in manifest)"
        console.print(f"PS3.{part} {edition}: {result.path} from {result.origin} ({status})")
    if fetched == 0:
        raise InputError(args.standard, f"nothing fetched for {args.edition!r}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        if args.command == "fetch":
            return _fetch(args, console)
        report = Report(console=console, quiet=args.quiet)
        selection = _selection(args)
        if args.command == "dump-model":
            text = dump_json(build_model(args.standard, selection, report))
            if args.output:
                args.output.write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
            return 0
        generate(args.standard, args.out, selection, report, check=args.check)
        report.print_summary()
        return 0
    except InputError as exc:
        console.print(f"[red]error:[/] {exc}", soft_wrap=True)
        return 2
    except CheckFailed as exc:
        console.print(f"[red]check failed:[/] {exc}", soft_wrap=True, markup=False)
        return 1


if __name__ == "__main__":
    sys.exit(main())
