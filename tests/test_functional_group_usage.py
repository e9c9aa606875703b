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
