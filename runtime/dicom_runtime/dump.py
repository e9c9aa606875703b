"""``dicom-dump FILE...``: print data sets the way dcmtk's ``dcmdump -Un`` does.

One line per element: tag, VR, value (strings in brackets, ``(no value available)``
when empty), then ``# length, VM Keyword``, the length being the value's length in
the file (padding included; ``u/l`` for undefined); sequences, items and their
delimitation items as dcmdump shows them, items indented. Long values are shortened
with ``...`` (``--max-value-length``). A file that fails part way prints every
element read, then its error on standard error, and the exit status is 1.

Differences from dcmdump, on purpose: UIDs are printed as numbers (dcmdump's
``-Un``; dcmdump's default maps them to names of its own); the transfer syntax in
the header comments is named by PS3.6; private elements read in Implicit VR are
``UN`` (dcmdump has a private dictionary); a text value is shown in Unicode
(dcmdump shows the bytes), and what the terminal cannot show is escaped.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true), without importing typing

if TYPE_CHECKING:  # the heavy modules are imported when a file is read, not for --help
    import argparse
    from collections.abc import Iterator
    from typing import TextIO

    from .dataset import Dataset

#: dcmdump's shortening: a value shown longer than 70 characters is cut to 70, "..." included.
DEFAULT_MAX_VALUE_LENGTH = 70


class _Options:
    def __init__(self, max_length: int, tags: set[int], keywords: set[str]) -> None:
        self.max_length = max_length
        self.tags = tags
        self.keywords = keywords

    @property
    def filtered(self) -> bool:
        return bool(self.tags or self.keywords)


class _Arguments:
    """The command line as parsed: ``FILE...`` alone is taken without argparse (which, with
    the ``re`` and ``gettext`` it imports, costs a good part of a small file's dump); any
    option goes through :func:`_parser`, which gives the same for ``FILE...``."""

    def __init__(
        self,
        files: list[str],
        stop_before_pixels: bool = False,
        tag: list[int] | None = None,
        keyword: list[str] | None = None,
        format: str = "text",
        max_value_length: int = DEFAULT_MAX_VALUE_LENGTH,
    ) -> None:
        self.files = files
        self.stop_before_pixels = stop_before_pixels
        self.tag = tag or []
        self.keyword = keyword or []
        self.format = format
        self.max_value_length = max_value_length


def _parse_tag(text: str) -> int:
    import argparse

    digits = text.strip("()").replace(",", "")
    if len(digits) != 8:
        raise argparse.ArgumentTypeError(f"{text!r} is not a tag: (gggg,eeee) or ggggeeee")
    try:
        return int(digits, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a tag: (gggg,eeee) or ggggeeee") from None


def _length(text: str) -> int:
    """--max-value-length N: a count of characters, 0 for whole values."""
    import argparse

    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of characters") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{number} is negative: give a number of characters, or 0 for whole values")
    return number


def _parser() -> argparse.ArgumentParser:
    import argparse

    from .cli_parsing import HelpFormatter
    from .version import version_action

    parser = argparse.ArgumentParser(
        prog="dicom-dump", description="Print DICOM files' data sets as dcmdump does.", formatter_class=HelpFormatter
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--stop-before-pixels", action="store_true", help="do not read Pixel Data and what follows")
    parser.add_argument("--tag", action="append", type=_parse_tag, default=[], help="only this tag, (gggg,eeee) (repeatable)")
    parser.add_argument("--keyword", action="append", default=[], help="only the element of this keyword (repeatable)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text (dcmdump's) or the DICOM JSON model")
    parser.add_argument(
        "--max-value-length",
        type=_length,
        default=DEFAULT_MAX_VALUE_LENGTH,
        metavar="N",
        help=f"shorten values shown longer than N characters, as dcmdump does (default {DEFAULT_MAX_VALUE_LENGTH}; 0: never)",
    )
    parser.add_argument("--version", action=version_action("dicom-dump"))
    return parser


def _dump(path: str, args: _Arguments, out: TextIO, before: str = "") -> tuple[int, bool]:
    """Dump one file: (exit status, whether anything was written); ``before`` is written
    first if anything is (the separator of an array of JSON data sets). The text is made in
    memory and written at once (one write, not one a line)."""
    from .fileformat import read_file_partial

    file, error = read_file_partial(path, stop_before_pixels=args.stop_before_pixels)
    if error is not None and not file.meta and not file.dataset:
        print(f"dicom-dump: {error}", file=sys.stderr)  # nothing read: "not a DICOM file", ...
        return 1, False
    options = _Options(args.max_value_length, set(args.tag), set(args.keyword))
    if args.format == "json":
        import json

        from .json_model import to_json

        out.write(before)
        dataset = file.dataset
        if options.filtered:
            from .dump_format import filtered

            dataset = filtered(file.dataset, options)  # as the text shows it
        json.dump(to_json(dataset), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        from .dump_format import dump_file

        out.write(before + dump_file(file, path, options))
    out.flush()
    for where, message, source in file.dataset.read_problems:  # read all the same, as dcmdump's "W:" lines
        print(f"dicom-dump: {path}: warning: {where}: {message} ({source})", file=sys.stderr)
    if error is not None:
        print(f"dicom-dump: {error}", file=sys.stderr)
        return 1, True
    return 0, True


def main(argv: list[str] | None = None) -> int:
    """``dicom-dump`` (``argv``: the arguments; None: the command line, as the console script
    runs it). Its exit status."""
    status = _main(argv)
    if argv is None:
        # The process ends now: what the imports and the dump made is set aside from the cyclic
        # garbage collector (gc.freeze), which the interpreter's shutdown would otherwise walk
        # in full: about 5 ms, some 0.3x of dcmdump's whole run on a small file (#19). Only for
        # the command itself, not when a program calls main with its arguments.
        import gc

        gc.freeze()
    return status


def _main(argv: list[str] | None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments and not any(a.startswith("-") for a in arguments):
        args = _Arguments(list(arguments))  # FILE... alone: what the parser would give
    else:
        parser = _parser()
        args = _Arguments(**vars(parser.parse_args(argv)))
        if args.keyword:
            from .dictionary import get_entry

            unknown = [k for k in args.keyword if get_entry(k) is None]
            if unknown:
                parser.error(f"unknown keyword {unknown[0]!r}")  # exit status 2, before any file is read
    out = sys.stdout
    if isinstance(out, __import__("io").TextIOWrapper):
        out.reconfigure(errors="backslashreplace")  # what the terminal's encoding cannot show is escaped
    status = 0
    several = len(args.files) > 1
    try:
        if several and args.format == "json":
            out.write("[\n")  # several files: an array of data sets
        written = 0  # JSON data sets written: the next one is preceded by a comma
        for index, path in enumerate(args.files):
            before = f"# dicom-dump ({index + 1}/{len(args.files)}): {path}\n" if several and args.format == "text" else ""
            if before:
                out.write(before)
            try:
                result, wrote = _dump(path, args, out, ",\n" if several and args.format == "json" and written else "")
            except BrokenPipeError:
                raise
            except OSError as exc:
                out.flush()
                print(f"dicom-dump: {path}: {exc.strerror or exc}", file=sys.stderr)
                result, wrote = 1, False
            written += wrote
            status = max(status, result)
        if several and args.format == "json":
            out.write("]\n")
            out.flush()
    except BrokenPipeError:
        # the reader stopped (``| head``): no traceback; standard output goes nowhere from now on,
        # and the exit status is that of the files read (the reader leaving is no error of theirs)
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return status
    return status


def dump_lines(dataset: Dataset, depth: int = 0) -> Iterator[str]:
    """The lines :func:`main` prints for a data set (Explicit VR Little Endian lengths)."""
    from .dump_format import dataset_text

    yield from dataset_text(dataset, depth).splitlines()


if __name__ == "__main__":
    sys.exit(main())
