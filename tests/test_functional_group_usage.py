"""The functional group macros of a multi-frame IOD: an M macro of the IOD's functional
group table (Enhanced CT: PS3.3 Table A.38-2) is in the shared item or in every
per-frame item; Frame Content ("May not be used as a Shared Functional Group") in every
per-frame item. Our findings beside dciodvfy's for the same files."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from dicom_model.iods.enhanced_ct_image import EnhancedCTImage
from dicom_model.macros.pixel_measures_macro import PixelMeasuresMacroPixelMeasuresSequenceItem
from dicom_runtime.objects import Finding
from dicom_runtime.typed import write
from tests.test_external_tools import enhanced_ct


def _group_findings(image: EnhancedCTImage) -> list[Finding]:
    return [f for f in image.errors() if f.rule == "functional-group"]


def _without_shared(image: EnhancedCTImage, keyword: str) -> EnhancedCTImage:
    assert image.SharedFunctionalGroupsSequence is not None
    shared = dataclasses.replace(image.SharedFunctionalGroupsSequence[0], **{keyword: None})
    return dataclasses.replace(image, SharedFunctionalGroupsSequence=[shared])


def _dciodvfy_errors(image: EnhancedCTImage, folder: Path) -> list[str]:
    tool = shutil.which("dciodvfy")
    if tool is None:
        pytest.fail("dciodvfy is missing: bash .ci/install installs dicom3tools")
    path = folder / "image.dcm"
    write(image, path, validate=False)
    result = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=120)
    return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]


def test_the_usage_of_every_macro_comes_from_the_iods_table() -> None:
    usage = EnhancedCTImage.FUNCTIONAL_GROUP_USAGE
    assert usage["PixelMeasuresMacro"] == "M"
    assert usage["FrameContentMacro"] == "M"
    assert usage["CardiacSynchronizationMacro"] == "C"
    assert usage["FrameVOILUTMacro"] == "U"
    assert len(usage) == 24
    assert EnhancedCTImage.PER_FRAME_ONLY == ("FrameContentMacro",)


def test_a_complete_instance_has_no_finding() -> None:
    assert _group_findings(enhanced_ct()) == []


def test_an_m_macro_in_neither_the_shared_nor_the_per_frame_items(tmp_path: Path) -> None:
    image = _without_shared(enhanced_ct(), "PixelMeasuresSequence")
    findings = _group_findings(image)
    assert [f.path for f in findings] == ["PerFrameFunctionalGroupsSequence"]
    assert "PixelMeasuresMacro is mandatory (M)" in findings[0].message
    assert "items 0, 1 of 2" in findings[0].message
    # dciodvfy says the same of the file.
    assert any("PixelMeasuresSequence" in line for line in _dciodvfy_errors(image, tmp_path))


def test_an_m_macro_in_every_per_frame_item_is_met(tmp_path: Path) -> None:
    image = _without_shared(enhanced_ct(), "PixelMeasuresSequence")
    assert image.PerFrameFunctionalGroupsSequence is not None
    measures = [PixelMeasuresMacroPixelMeasuresSequenceItem(PixelSpacing=[0.5, 0.5], SliceThickness=1.0)]
    items = [dataclasses.replace(item, PixelMeasuresSequence=measures) for item in image.PerFrameFunctionalGroupsSequence]
    image = dataclasses.replace(image, PerFrameFunctionalGroupsSequence=items)
    assert _group_findings(image) == []
    assert not any("PixelMeasures" in line for line in _dciodvfy_errors(image, tmp_path))


def test_an_m_macro_missing_from_one_per_frame_item() -> None:
    image = _without_shared(enhanced_ct(frames=3), "PixelMeasuresSequence")
    assert image.PerFrameFunctionalGroupsSequence is not None
    measures = [PixelMeasuresMacroPixelMeasuresSequenceItem(PixelSpacing=[0.5, 0.5], SliceThickness=1.0)]
    first, second, third = image.PerFrameFunctionalGroupsSequence
    items = [dataclasses.replace(first, PixelMeasuresSequence=measures), second, dataclasses.replace(third, PixelMeasuresSequence=measures)]
    findings = _group_findings(dataclasses.replace(image, PerFrameFunctionalGroupsSequence=items))
    assert len(findings) == 1
    assert "missing from item 1 of 3" in findings[0].message


def test_frame_content_is_no_field_of_the_shared_item() -> None:
    from dicom_model.iods.enhanced_ct_image import EnhancedCTImageSharedFunctionalGroupsSequenceItem as Shared

    fields = {f.name for f in dataclasses.fields(Shared)}
    assert "FrameContentSequence" not in fields and "PixelMeasuresSequence" in fields


def test_the_per_frame_only_macro_missing_from_a_per_frame_item() -> None:
    image = enhanced_ct()
    assert image.PerFrameFunctionalGroupsSequence is not None
    first, second = image.PerFrameFunctionalGroupsSequence
    items = [first, dataclasses.replace(second, FrameContentSequence=None)]
    findings = _group_findings(dataclasses.replace(image, PerFrameFunctionalGroupsSequence=items))
    assert len(findings) == 1
    assert "FrameContentMacro is mandatory (M) and is not in every per-frame item (missing from item 1 of 2)" in findings[0].message


_ORIGINAL_ONLY = [
    "CTAcquisitionTypeMacro",
    "CTAcquisitionDetailsMacro",
    "CTTableDynamicsMacro",
    "CTPositionMacro",
    "CTGeometryMacro",
    "CTExposureMacro",
    "CTXRayDetailsSequenceMacro",
]


def _original(image: EnhancedCTImage) -> EnhancedCTImage:
    return dataclasses.replace(image, ImageType=["ORIGINAL", "PRIMARY", "AXIAL", "NONE"])


def test_the_conditions_of_the_c_macros_come_from_the_iods_table() -> None:
    conditions = EnhancedCTImage.FUNCTIONAL_GROUP_CONDITIONS
    assert set(conditions) == {m for m, use in EnhancedCTImage.FUNCTIONAL_GROUP_USAGE.items() if use == "C"}
    assert conditions["CTAcquisitionTypeMacro"][1] == "Image Type (0008,0008) Value 1 is ORIGINAL or MIXED"


def test_c_macros_whose_condition_holds_are_required_as_dciodvfy_says(tmp_path: Path) -> None:
    """Table A.38-2: the CT acquisition macros are "Required if Image Type (0008,0008) Value 1
    is ORIGINAL or MIXED". An ORIGINAL image without them is an error for each, as dciodvfy
    says of the file; the DERIVED image of enhanced_ct() has none to give."""
    image = _original(enhanced_ct())
    findings = _group_findings(image)
    named = [f.message.split(" ", 1)[0] for f in findings]
    assert named == _ORIGINAL_ONLY
    assert all("is required (C: Image Type (0008,0008) Value 1 is ORIGINAL or MIXED)" in f.message for f in findings)
    assert all(f.severity == "error" and f.path == "PerFrameFunctionalGroupsSequence" for f in findings)
    reported = " ".join(_dciodvfy_errors(image, tmp_path))
    for sequence in ("CTAcquisitionTypeSequence", "CTAcquisitionDetailsSequence", "CTTableDynamicsSequence", "CTPositionSequence", "CTGeometrySequence", "CTExposureSequence", "CTXRayDetailsSequence"):
        assert f"Missing attribute Type 1 Required Element=<{sequence}>" in reported
    assert _group_findings(enhanced_ct()) == []


def test_a_c_macro_in_the_shared_item_is_met() -> None:
    from dicom_model.macros.ct_acquisition_type_macro import CTAcquisitionTypeMacroCTAcquisitionTypeSequenceItem as Item

    image = _original(enhanced_ct())
    assert image.SharedFunctionalGroupsSequence is not None
    shared = dataclasses.replace(image.SharedFunctionalGroupsSequence[0], CTAcquisitionTypeSequence=[Item(AcquisitionType="SEQUENCED")])
    named = [f.message.split(" ", 1)[0] for f in _group_findings(dataclasses.replace(image, SharedFunctionalGroupsSequence=[shared]))]
    # CT Reconstruction is "Required if Image Type (0008,0008) Value 1 is ORIGINAL or MIXED and
    # Acquisition Type (0018,9302) is other than CONSTANT_ANGLE": the shared item now says SEQUENCED
    expected = [m for m in _ORIGINAL_ONLY if m != "CTAcquisitionTypeMacro"]
    assert named == [*expected[:4], "CTReconstructionMacro", *expected[4:]]
    constant = dataclasses.replace(shared, CTAcquisitionTypeSequence=[Item(AcquisitionType="CONSTANT_ANGLE")])
    named = [f.message.split(" ", 1)[0] for f in _group_findings(dataclasses.replace(image, SharedFunctionalGroupsSequence=[constant]))]
    assert named == expected


def test_a_c_macro_whose_condition_cannot_be_told_is_not_checked_never_met() -> None:
    """"Required if the image or frame has been derived from another SOP Instance" is a fact
    outside the data set."""
    image = _original(enhanced_ct())
    unchecked = {f.message.split(":", 1)[0]: f for f in image.validate() if f.rule == "not-checked" and f.path == "PerFrameFunctionalGroupsSequence"}
    derivation = unchecked["DerivationImageMacro"]
    assert derivation.severity == "not-checked"
    assert "part not compiled: the image or frame has been derived from another SOP Instance" in derivation.message
    assert not any(f.message.startswith("DerivationImageMacro") for f in image.errors())


def test_a_condition_on_what_the_frames_hold_differently_is_not_checked() -> None:
    """CT Reconstruction's condition names Acquisition Type, which the CT Acquisition Type
    macro's items hold: per frame, SEQUENCED in one and CONSTANT_ANGLE in the other, the
    whole image cannot tell, and says so."""
    from dicom_model.macros.ct_acquisition_type_macro import CTAcquisitionTypeMacroCTAcquisitionTypeSequenceItem as Item

    image = _original(enhanced_ct())
    assert image.PerFrameFunctionalGroupsSequence is not None
    frames = [
        dataclasses.replace(item, CTAcquisitionTypeSequence=[Item(AcquisitionType=kind)])
        for item, kind in zip(image.PerFrameFunctionalGroupsSequence, ("SEQUENCED", "CONSTANT_ANGLE"))
    ]
    image = dataclasses.replace(image, PerFrameFunctionalGroupsSequence=frames)
    unchecked = [f for f in image.validate() if f.message.startswith("CTReconstructionMacro")]
    assert [f.severity for f in unchecked] == ["not-checked"]
    assert "AcquisitionType" in unchecked[0].message
