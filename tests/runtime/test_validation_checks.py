"""Validation (#15): Enumerated Values value by value, Pixel Data length, conditions of
items on the enclosing data set."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

from pydicom.data import get_testdata_file

from dicom_model.iods.ct_image import CTImage
from dicom_model.iods.rt_dose import RTDose
from dicom_runtime.attribute_table import attribute_table
from dicom_runtime.objects import AttributeSpec, DicomObject
from dicom_runtime.typed import read
from tests.test_iod_classes import _ct


@dataclasses.dataclass(kw_only=True, slots=True)
class _Typed(DicomObject):
    ATTRIBUTES: ClassVar[tuple[AttributeSpec, ...]] = attribute_table(
        "ImageType\t00080008\tCS\t2-n\t1\t\tC.8-3 row 1\t\t\t1=ORIGINAL\\DERIVED;3=AXIAL\\LOCALIZER\n"
        "ScanOptions\t00180022\tCS\t1-n\t3\tHELICAL\\AXIAL\tC.8-3 row 12\t\t\n",
        "PS3.3 2016c Table ",
    )
    ImageType: list[str] | None = None
    ScanOptions: list[str] | None = None


def _corpus(name: str) -> str:
    path = get_testdata_file(name)
    assert isinstance(path, str), f"{name} is not in pydicom's corpus"
    return path


def _enumeration_messages(obj: DicomObject) -> list[str]:
    return [f.message for f in obj.validate() if f.rule == "enumerated-value"]


def test_enumerated_values_are_checked_value_by_value() -> None:
    assert _enumeration_messages(_Typed(ImageType=["ORIGINAL", "PRIMARY", "AXIAL"])) == []
    assert _enumeration_messages(_Typed(ImageType=["FOO", "PRIMARY", "AXIAL"])) == [
        "value 1 'FOO' is not one of ORIGINAL, DERIVED"
    ]
    assert _enumeration_messages(_Typed(ImageType=["DERIVED", "PRIMARY", "SAGITTAL", "X"])) == [
        "value 3 'SAGITTAL' is not one of AXIAL, LOCALIZER"
    ]
    assert _enumeration_messages(_Typed(ImageType=["DERIVED", "PRIMARY"])) == []  # no value 3: nothing to check
    # Enumerated Values of every value of a multi-valued attribute (they were checked for VM 1 only)
    assert _enumeration_messages(_Typed(ScanOptions=["HELICAL", "AXIAL"])) == []
    assert _enumeration_messages(_Typed(ScanOptions=["HELICAL", "TILT"])) == ["value 2 'TILT' is not one of HELICAL, AXIAL"]


def test_the_issue_example_is_no_longer_empty() -> None:
    """RGB, 8 bits, 3 samples per pixel on the 16-bit pixels of a CT Image: Planar
    Configuration (0028,0006) is required, and Pixel Data is too short."""
    image = _ct()
    bad = dataclasses.replace(
        image, PhotometricInterpretation="RGB", BitsAllocated=8, SamplesPerPixel=3, ImageType=["FOO", "PRIMARY"]
    )
    rules = {(f.path, f.rule) for f in bad.errors()}
    assert ("PlanarConfiguration", "condition") in rules
    if image.PixelData is not None:
        assert ("PixelData", "pixel-data-length") in rules
    assert image.errors() == []


def test_pixel_data_length() -> None:
    image = read(_corpus("CT_small.dcm"))
    assert isinstance(image, CTImage) and image.PixelData is not None
    assert [f for f in image.errors() if f.rule == "pixel-data-length"] == []
    short = dataclasses.replace(image, PixelData=image.PixelData[:-2])
    (finding,) = [f for f in short.errors() if f.rule == "pixel-data-length"]
    assert finding.message == (
        "32766 bytes; Rows 128 x Columns 128 x Samples per Pixel 1 x Number of Frames 1 x Bits Allocated 16 make 32768 (PS3.5 8.1.1)"
    )
    padded = dataclasses.replace(image, Rows=127, Columns=1, BitsAllocated=8, BitsStored=8, HighBit=7, PixelData=bytes(128))
    assert [f for f in padded.errors() if f.rule == "pixel-data-length"] == []  # 127 bytes, padded to even


def test_an_encapsulated_pixel_data_is_not_judged_by_its_length() -> None:
    image = read(_corpus("J2K_pixelrep_mismatch.dcm"))  # a CT Image in JPEG 2000
    assert isinstance(image, CTImage) and image.PixelData is not None
    assert image.Rows is not None and image.Columns is not None
    assert len(image.PixelData) < image.Rows * image.Columns * 2  # compressed
    assert all(f.rule != "pixel-data-length" for f in image.errors())
    # the same bytes with no File Meta Information saying they are encapsulated: judged
    assert any(f.rule == "pixel-data-length" for f in dataclasses.replace(image).errors())


def test_an_item_condition_on_the_data_set_is_evaluated_there() -> None:
    dose = read(_corpus("rtdose.dcm"))
    assert isinstance(dose, RTDose)
    findings = dose.validate()
    assert not any("outside this object: DoseSummationType" in f.message for f in findings)
    # Dose Summation Type is PLAN: the BEAM / CONTROL_POINT sequences are not required
    assert not any(f.path.endswith("ReferencedControlPointSequence") and f.severity == "error" for f in findings)
    beam = dataclasses.replace(dose, DoseSummationType="CONTROL_POINT")
    assert any(f.path.endswith("ReferencedControlPointSequence") and f.rule == "condition" for f in beam.errors())


def test_type_2_absent_from_a_data_set_read() -> None:
    image = read(_corpus("CT_small.dcm"))
    assert isinstance(image, CTImage) and image.errors() == []
    # a constructed instance's None Type 2 is written empty: not an error
    assert all(f.rule != "type2-missing" for f in dataclasses.replace(image, KVP=None).errors())


def test_a_type_2_attribute_missing_from_the_file_is_an_error(tmp_path: Path) -> None:
    import pydicom

    dataset = pydicom.dcmread(_corpus("CT_small.dcm"))
    del dataset.KVP
    dataset.save_as(tmp_path / "no_kvp.dcm")
    image = read(tmp_path / "no_kvp.dcm")
    assert isinstance(image, DicomObject)
    assert [(f.path, f.rule) for f in image.errors()] == [("KVP", "type2-missing")]


def test_values_longer_than_their_vr_allows() -> None:
    image = _ct()
    long = dataclasses.replace(image, StudyID="S" * 17, PatientName="A" * 65, ReferringPhysicianName="A" * 64 + "=" + "B" * 10)
    found = {(f.path, f.rule) for f in long.errors()}
    assert ("StudyID", "vr-length") in found and ("PatientName", "vr-length") in found
    assert ("ReferringPhysicianName", "vr-length") not in found  # PN: 64 per component group


def test_a_decimal_string_is_judged_by_the_text_it_was_read_as(tmp_path: Path) -> None:
    import pydicom

    dataset = pydicom.dcmread(_corpus("CT_small.dcm"))
    dataset["SliceThickness"].value = "1.00000000000000000"  # 19 characters, the number 1.0
    dataset.save_as(tmp_path / "long_ds.dcm")
    image = read(tmp_path / "long_ds.dcm")
    assert isinstance(image, CTImage)
    assert [(f.path, f.rule) for f in image.errors()] == [("SliceThickness", "vr-length")]
    assert dataclasses.replace(image, SliceThickness=1.0).errors() == []  # changed: a float is written in 16


def test_high_bit_is_one_less_than_bits_stored() -> None:
    image = _ct()
    assert image.HighBit is not None and image.BitsStored is not None and image.HighBit == image.BitsStored - 1
    (finding,) = [f for f in dataclasses.replace(image, HighBit=image.BitsStored).errors() if f.rule == "value-relation"]
    assert finding.path == "HighBit" and finding.message == f"{image.BitsStored} is not BitsStored {image.BitsStored} - 1"


def test_rescale_type_is_hu_for_original_images_that_are_not_localizers() -> None:
    """PS3.3 Table C.8-3, Rescale Intercept's description: "If Image Type (0008,0008) Value 1
    is ORIGINAL and Value 3 is not LOCALIZER, output units shall be Hounsfield Units (HU)" -
    a rule of Rescale Type ("Specifies the output units ..."), compiled with its condition."""
    (spec,) = [s for s in CTImage.ATTRIBUTES if s.keyword == "RescaleType"]
    ((condition, values, sentence),) = spec.value_rules
    assert condition is not None and values == ("HU",) and sentence.startswith("Image Type (0008,0008) Value 1 is ORIGINAL")
    image = dataclasses.replace(_ct(), ImageType=["ORIGINAL", "PRIMARY", "AXIAL"], RescaleType="US")
    (finding,) = [f for f in image.errors() if f.rule == "conditional-value"]
    assert finding.path == "RescaleType" and finding.message.startswith("'US' is not HU, which it must be if Image Type")
    assert finding.source == "PS3.3 2016c Table C.8-3 row 9"
    for allowed in (
        dataclasses.replace(image, RescaleType="HU"),
        dataclasses.replace(image, ImageType=["ORIGINAL", "PRIMARY", "LOCALIZER"]),
        dataclasses.replace(image, ImageType=["DERIVED", "PRIMARY", "AXIAL"]),
    ):
        assert [f for f in allowed.validate() if f.rule == "conditional-value"] == []


def test_a_value_rule_whose_condition_cannot_be_decided_is_not_checked() -> None:
    @dataclasses.dataclass(kw_only=True, slots=True)
    class _Rule(DicomObject):
        ATTRIBUTES: ClassVar[tuple[AttributeSpec, ...]] = attribute_table(
            "RescaleType\t00281054\tLO\t1\t3\t\tC.8-3 row 9\t\t\t?1=HU?the phase of the moon is full\n", "PS3.3 2016c Table "
        )
        RescaleType: str | None = None

    (finding,) = _Rule(RescaleType="US").validate()
    assert finding.severity == "not-checked" and finding.message == "value rule not checked (HU if the phase of the moon is full)"
    assert _Rule(RescaleType="HU").validate() == []
