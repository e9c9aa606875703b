"""Enumerated Values and Defined Terms of single values, of the sections a description
refers to, and cross-references kept in description text (issues #13, #15)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from dicom_codegen import parse_ps3, passes
from dicom_codegen.docbook import link_text, text_with_links
from dicom_codegen.filters import attribute_line
from dicom_codegen.model import AttributeRow, ClassField, InformationObjects, Model
from dicom_runtime.attribute_table import attribute_table
from tests.conftest import mirror_file, ps6

#: A CT Image Module subsection as the complete PS3.3 has it (the excerpt lacks
#: sect_C.8.2.1.1.1, which the Image Type row refers to), with every per-value form.
_IMAGE_TYPE_SECTION = """
<section label="C.8.2.1.1.1" xml:id="sect_C.8.2.1.1.1">
  <title>Image Type</title>
  <para>For CT Images, Image Type (0008,0008) is specified to be Type 1.</para>
  <variablelist><title>Enumerated Values for Value 1:</title>
    <varlistentry><term>ORIGINAL</term><listitem><para/></listitem></varlistentry>
    <varlistentry><term>DERIVED</term><listitem><para/></listitem></varlistentry>
  </variablelist>
  <variablelist><title>Value 2 Enumerated Values:</title>
    <varlistentry><term>PRIMARY</term><listitem><para/></listitem></varlistentry>
    <varlistentry><term>SECONDARY</term><listitem><para/></listitem></varlistentry>
  </variablelist>
  <para>Value 3 shall identify the image set.</para>
  <variablelist><title>Defined Terms:</title>
    <varlistentry><term>AXIAL</term><listitem><para/></listitem></varlistentry>
    <varlistentry><term>LOCALIZER</term><listitem><para/></listitem></varlistentry>
  </variablelist>
  <variablelist><title>Defined Terms for Strain Nomenclature (0010,0213):</title>
    <varlistentry><term>NOT_THIS_ONE</term><listitem><para/></listitem></varlistentry>
  </variablelist>
</section>
"""


def _with_section(tmp: Path) -> Path:
    text = mirror_file("2016c", 3).read_text(encoding="utf-8")
    marker = '<section label="C.8.8.3.4.1"'
    assert text.count(marker) == 1 and 'xml:id="sect_C.8.2.1.1.1"' not in text
    path = tmp / "part03.xml"
    path.write_text(text.replace(marker, _IMAGE_TYPE_SECTION + marker, 1), encoding="utf-8")
    return path


@cache
def _excerpt() -> InformationObjects:
    return parse_ps3.parse(mirror_file("2016c", 3))


def _row(objects: InformationObjects, table: str, name: str) -> AttributeRow:
    return next(r for t in objects.tables if t.table == table for r in t.rows if r.name == name)


def test_per_value_lists_of_a_referenced_section_are_kept_by_value(tmp_path: Path) -> None:
    objects = parse_ps3.parse(_with_section(tmp_path))
    image_type = _row(objects, "table_C.8-3", "Image Type")
    assert image_type.value_enumerations == ((1, ("ORIGINAL", "DERIVED")), (2, ("PRIMARY", "SECONDARY")))
    assert image_type.value_defined_terms == ((3, ("AXIAL", "LOCALIZER")),)
    assert image_type.enumerated_values == () and image_type.defined_terms == ()  # none for every value
    # without the section (the excerpt as it is) there is nothing to read
    assert _row(_excerpt(), "table_C.8-3", "Image Type").value_enumerations == ()


def test_see_section_references_are_followed_by_xml_id() -> None:
    """RT Dose Module rows name their constraints in C.8.8.3.4.x, which the excerpt has."""
    rows = {name: _row(_excerpt(), "table_C.8-39", name) for name in ("Samples per Pixel", "Photometric Interpretation", "Bits Allocated")}
    assert rows["Samples per Pixel"].enumerated_values == ("1",)
    assert rows["Photometric Interpretation"].enumerated_values == ("MONOCHROME2",)
    assert rows["Bits Allocated"].enumerated_values == ("16", "32")
    # "See Section C.11.1.1.2 for Defined Terms" (Modality LUT and Rescale Type)
    assert _row(_excerpt(), "table_C.8-3", "Rescale Type").defined_terms == ("OD", "HU", "US")
    # a module's section that is referred to is not read as one attribute's
    assert all(
        not r.enumerated_values or "Enumerated Values" in r.description
        for t in _excerpt().tables
        for r in t.rows
        if "See Section C.7.6.1 " in r.description
    )


def test_descriptions_keep_their_cross_references() -> None:
    image_type = _row(_excerpt(), "table_C.8-3", "Image Type")
    assert image_type.description == "Image identification characteristics. See Section C.8.2.1.1.1 for specialization."
    assert not any(" See for " in r.description or " See ." in r.description for t in _excerpt().tables for r in t.rows)
    cell = etree.fromstring(
        '<para xmlns="http://docbook.org/ns/docbook">See <xref linkend="table_C.7-1"/>, '
        '<olink targetdoc="PS3.6" targetptr="sect_6"/> and (<xref linkend="biblio_IEC"/>).</para>'
    )
    assert text_with_links(cell) == "See Table C.7-1, PS3.6 Section 6 and ([IEC])."
    assert link_text(etree.fromstring('<xref xmlns="http://docbook.org/ns/docbook" linkend="x">its own</xref>')) == "its own"


def _field(tmp_path: Path, keyword: str) -> tuple[ClassField, str]:
    objects = parse_ps3.parse(_with_section(tmp_path))
    model = passes.run(Model(dictionary=ps6("2015b"), objects=objects))
    assert model.objects is not None
    ct = next(c for c in model.objects.classes if c.name == "CTImageModule")
    field = next(f for f in ct.fields if f.keyword == keyword)
    return field, attribute_line(field, False)


def test_per_value_enumerations_reach_the_attribute_table_and_the_runtime(tmp_path: Path) -> None:
    field, line = _field(tmp_path, "ImageType")
    assert field.python_type == "MultiValued[str]"  # VM 2-n: not a fixed number of values
    assert line.split("\t")[9] == "1=ORIGINAL\\DERIVED;2=PRIMARY\\SECONDARY"
    (spec,) = attribute_table(line, "PS3.3 2016c Table ")
    assert spec.value_enumerated == ((1, ("ORIGINAL", "DERIVED")), (2, ("PRIMARY", "SECONDARY")))
    # a line without them keeps nine fields, as before
    rotation, rotation_line = _field(tmp_path, "RotationDirection")
    assert rotation_line.count("\t") == 8 and rotation.python_type == 'Literal["CW", "CC"]'


def test_a_fixed_number_of_values_is_typed_value_by_value() -> None:
    builder_model = passes.run(Model(dictionary=ps6("2015b"), objects=_excerpt()))
    assert builder_model.objects is not None
    from dicom_codegen.passes_objects import _Builder

    builder = _Builder(builder_model)
    row = AttributeRow(
        "Series Type", "(0054,1000)", 0x00541000, 0xFFFFFFFF, 0, "1", "", (), (), "", 1,
        value_enumerations=((1, ("STATIC", "DYNAMIC")), (2, ("IMAGE", "REPROJECTION"))),
    )
    assert builder.value_type(("CS",), "2", row) == 'tuple[Literal["STATIC", "DYNAMIC"], Literal["IMAGE", "REPROJECTION"]]'
    partly = AttributeRow(
        "Series Type", "(0054,1000)", 0x00541000, 0xFFFFFFFF, 0, "1", "", (), (), "", 1,
        value_defined_terms=((2, ("IMAGE",)),),
    )
    assert builder.value_type(("CS",), "3", partly) == 'tuple[str, Literal["IMAGE"] | str, str]'
    assert builder.value_type(("CS",), "2-n", row) == "MultiValued[str]"


def test_constraints_stated_in_sentences_are_read() -> None:
    """'This value shall be 12 or16.' (sic), 'shall have a value of 1', 'shall be one less
    than the value in Bits Stored', 'shall be equal to Bits Allocated' (RT Dose C.8.8.3.4.4)."""
    enhanced = {r.name: r for t in _excerpt().tables if t.table == "table_C.8-114" for r in t.rows}
    assert enhanced["Samples per Pixel"].enumerated_values == ("1",)
    assert enhanced["Bits Allocated"].enumerated_values == ("16",)
    assert enhanced["Bits Stored"].enumerated_values == ("12", "16")
    assert enhanced["High Bit"].relations == (("(0028,0101)", -1),)
    assert _row(_excerpt(), "table_C.7-11b", "High Bit").relations == (("(0028,0101)", -1),)
    assert _row(_excerpt(), "table_C.8-39", "Bits Stored").relations == (("(0028,0100)", 0),)
    # "Bits Allocated (0028,0100) shall be either 1, or a multiple of 8": no list of values
    assert _row(_excerpt(), "table_C.7-11b", "Bits Allocated").enumerated_values == ()
    # another attribute's sentence is not this one's
    terms = parse_ps3._Terms()
    terms.read_text("Rows (0028,0010) shall be equal to Columns (0028,0011).", "(0028,0011)")
    assert terms.relations == []


