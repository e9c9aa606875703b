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


@dataclass(frozen=True)
class UidErratum:
    """A UID of PS3.6's Table A-1 printed wrong: the row, the value as printed, the one
    meant, and the evidence (the other tables that print it right)."""

    part: int
    edition: str
    table: str
    row: int
    name: str
    printed: str
    corrected: str
    reason: str


UID_ERRATA: tuple[UidErratum, ...] = (
    UidErratum(
        part=6,
        edition="2013",
        table="table_A-1",
        row=206,
        name="Corneal Topography Map Storage",
        printed="11.2.840.10008.5.1.4.1.1.82.1",
        corrected="1.2.840.10008.5.1.4.1.1.82.1",
        reason=(
            "part06.xml's UID Values table prints a leading '11.', outside the 1.2.840.10008 "
            "root of every DICOM UID; the same edition's PS3.4 (part04.xml, Table B.5-1 Standard "
            "SOP Classes and Table I.4-1 Media Storage Standard SOP Classes) and PS3.6 2014a's "
            "Table A-1 print 1.2.840.10008.5.1.4.1.1.82.1. Uncorrected, the typo was a SOP class "
            "of its own (CornealTopographyMapStorage1) beside PS3.4's, 'removed' in every diff "
            "from 2013"
        ),
    ),
)


class ApplyUidErrata:
    """Apply :data:`UID_ERRATA` that match the dictionary's edition, and report each. It
    runs first: the SOP classes and keywords are resolved from the corrected UIDs."""

    def process(self, model: Model) -> Model:
        dictionary = model.dictionary
        if dictionary is None:
            return model
        warnings = list(model.warnings)
        uids = list(dictionary.uids)
        for erratum in UID_ERRATA:
            if erratum.part != 6 or erratum.edition != dictionary.source.edition:
                continue
            where = f"PS3.6 {erratum.edition} {erratum.table} row {erratum.row}"
            index = next(
                (i for i, u in enumerate(uids) if (u.table, u.row, u.value, u.name) == (erratum.table, erratum.row, erratum.printed, erratum.name)),
                None,
            )
            if index is None or any(u.value == erratum.corrected for u in uids):
                warnings.append(Warning_("erratum", f"erratum for {where} ({erratum.printed}) no longer matches; not applied"))
                continue
            uids[index] = dataclasses.replace(uids[index], value=erratum.corrected)
            warnings.append(
                Warning_("erratum", f"erratum applied: {where} UID {erratum.printed} read as {erratum.corrected}: {erratum.reason}")
            )
        dictionary = dataclasses.replace(dictionary, uids=tuple(uids))
        return dataclasses.replace(model, dictionary=dictionary, warnings=tuple(warnings))


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
