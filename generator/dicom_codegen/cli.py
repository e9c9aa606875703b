"""The ``dicom-codegen`` command line.

Exit status: 0 success; 1 ``generate --check`` found differences; 2 bad input
(the message names the file, the table ``xml:id`` and the row) or an output folder
that cannot be written (the message names it and the reason).
"""

from __future__ import annotations

import argparse
import sys

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true), without importing typing for --help

from . import __version__

# Nothing of the generator (lxml, jinja2, rich, http.client) is imported before the arguments
# are parsed: ``dicom-codegen --help`` costs what argparse does.
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    from rich.console import Console

    from .generate import Selection
    from .report import Report

#: The same values as :data:`.fetch.NEMA_BASE_URL` and :data:`.fetch.BASE_URL_ENV`
#: (tests/generator/test_cli_startup.py holds them equal), for the help without importing fetch.
NEMA_BASE_URL = "https://dicom.nema.org/medical/dicom"
BASE_URL_ENV = "DICOM_CODEGEN_BASE_URL"


def _path(text: str) -> Path:
    """argparse's type for a path (pathlib imported when an argument is parsed, not for ``--help``)."""
    from pathlib import Path

    return Path(text)


def _source_options(sub: argparse.ArgumentParser) -> None:
    """The options of ``fetch`` that ``update`` shares."""
    sub.add_argument("--from", dest="source", type=_path, help="a local mirror DIR/EDITION/partNN.xml (no download)")
    sub.add_argument(
        "--fallback-from",
        type=_path,
        help="the offline mirror, for the parts whose download fails (machines without network)",
    )
    sub.add_argument(
        "--base-url",
        help=f"where the editions are (default ${BASE_URL_ENV}, else {NEMA_BASE_URL}); "
        "files are BASE/EDITION/source/docbook/partNN/partNN.xml",
    )
    sub.add_argument("--standard", type=_path, default="standard_xml")
    sub.add_argument("--timeout", type=float, default=20.0, help="seconds without an answer before a download fails")


def _columns() -> int:
    """``shutil.get_terminal_size().columns`` (COLUMNS when positive, else the terminal on
    standard output, else 80), without importing shutil: argparse imports it for this alone,
    with bz2, lzma and fnmatch (#19; the runtime's commands do the same in
    ``dicom_runtime.cli_parsing``, which the generator does not import)."""
    import os

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
        columns = columns or 80
    return columns


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, as wide as argparse makes it, without importing shutil."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


