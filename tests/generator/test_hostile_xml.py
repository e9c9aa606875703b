"""Hostile and odd standard XML: each crash the mutation fuzzer (test_fuzz_xml.py) found,
as a reproducer, and the all-or-nothing rule of ``generate --out`` under write failures.

Every case ends in one clean message naming the file (and the table, row or line), exit
status 2 from the command line, and the output folder as it was; never a traceback."""

from __future__ import annotations

import copy
import errno
import os
from pathlib import Path

import pytest
from lxml import etree

from dicom_codegen import cli, generate, naming, parse_ps4, parse_ps6
from dicom_codegen.errors import InputError, OutputError
from tests.conftest import mirror_file
from tests.fixtures.docbook import DEFAULT_6_1, part06, write_standard

NS = "{http://docbook.org/ns/docbook}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def _write6(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "part06.xml"
    path.write_text(text, encoding="utf-8")
    return path


def _error6(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_ps6.parse(path)
    assert str(caught.value).startswith(str(path)), caught.value
    return caught.value


# --- an error message that holds rich markup ('[/b]') --------------------------------


def test_an_error_holding_square_brackets_is_printed_as_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = part06(header_6_1=("Tag", "Name", "Keyword", "[/b]", "VM", ""))
    standard = write_standard(tmp_path / "standard", text6=text)
    status = cli.main(["generate", "--standard", str(standard), "--ps6", "2099e", "--out", str(tmp_path / "out"), "-q"])
    assert status == 2
    err = capsys.readouterr().err
    assert "part06.xml, table table_6-1: column 4 is headed '[/b]', expected 'VR'" in err


# --- generate --out: all or nothing when writing fails ----------------------------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture()
def committed(tmp_path: Path) -> tuple[Path, Path]:
    standard = write_standard(tmp_path / "standard")
    out = tmp_path / "work" / "out"
    (out / "dicom_model").mkdir(parents=True)
    (out / "dicom_model" / "tags.py").write_text("# the committed output\n", encoding="utf-8")
    return standard, out


def _generate(standard: Path, out: Path) -> int:
    return cli.main(["generate", "--standard", str(standard), "--ps6", "2099e", "--out", str(out), "-q"])


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (".out.new-", "{out}: not written (No space left on device); left as it was"),
        ("dicom-codegen-format-", "the generated Python could not be written there for formatting: No space left on device"),
    ],
    ids=["staging", "formatting"],
)
def test_a_full_disk_on_the_second_file_leaves_out_as_it_was(
    committed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    where: str, message: str,
) -> None:
    standard, out = committed
    before = _snapshot(out)
    real_open = Path.open
    opened: list[Path] = []

    def full_disk(self: Path, *args: object, **kwargs: object) -> object:
        if where in str(self) and "w" in str(args[0] if args else kwargs.get("mode", "r")):
            opened.append(self)
            if len(opened) == 2:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", full_disk)
    assert _generate(standard, out) == 2
    err = capsys.readouterr().err
    assert "error: " in err and message.format(out=out) in err and "Traceback" not in err
    assert len(opened) == 2 and _snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # no staging left


