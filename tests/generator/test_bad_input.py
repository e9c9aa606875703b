"""Bad input: one clear InputError naming file, table and row; exit 2; nothing lost."""

from __future__ import annotations

import re

from pathlib import Path

import pytest

from dicom_codegen import cli, parse_ps6, parse_ps7
from dicom_codegen.errors import InputError
from tests.conftest import mirror_file
from tests.fixtures.docbook import DEFAULT_6_1, part06, part07, write_standard

GOOD_ROW = DEFAULT_6_1[1]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "part06.xml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_ps6.parse(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    return caught.value


def test_missing_file(tmp_path: Path) -> None:
    error = _error(tmp_path / "part06.xml")
    assert error.reason == "file not found"


def test_not_docbook(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "<html><body>PS3.6</body></html>"))
    assert "not a DocBook 5 book" in error.reason


def test_wrong_part(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, part07()))
    assert error.reason == "wrong part: this is PS3.7, expected PS3.6"


def test_truncated_xml_gives_the_line(tmp_path: Path) -> None:
    data = mirror_file("2015b", 6).read_bytes()
    path = tmp_path / "part06.xml"
    path.write_bytes(data[: len(data) // 2])
    error = _error(path)
    assert error.reason.startswith("not well-formed XML")
    assert error.line is not None and error.line > 1000
    # the line is said once, by the error, not again by lxml's reason (", line N, column M")
    assert str(error).count(f"line {error.line}") == 1, str(error)
    assert re.search(r", column \d+$", error.reason), error.reason


def test_invalid_xml(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, part06().replace("</caption>", "</captio>", 1)))
    assert error.reason.startswith("not well-formed XML") and error.line is not None


@pytest.mark.parametrize("table_id", ["table_6-1", "table_7-1", "table_A-1", "table_A-3"])
def test_missing_table(tmp_path: Path, table_id: str) -> None:
    error = _error(_write(tmp_path, part06(omit=(table_id,))))
    assert (error.table, error.reason) == (table_id, "table not found")


def test_unexpected_column_count(tmp_path: Path) -> None:
    text = part06(header_6_1=("Tag", "Name", "VR", "VM"), rows_6_1=[GOOD_ROW[:4]])
    error = _error(_write(tmp_path, text))
    assert error.table == "table_6-1" and "unexpected column count 4" in error.reason


def test_unexpected_column_heading(tmp_path: Path) -> None:
    text = part06(header_6_1=("Tag", "Name", "Keyword", "VM", "VR", ""))
    error = _error(_write(tmp_path, text))
    assert "column 4 is headed 'VM', expected 'VR'" in error.reason


def test_row_with_too_many_cells(tmp_path: Path) -> None:
    rows = [GOOD_ROW, GOOD_ROW[:1] + ("(0010,0020)",) + GOOD_ROW[2:] + ("extra",)]
    rows = [GOOD_ROW, ("(0010,0020)", "Patient ID", "PatientID", "LO", "1", "", "extra")]
    error = _error(_write(tmp_path, part06(rows_6_1=rows)))
    assert (error.table, error.row) == ("table_6-1", 2)
    assert "7 cells in a table of 6 columns" in error.reason


def test_unknown_vr_token(tmp_path: Path) -> None:
    rows = [GOOD_ROW, ("(0010,0020)", "Patient ID", "PatientID", "LO or XY", "1", "")]
    error = _error(_write(tmp_path, part06(rows_6_1=rows)))
    assert (error.table, error.row) == ("table_6-1", 2)
    assert error.reason == "(0010,0020): unknown VR token 'XY' in 'LO or XY'"


def test_unreadable_vm(tmp_path: Path) -> None:
    rows = [("(0010,0020)", "Patient ID", "PatientID", "LO", "one", "")]
    error = _error(_write(tmp_path, part06(rows_6_1=rows)))
    assert (error.row, error.reason) == (1, "(0010,0020): unreadable VM 'one'")


def test_unreadable_tag(tmp_path: Path) -> None:
    rows = [GOOD_ROW, ("0010,0020", "Patient ID", "PatientID", "LO", "1", "")]
    error = _error(_write(tmp_path, part06(rows_6_1=rows)))
    assert (error.row, error.reason) == (2, "unreadable tag '0010,0020'")


def test_duplicated_tag(tmp_path: Path) -> None:
    rows = [GOOD_ROW, ("(0008,0005)", "x", "X", "CS", "1", ""), GOOD_ROW]
    error = _error(_write(tmp_path, part06(rows_6_1=rows)))
    assert (error.table, error.row) == ("table_6-1", 3)
    assert error.reason == "duplicated tag (0010,0010) (first listed in table_6-1 row 1)"


def test_duplicated_uid(tmp_path: Path) -> None:
    uids = [("1.2.3", "A", "SOP Class", ""), ("1.2.3", "B", "SOP Class", "")]
    error = _error(_write(tmp_path, part06(uids=uids)))
    assert (error.table, error.row) == ("table_A-1", 2)


def test_ps7_wrong_group(tmp_path: Path) -> None:
    path = tmp_path / "part07.xml"
    path.write_text(part07().replace("(0000,0100)", "(0008,0100)"), encoding="utf-8")
    with pytest.raises(InputError, match=r"table table_E.1-1, row 2: \(0008,0100\) is not a command"):
        parse_ps7.parse(path)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "text",
    [
        part06(rows_6_1=[GOOD_ROW, GOOD_ROW]),
        part06(omit=("table_A-1",)),
        part06()[:500],
        part07(),
    ],
    ids=["duplicate", "missing-table", "truncated", "wrong-part"],
)
def test_cli_exits_2_and_leaves_output_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    standard = write_standard(tmp_path / "standard", text6=text)
    out = tmp_path / "out"
    (out / "dicom_model").mkdir(parents=True)
    (out / "dicom_model" / "tags.py").write_text("# the committed output\n")
    before = _snapshot(out)
    status = cli.main(["generate", "--standard", str(standard), "--ps6", "2099e", "--out", str(out), "-q"])
    assert status == 2
    stderr = capsys.readouterr().err
    assert "error:" in stderr and "part06.xml" in stderr
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "standard"]  # no staging left
