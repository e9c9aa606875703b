"""What a generated class's annotations say beyond each value's VR: the item class of a
sequence (refused at construction, a finding when put there later) and an IOD's own SOP
Class UID (a finding, so that ``write`` refuses it, as ``read(path, CTImage)`` refuses the
file it would make)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_model.iods.ct_image import CTImage
from dicom_model.macros.voilut_macro import VOILUTMacroVOILUTSequenceItem
from dicom_model.modules.general_image_module import GeneralImageModuleReferencedImageSequenceItem
from dicom_model.dataset import Dataset
from dicom_runtime.errors import DicomTypeError
from dicom_runtime.typed import ValidationFailed, read, write
from tests.test_iod_classes import _ct

MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"


def _referenced() -> GeneralImageModuleReferencedImageSequenceItem:
    return GeneralImageModuleReferencedImageSequenceItem(ReferencedSOPClassUID="1.2.3", ReferencedSOPInstanceUID="1.2.3.4")


def test_an_item_of_another_class_is_refused_at_construction() -> None:
    with pytest.raises(DicomTypeError) as caught:
        _ct(VOILUTSequence=[_referenced()])
    assert str(caught.value) == (
        "CTImage.VOILUTSequence: item 0 is a GeneralImageModuleReferencedImageSequenceItem, "
        "not a VOILUTMacroVOILUTSequenceItem (PS3.3 2016c Table C.11-2b row 1)"
    )
    with pytest.raises(DicomTypeError, match=r"item 1 is a str, not a VOILUTMacroVOILUTSequenceItem"):
        _ct(VOILUTSequence=[VOILUTMacroVOILUTSequenceItem(LUTDescriptor=[1, 0, 16], LUTData=b"\0\0"), "x"])
    # no item is no item of another class; present and empty, the 1C sequence lacks the Item it needs
    # ("One or more Items shall be included"; dciodvfy: "Empty attribute (no value) Type 1C")
    assert [f.rule for f in _ct(VOILUTSequence=[]).errors()] == ["item-count"]


def test_an_item_of_another_class_put_in_later_is_a_finding(tmp_path: Path) -> None:
    image = _ct(ReferencedImageSequence=[_referenced()])
    image.ReferencedImageSequence = [VOILUTMacroVOILUTSequenceItem(LUTDescriptor=[1, 0, 16], LUTData=b"\0\0")]  # type: ignore[list-item]
    assert [(f.path, f.rule, f.message) for f in image.errors()] == [
        (
            "ReferencedImageSequence",
            "vr",
            "item 0 is a VOILUTMacroVOILUTSequenceItem, not a GeneralImageModuleReferencedImageSequenceItem",
        )
    ]
    with pytest.raises(ValidationFailed):
        write(image, tmp_path / "wrong-item.dcm")


def test_an_iod_instance_with_another_sop_class_uid_is_an_error(tmp_path: Path) -> None:
    image = _ct(SOPClassUID=MR_IMAGE_STORAGE)
    assert [(f.path, f.rule, f.message, f.source) for f in image.errors()] == [
        (
            "SOPClassUID",
            "sop-class",
            f"MR Image Storage ({MR_IMAGE_STORAGE}) is not the SOP Class of CTImage, "
            "CT Image Storage (1.2.840.10008.5.1.4.1.1.2)",
            "PS3.3 2016c Table C.12-1 row 1",
        )
    ]
    with pytest.raises(ValidationFailed):
        write(image, tmp_path / "mr.dcm")
    # written anyway, it is a file read(path, CTImage) refuses
    write(image, tmp_path / "mr.dcm", validate=False)
    with pytest.raises(DicomTypeError, match="the SOP Class is MR Image Storage"):
        read(tmp_path / "mr.dcm", CTImage)
    assert _ct().errors() == []


def test_a_data_set_sequence_names_the_item_that_is_no_data_set() -> None:
    dataset = Dataset()
    with pytest.raises(DicomTypeError) as caught:
        dataset.ReferencedImageSequence = [Dataset(), 3]  # type: ignore[list-item]
    assert str(caught.value) == (
        "ReferencedImageSequence (0008,1140): a sequence takes a list of data sets; item 1 is a int"
    )


def test_bits_stored_larger_than_bits_allocated_is_an_error() -> None:
    # dciodvfy: "Bits Stored = 20 exceeds High Bit 11 + 1"; we said only that High Bit is not Bits Stored - 1
    image = _ct(BitsStored=20, HighBit=19)
    assert [(f.path, f.rule, f.message, f.source) for f in image.errors()] == [
        ("BitsStored", "value-relation", "20 is larger than Bits Allocated 16 (PS3.5 8.1.1)", "PS3.3 2016c Table C.7-11b row 6")
    ]
    assert _ct(BitsStored=16, HighBit=15).errors() == []