def test_a_failed_swap_puts_the_old_folder_back(committed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the folders cannot be exchanged in one step (test_write_tree_kill.py covers the
    exchange), the old one is renamed aside, and put back if the new one cannot follow."""
    standard, out = committed
    before = _snapshot(out)
    real_rename = os.rename
    monkeypatch.setattr(generate, "exchange", lambda first, second: False)

    def rename(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        if ".out.new-" in str(source):
            raise OSError(errno.EIO, "Input/output error")
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OutputError, match="Input/output error"):
        generate.write_tree(out, {"dicom_model/tags.py": "# new\n", "dicom_model/uids.py": "# new\n"})
    assert _snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


def test_an_out_folder_that_cannot_be_made_is_one_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard = write_standard(tmp_path / "standard")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert _generate(standard, blocker / "out") == 2
    err = capsys.readouterr().err
    assert f"error: {blocker / 'out'}: cannot write beside it:" in err and "Traceback" not in err


# --- colspan / rowspan that are not whole numbers (ValueError from int()) ---------------


@pytest.mark.parametrize("value", ["1.5", "x", "-1", "", "1000001"])
@pytest.mark.parametrize("name", ["colspan", "rowspan"])
def test_a_span_that_is_no_whole_number_is_named(tmp_path: Path, name: str, value: str) -> None:
    # a row without its last (empty) cell: the table's rows differ in width, so spans are read
    rows = [DEFAULT_6_1[0], DEFAULT_6_1[1], ("(0010,0020)", "Patient ID", "PatientID", "LO", "1")]
    text = part06(rows_6_1=rows)
    at = text.index("<td><para>(0010,0010)")
    text = text[:at] + f'<td {name}="{value}"><para>(0010,0010)' + text[at + len("<td><para>(0010,0010)"):]
    error = _error6(_write6(tmp_path, text))
    assert (error.table, error.row) == ("table_6-1", 2)
    assert error.line is not None and error.line > 1
    assert error.reason == f"{name} {value!r} is not a whole number up to 1000"


def test_a_header_span_that_is_no_number_is_named(tmp_path: Path) -> None:
    text = part06().replace("<th><para>VR</para></th>", '<th colspan="two"><para>VR</para></th>', 1)
    error = _error6(_write6(tmp_path, text))
    assert error.table == "table_6-1" and error.row is None
    assert error.reason == "colspan 'two' is not a whole number up to 1000"


def test_spans_that_are_numbers_read_as_before(tmp_path: Path) -> None:
    text = part06().replace("<td><para>(0010,0010)", '<td rowspan=" 1 " colspan="0"><para>(0010,0010)', 1)
    dictionary = parse_ps6.parse(_write6(tmp_path, text))
    assert "(0010,0010)" in {e.tag for e in dictionary.elements}


# --- keywords that are Python keywords (generated Python that does not parse) ----------


@pytest.mark.parametrize("keyword", ["class", "None", "def"])
def test_a_keyword_that_is_a_python_keyword_is_refused(tmp_path: Path, keyword: str) -> None:
    rows = [DEFAULT_6_1[0], ("(0010,0020)", "Patient ID", keyword, "LO", "1", "")]
    error = _error6(_write6(tmp_path, part06(rows_6_1=rows)))
    assert (error.table, error.row) == ("table_6-1", 2)
    assert error.reason == f"(0010,0020): keyword {keyword!r} is not an identifier (a Python keyword)"


def test_a_uid_named_as_a_python_keyword_gets_a_keyword_that_is_none(tmp_path: Path) -> None:
    assert naming.derive_uid_keyword("class SOP Class", "SOP Class") == "class_"
    assert naming.derive_uid_keyword("None", "Transfer Syntax") == "None_"
    uids = [("1.2.840.10008.1.1", "Verification SOP Class", "SOP Class", ""), ("1.2.840.10008.1.2", "None", "Transfer Syntax", "")]
    standard = write_standard(tmp_path / "standard", text6=part06(uids=uids))
    out = tmp_path / "out"
    assert cli.main(["generate", "--standard", str(standard), "--ps6", "2099e", "--out", str(out), "-q"]) == 0
    assert "None_" in (out / "dicom_model" / "uids.py").read_text(encoding="utf-8")


# --- PS3.4 rows with too few cells (IndexError) and a SOP class without a name --------


@pytest.fixture(scope="module")
def ps4_root() -> etree._Element:
    return etree.parse(str(mirror_file("2020c", 4)), etree.XMLParser(huge_tree=True)).getroot()


def _ps4_error(tmp_path: Path, root: etree._Element) -> InputError:
    path = tmp_path / "part04.xml"
    path.write_bytes(etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8"))
    with pytest.raises(InputError) as caught:
        parse_ps4.parse(path)
    assert str(caught.value).startswith(str(path)), caught.value
    return caught.value


def _rows(root: etree._Element, table_id: str) -> list[etree._Element]:
    table = next(t for t in root.iter(NS + "table") if t.get(XML_ID) == table_id)
    return table.findall(f"{NS}tbody/{NS}tr")


@pytest.mark.parametrize(
    ("table_id", "row", "keep", "reason"),
    [
        ("table_F.7.1-1", 1, 0, "0 cells, expected at least 1"),  # a DIMSE Service Group table
        ("table_H.3.2.2.1-1", 1, 0, "0 cells, expected at least 1"),  # a Meta SOP class's members
        ("table_C.6-1", 4, 0, "0 cells, expected at least 1"),  # query keys
        ("table_K.6-1", 4, 3, "3 cells, expected at least 5"),  # worklist keys
        ("table_B.5-1", 1, 0, "0 cells, expected at least 2"),  # SOP classes (an error before too)
    ],
)
def test_a_ps4_row_with_too_few_cells_is_named(
    tmp_path: Path, ps4_root: etree._Element, table_id: str, row: int, keep: int, reason: str
) -> None:
    root = copy.deepcopy(ps4_root)
    tr = _rows(root, table_id)[row - 1]
    for cell in list(tr)[keep:]:
        tr.remove(cell)
    error = _ps4_error(tmp_path, root)
    assert (error.table, error.row, error.reason) == (table_id, row, reason)


def test_a_sop_class_row_without_a_name_is_named(tmp_path: Path, ps4_root: etree._Element) -> None:
    root = copy.deepcopy(ps4_root)
    name = _rows(root, "table_II.6.1.4-1")[2][0]
    for child in list(name):
        name.remove(child)
    error = _ps4_error(tmp_path, root)
    assert (error.table, error.row) == ("table_II.6.1.4-1", 3)
    assert error.reason == "no SOP Class Name (the cell reads '')"


# --- entities, DOCTYPEs, encodings -----------------------------------------------------


_LAUGHS = "<!DOCTYPE book [<!ENTITY a0 'lol'>" + "".join(
    f"<!ENTITY a{i} '{('&a%d;' % (i - 1)) * 10}'>" for i in range(1, 12)
) + "]>"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda t: t.replace("<book", _LAUGHS + "<book", 1).replace("Patient's Name", "&a11;").encode(), "amplification"),
        (lambda t: t.replace("Patient's Name", "&nbsp;").encode(), "Entity 'nbsp' not defined"),
        (lambda t: t.replace("Patient's Name", "Patient\xe9s Name").replace("\u200b", "").encode("latin-1"), "Invalid bytes"),
        (lambda t: b"", "Document is empty"),
        (lambda t: b"PK\x03\x04 a zip, not XML", "Start tag expected"),
        (lambda t: t.replace("Patient's Name", "<phrase>" * 5000 + "</phrase>" * 5000).encode(), "Excessive depth"),
    ],
    ids=["billion-laughs", "html-entity", "latin-1", "empty", "not-xml", "deep"],
)
def test_unreadable_bytes_are_one_error_with_the_line(tmp_path: Path, change: object, reason: str) -> None:
    path = tmp_path / "part06.xml"
    path.write_bytes(change(part06()))  # type: ignore[operator]
    error = _error6(path)
    assert error.reason.startswith("not well-formed XML") and reason in error.reason
    assert error.line is not None


def test_an_external_entity_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    text = part06().replace("<book", f"<!DOCTYPE book [<!ENTITY x SYSTEM '{secret.as_uri()}'>]><book", 1)
    dictionary = parse_ps6.parse(_write6(tmp_path, text.replace("Patient's Name", "&x;")))
    assert not any("TOP-SECRET" in e.name for e in dictionary.elements)
