"""docbook.py: spans, text clean-up, part and edition detection."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from dicom_codegen import docbook
from dicom_codegen.errors import InputError
from tests.fixtures.docbook import part06

NS = 'xmlns="http://docbook.org/ns/docbook"'


def _table(body: str) -> etree._Element:
    return etree.fromstring(f"<table {NS}><tbody>{body}</tbody></table>")


def test_rowspan_and_colspan_resolve_to_a_grid() -> None:
    table = _table(
        "<tr><td rowspan='2'><para>IE</para></td><td><para>A</para></td><td><para>M</para></td></tr>"
        "<tr><td colspan='2'><para>B</para></td></tr>"
        "<tr><td><para>x</para></td><td><para>y</para></td><td><para>z</para></td></tr>"
    )
    rows = docbook.grid_rows(table)
    assert [list(r.texts) for r in rows] == [["IE", "A", "M"], ["IE", "B", "B"], ["x", "y", "z"]]
    assert [r.number for r in rows] == [1, 2, 3]


def test_text_removes_zero_width_spaces_and_soft_hyphens() -> None:
    cell = etree.fromstring(f"<td {NS}><para>Patient\u200bName 1.\u00ad2  x</para></td>")
    assert docbook.text_of(cell) == "PatientName 1.2 x"


def test_load_reads_part_and_edition(tmp_path: Path) -> None:
    path = tmp_path / "part06.xml"
    path.write_text(part06(edition="2031a"), encoding="utf-8")
    doc = docbook.load(path, 6)
    assert (doc.part, doc.edition) == (6, "2031a")
    assert doc.has_table("table_6-1")
    assert len(doc.sha256) == 64


def test_load_rejects_the_wrong_part(tmp_path: Path) -> None:
    path = tmp_path / "part06.xml"
    path.write_text(part06(), encoding="utf-8")
    with pytest.raises(InputError, match="wrong part: this is PS3.6, expected PS3.4"):
        docbook.load(path, 4)


def test_repeated_xml_ids_are_accepted(tmp_path: Path) -> None:
    text = part06().replace("<title>PS3.6</title>", '<title>PS3.6</title><para xml:id="p1"/><para xml:id="p1"/>')
    path = tmp_path / "part06.xml"
    path.write_text(text, encoding="utf-8")
    assert docbook.load(path, 6).has_table("table_A-1")
