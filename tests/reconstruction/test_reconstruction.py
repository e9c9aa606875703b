"""The reconstructions hold every IOD, module and functional group macro of their
transcription, and the generator's parsers (and passes) read them end to end.

Expected figures are computed from the transcriptions' JSON, never written here.
Building and parsing a reconstruction takes seconds (highdicom: ~15 s), so those
tests are marked slow; the unit tests of the pieces are fast.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from dicom_codegen import docbook, parse_ps3, parse_ps6
from dicom_codegen.generate import Selection, build_model
from dicom_codegen.model import AttributeTable, Dictionary, InformationObjects
from dicom_codegen.parse_ps3 import FUNCTIONAL_GROUPS
from dicom_codegen.report import Report
from tests.reconstruction import highdicom, html_text, innolitics, layout
from tests.reconstruction.book import DOCBOOK_NS
from tests.reconstruction.sources import highdicom_dir, innolitics_dir, load_json

_ATTRIBUTE_HEADERS = (
    ["Attribute Name", "Tag", "Type", "Attribute Description"],
    ["Attribute Name", "Tag", "Attribute Description"],
)


def _flatten(tables: dict[str, AttributeTable], table_id: str, depth: int = 0) -> Iterator[tuple[int, str, str]]:
    """(depth, tag, Type) of every attribute of a table, includes expanded."""
    for row in tables[table_id].rows:
        if row.include == FUNCTIONAL_GROUPS:
            continue
        if row.include:
            yield from _flatten(tables, row.include, depth + row.depth)
        else:
            yield depth + row.depth, row.tag, row.type


def _attribute_tables(path: Path) -> set[str]:
    doc = docbook.load(path, 3)
    doc.has_table("")  # index every table
    return {key for key, table in doc.tables.items() if docbook.header_texts(table) in _ATTRIBUTE_HEADERS}


# --- innolitics ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def innolitics_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("innolitics")
    layout.build("innolitics", out)
    return out


@pytest.fixture(scope="module")
def innolitics_json() -> dict[str, Any]:
    folder = innolitics_dir()
    names = (
        "ciods", "modules", "macros", "ciod_to_modules", "ciod_to_fg_macros",
        "module_to_attributes", "macro_to_attributes", "attributes", "sops",
    )
    return {name: load_json(folder / f"{name}.json") for name in names}


@pytest.fixture(scope="module")
def innolitics_ps3(innolitics_out: Path) -> InformationObjects:
    return parse_ps3.parse(innolitics_out / innolitics.EDITION / "part03.xml")


def _table_of(entry: dict[str, Any]) -> str:
    return str(entry["linkToStandard"]).rpartition("#")[2]


@pytest.mark.slow
def test_innolitics_every_iod_with_its_modules_and_functional_groups(
    innolitics_ps3: InformationObjects, innolitics_json: dict[str, Any]
) -> None:
    ciods = innolitics_json["ciods"]
    assert innolitics_ps3.source.edition == innolitics.EDITION
    assert len(innolitics_ps3.iods) == len(ciods)
    assert {i.name for i in innolitics_ps3.iods} == {c["name"] for c in ciods}
    assert innolitics_ps3.missing == ()
    modules_of: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    module_tables = {m["id"]: _table_of(m) for m in innolitics_json["modules"]}
    for row in innolitics_json["ciod_to_modules"]:
        modules_of[row["ciodId"]].append((row["informationEntity"], module_tables[row["moduleId"]], row["usage"]))
    macro_tables = {m["id"]: _table_of(m) for m in innolitics_json["macros"]}
    groups_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in innolitics_json["ciod_to_fg_macros"]:
        groups_of[row["ciodId"]].append((macro_tables[row["macroId"]], row["usage"]))
    by_table = {i.table: i for i in innolitics_ps3.iods}
    for ciod in ciods:
        iod = by_table[_table_of(ciod)]
        assert [(m.ie, m.table, m.usage) for m in iod.modules] == modules_of[ciod["id"]], ciod["id"]
        assert [(g.table, g.usage) for g in iod.functional_groups] == groups_of[ciod["id"]], ciod["id"]
    conditions = [m.condition for i in innolitics_ps3.iods for m in i.modules if m.usage == "C"]
    expected = [r["conditionalStatement"] for r in innolitics_json["ciod_to_modules"] if r["usage"] == "C"]
    assert sorted(conditions) == sorted(" ".join(c.split()) for c in expected)


@pytest.mark.slow
def test_innolitics_every_module_and_macro_is_a_table(
    innolitics_out: Path, innolitics_ps3: InformationObjects, innolitics_json: dict[str, Any]
) -> None:
    """All 375 modules and 260 macros are attribute tables of the document, and the
    parser reads every one of them as what the transcription calls it (issue #13), the
    modules no IOD lists and the macros nothing includes as well."""
    expected = {_table_of(m) for m in innolitics_json["modules"] + innolitics_json["macros"]}
    assert _attribute_tables(innolitics_out / innolitics.EDITION / "part03.xml") == expected
    kinds = {t.table: t.kind for t in innolitics_ps3.tables}
    assert kinds == {
        **{_table_of(m): "module" for m in innolitics_json["modules"]},
        **{_table_of(m): "macro" for m in innolitics_json["macros"]},
    }
    referenced = {r["moduleId"] for r in innolitics_json["ciod_to_modules"]}
    assert len(referenced) < len(innolitics_json["modules"])  # some are read though no IOD lists them


@pytest.mark.slow
def test_innolitics_includes_expand_to_the_transcribed_rows(
    innolitics_ps3: InformationObjects, innolitics_json: dict[str, Any]
) -> None:
    """Folding macros back into Include rows loses nothing: expanded again, every module
    and macro has the transcription's attributes, nesting and Types, in order (Type ""
    where the transcription has none: the tables without a Type column)."""
    tables = {t.table: t for t in innolitics_ps3.tables}
    for kind, key in (("module", "moduleId"), ("macro", "macroId")):
        transcribed: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for row in innolitics_json[f"{kind}_to_attributes"]:
            inner = row["tag"][1:-1].split(",")
            tag = "(" + ",".join(p.upper().replace("X", "x") for p in inner) + ")"
            transcribed[row[key]].append((row["path"].count(":") - 1, tag, str(row["type"])))
        includes = typeless = 0
        for entry in innolitics_json[f"{kind}s"]:
            expected = [(depth, tag, "" if t == "None" else t) for depth, tag, t in transcribed[entry["id"]]]
            table = tables[_table_of(entry)]
            typeless += any(r.tag and not r.type for r in table.rows)
            assert list(_flatten(tables, table.table)) == expected, entry["id"]
            includes += sum(1 for r in table.rows if r.include)
        assert includes > 0
        assert typeless > 0 if kind == "module" else True


@pytest.mark.slow
def test_innolitics_descriptions_are_paragraphs_and_value_lists(innolitics_ps3: InformationObjects) -> None:
    tables = {t.table: t for t in innolitics_ps3.tables}
    sex = next(r for r in tables["table_C.7-1"].rows if r.tag == "(0010,0040)")
    assert sex.enumerated_values[:3] == ("M", "F", "O")
    assert sex.description.startswith("Sex of the named Patient. Enumerated Values: M male F female")
    # Paragraphs written with no whitespace between them are read with a space.
    glued = [r.description for t in innolitics_ps3.tables for r in t.rows if ".Only a single Item" in r.description]
    assert glued == []
    assert any(". Only a single Item" in r.description for t in innolitics_ps3.tables for r in t.rows)
    assert sum(1 for t in innolitics_ps3.tables for r in t.rows if r.defined_terms) > 100


@pytest.mark.slow
def test_innolitics_ps6(innolitics_out: Path, innolitics_json: dict[str, Any]) -> None:
    dictionary = parse_ps6.parse(innolitics_out / innolitics.EDITION / "part06.xml")
    attributes = [a for a in innolitics_json["attributes"] if not a["tag"].startswith("(0000")]
    assert len(dictionary.elements) == len(attributes)
    by_tag = {e.tag: e for e in dictionary.elements}
    item = by_tag["(FFFE,E000)"]
    assert (item.vr_text, item.vrs) == ("See Note 2", ())
    assert {s["id"] for s in innolitics_json["sops"]} <= {u.value for u in dictionary.uids}
    assert "1.2.840.10008.1.2.1" in {u.value for u in dictionary.uids}  # transfer syntaxes from pydicom


@pytest.mark.slow
def test_innolitics_is_deterministic(innolitics_out: Path, tmp_path: Path) -> None:
    layout.build("innolitics", tmp_path)
    for name in ("part03.xml", "part06.xml"):
        assert (tmp_path / innolitics.EDITION / name).read_bytes() == (innolitics_out / innolitics.EDITION / name).read_bytes()


@pytest.mark.slow
def test_innolitics_through_the_passes(innolitics_out: Path) -> None:
    """Parse every part and run every pass (rendering is left to the benchmarks)."""
    report = Report(quiet=True)
    model = build_model(
        innolitics_out, Selection({3: innolitics.EDITION, 4: "2020c", 6: innolitics.EDITION, 7: "2020c"}), report
    )
    assert model.objects is not None and len(model.objects.iods) == len(load_json(innolitics_dir() / "ciods.json"))
    assert not [w for w in report.warnings if "edition" in w]


# --- highdicom ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def highdicom_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("highdicom")
    layout.build("highdicom", out)
    return out


@pytest.fixture(scope="module")
def highdicom_ps3(highdicom_out: Path) -> InformationObjects:
    return parse_ps3.parse(highdicom_out / highdicom.EDITION / "part03.xml")


@pytest.mark.slow
def test_highdicom_every_iod_and_module(highdicom_out: Path, highdicom_ps3: InformationObjects) -> None:
    folder = highdicom_dir()
    iods: dict[str, list[dict[str, str]]] = load_json(folder / "iod_module_map.json")
    modules: dict[str, list[dict[str, Any]]] = load_json(folder / "module_attribute_map.json")
    assert highdicom_ps3.source.edition == "2024c"
    assert len(highdicom_ps3.iods) == len(iods)
    assert [[(m.ie, m.usage) for m in i.modules] for i in highdicom_ps3.iods] == [
        [(u["ie"], u["usage"]) for u in uses] for uses in iods.values()
    ]
    listed = {u["key"] for uses in iods.values() for u in uses}
    assert len(_attribute_tables(highdicom_out / highdicom.EDITION / "part03.xml")) == len(modules)
    # Every module is read (issue #13), the ones no IOD lists as well.
    assert Counter(t.kind for t in highdicom_ps3.tables) == {"module": len(modules)}
    assert len(listed & set(modules)) < len(modules)
    # Modules an IOD lists without attributes in the transcription: missing, not invented.
    assert len({m.target for m in highdicom_ps3.missing}) == len(listed - set(modules))
    rows = sum(len(t.rows) for t in highdicom_ps3.tables)
    assert rows >= sum(len(rows) for rows in modules.values())


@pytest.mark.slow
def test_highdicom_rows_are_the_transcribed_rows(highdicom_ps3: InformationObjects) -> None:
    from pydicom.datadict import tag_for_keyword

    modules: dict[str, list[dict[str, Any]]] = load_json(highdicom_dir() / "module_attribute_map.json")
    by_title = {t.title: t for t in highdicom_ps3.tables}
    tables = {t.table: t for t in highdicom_ps3.tables}
    checked = 0
    for key, rows in modules.items():
        table = by_title[f"{highdicom.title(key)} Module"]  # every module is read
        expected = []
        for row in rows:
            tag = tag_for_keyword(row["keyword"])
            text = f"({tag >> 16:04X},{tag & 0xFFFF:04X})" if tag is not None else ""
            kind = str(row["type"])
            if key == highdicom.CONTENT_MODULE and not row["path"] and row["keyword"] in highdicom.VALUE_TYPE_ROWS:
                kind = f"{kind}C" if kind in ("1", "2") else kind  # required for its value types only
            expected.append((len(row["path"]), text, kind))
        got = [(d, t, ty) for d, t, ty in _flatten(tables, table.table)]
        typed = all(r["type"] != "None" for r in rows)
        assert [(d, t) for d, t, _ in got if t[1:5].lower() != "60xx"] == [
            (d, t) for d, t, _ in expected if t
        ], key
        if typed:
            assert [ty for *_, ty in got] == [ty for *_, ty in expected], key
        else:
            assert {ty for *_, ty in got} <= {""}, key  # no Type column
        checked += 1
    assert checked == len(by_title) == len(modules)


@pytest.mark.slow
def test_highdicom_ps6_later_edition_forms(highdicom_out: Path) -> None:
    from pydicom._dicom_dict import DicomDictionary, RepeatersDictionary
    from pydicom._uid_dict import UID_dictionary

    dictionary: Dictionary = parse_ps6.parse(highdicom_out / "2024c" / "part06.xml")
    assert dictionary.source.edition == "2024c"
    expected = sum(1 for t in DicomDictionary if t >> 16) + sum(1 for m in RepeatersDictionary if not m.startswith("0000"))
    assert len(dictionary.elements) == expected
    vrs = {vr for e in dictionary.elements for vr in e.vrs}
    assert {"OV", "SV", "UV"} <= vrs
    delimiters = [e for e in dictionary.elements if e.tag.startswith("(FFFE")]
    assert {e.vr_text for e in delimiters} == {"See Note 2"} and all(e.vrs == () for e in delimiters)
    assert len(dictionary.uids) == len(UID_dictionary)
    keywords = {u.value: u.keyword for u in dictionary.uids}
    assert keywords["1.2.840.10008.5.1.4.1.1.2"] == "CTImageStorage"


@pytest.mark.slow
def test_highdicom_through_the_passes(highdicom_out: Path) -> None:
    report = Report(quiet=True)
    model = build_model(highdicom_out, Selection({3: "2024c", 4: "2020c", 6: "2024c", 7: "2020c"}), report)
    assert model.objects is not None and len(model.objects.iods) == len(load_json(highdicom_dir() / "iod_module_map.json"))


# --- the pieces (fast) ----------------------------------------------------------------


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def test_html_description_becomes_paragraphs_lists_and_notes() -> None:
    blocks = html_text.description(
        '<td colspan="1">\n<p>\nSex of the <span href="#x">named</span> Patient.</p>\n<div>\n<p>\n'
        "<strong>Enumerated Values:</strong>\n</p>\n<dl>\n<dt>\n<span>M</span>\n</dt>\n<dd>\n<p>\nmale</p>\n"
        "</dd>\n<dt>\n<span>F</span>\n</dt>\n<dd>\n<p>\n</p>\n</dd>\n</dl>\n</div>\n<div>\n<h3>Note</h3>\n"
        "<p>\nA note with <sub>2</sub>.</p>\n</div>\n<p>See <strong>this</strong>.</p>\n</td>"
    )
    assert [_local(b) for b in blocks] == ["para", "variablelist", "note", "para"]
    assert blocks[0].text == "Sex of the named Patient."
    listing = blocks[1]
    assert listing.findtext(f"{{{DOCBOOK_NS}}}title") == "Enumerated Values:"
    assert [t.text for t in listing.iter(f"{{{DOCBOOK_NS}}}term")] == ["M", "F"]
    assert etree.tostring(blocks[2], method="text", encoding="unicode") == "A note with 2."
    assert blocks[2].find(f".//{{{DOCBOOK_NS}}}subscript") is not None
    assert etree.tostring(blocks[3], method="text", encoding="unicode") == "See this."
    assert html_text.description("") == []


def test_highdicom_titles() -> None:
    assert highdicom.title("ct-image") == "CT Image"
    assert highdicom.title("multi-frame-true-color-secondary-capture-image") == "Multi-frame True Color Secondary Capture Image"
    assert highdicom.title("digital-x-ray-image") == "Digital X-Ray Image"
    assert highdicom.title("rt-ion-plan") == "RT Ion Plan"


def test_iod_sections_from_pages() -> None:
    assert innolitics._iod_section("A.3.3", "A.3") == "A.3"
    assert innolitics._iod_section("A.8.2.3", "A.8") == "A.8.2"
    assert innolitics._iod_section("A.35", "A.35.1") == "A.35.1"
    assert innolitics._iod_section("A.8", "A.8") == "A.8"  # a new subsection is made for it
    assert innolitics._iod_section("A.18.3", "A.18.3") == "A.18"  # RT Dose: Table A.18.3-1 in its module table section


def _placed(key: str, kind: str, rows: list[tuple[tuple[str, ...], str]]) -> innolitics.Placed:
    return innolitics.Placed(
        key, key, kind, f"table_{key}", "C.1", "",
        tuple(innolitics.Row(path, f"({path[-1][:4]},{path[-1][4:]})".upper(), type_, "") for path, type_ in rows),
    )


def test_folding_macros_into_include_rows() -> None:
    code = _placed("code", "Macro", [(("00080100",), "1"), (("00080102",), "1")])
    folder = innolitics._Folder([code])
    module = _placed("m", "Module", [
        (("00100010",), "2"),
        (("00400039",), "3"), (("00400039", "00080100"), "1"), (("00400039", "00080102"), "1"),
        (("00400040",), "3"), (("00400040", "00080100"), "1"), (("00400040", "00080102"), "1C"),
    ])
    folded = folder.fold(module.rows, None, module.key)
    assert [f if isinstance(f, tuple) else f.tag for f in folded] == [
        "(0010,0010)", "(0040,0039)", (1, code), "(0040,0040)", "(0008,0100)", "(0008,0102)"
    ]
    # A module that adds attributes inside the macro's rows keeps them expanded.
    nested = _placed("n", "Macro", [(("00400039",), "1"), (("00400039", "00080100"), "1")])
    outer = _placed("o", "Module", [(("00400039",), "1"), (("00400039", "00080100"), "1"), (("00400039", "00080102"), "1")])
    assert all(not isinstance(f, tuple) for f in innolitics._Folder([nested]).fold(outer.rows, None, "o"))
    # Inside a macro, only smaller macros are folded (no include cycles).
    assert innolitics._Folder([code]).fold(code.rows, len(code.rows), "other") == list(code.rows)
