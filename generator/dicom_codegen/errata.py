"""Known defects of the standard's DocBook source, corrected by a pass.

Each erratum names the part, the edition, the table ``xml:id``, the rows, the
correction and the reason. The generation report lists every erratum applied, so
the output never silently departs from the input; an erratum whose rows no
longer look as described is not applied and is reported.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .model import Model, Warning_


@dataclass(frozen=True)
class NestingErratum:
    """Rows of an attribute table that lack their leading ``>`` marks."""

    part: int
    edition: str
    table: str
    rows: tuple[tuple[int, str], ...]  # (row number, tag as printed)
    depth: int
    reason: str


ERRATA: tuple[NestingErratum, ...] = (
    NestingErratum(
        part=3,
        edition="2016c",
        table="table_C.12-1",
        rows=(
            (19, "(0008,010F)"),
            (20, "(0008,0117)"),
            (21, "(0008,0105)"),
            (22, "(0008,0106)"),
            (24, "(0008,0105)"),
            (25, "(0008,0118)"),
            (26, "(0008,0122)"),
        ),
        depth=1,
        reason=(
            "the SOP Common Module prints Context Identifier ... Context Group Version and "
            "Mapping Resource ... Mapping Resource Name without '>', so they would be Type 1 "
            "attributes of every IOD; they are the items of Context Group Identification "
            "Sequence and Mapping Resource Identification Sequence (Mapping Resource appears "
            "twice at one level otherwise), as later editions print them"
        ),
    ),
)


class ApplyErrata:
    """Apply :data:`ERRATA` that match the input's edition, and report each."""

    def process(self, model: Model) -> Model:
        objects = model.objects
        if objects is None:
            return model
        warnings = list(model.warnings)
        tables = list(objects.tables)
        for erratum in ERRATA:
            if erratum.part != 3 or erratum.edition != objects.source.edition:
                continue
            index = next((i for i, t in enumerate(tables) if t.table == erratum.table), None)
            if index is None:
                continue
            table = tables[index]
            fixes = dict(erratum.rows)
            matched = [r for r in table.rows if r.row in fixes and r.tag == fixes[r.row] and r.depth == 0]
            if len(matched) != len(fixes):
                warnings.append(
                    Warning_("erratum", f"erratum for PS3.3 {erratum.edition} {erratum.table} no longer matches; not applied")
                )
                continue
            rows = tuple(
                dataclasses.replace(r, depth=erratum.depth) if r.row in fixes and r.tag == fixes[r.row] else r
                for r in table.rows
            )
            tables[index] = dataclasses.replace(table, rows=rows)
            rows_text = ", ".join(str(n) for n, _ in erratum.rows)
            warnings.append(
                Warning_(
                    "erratum",
                    f"erratum applied: PS3.3 {erratum.edition} {erratum.table} rows {rows_text} nested at depth "
                    f"{erratum.depth}: {erratum.reason}",
                )
            )
        objects = dataclasses.replace(objects, tables=tuple(tables))
        return dataclasses.replace(model, objects=objects, warnings=tuple(warnings))
