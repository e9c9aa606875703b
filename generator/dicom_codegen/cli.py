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
from .diff import diff_models, side_label
from .generate import CONSUMED_PARTS, Selection, build_model, generate, input_path
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
        sub.add_argument("--edition", metavar="ED", help="every part from this edition (the --psN options override)")
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
    diff = commands.add_parser("diff", help="compare two editions (or sets of parts): what changed, and for code")
    diff.add_argument("old", help="an edition (2014a), or parts: '2019a,ps6=2015b' / 'ps4=2019a,ps6=2015b'")
    diff.add_argument("new")
    diff.add_argument("--standard", type=Path, default=Path("standard_xml"))
    diff.add_argument("--format", choices=("text", "json", "html"), default="text")
    diff.add_argument("--output", "-o", type=Path, help="file to write (default stdout)")
    diff.add_argument("--quiet", "-q", action="store_true", help="no progress or summary")
    return parser


def side(spec: str, standard: Path) -> Selection:
    """``2015b`` (every part of that edition in ``standard``) or ``ps4=2019a,ps6=2015b``, combined with commas."""
    editions: dict[int, str | None] = {}
    for item in filter(None, (i.strip() for i in spec.split(","))):
        part, equals, edition = item.partition("=")
        if equals:
            number = part.lower().removeprefix("ps3.").removeprefix("ps")
            if not number.isdigit() or int(number) not in CONSUMED_PARTS:
                raise InputError(standard, f"{item!r}: expected psN=EDITION with N one of {CONSUMED_PARTS}")
            editions[int(number)] = edition
        else:
            found = [p for p in CONSUMED_PARTS if input_path(standard, item, p).is_file()]
            if not found:
                raise InputError(standard / item, f"no parts of edition {item!r} (run `dicom-codegen fetch {item}`)")
            editions.update({p: item for p in found if p not in editions})
    if not editions:
        raise InputError(standard, f"{spec!r} names no edition")
    return Selection(editions)


def _diff(args: argparse.Namespace, report: Report) -> int:
    old_selection, new_selection = side(args.old, args.standard), side(args.new, args.standard)
    old = build_model(args.standard, old_selection, report)
    new = build_model(args.standard, new_selection, report)
    with report.stage("diff"):
        result = diff_models(old, new, old_label=side_label(old_selection.editions), new_label=side_label(new_selection.editions))
    text = {"text": result.to_text, "json": result.to_json, "html": result.to_html}[args.format]()
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _selection(args: argparse.Namespace) -> Selection:
    """The ``--psN`` options; with none given, the defaults of the manifest."""
    given: dict[int, str | None] = {part: getattr(args, f"ps{part}") for part in (3, 4, 6, 7)}
    if args.edition:
        available = {p: args.edition for p in (3, 4, 6, 7) if input_path(args.standard, args.edition, p).is_file()}
        if not available:
            raise InputError(args.standard / args.edition, f"no parts of edition {args.edition!r} (run `dicom-codegen fetch {args.edition}`)")
        return Selection({**{p: None for p in given}, **available, **{p: e for p, e in given.items() if e}})
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
        if args.command == "diff":
            return _diff(args, report)
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
