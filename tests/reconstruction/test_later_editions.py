"""Forms of later editions that the parsers read (small hand-written DocBook files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_codegen import docbook, parse_ps3, parse_ps6
from dicom_codegen.errors import InputError
from dicom_codegen.parse_elements import parse_vrs
from tests.reconstruction.sources import SourceMissing, highdicom_dir, innolitics_dir

_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<book xmlns="http://docbook.org/ns/docbook" label="PS3.{part}">'


def _book(tmp_path: Path, part: int, subtitle: str, body: str) -> Path:
    path = tmp_path / f"part{part:02d}.xml"
    path.write_text(
        _HEAD.format(part=part) + f"<title>PS3.{part}</title><subtitle>{subtitle}</subtitle>{body}</book>",
        encoding="utf-8",
    )
    return path


def _row(*cells: str) -> str:
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _head(*names: str) -> str:
    return "<thead><tr>" + "".join(f"<th><para>{n}</para></th>" for n in names) + "</tr></thead>"


def test_vr_see_note_numbered() -> None:
    assert parse_vrs("See Note 2") == ()
    assert parse_vrs("See Note") == ()
    assert parse_vrs("OV") == ("OV",) and parse_vrs("SV or UV") == ("SV", "UV")
    assert parse_vrs("See Table 2") is None


def test_adjacent_paragraphs_read_with_a_space(tmp_path: Path) -> None:
    cell = "<para>Sex.</para><para>See <emphasis>it</emphasis>.</para><variablelist><title>Enumerated Values:</title>" \
        "<varlistentry><term>M</term><listitem><para>male</para></listitem></varlistentry></variablelist>"
    path = _book(tmp_path, 3, "DICOM PS3.3 2024c - Information Object Definitions",
                 '<chapter label="C" xml:id="chapter_C"><section label="C.1" xml:id="sect_C.1"><title>X</title>'
                 '<table xml:id="table_C.1-1"><caption>X Module Attributes</caption>'
                 + _head("Attribute Name", "Tag", "Type", "Attribute Description")
                 + "<tbody>" + _row("<para>Patient's Sex</para>", "<para>(0010,0040)</para>", "<para>2</para>", cell)
                 + _row("<para>Name</para>", "<para>(0010,0010)</para>", "<para>2</para>", "Text<para>after</para>")
                 + "</tbody></table></section></chapter>")
    doc = docbook.load(path, 3)
    assert doc.edition == "2024c"
    rows = docbook.grid_rows(doc.table("table_C.1-1"))
    assert rows[0].texts[3] == "Sex. See it. Enumerated Values: M male"
    assert rows[1].texts[3] == "Text after"


def test_edition_with_any_letter(tmp_path: Path) -> None:
    path = _book(tmp_path, 3, "DICOM PS3.3 2020x - Information Object Definitions", "")
    assert docbook.load(path, 3).edition == "2020x"
    assert parse_ps3.parse(path).iods == ()


def _ps6(tmp_path: Path, uid_header: tuple[str, ...], uid_row: tuple[str, ...], vr: str) -> Path:
    registry = _head("Tag", "Name", "Keyword", "VR", "VM", "")
    element = _row("<para>(FFFE,E000)</para>", "<para>Item</para>", "<para>Item</para>", f"<para>{vr}</para>",
                   "<para>1</para>", "<para/>")
    body = "".join(
        f'<table xml:id="table_{n}-1"><caption>T</caption>{registry}<tbody>{element if n == 6 else ""}</tbody></table>'
        for n in (6, 7, 8)
    )
    uids = f'<table xml:id="table_A-1"><caption>UIDs</caption>{_head(*uid_header)}<tbody>' \
        + _row(*(f"<para>{c}</para>" for c in uid_row)) + "</tbody></table>"
    others = '<table xml:id="table_A-2"><caption>F</caption>' + _head("UID Value", "UID Name", "Normative Reference") \
        + '<tbody/></table><table xml:id="table_A-3"><caption>C</caption>' \
        + _head("Context UID", "Context Identifier", "Context Group Name") + "<tbody/></table>"
    return _book(tmp_path, 6, "DICOM PS3.6 2024c - Data Dictionary",
                 f'<chapter label="6" xml:id="chapter_6">{body}</chapter><chapter label="A" xml:id="chapter_A">{uids}{others}</chapter>')


def test_ps6_keyword_column_and_see_note_2(tmp_path: Path) -> None:
    path = _ps6(tmp_path, ("UID Value", "UID Name", "UID Keyword", "UID Type", "Part"),
                ("1.2.840.10008.1.\u200b1", "Verification SOP Class", "Verifi\u200bcation", "SOP Class", "PS3.4"), "See Note 2")
    dictionary = parse_ps6.parse(path)
    assert [(e.tag, e.vrs, e.vr_text) for e in dictionary.elements] == [("(FFFE,E000)", (), "See Note 2")]
    assert [(u.value, u.keyword) for u in dictionary.uids] == [("1.2.840.10008.1.1", "Verification")]


def test_ps6_unknown_vr_names_file_table_and_row(tmp_path: Path) -> None:
    path = _ps6(tmp_path, ("UID Value", "UID Name", "UID Type", "Part"),
                ("1.2.840.10008.1.1", "Verification SOP Class", "SOP Class", "PS3.4"), "ZZ")
    with pytest.raises(InputError) as caught:
        parse_ps6.parse(path)
    assert (caught.value.table, caught.value.row) == ("table_6-1", 1)
    assert str(path) in str(caught.value) and "unknown VR token 'ZZ'" in str(caught.value)


def test_missing_transcriptions_name_their_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata
    import sys

    def absent(name: str) -> importlib.metadata.Distribution:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", absent)
    monkeypatch.setattr(sys, "prefix", "/nonexistent")
    monkeypatch.setattr(sys, "base_prefix", "/nonexistent")
    with pytest.raises(SourceMissing, match=r"dicom-standard==0\.1\.0"):
        innolitics_dir()
    with pytest.raises(SourceMissing, match=r"highdicom==0\.28\.2"):
        highdicom_dir()
