"""The one documented error type of the generator: bad input."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """An input file of the standard cannot be used.

    Every instance names the file, and where it applies the table ``xml:id`` and the
    row (1-based within the table body), plus the reason. The command line prints
    ``str(error)`` and exits with status 2; nothing under the output folder changes.
    """

    def __init__(
        self,
        path: Path | str,
        reason: str,
        *,
        table: str | None = None,
        row: int | None = None,
        line: int | None = None,
    ) -> None:
        self.path = str(path)
        self.reason = reason
        self.table = table
        self.row = row
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.path]
        if self.table is not None:
            where.append(f"table {self.table}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.line is not None:
            where.append(f"line {self.line}")
        return f"{', '.join(where)}: {self.reason}"


class CheckFailed(Exception):
    """``generate --check`` found a difference from the committed output."""


class OutputError(OSError):
    """The output folder cannot be written (no permission, a full disk): the command line
    prints ``str(error)`` (the path and the reason) and exits with status 2; the output
    folder is left as it was and no staging folder is left beside it. An ``OSError``, as
    what :func:`~dicom_codegen.generate.write_tree` raised before it said where."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
