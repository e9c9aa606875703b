"""Value checks of PS3.5 that errors() makes and dciodvfy makes too: IS length and range,
DS without NaN or infinity, integer VR ranges (PS3.5 Table 6.2-1); and a write that cannot
encode a value names the file and the attribute.

Each case is an instance built with the generated classes, its errors(), and the file
written with ``validate=False`` that dciodvfy is asked about."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dicom_model.iods.ct_image import CTImage
from dicom_runtime.errors import DicomEncodeError
from dicom_runtime.objects import DicomObject
from dicom_runtime.typed import ValidationFailed, read, write
from tests.test_iod_classes import _ct


def _rules(obj: DicomObject, path: str) -> list[tuple[str, str]]:
    return [(f.rule, f.message) for f in obj.errors() if f.path == path]


def _dciodvfy(path: Path) -> str:
    tool = shutil.which("dciodvfy")
    if tool is None:
        pytest.fail("dciodvfy is missing: bash .ci/install installs dicom3tools")
    result = subprocess.run([tool, str(path)], capture_output=True, text=True, errors="replace", timeout=120)
    return result.stdout + result.stderr


def test_an_integer_string_longer_than_12_or_outside_32_bits(tmp_path: Path) -> None:
    image = _ct(InstanceNumber=2**40)
    assert _rules(image, "InstanceNumber") == [
        ("vr-length", "'1099511627776' has 13 characters; VR IS allows 12 (PS3.5 Table 6.2-1)"),
        ("vr-range", "1099511627776 is outside the range of VR IS, -2147483648..2147483647 (PS3.5 Table 6.2-1)"),
    ]
    write(image, tmp_path / "is.dcm", validate=False)
    said = _dciodvfy(tmp_path / "is.dcm")
    assert "Instance Number" in said and "Length invalid for this VR = 13" in said and "Range invalid" in said
    # the bounds themselves are values of IS: 11 characters each at most
    assert _rules(_ct(InstanceNumber=2**31 - 1), "InstanceNumber") == []
    assert _rules(_ct(InstanceNumber=-(2**31)), "InstanceNumber") == []
    assert [r for r, _ in _rules(_ct(InstanceNumber=2**31), "InstanceNumber")] == ["vr-range"]
    with pytest.raises(ValidationFailed) as refused:
        write(image, tmp_path / "refused.dcm")
    assert "InstanceNumber" in str(refused.value) and not (tmp_path / "refused.dcm").exists()


def test_an_integer_string_read_as_text(tmp_path: Path) -> None:
    """IS text read from a file: its characters and range (PS3.5 Table 6.2-1)."""
    from dicom_runtime.vr_format import problem

    assert problem("IS", " +12 ") is None
    assert problem("IS", "1 2") == "'1 2' is not an integer string (0-9 with an optional leading + or -)"
    assert problem("IS", "1.5") is not None
    assert problem("IS", "2147483648") == "2147483648 is outside the range of VR IS, -2147483648..2147483647"
    assert problem("DS", " -1.5e-3 ") is None and problem("DS", ".5") is None and problem("DS", "5.") is None
    assert problem("DS", "nan") is not None and problem("DS", "inf") is not None and problem("DS", "1,5") is not None


@pytest.mark.parametrize(("keyword", "value", "shown"), [("SliceThickness", float("nan"), "nan"), ("RescaleSlope", float("inf"), "inf")])
def test_a_decimal_string_is_never_nan_or_infinite(tmp_path: Path, keyword: str, value: float, shown: str) -> None:
    image = _ct(**{keyword: value})
    assert _rules(image, keyword) == [
        ("vr-format", f"{shown} is not a decimal string: DS has no NaN or infinity (0-9, + - E e and . only) (PS3.5 Table 6.2-1)")
    ]
    path = tmp_path / "ds.dcm"
    with pytest.raises(DicomEncodeError) as refused:
        write(image, path, validate=False)  # was written as "nan" / "inf", which dciodvfy refuses
    assert str(refused.value) == (
        f"{path}: ({'0018,0050' if keyword == 'SliceThickness' else '0028,1053'}) {keyword}: "
        f"DS value {shown} is not a decimal string: DS has no NaN or infinity (PS3.5 Table 6.2-1)"
    )
    assert not path.exists()


def test_a_nan_read_from_a_file_is_reported_and_written_back_as_read(tmp_path: Path) -> None:
    from dicom_runtime.dataset import DataElement
    from dicom_runtime.fileformat import read_file, write_file

    source = tmp_path / "source.dcm"
    write(_ct(), source)
    dataset = read_file(source).dataset
    dataset[0x00180050] = DataElement(0x00180050, "DS", "nan")
    write_file(source, dataset)
    assert "Slice Thickness  DS [1] = <nan> - Character invalid for this VR" in _dciodvfy(source)
    image = read(source, CTImage)
    assert [r for r, _ in _rules(image, "SliceThickness")] == ["vr-format"]
    write(image, tmp_path / "copy.dcm", validate=False)  # unchanged: its bytes as read
    assert read_file(tmp_path / "copy.dcm").dataset.value(0x00180050) == "nan"


@pytest.mark.parametrize("rows", [70000, -1])
def test_an_unsigned_short_out_of_range(tmp_path: Path, rows: int) -> None:
    image = _ct(Rows=rows)
    assert _rules(image, "Rows") == [("vr-range", f"{rows} is outside the range of VR US, 0..65535 (PS3.5 Table 6.2-1)")]
    path = tmp_path / "us.dcm"
    with pytest.raises(DicomEncodeError) as refused:
        write(image, path, validate=False)
    assert str(refused.value) == f"{path}: (0028,0010) Rows: US value {rows} is outside 0..65535 (PS3.5 Table 6.2-1)"
    assert _rules(_ct(Rows=65535, PixelData=None, PixelDataProviderURL="http://example.invalid/p"), "Rows") == []


def test_us_or_ss_is_judged_by_pixel_representation() -> None:
    """Smallest Image Pixel Value (0028,0106) is US or SS: SS when Pixel Representation is 1."""
    unsigned = _ct(SmallestImagePixelValue=-5)
    assert [r for r, _ in _rules(unsigned, "SmallestImagePixelValue")] == ["vr-range"]
    signed = _ct(SmallestImagePixelValue=-5, PixelRepresentation=1)
    assert _rules(signed, "SmallestImagePixelValue") == []
    assert [r for r, _ in _rules(_ct(SmallestImagePixelValue=-40000, PixelRepresentation=1), "SmallestImagePixelValue")] == ["vr-range"]


def test_a_backslash_in_a_single_valued_string_is_a_second_value(tmp_path: Path) -> None:
    """PS3.5 6.4: a backslash separates the values of a string; Patient ID (LO) has VM 1."""
    image = _ct(PatientID="AB\\CD")
    assert _rules(image, "PatientID") == [("vm", "2 values, VM is 1 (a backslash separates values: PS3.5 6.4)")]
    write(image, tmp_path / "bs.dcm", validate=False)
    assert "Bad attribute Value Multiplicity 2 (1 Required by Dictionary) Element=<PatientID>" in _dciodvfy(tmp_path / "bs.dcm")
    # Image Type (CS, 2-n) given one string of two values: two values, its VM holds
    assert "vm" not in [r for r, _ in _rules(_ct(ImageType=["ORIGINAL\\PRIMARY"]), "ImageType")]
    assert [m for r, m in _rules(_ct(ImageType=["ORIGINAL"]), "ImageType") if r == "vm"] == ["1 values, VM is 2-n"]
    # LT, ST, UT are single-valued texts: a backslash is a character of them
    assert _rules(_ct(ImageComments="a\\b"), "ImageComments") == []


def test_a_backslash_joined_string_of_a_multi_valued_attribute_is_judged_value_by_value(tmp_path: Path) -> None:
    """``ImageType="ORIGINAL\\PRIMARY\\AXIAL"`` is written as three values and read back as
    ``['ORIGINAL', 'PRIMARY', 'AXIAL']``: errors() judges the three values (CS form and length,
    VM, Enumerated Values), as it counts them for the VM, not the joined text
    (which was "character '\\' is not allowed in CS" and "has 22 characters; VR CS allows 16")."""
    image = _ct(ImageType="ORIGINAL\\PRIMARY\\AXIAL")  # a str where mypy wants MultiValued[str]
    assert _rules(image, "ImageType") == []
    write(image, tmp_path / "it.dcm")
    back = read(tmp_path / "it.dcm")
    assert isinstance(back, CTImage) and back.ImageType == ["ORIGINAL", "PRIMARY", "AXIAL"] and back.errors() == []
    assert "Image Type" not in _dciodvfy(tmp_path / "it.dcm")  # dciodvfy names it so
    # the same values in a list, one string of two of them in a list: the same findings, none
    assert _rules(_ct(ImageType=["ORIGINAL\\PRIMARY", "AXIAL"]), "ImageType") == []
    # each value is judged as one: a bad one is named by itself
    assert _rules(_ct(ImageType="ORIGINAL\\primary"), "ImageType") == [
        ("vr-format", "character 'p' is not allowed in CS (uppercase letters, digits, space, underscore) (PS3.5 Table 6.2-1)")
    ]
    assert _rules(_ct(ImageType="ORIGINAL\\PRIMARY\\ABCDEFGHIJKLMNOPQ"), "ImageType") == [
        ("vr-length", "'ABCDEFGHIJKLMNOPQ' has 17 characters; VR CS allows 16 (PS3.5 Table 6.2-1)")
    ]
    # one value only: the VM 2-n says so, counting what the backslash separates
    assert _rules(_ct(ImageType="ORIGINAL"), "ImageType") == [("vm", "1 values, VM is 2-n")]
    # Enumerated Values of one value number apply to that value of the joined text (Enhanced CT's
    # Image Type: Value 1 is ORIGINAL, DERIVED or MIXED)
    from dicom_model.iods.enhanced_ct_image import EnhancedCTImage

    spec = next(s for s in EnhancedCTImage.ATTRIBUTES if s.keyword == "ImageType")
    assert _ct()._check_value(spec, "ImageType", "DERIVED\\PRIMARY") == []
    found = _ct()._check_value(spec, "ImageType", "SECONDARY\\PRIMARY")
    assert [(f.rule, f.message) for f in found] == [
        ("enumerated-value", "value 1 'SECONDARY' is not one of ORIGINAL, DERIVED, MIXED")
    ]


@pytest.mark.parametrize(
    ("keyword", "value", "vr", "which"),
    [("PatientID", "AB\x01CD", "LO", "only ESC"), ("PatientName", "Doe\nJane", "PN", "only ESC"),
     ("ImageComments", "a\x00b", "LT", "only TAB, LF, FF, CR and ESC")],
)
def test_control_characters_of_strings_and_texts(tmp_path: Path, keyword: str, value: str, vr: str, which: str) -> None:
    """PS3.5 Table 6.2-1 and 6.1.3: LO, SH, PN, UC allow no Control Character but ESC; LT,
    ST, UT allow TAB, LF, FF, CR and ESC."""
    image = _ct(**{keyword: value})
    bad = repr(next(c for c in value if c < " "))
    assert _rules(image, keyword) == [
        ("vr-format", f"control character {bad} is not allowed in {vr}, which takes {which} of them (PS3.5 Table 6.2-1)")
    ]
    write(image, tmp_path / "ctrl.dcm", validate=False)
    said = _dciodvfy(tmp_path / "ctrl.dcm")
    code = ord(next(c for c in value if c < " "))
    tag = {"PatientID": "(0x0010,0x0020)", "PatientName": "(0x0010,0x0010)", "ImageComments": "(0x0020,0x4000)"}[keyword]
    assert said.count("Character invalid for this VR") == 1 and f"{tag} {vr} " in said, said  # (a newline splits its line)
    assert f"({code:#x})" in said if code else "(0)" in said


def test_the_control_characters_a_text_may_hold() -> None:
    assert _rules(_ct(ImageComments="line 1\r\nline 2\tand\x0c"), "ImageComments") == []
    assert _rules(_ct(PatientID="AB\x1b$BCD"), "PatientID") == []  # ESC: an ISO 2022 escape sequence


_CHARSET_FIX = 'set one that holds it, e.g. SpecificCharacterSet=["ISO_IR 192"] (UTF-8) (PS3.5 6.1.2.2)'


def test_text_beyond_the_default_repertoire_needs_a_specific_character_set(tmp_path: Path) -> None:
    """PS3.5 6.1.2.2: without Specific Character Set (0008,0005) only ISO-IR 6 may be used."""
    image = _ct(PatientName="Müller^Jürgen")
    assert _rules(image, "PatientName") == [
        ("charset", "'Müller^Jürgen' is not in the default repertoire (ISO-IR 6) and there is no Specific Character Set "
         f"(0008,0005): {_CHARSET_FIX}")
    ]
    path = tmp_path / "pn.dcm"
    with pytest.raises(DicomEncodeError) as refused:
        write(image, path, validate=False)
    assert str(refused.value).startswith(f"{path}: (0010,0010) PatientName: PN value 'Müller^Jürgen' is not in the default")
    assert "e.g. ISO_IR 192 (UTF-8)" in str(refused.value) and not path.exists()
    # the fix the finding names: the value is written, and pydicom reads it back
    fixed = _ct(PatientName="Müller^Jürgen", SpecificCharacterSet=["ISO_IR 192"])
    assert fixed.errors() == []
    write(fixed, path)
    import pydicom

    assert str(pydicom.dcmread(path).PatientName) == "Müller^Jürgen"
    # a set that does not hold the characters
    assert _rules(_ct(PatientName="Müller", SpecificCharacterSet=["ISO_IR 144"]), "PatientName") == [
        ("charset", "'Müller' is not in Specific Character Set ISO_IR 144 (PS3.5 6.1.2.2)")
    ]


def test_a_file_with_8_bit_text_and_no_specific_character_set(tmp_path: Path) -> None:
    """Latin-1 bytes in a PN of a file that declares no character set: errors() reports what
    dciodvfy does ('Character invalid for character repertoire')."""
    import pydicom

    path = tmp_path / "latin.dcm"
    write(_ct(PatientName="Muller^Jurgen"), path)
    dataset = pydicom.dcmread(path)
    dataset["PatientName"].value = b"M\xfcller^J\xfcrgen"
    dataset.save_as(path)
    assert "Character invalid for character repertoire" in _dciodvfy(path)
    image = read(path, CTImage)
    assert [r for r, _ in _rules(image, "PatientName")] == ["charset"]


def test_an_item_takes_the_character_set_of_the_data_set_enclosing_it() -> None:
    from tests.test_external_tools import enhanced_ct

    image = enhanced_ct(1)
    shared = image.SharedFunctionalGroupsSequence[0]
    assert shared.FrameAnatomySequence is not None
    region = shared.FrameAnatomySequence[0].AnatomicRegionSequence[0]
    region.CodeMeaning = "Thorax (Brustkorb, ü)"
    where = "SharedFunctionalGroupsSequence[0].FrameAnatomySequence[0].AnatomicRegionSequence[0].CodeMeaning"
    assert [f.rule for f in image.errors() if f.path == where] == ["charset"]
    image.SpecificCharacterSet = ["ISO_IR 100"]
    assert [f.rule for f in image.errors() if f.path == where] == []


def test_one_per_frame_functional_groups_item_per_frame(tmp_path: Path) -> None:
    """PS3.3 Table C.7.6.16-1: "The number of Items shall be the same as the number of frames"."""
    import dataclasses

    from tests.test_external_tools import enhanced_ct

    assert enhanced_ct(3).errors() == []
    image = dataclasses.replace(enhanced_ct(1), NumberOfFrames=3, PixelData=bytes(4 * 4 * 2 * 3))
    (finding,) = image.errors()
    assert (finding.path, finding.rule, finding.message) == (
        "PerFrameFunctionalGroupsSequence", "item-count",
        "1 item; the number of items shall be Number of Frames, 3 (PS3.3 C.7.6.16)",
    )
    assert finding.source == "PS3.3 2016c Table C.7.6.16-1 row 3"
    write(image, tmp_path / "frames.dcm", validate=False)
    assert "Number of items in PerFrameFunctionalGroupsSequence does not match NumberOfFrames - have 1 items - but 3 frames" in _dciodvfy(tmp_path / "frames.dcm")
    # "Only a single Item shall be included" in the Shared Functional Groups Sequence: its item count
    two = enhanced_ct(2)
    two = dataclasses.replace(two, SharedFunctionalGroupsSequence=two.SharedFunctionalGroupsSequence * 2)
    assert [(f.path, f.message) for f in two.errors()] == [
        ("SharedFunctionalGroupsSequence", "SharedFunctionalGroupsSequence (5200,9229) has 2 items; exactly 1 required")
    ]
    write(two, tmp_path / "shared.dcm", validate=False)
    assert "Bad Sequence number of Items 2 (1 Required by Module definition) Element=<SharedFunctionalGroupsSequence>" in _dciodvfy(tmp_path / "shared.dcm")


@pytest.mark.parametrize("value", ["abc", [0x00100010, "x"], -1, 0x1_0000_0000])
def test_an_at_value_that_is_no_tag_is_an_encode_error(value: object) -> None:
    """The writer refuses an AT value that is not a tag (0..FFFFFFFF) with the DicomEncodeError
    naming the attribute, as for the numbers' VRs, where a string raised a TypeError (which a
    C-FIND answer holding one met)."""
    from dicom_runtime.dataset import DataElement, Dataset
    from dicom_runtime.fileformat import encoding_of
    from dicom_runtime.writer import encode_dataset

    dataset = Dataset()
    dataset[0x00209165] = DataElement(0x00209165, "AT", value)  # type: ignore[arg-type]
    with pytest.raises(DicomEncodeError, match=r"^\(0020,9165\) DimensionIndexPointer: AT value .* is not a tag"):
        encode_dataset(dataset, encoding_of("1.2.840.10008.1.2.1"))
    dataset[0x00209165] = DataElement(0x00209165, "AT", [0x00100010, 0x00200020])
    assert encode_dataset(dataset, encoding_of("1.2.840.10008.1.2.1")).endswith(bytes.fromhex("1000100020002000"))