def package_version() -> str:
    """The installed package's version (``0.3.0+ps3.2016c...``, the toolkit's release and the
    editions of its generated model), the one every other command reports; ``__version__``
    (the release alone) in a checkout that is not installed. The generator does not import
    ``dicom_runtime.version``, which does the same."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dicom-typed")
    except PackageNotFoundError:
        return __version__


class _Version(argparse.Action):
    """``--version``: ``dicom-codegen (dicom-typed) VERSION``, as the other commands print it,
    the metadata read only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help or "show program's version number and exit")

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
        values: str | Sequence[object] | None, option_string: str | None = None,
    ) -> None:
        sys.stdout.write(f"dicom-codegen (dicom-typed) {package_version()}\n")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """A subcommand's parser, with :class:`_Formatter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dicom-codegen",
        description="Generate the typed DICOM model from the standard's DocBook XML.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    fetch = commands.add_parser("fetch", help="put parts 3, 4, 6 and 7 into standard_xml/EDITION/")
    fetch.add_argument(
        "edition",
        help="an edition (2015b), 'current' (the newest: stored under the edition its subtitle names), "
        "'defaults' (each part's default edition) or 'all' (every manifest entry)",
    )
    _source_options(fetch)

    update_command = commands.add_parser(
        "update",
        help="fetch an edition, diff it against the model of generated/, regenerate, summarize",
    )
    update_command.add_argument(
        "edition", nargs="?", default="current",
        help="an edition (2025d), 'current' (default) or 'defaults' (the manifest's editions)",
    )
    _source_options(update_command)
    update_command.add_argument("--out", type=_path, default="generated")
    update_command.add_argument("--format", choices=("text", "json", "html"), default="text", help="of the diff report")
    update_command.add_argument("--output", "-o", type=_path, help="file for the diff report (default stdout)")

    for name, help_text in (
        ("generate", "regenerate the output folder (default generated/)"),
        ("dump-model", "print the intermediate model as sorted JSON"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--edition", metavar="ED", help="every part from this edition (the --psN options override)")
        for part in (3, 4, 6, 7):
            sub.add_argument(f"--ps{part}", metavar="ED", help=f"edition of PS3.{part}")
        sub.add_argument("--standard", type=_path, default="standard_xml")
        sub.add_argument("--quiet", "-q", action="store_true", help="no progress or summary")
        if name == "generate":
            sub.add_argument("--out", type=_path, default="generated")
            sub.add_argument(
                "--check", action="store_true", help="fail if the output folder differs"
            )
        else:
            sub.add_argument("--output", "-o", type=_path, help="file to write (default stdout)")
    diff = commands.add_parser("diff", help="compare two editions (or sets of parts): what changed, and for code")
    diff.add_argument("old", help="an edition (2014a), or parts: '2019a,ps6=2015b' / 'ps4=2019a,ps6=2015b'")
    diff.add_argument("new")
    diff.add_argument("--standard", type=_path, default="standard_xml")
    diff.add_argument("--format", choices=("text", "json", "html"), default="text")
    diff.add_argument("--output", "-o", type=_path, help="file to write (default stdout)")
    diff.add_argument("--quiet", "-q", action="store_true", help="no progress or summary")
    return parser


def side(spec: str, standard: Path) -> Selection:
    """``2015b`` (every part of that edition in ``standard``) or ``ps4=2019a,ps6=2015b``, combined with commas."""
    from .errors import InputError
    from .generate import CONSUMED_PARTS, Selection, input_path

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
    from .diff import diff_models, side_label
    from .generate import build_model

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
    from .errors import InputError
    from .generate import Selection, input_path
    from .manifest import load_manifest

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
    from rich.markup import escape

    from .fetch import describe, fetch, progress_bar, summary
    from .manifest import load_manifest

    manifest = load_manifest(args.standard / "manifest.json")
    with progress_bar(console) as progress:
        result = fetch(
            manifest,
            args.standard,
            args.edition,
            base=args.base_url,
            source_dir=args.source,
            fallback_dir=None if args.source is not None else args.fallback_from,
            timeout=args.timeout,
            progress=progress,
            warn=lambda message: console.print(f"[yellow]warning:[/] {escape(message)}"),
        )
    for item in result.fetched:
        console.print(describe(item, result.record), markup=False)
    for edition, part, why in result.skipped:
        console.print(f"PS3.{part} {edition}: not available, skipped ({why})", markup=False)
    for line in summary(result):
        console.print(line, markup=False)
    return 0


def _update(args: argparse.Namespace, console: Console) -> int:
    from . import update

    update.run(
        which=args.edition,
        standard=args.standard,
        out=args.out,
        base=args.base_url,
        source_dir=args.source,
        fallback_dir=None if args.source is not None else args.fallback_from,
        timeout=args.timeout,
        console=console,
        report_format=args.format,
        report_output=args.output,
        stdout=sys.stdout,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from rich.console import Console

    from .errors import CheckFailed, InputError, OutputError
    from .generate import build_model, generate
    from .render import dump_json
    from .report import Report

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        if args.command == "fetch":
            return _fetch(args, console)
        if args.command == "update":
            return _update(args, console)
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
    except (InputError, OutputError) as exc:
        from rich.markup import escape

        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return 2
    except CheckFailed as exc:
        console.print(f"[red]check failed:[/] {exc}", soft_wrap=True, markup=False)
        return 1


if __name__ == "__main__":
    sys.exit(main())
