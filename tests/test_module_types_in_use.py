"""An attribute that several modules of an IOD define takes the strictest Type of the
modules in use: RT Dose's Instance Number is Type 3 in SOP Common (M) and Type 2 in General
Image, which Table A.18.3-1 requires "if dose data contains grid-based doses" - read as
Pixel Data present, as the RT Dose Module (Table C.8-39) requires its grid's attributes.
Beside dciodvfy, which says "Missing attribute Type 2 Required Element=<InstanceNumber>
Module=<GeneralImage>" of a grid-based dose without it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dicom_model.iods.rt_dose import RTDose
from dicom_runtime.attribute_table import attribute_table
from dicom_runtime.typed import from_dataset, to_dataset, write


def _dose(**overrides: object) -> RTDose:
    arguments: dict[str, object] = dict(
        PatientName="Doe^Jane", PatientID="P1", StudyInstanceUID="1.2.3", Modality="RTDOSE",
        SeriesInstanceUID="1.2.3.4", FrameOfReferenceUID="1.2.3.5", Manufacturer="ACME",
        DoseUnits="GY", DoseType="PHYSICAL", DoseSummationType="PLAN", SOPInstanceUID="1.2.3.6",
        SamplesPerPixel=1, PhotometricInterpretation="MONOCHROME2", Rows=2, Columns=2, BitsAllocated=16,
        BitsStored=16, HighBit=15, PixelRepresentation=0, DoseGridScaling=0.001, PixelData=bytes(8),
        ImagePositionPatient=[0.0, 0.0, 0.0], ImageOrientationPatient=[1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        PixelSpacing=[1.0, 1.0], SliceThickness=None,
    )  # fmt: skip
    arguments.update(overrides)
    return RTDose(**arguments)  # type: ignore[arg-type]


def test_the_table_line_gives_the_stricter_type_of_a_module() -> None:
    (spec,) = attribute_table("X\t00200013\tIS\t1\t3\t\tT row 1\tGeneralImageModule:2,SOPCommonModule\t\n", "")
    assert spec.groups == ("GeneralImageModule", "SOPCommonModule")
    assert spec.group_types == (("GeneralImageModule", "2"),)
    (plain,) = attribute_table("X\t00200013\tIS\t1\t3\t\tT row 1\tSOPCommonModule\t\n", "")
    assert plain.groups == ("SOPCommonModule",) and plain.group_types == ()


def test_instance_number_of_rt_dose_is_type_2_in_general_image() -> None:
    (spec,) = [s for s in RTDose.ATTRIBUTES if s.keyword == "InstanceNumber"]
    assert spec.type == "3"
    assert ("GeneralImageModule", "2") in spec.group_types


def test_a_grid_based_dose_writes_instance_number_empty(tmp_path: Path) -> None:
    dose = _dose()
    assert "GeneralImageModule" in dose.groups_in_use()
    element = to_dataset(dose).get(0x00200013)
    assert element is not None and element.value is None
    tool = shutil.which("dciodvfy")
    if tool is None:
        pytest.fail("dciodvfy is missing: bash .ci/install installs dicom3tools")
    path = tmp_path / "dose.dcm"
    write(dose, path, validate=False)
    result = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=120)
    errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]
    assert not any("InstanceNumber" in line for line in errors), errors


def test_a_dose_without_a_grid_leaves_it_out() -> None:
    dose = _dose(
        PixelData=None, SamplesPerPixel=None, PhotometricInterpretation=None, Rows=None, Columns=None,
        BitsAllocated=None, BitsStored=None, HighBit=None, PixelRepresentation=None, DoseGridScaling=None,
        ImagePositionPatient=None, ImageOrientationPatient=None, PixelSpacing=None,
    )  # fmt: skip
    assert "GeneralImageModule" not in dose.groups_in_use()
    assert 0x00200013 not in to_dataset(dose)


def test_a_grid_based_dose_read_without_it_is_a_type_2_finding() -> None:
    dataset = to_dataset(_dose())
    del dataset[0x00200013]
    read_back = from_dataset(RTDose, dataset)
    findings = [f for f in read_back.validate() if f.path == "InstanceNumber"]
    assert [f.rule for f in findings] == ["type2-missing"]
