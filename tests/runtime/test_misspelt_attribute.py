"""A misspelt attribute on a typed instance raises AttributeError (the base class has one
slot and no __dict__, the generated classes have slots): it was kept in the instance's
__dict__ and lost on write, where a Dataset raises."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from pathlib import Path

import pytest

from dicom_model.iods.ct_image import CTImage
from dicom_runtime.objects import _state
from dicom_runtime.typed import read, write
from tests.test_external_tools import enhanced_ct
from tests.test_iod_classes import _ct


def test_a_misspelt_attribute_is_refused() -> None:
    image = _ct()
    with pytest.raises(AttributeError, match="'CTImage' object has no attribute 'PatientNmae'"):
        image.PatientNmae = "X"  # type: ignore[attr-defined]
    assert not hasattr(image, "__dict__")
    item = enhanced_ct(1).SharedFunctionalGroupsSequence[0]
    with pytest.raises(AttributeError, match="has no attribute 'PixelMeasureSequence'"):
        item.PixelMeasureSequence = []  # type: ignore[attr-defined]
    image.PatientName = "Roe^Richard"  # a field: set as before
    assert image.PatientName == "Roe^Richard"


def test_instances_keep_their_state_in_the_slot(tmp_path: Path) -> None:
    """The state beside the fields (empty attributes, elements read, File Meta Information)
    lives in the base class's slot: reading, copying, replacing and pickling keep working."""
    path = tmp_path / "ct.dcm"
    write(_ct(Laterality=""), path)
    image = read(path, CTImage)
    assert _state(image).from_data_set and _state(image).meta is not None
    image.set_empty("PatientBirthDate")
    assert "PatientBirthDate" in image.empty_attributes()
    for other in (copy.copy(image), copy.deepcopy(image), pickle.loads(pickle.dumps(image))):
        assert other == image and "PatientBirthDate" in other.empty_attributes()
    assert dataclasses.replace(image, PatientID="P2").PatientID == "P2"
    write(image, tmp_path / "copy.dcm")
    assert read(tmp_path / "copy.dcm", CTImage) == read(path, CTImage)
