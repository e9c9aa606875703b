"""Validation (#15): Enumerated Values value by value, Pixel Data length, conditions of
items on the enclosing data set."""

from __future__ import annotations

import dataclasses
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