def test_enumerated_values_of_a_value_given_by_a_table() -> None:
    """C.8.16.1.1: 'Value 1 of Image Type (0008,0008) and Frame Type (0008,9007) shall use one
    of the following Enumerated Values from Table C.8-127' (found by xml:id)."""
    image_type = _row(_excerpt(), "table_C.8-114", "Image Type")
    assert image_type.value_enumerations == ((1, ("ORIGINAL", "DERIVED", "MIXED")),)
    frame_type = _row(_excerpt(), "table_C.8-117", "Frame Type")
    assert frame_type.value_enumerations == ((1, ("ORIGINAL", "DERIVED", "MIXED")),)


def test_enumerated_values_of_a_bit_fields_bits_are_not_the_values() -> None:
    """C.8.5.5.1.3: Region Flags (0018,6016), a UL bit field, has "Enumerated Values for
    Bit 0 (lsb):" 0 and 1, "for Bit 3-4 ...:" 00, 01, 10: those are bits, so the value 3
    (bits 0 and 1 set, pydicom's examples_palette.dcm) is not outside any enumeration."""
    section = etree.fromstring(
        '<section xmlns="http://docbook.org/ns/docbook"><title>Region Flags</title>'
        "<para>Bit 0 of the Region Flags specifies the relative priority ...</para>"
        "<variablelist><title>Enumerated Values for Bit 0 (lsb):</title>"
        "<varlistentry><term>0</term><listitem><para>high priority</para></listitem></varlistentry>"
        "<varlistentry><term>1</term><listitem><para>low priority</para></listitem></varlistentry></variablelist>"
        "<variablelist><title>Enumerated Values for Bit 3-4 Scrolling Region:</title>"
        "<varlistentry><term>00</term><listitem><para>not scrolling</para></listitem></varlistentry>"
        "<varlistentry><term>01</term><listitem><para>scrolling</para></listitem></varlistentry></variablelist>"
        "<variablelist><title>Enumerated Values:</title>"
        "<varlistentry><term>0000H</term><listitem><para>None</para></listitem></varlistentry></variablelist>"
        "</section>"
    )
    terms = parse_ps3._Terms()
    terms.read(section, "(0018,6016)")
    assert terms.enumerated == {0: ["0000H"]}  # the list of the value itself is still read
