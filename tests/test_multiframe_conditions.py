"""A multi-frame IOD's condition on an attribute that neither the IOD nor any of its
functional group items can hold is evaluated: the attribute is absent (unless the data set
read has it among the elements the class does not declare).

Enhanced CT's Patient Position (0018,5100) is Type 2C, "Required ... for images where
Patient Orientation Code Sequence (0054,0410) is not present and whose SOP Class is ...
Enhanced CT" (General Series, Table C.7-5a). The condition was "not checked: names
attributes outside this object", since an attribute an IOD lacks might be in a functional
group item; so a constructed instance without it was written without it and one read
without it had no finding, where dciodvfy says "Missing attribute Type 2C Conditional
Element=<PatientPosition> Module=<GeneralSeries>".
"""

from __future__ import annotations

import dataclasses

from dicom_model import tags
from dicom_runtime.conditions import Present
from dicom_runtime.typed import from_dataset, to_dataset
from tests.test_external_tools import enhanced_ct


def test_a_constructed_instance_writes_patient_position_empty() -> None:
    image = dataclasses.replace(enhanced_ct(), PatientPosition=None)
    assert image.errors() == []
    dataset = to_dataset(image)
    assert tags.PatientPosition in dataset and dataset[tags.PatientPosition].value in (None, "", b"")


def test_an_instance_read_without_it_is_told() -> None:
    dataset = to_dataset(enhanced_ct())
    del dataset[tags.PatientPosition]
    image = from_dataset(type(enhanced_ct()), dataset)
    found = [(f.path, f.rule) for f in image.errors()]
    assert found == [("PatientPosition", "condition")]


def test_what_a_functional_group_holds_is_read_from_the_frames() -> None:
    """An attribute the functional group items hold is the shared item's (Pixel Measures),
    else the per-frame items' when every frame has the same; not for the whole image to tell
    where the frames differ (tests/test_frame_conditions.py: a frame's own conditions)."""
    image = enhanced_ct()
    assert Present("PatientOrientationCodeSequence").evaluate(image) is False
    assert Present("PixelSpacing").evaluate(image) is True  # the shared item's Pixel Measures macro
    assert image.SharedFunctionalGroupsSequence is not None and image.PerFrameFunctionalGroupsSequence is not None
    shared = image.SharedFunctionalGroupsSequence[0]
    first, second = image.PerFrameFunctionalGroupsSequence
    one_frame = dataclasses.replace(
        image,
        SharedFunctionalGroupsSequence=[dataclasses.replace(shared, PixelMeasuresSequence=None)],
        PerFrameFunctionalGroupsSequence=[dataclasses.replace(first, PixelMeasuresSequence=shared.PixelMeasuresSequence), second],
    )
    assert Present("PixelSpacing").evaluate(one_frame) is None
