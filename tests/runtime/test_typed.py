"""Typed instances in and out of files: to_dataset, from_dataset, read, write."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dicom_model.iods.ct_image import CTImage
from dicom_runtime.dataset import Dataset
from dicom_runtime.fileformat import read_file
from dicom_runtime.values import PersonName
from dicom_runtime.typed import ValidationFailed, from_dataset, read, to_dataset, write
from tests.test_iod_classes import _ct


def test_a_ct_image_goes_to_a_file_and_comes_back_typed(tmp_path: Path) -> None:
    image = _ct()
    path = tmp_path / "ct.dcm"
    write(image, path)
    back = read(path)
    assert isinstance(back, CTImage)
    assert isinstance(back.PatientName, PersonName) and back.PatientName.family_name == "Doe"
    assert back.PatientName == "Doe^Jane"
    assert (back.Rows, back.PixelSpacing, back.RescaleIntercept) == (512, [0.5, 0.5], -1024.0)
    assert back.PixelData == image.PixelData
    assert back.errors() == []
    raw = read_file(path)
    assert raw.meta.value(0x00020002) == "1.2.840.10008.5.1.4.1.1.2"
    assert raw.dataset.value(0x00100020) == "P1"
    assert raw.dataset.value(0x00080090) == "" and 0x00080090 in raw.dataset  # Type 2: present, empty


def test_write_refuses_an_invalid_instance_unless_told(tmp_path: Path) -> None:
    image = _ct(Modality="")
    with pytest.raises(ValidationFailed, match="Modality: Type 1 attribute is empty") as caught:
        write(image, tmp_path / "bad.dcm")
    assert not (tmp_path / "bad.dcm").exists()
    # the file is named, as every other error of write names it
    assert str(caught.value).startswith(f"{tmp_path / 'bad.dcm'}: not written: 1 validation error(s): Modality")
    assert caught.value.path == str(tmp_path / "bad.dcm")
    write(image, tmp_path / "bad.dcm", validate=False)
    assert (tmp_path / "bad.dcm").exists()


def test_undeclared_elements_are_kept(tmp_path: Path) -> None:
    dataset = to_dataset(_ct())
    dataset.add(0x00091010, "OB", b"private\0")
    dataset.add(0x00090010, "LO", "ACME")
    image = from_dataset(CTImage, dataset)
    assert image.extra_elements is not None and 0x00091010 in image.extra_elements
    assert to_dataset(image) == dataset


def test_a_file_without_a_generated_iod_reads_as_a_dataset(tmp_path: Path) -> None:
    dataset = Dataset()
    dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.4")  # MR Image: not in the PS3.3 excerpt
    dataset.add(0x00080018, "UI", "1.2.3")
    write(dataset, tmp_path / "mr.dcm")
    assert isinstance(read(tmp_path / "mr.dcm"), Dataset)


def test_values_keep_their_python_types() -> None:
    image = dataclasses.replace(_ct(), SliceThickness=0.1 + 0.2, StudyDate="20240101")
    dataset = to_dataset(image)
    written = dataset.value(0x00180050)
    assert isinstance(written, str) and len(written) <= 16  # DS is at most 16 characters
    assert dataset.value(0x00080020) == "20240101"
    assert from_dataset(CTImage, dataset).SliceThickness == pytest.approx(0.3)
