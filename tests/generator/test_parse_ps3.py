"""PS3.3 (the 2016c excerpt): IODs, modules, macros, nesting, includes, enumerations."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from benchmarks import references
from dicom_codegen import cli, docbook, parse_ps3
from dicom_codegen.errors import InputError
from dicom_codegen.model import AttributeTable, InformationObjects
from tests.conftest import MIRROR, mirror_file
from tests.fixtures.docbook import SLICE_6_1, part03_slice, part06


@cache
def excerpt() -> InformationObjects:
    return parse_ps3.parse(mirror_file("2016c", 3))


def _table(table_id: str) -> AttributeTable:
    return next(t for t in excerpt().tables if t.table == table_id)


def test_the_four_iods_of_the_excerpt() -> None:
    iods = {i.name: i for i in excerpt().iods}
    assert set(iods) == {"CT Image", "RT Dose", "Enhanced CT Image", "Enhanced X-Ray Angiographic Image"}
    counts = {name: (len(i.modules), len(i.functional_groups)) for name, i in iods.items()}
    assert counts == {
        "CT Image": (20, 0),
        "RT Dose": (24, 0),
        "Enhanced CT Image": (27, 24),
        "Enhanced X-Ray Angiographic Image": (22, 27),
    }
    ct = iods["CT Image"]
    assert (ct.section, ct.table, ct.title) == ("sect_A.3", "table_A.3-1", "Computed Tomography Image IOD")
    assert iods["Enhanced CT Image"].functional_group_table == "table_A.38-2"


def test_module_rows_carry_ie_usage_and_condition() -> None:
    ct = next(i for i in excerpt().iods if i.name == "CT Image")
    patient = ct.modules[0]
    assert (patient.ie, patient.name, patient.reference, patient.table, patient.usage) == (
        "Patient",
        "Patient",
        "sect_C.7.1.1",
        "table_C.7-1",
        "M",
    )
    assert ct.modules[1].ie == "Patient"  # the IE cell spans rows
    contrast = next(m for m in ct.modules if m.name == "Contrast/Bolus")
    assert (contrast.usage, contrast.condition) == ("C", "Required if contrast media was used in this image")
    enhanced = next(i for i in excerpt().iods if i.name == "Enhanced CT Image")
    frame_content = next(g for g in enhanced.functional_groups if g.name == "Frame Content")
    assert (frame_content.usage, frame_content.condition) == ("M", "May not be used as a Shared Functional Group.")


def test_attribute_rows() -> None:
    patient = _table("table_C.7-1")
    assert (patient.title, patient.kind, patient.section) == ("Patient Module", "module", "sect_C.7.1.1")
    rows = {r.tag: r for r in patient.rows if r.tag}
    assert (rows["(0010,0010)"].type, rows["(0010,0010)"].depth) == ("2", 0)
    assert rows["(0010,0040)"].enumerated_values == ("M", "F", "O")
    other_ids = [r for r in patient.rows if r.tag == "(0010,0020)"]
    assert [(r.depth, r.type) for r in other_ids] == [(0, "2"), (1, "1")]  # nested in Other Patient IDs Sequence
    include = patient.rows[2]
    assert (include.include, include.depth, include.tag) == ("table_10-18", 0, "")
    assert _table("table_10-18").kind == "macro"


def test_defined_terms_and_functional_group_placeholder() -> None:
    multi_frame = _table("table_C.7.6.16-1")
    placeholders = [r for r in multi_frame.rows if r.include == parse_ps3.FUNCTIONAL_GROUPS]
    assert [r.depth for r in placeholders] == [1, 1]
    assert any(r.defined_terms for t in excerpt().tables for r in t.rows)


def _reached(objects: InformationObjects) -> set[str]:
    """The tables an IOD reaches: its modules, its functional group macros, what they include."""
    tables = {t.table: t for t in objects.tables}
    todo = [m.table for i in objects.iods for m in (*i.modules, *i.functional_groups) if m.table]
    seen: set[str] = set()
    while todo:
        table = todo.pop()
        if table in seen or table not in tables:
            continue
        seen.add(table)
        todo.extend(r.include for r in tables[table].rows if r.include and r.include != parse_ps3.FUNCTIONAL_GROUPS)
    return seen


def _attribute_header_tables(path: Path) -> set[str]:
    doc = docbook.load(path, 3)
    doc.has_table("")  # index every table
    headers = (
        ["Attribute Name", "Tag", "Type", "Attribute Description"],
        ["Attribute Name", "Tag", "Type", "Description"],
        ["Attribute Name", "Tag", "Attribute Description"],
    )
    return {key for key, table in doc.tables.items() if docbook.header_texts(table) in headers}


def test_every_attribute_table_of_the_excerpt_is_read() -> None:
    """Issue #13: the tables no IOD reaches are read too. What the IODs reach is all in the
    excerpt; the only missing references are Include rows of unreached tables naming
    tables the excerpt lacks."""
    objects = excerpt()
    read = {t.table for t in objects.tables}
    assert read == _attribute_header_tables(mirror_file("2016c", 3))
    reached = _reached(objects)
    assert len(reached) < len(read)  # the excerpt holds modules and macros its 4 IODs do not use
    assert objects.missing != ()
    for missing in objects.missing:
        assert missing.what == "included macro" and missing.referrer not in reached, missing
        assert missing.target not in read


def test_kinds_of_the_tables_no_iod_reaches() -> None:
    """Module or macro: listed by an IOD module table -> module; included by a table ->
    macro; else the caption's last word, else the section title's, else macro."""
    kinds = {t.table: (t.kind, t.title) for t in excerpt().tables}
    assert kinds["table_C.17-4"] == ("module", "SR Document Content Module")  # caption
    assert kinds["table_C.8.19.2-1"] == ("module", "Enhanced XA/XRF Image Module")  # "... Module Table"
    assert kinds["table_C.7-22a"] == ("macro", "Palette Color Lookup Table Macro")  # in a module's section
    assert kinds["table_10-6"][0] == "macro"  # "General Anatomy Required Macro Attributes"
    # Neither module nor macro by its words ("Encrypted Attributes Data Set Attributes",
    # section "Encrypted Content"): an attribute set, generated as a macro.
    assert kinds["table_C.12-7"] == ("macro", "Encrypted Attributes Data Set")
    objects = excerpt()
    listed = {m.table for i in objects.iods for m in i.modules}
    assert all(kinds[t][0] == "module" for t in listed)
    included = {r.include for t in objects.tables for r in t.rows if r.include and r.include in kinds}
    assert included and all(kinds[t][0] == "macro" for t in included - listed)


def _orphans(bad_tag: str = "(0010,0020)") -> str:
    """Tables no IOD lists, for the test slice: a module without a Type column that
    includes a table named neither module nor macro, a module and a macro known only by
    their wording, and tables whose columns look like an attribute table's but are not."""
    def cells(*texts: str) -> str:
        return "<tr>" + "".join(f"<td><para>{t}</para></td>" for t in texts) + "</tr>"

    def table(table_id: str, caption: str, header: tuple[str, ...], rows: list[str]) -> str:
        head = "".join(f"<th><para>{h}</para></th>" for h in header)
        return (
            f'<table xml:id="{table_id}"><caption>{caption}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )

    typed = ("Attribute Name", "Tag", "Type", "Attribute Description")
    include = (
        '<tr><td colspan="2"><para><emphasis role="italic">Include <xref linkend="table_10.98-1"/></emphasis>'
        "</para></td><td><para/></td></tr>"
    )
    return (
        '<section xml:id="sect_C.98"><title>Printer Module</title>'
        + table("table_C.98-1", "Printer Module Attributes", ("Attribute Name", "Tag", "Attribute Description"), [
            cells("Patient's Name", "(0010,0010)", "The name."),
            include,
        ])
        + '</section><section xml:id="sect_10.98"><title>Issuer Set</title>'
        + table("table_10.98-1", "Issuer Set Attributes", typed, [cells("Issuer of Patient ID", "(0010,0021)", "3", "x")])
        + '</section><section xml:id="sect_C.97"><title>Film Box</title>'
        + table("table_C.97-1", "Film Box Presentation Module Attributes", typed, [
            cells("Modality", "(0008,0060)", "1", "x"), cells("Patient ID", bad_tag, "3", "x"),
        ])
        + '</section><section xml:id="sect_C.96"><title>General Anatomy Macros</title>'
        + table("table_C.96-1", "General Anatomy Required Attributes", typed, [cells("Rows", "(0028,0010)", "1", "x")])
        + '</section><section xml:id="sect_C.95"><title>Encrypted Content</title>'
        + table("table_C.95-1", "Encrypted Data Set Attributes", typed, [cells("Patient's Sex", "(0010,0040)", "1", "x")])
        + '</section><section xml:id="sect_C.94"><title>Film Codes Module</title>'
        # Attribute-table columns, but the Tag column holds no tag: a table of terms.
        + table("table_C.94-1", "Film Codes Module Attributes", typed, [
            cells("Film Size", "see text", "1", "x"), cells("Defined Terms", "", "", "8INX10IN"),
        ])
        # Four columns that are no attribute table's (a code table), and Defined Terms.
        + table("table_C.94-2", "Film Codes", ("Code Value", "Coding Scheme Designator", "Code Meaning", "Notes"), [
            cells("(0010,0010)", "DCM", "Film", ""),
        ])
        + table("table_C.94-3", "Film Sizes", ("Defined Term Name", "Defined Term Description"), [cells("8INX10IN", "x")])
        + "</section>"
    )


def _slice_with_orphans(tmp_path: Path, bad_tag: str = "(0010,0020)") -> Path:
    text = part03_slice()
    assert text.endswith("</section></chapter></book>\n")
    path = tmp_path / "part03.xml"
    path.write_text(text.removesuffix("</chapter></book>\n") + _orphans(bad_tag) + "</chapter></book>\n", encoding="utf-8")
    return path


def test_tables_no_iod_lists_are_read_by_structure(tmp_path: Path) -> None:
    objects = parse_ps3.parse(_slice_with_orphans(tmp_path))
    kinds = {t.table: t.kind for t in objects.tables}
    assert kinds == {
        "table_C.99-1": "module", "table_C.99-2": "module", "table_10.99-1": "macro",  # the IOD's
        "table_C.98-1": "module",  # caption "Printer Module Attributes", no Type column
        "table_10.98-1": "macro",  # included by table_C.98-1
        "table_C.97-1": "module",  # caption, in a section titled "Film Box"
        "table_C.96-1": "macro",  # section "General Anatomy Macros"
        "table_C.95-1": "macro",  # neither: an attribute set
    }
    printer = next(t for t in objects.tables if t.table == "table_C.98-1")
    assert [(r.tag, r.type, r.include, r.depth) for r in printer.rows] == [
        ("(0010,0010)", "", "", 0),
        ("", "", "table_10.98-1", 0),
    ]
    assert objects.missing == ()
    assert len(objects.iods) == 1 and len(objects.iods[0].modules) == 2


def test_a_bad_tag_in_a_table_no_iod_lists_names_file_table_and_row(tmp_path: Path) -> None:
    path = _slice_with_orphans(tmp_path, bad_tag="(0010,00ZZ)")
    with pytest.raises(InputError) as caught:
        parse_ps3.parse(path)
    assert str(caught.value).startswith(str(path))
    assert (caught.value.table, caught.value.row) == ("table_C.97-1", 2)
    assert "unreadable tag '(0010,00ZZ)'" in caught.value.reason


def test_tables_no_iod_lists_become_classes(tmp_path: Path) -> None:
    standard = tmp_path / "standard"
    (standard / "2099e").mkdir(parents=True)
    _slice_with_orphans(standard / "2099e").rename(standard / "2099e" / "part03.xml")
    (standard / "2099e" / "part06.xml").write_text(part06(rows_6_1=SLICE_6_1), encoding="utf-8")
    out = tmp_path / "out"
    args = ["generate", "--standard", str(standard), "--ps3", "2099e", "--ps6", "2099e", "--out", str(out), "-q"]
    assert cli.main(args) == 0
    modules = (out / "dicom_model" / "modules" / "__init__.py").read_text(encoding="utf-8")
    macros = (out / "dicom_model" / "macros" / "__init__.py").read_text(encoding="utf-8")
    for name in ("PrinterModule", "FilmBoxPresentationModule"):
        assert f'"{name}"' in modules
    for name in ("IssuerSet", "GeneralAnatomyRequired", "EncryptedDataSet"):
        assert f'"{name}"' in macros, name
    assert "FilmCodes" not in modules + macros and "FilmSizes" not in modules + macros
    printer = (out / "dicom_model" / "modules" / "printer_module.py").read_text(encoding="utf-8")
    # No Type column: every attribute optional, and the included table's attributes are there.
    assert "PatientName: PersonName | str | None = None" in printer
    assert "IssuerOfPatientID: str | None = None" in printer


def test_a_missing_module_table_is_reported_not_invented(tmp_path: Path) -> None:
    text = mirror_file("2016c", 3).read_text(encoding="utf-8").replace(
        'xml:id="sect_C.7.2.1"', 'xml:id="sect_C.7.2.1-gone"'
    )
    path = tmp_path / "part03.xml"
    path.write_text(text, encoding="utf-8")
    objects = parse_ps3.parse(path)
    missing = {(m.referrer, m.target, m.what) for m in objects.missing}
    assert ("table_A.3-1", "sect_C.7.2.1", "module") in missing
    general_study = next(m for m in objects.iods[0].modules if m.name == "General Study")
    assert general_study.table == ""


def test_an_unknown_type_names_the_row(tmp_path: Path) -> None:
    text = mirror_file("2016c", 3).read_text(encoding="utf-8")
    marker = "(0010,0040)</para>"
    assert marker in text
    head, tail = text.split(marker, 1)
    tail = tail.replace(">2</para>", ">7</para>", 1)
    path = tmp_path / "part03.xml"
    path.write_text(head + marker + tail, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        parse_ps3.parse(path)
    assert caught.value.table == "table_C.7-1" and "(0010,0040): unknown Type '7'" in caught.value.reason


# --- against dicom-validator's reader of the same excerpt -------------------------------


@cache
def _reference() -> tuple[dict[str, Any], dict[str, Any]]:
    return references.part3_read(MIRROR / "2016c", references.part6_elements(MIRROR / "2015b"))


def test_module_lists_agree_with_dicom_validator() -> None:
    their_iods, _ = _reference()
    for iod in excerpt().iods:
        theirs = their_iods[iod.section.removeprefix("sect_")]
        ours = {(m.name, m.reference.removeprefix("sect_"), m.usage) for m in iod.modules}
        assert ours == {(name, v["ref"], v["use"][0]) for name, v in theirs["modules"].items()}, iod.name
        ours_groups = {(m.name, m.reference.removeprefix("sect_"), m.usage) for m in iod.functional_groups}
        assert ours_groups == {(name, v["ref"], v["use"][0]) for name, v in theirs["group_macros"].items()}


def _their_paths(entry: dict[str, Any], prefix: tuple[str, ...], wanted: str) -> set[tuple[str, ...]]:
    found = set()
    for key, value in entry.items():
        if key.startswith("(") and isinstance(value, dict):
            if value.get("type") == wanted:
                found.add((*prefix, key.upper()))
            if "items" in value:
                found |= _their_paths(value["items"], (*prefix, key.upper()), wanted)
    return found


def _our_paths(table: AttributeTable, wanted: str) -> set[tuple[str, ...]]:
    found = set()
    parents: list[str] = []
    for row in table.rows:
        del parents[row.depth :]
        if row.tag and row.type == wanted and len(parents) == row.depth:
            found.add((*parents, row.tag.upper()))
        if row.tag:
            parents.append(row.tag.upper())
    return found


@pytest.mark.parametrize("wanted", ["1", "2"])
def test_type_1_and_2_attributes_agree_with_dicom_validator(wanted: str) -> None:
    _, their_modules = _reference()
    compared = 0
    for table in excerpt().tables:
        # dicom-validator keys modules and functional group macros by section, other
        # macros by table label.
        theirs = their_modules.get(table.table.removeprefix("table_"))
        if theirs is None:
            theirs = their_modules.get(table.section.removeprefix("sect_"))
        if theirs is None:
            continue
        compared += 1
        assert _our_paths(table, wanted) == _their_paths(theirs, (), wanted), table.table
    assert compared >= 100


def test_a_rule_stated_in_another_rows_description() -> None:
    from dicom_codegen.model import AttributeRow
    from dicom_codegen.parse_ps3 import _rules_stated_elsewhere

    def row(name: str, tag: str, description: str, depth: int = 0) -> AttributeRow:
        return AttributeRow(name, tag, 0, 0, depth, "1", description, (), (), "", 1)

    rows = [
        row("Rescale Intercept", "(0028,1052)", "The value b. Output units = m*SV+b If Image Type (0008,0008) Value 1 is "
            "ORIGINAL, output units shall be Hounsfield Units (HU)."),
        row("Rescale Type", "(0028,1054)", "Specifies the output units of Rescale Slope."),
        row("Other", "(0028,1055)", "Specifies the output units elsewhere.", depth=1),  # another level: not a candidate
    ]
    found = _rules_stated_elsewhere(rows)
    assert found[1].value_rules == (("If Image Type (0008,0008) Value 1 is ORIGINAL", ("HU",)),)
    assert found[0].value_rules == () and found[2].value_rules == ()
    # two rows specifying the same thing: which one is meant is not known, so neither gets it
    assert all(r.value_rules == () for r in _rules_stated_elsewhere(rows[:2] + [row("Twin", "(0028,1056)", "Specifies the output units too.")]))
