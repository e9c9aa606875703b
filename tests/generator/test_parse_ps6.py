"""PS3.6: every edition in ../shared parses, with its row counts pinned."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_codegen import parse_ps6
from dicom_codegen.model import DataElement
from tests.conftest import ps6
from tests.fixtures.docbook import DEFAULT_6_1, part06

# Rows per table, counted from the XML of each edition.
COUNTS = {
    "2013": {"table_6-1": 3722, "table_7-1": 10, "table_8-1": 19, "table_A-1": 348, "table_A-2": 20, "table_A-3": 866},
    "2014a": {"table_6-1": 3804, "table_7-1": 12, "table_8-1": 19, "table_A-1": 353, "table_A-2": 20, "table_A-3": 881},
    "2015b": {"table_6-1": 3879, "table_7-1": 12, "table_8-1": 19, "table_A-1": 358, "table_A-2": 20, "table_A-3": 927},
}


@pytest.mark.parametrize("edition", sorted(COUNTS))
def test_row_counts(edition: str) -> None:
    dictionary = ps6(edition)
    assert dict(dictionary.table_counts) == COUNTS[edition]
    assert dictionary.source.edition == edition
    assert len(dictionary.elements) == sum(
        n for t, n in COUNTS[edition].items() if t[6] in "6789"
    )


def _element(edition: str, tag: str) -> DataElement:
    return next(e for e in ps6(edition).elements if e.tag == tag)


def test_names_and_keywords_lose_zero_width_spaces() -> None:
    element = _element("2015b", "(0008,0005)")
    assert (element.name, element.keyword, element.vrs) == (
        "Specific Character Set",
        "SpecificCharacterSet",
        ("CS",),
    )
    assert element.vm is not None and element.vm.text == "1-n"


def test_multiple_vrs_and_see_note() -> None:
    gray = _element("2015b", "(0028,1200)")
    assert gray.vrs == ("US", "SS", "OW") and gray.retired
    assert gray.vm is not None and gray.vm.text == "1-n or 1"
    item = _element("2015b", "(FFFE,E000)")
    assert item.vrs == () and item.vr_text == "See Note"


def test_dicos_and_diconde_do_not_retire() -> None:
    dictionary = ps6("2015b")
    notes = {e.note for e in dictionary.elements if not e.retired}
    assert {"DICOS", "DICONDE"} <= notes
    assert sum(1 for e in dictionary.elements if e.note == "DICONDE") == 180
    retired_6_1 = [e for e in dictionary.elements if e.retired and e.table == "table_6-1"]
    assert len(retired_6_1) == 433 + 2  # "RET" and "RET - See Note" cells


def test_unnamed_retired_rows_are_kept() -> None:
    element = _element("2015b", "(0028,0020)")
    assert element.retired and element.keyword == "" and element.note == "See Note"


def test_repeating_groups() -> None:
    overlay = _element("2015b", "(60xx,0010)")
    assert (overlay.keyword, overlay.value, overlay.mask) == ("OverlayRows", 0x60000010, 0xFF00FFFF)
    repeating = [e for e in ps6("2015b").elements if e.is_repeating]
    assert len(repeating) == 88


def test_2014a_row_with_omitted_trailing_cell() -> None:
    element = _element("2014a", "(0018,1202)")
    assert element.keyword == "DateTimeOfLastCalibration" and not element.retired


def test_2013_header_without_retirement_column() -> None:
    assert dict(ps6("2013").table_counts)["table_6-1"] == 3722
    assert _element("2013", "(0008,0001)").retired


def test_uids_and_retirement() -> None:
    uids = {u.value: u for u in ps6("2015b").uids}
    assert uids["1.2.840.10008.1.2.2"].retired
    assert uids["1.2.840.10008.5.1.4.1.1.2"].type == "SOP Class"
    assert uids["1.2.840.10008.5.1.4.1.1.2"].keyword == ""  # 2015b prints no keyword column


def test_soft_hyphen_in_2013_uid() -> None:
    assert "1.2.840.10008.3.1.2.3.3" in {u.value for u in ps6("2013").uids}


def test_context_groups_take_the_cid_from_the_olink() -> None:
    groups = ps6("2015b").context_groups
    assert (groups[0].value, groups[0].cid) == ("1.2.840.10008.6.1.1", "2")
    assert sum(1 for g in groups if not g.cid) == 17  # reserved rows left empty


def test_retired_since_edition(tmp_path: Path) -> None:
    rows: list[tuple[str, ...]] = [*DEFAULT_6_1, ("(0018,1000)", "Device Serial Number", "DeviceSerialNumber", "LO", "1", "RET (2025a)")]
    path = tmp_path / "part06.xml"
    path.write_text(part06(rows_6_1=rows), encoding="utf-8")
    element = next(e for e in parse_ps6.parse(path).elements if e.tag == "(0018,1000)")
    assert element.retired and element.retired_since == "2025a"
