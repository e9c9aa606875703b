"""PS3.3 (the 2016c excerpt): IODs, modules, macros, nesting, includes, enumerations."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from benchmarks import references
from dicom_codegen import parse_ps3
from dicom_codegen.errors import InputError
from dicom_codegen.model import AttributeTable, InformationObjects
from tests.conftest import MIRROR, mirror_file


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


def test_no_missing_references_in_the_excerpt() -> None:
    assert excerpt().missing == ()
    assert len(excerpt().tables) == 113


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
