"""The version every command reports: the installed package's (``0.3.0+ps3.2016c...``,
the toolkit's release and the editions its model was generated from).

The Implementation Version Name written into files' File Meta Information and sent in
A-ASSOCIATE requests (:data:`.fileformat.IMPLEMENTATION_VERSION_NAME`) is a short name of
at most 16 characters (SH), not this version.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dicom-typed")
    except PackageNotFoundError:  # running from a checkout that is not installed
        from dicom_model import __version__

        return str(__version__)


def version_action(command: str) -> type[argparse.Action]:
    """An argparse action for ``--version`` printing ``COMMAND (dicom-typed) VERSION``, the
    version looked up only when asked for: reading the installed package's metadata costs
    about as much as a command's whole ``--help``. Its help and output are argparse's own
    ``action="version"``'s."""

    class _Version(argparse.Action):
        def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
            super().__init__(
                option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                help=help or "show program's version number and exit",
            )

        def __call__(
            self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
            values: str | Sequence[object] | None, option_string: str | None = None,
        ) -> None:
            sys.stdout.write(f"{command} (dicom-typed) {package_version()}\n")
            parser.exit()

    return _Version
