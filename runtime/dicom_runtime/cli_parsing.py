"""What the commands' argument parsers share so that they start fast (#19): ``dicom-net``,
``dicom-dump``, ``dicom-validate`` and ``dicom-media`` build their parsers with these.

- :class:`HelpFormatter`: argparse's own, its width found as argparse finds it (the
  terminal's columns, ``COLUMNS`` first, 80 when neither says) without importing
  :mod:`shutil`, which argparse imports for that alone and which imports bz2, lzma and
  fnmatch: about a sixth of what a command's ``--help`` may cost.
- :class:`LazyParser`: a subcommand's parser whose arguments are added when it is first
  used (parsed, or its usage or help formatted). ``dicom-net --help`` lists the subcommands
  by name and help line only, and ``dicom-net store ...`` fills the ``store`` parser alone.

The help and usage texts are argparse's, character for character (tests compare them).
"""

from __future__ import annotations

import argparse
import os
import sys

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true), without importing typing for --help

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from typing import Any


def terminal_columns() -> int:
    """The columns ``shutil.get_terminal_size().columns`` gives: ``COLUMNS`` when it is a
    positive number, else the size of the terminal on standard output, else 80."""
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


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help formatter, as wide as argparse makes it (the terminal's columns less 2),
    without importing :mod:`shutil`."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, terminal_columns() - 2 if width is None else width)


class LazyParser(argparse.ArgumentParser):
    """An argument parser (:class:`HelpFormatter` by default) whose arguments are added by a
    function given to :meth:`defer`, called once before the parser is first used: when it
    parses, or formats its usage or help. Pass it as ``add_subparsers(parser_class=LazyParser)``."""

    _fill: Callable[[argparse.ArgumentParser], None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def defer(self, fill: Callable[[argparse.ArgumentParser], None]) -> LazyParser:
        """Add the arguments with ``fill(self)`` when the parser is first used; returns self."""
        self._fill = fill
        return self

    def _filled(self) -> None:
        fill, self._fill = self._fill, None
        if fill is not None:
            fill(self)

    def parse_known_args(  # type: ignore[override]  # argparse's overloads, one signature here
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._filled()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._filled()
        return super().format_usage()

    def format_help(self) -> str:
        self._filled()
        return super().format_help()
