"""A condition of a multi-frame IOD on what a frame holds: a frame's attributes are those of
its Per-frame Functional Groups item's macros and of the Shared item's (PS3.3 C.7.6.16).

Frame Content (Table C.7.6.16-3) requires Frame Acquisition DateTime, Frame Reference
DateTime and Frame Acquisition Duration "if Frame Type (0008,9007) Value 1 of this frame is
ORIGINAL". Frame Type is in the CT Image Frame Type macro's item, in the shared item or in
each per-frame item, never in the Frame Content item that asks: the conditions were "not
checked" for every Enhanced CT, where dciodvfy reports the three missing."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

from dicom_model.iods.enhanced_ct_image import EnhancedCTImage
from dicom_runtime.objects import Finding
from tests.test_external_tools import enhanced_ct
from tests.test_functional_group_usage import _dciodvfy_errors

_FRAME_CONTENT = ("FrameReferenceDateTime", "FrameAcquisitionDateTime", "FrameAcquisitionDuration")
FrameType = tuple[Literal["ORIGINAL", "DERIVED", "MIXED"], str, str, str]
ORIGINAL: FrameType = ("ORIGINAL", "PRIMARY", "AXIAL", "NONE")
DERIVED: FrameType = ("DERIVED", "PRIMARY", "AXIAL", "NONE")


def _frame_type(image: EnhancedCTImage, frame_type: FrameType) -> EnhancedCTImage:
    """``image`` with the shared CT Image Frame Type macro's Frame Type, and Image Type to match."""
    assert image.SharedFunctionalGroupsSequence is not None
    shared = image.SharedFunctionalGroupsSequence[0]
    assert shared.CTImageFrameTypeSequence is not None
    item = dataclasses.replace(shared.CTImageFrameTypeSequence[0], FrameType=frame_type)
    shared = dataclasses.replace(shared, CTImageFrameTypeSequence=[item])
    return dataclasses.replace(image, SharedFunctionalGroupsSequence=[shared], ImageType=list(frame_type))


def _frame_content(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.path, f.severity) for f in findings if ".FrameContentSequence[0]." in f.path and f.path.endswith(_FRAME_CONTENT)]


def test_an_original_frame_requires_its_acquisition_times_as_dciodvfy_says(tmp_path: Path) -> None:
    image = _frame_type(enhanced_ct(), ORIGINAL)
    found = _frame_content(image.validate())
    expected = [(f"PerFrameFunctionalGroupsSequence[{i}].FrameContentSequence[0].{k}", "error") for i in range(2) for k in _FRAME_CONTENT]
    assert found == expected
    reported = " ".join(_dciodvfy_errors(image, tmp_path))
    for keyword in _FRAME_CONTENT:
        assert f"Missing attribute Type 1C Conditional Element=<{keyword}> Module=<FrameContentMacro>" in reported


def test_a_derived_frame_requires_none_of_them(tmp_path: Path) -> None:
    image = enhanced_ct()  # Frame Type and Image Type DERIVED
    assert _frame_content(image.validate()) == []
    assert not any(keyword in line for line in _dciodvfy_errors(image, tmp_path) for keyword in _FRAME_CONTENT)


def test_this_frame_is_the_frame_of_the_per_frame_item() -> None:
    """The CT Image Frame Type macro per frame: frame 0 ORIGINAL, frame 1 DERIVED. Only
    frame 0's Frame Content must give the times."""
    image = enhanced_ct()
    assert image.SharedFunctionalGroupsSequence is not None and image.PerFrameFunctionalGroupsSequence is not None
    shared = image.SharedFunctionalGroupsSequence[0]
    assert shared.CTImageFrameTypeSequence is not None
    own = shared.CTImageFrameTypeSequence[0]
    frames = [
        dataclasses.replace(item, CTImageFrameTypeSequence=[dataclasses.replace(own, FrameType=kind)])
        for item, kind in zip(image.PerFrameFunctionalGroupsSequence, (ORIGINAL, DERIVED))
    ]
    image = dataclasses.replace(
        image,
        SharedFunctionalGroupsSequence=[dataclasses.replace(shared, CTImageFrameTypeSequence=None)],
        PerFrameFunctionalGroupsSequence=frames,
        ImageType=["MIXED", "PRIMARY", "AXIAL", "NONE"],
    )
    found = _frame_content(image.validate())
    assert found == [(f"PerFrameFunctionalGroupsSequence[0].FrameContentSequence[0].{k}", "error") for k in _FRAME_CONTENT]


def test_given_times_meet_the_condition() -> None:
    image = _frame_type(enhanced_ct(), ORIGINAL)
    assert image.PerFrameFunctionalGroupsSequence is not None
    frames = []
    for item in image.PerFrameFunctionalGroupsSequence:
        assert item.FrameContentSequence is not None
        content = dataclasses.replace(
            item.FrameContentSequence[0],
            FrameReferenceDateTime="20240101120000",
            FrameAcquisitionDateTime="20240101120000",
            FrameAcquisitionDuration=10.0,
        )
        frames.append(dataclasses.replace(item, FrameContentSequence=[content]))
    assert _frame_content(dataclasses.replace(image, PerFrameFunctionalGroupsSequence=frames).validate()) == []
