"""Progress and the end-of-run summary: counts per table, warnings, time per stage."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table


@dataclass
class Report:
    """What a run did; printed by :meth:`print_summary`."""

    console: Console = field(default_factory=lambda: Console(stderr=True, highlight=False, soft_wrap=True))
    quiet: bool = False
    stages: list[tuple[str, float]] = field(default_factory=list)
    counts: list[tuple[str, str, int]] = field(default_factory=list)  # (part, table, rows)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage, showing a spinner on a terminal while it runs."""
        start = time.perf_counter()
        if self.quiet or not self.console.is_terminal:
            yield
        else:
            with self.console.status(f"{name}..."):
                yield
        elapsed = time.perf_counter() - start
        self.stages.append((name, elapsed))
        if not self.quiet:
            self.console.print(f"[green]done[/] {name} ({elapsed:.2f} s)")

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def print_summary(self) -> None:
        if self.quiet:
            return
        table = Table(title="Rows read", show_edge=False)
        table.add_column("part")
        table.add_column("table")
        table.add_column("rows", justify="right")
        for part, table_id, rows in self.counts:
            table.add_row(part, table_id, str(rows))
        self.console.print(table)
        for note in self.notes:
            self.console.print(note)
        if self.warnings:
            self.console.print(f"[yellow]{len(self.warnings)} warning(s):[/]")
            for message in self.warnings:
                self.console.print(f"  warning: {message}")
        else:
            self.console.print("no warnings")
        total = sum(t for _, t in self.stages)
        timing = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.stages)
        self.console.print(f"time per stage: {timing}; total {total:.2f} s")
