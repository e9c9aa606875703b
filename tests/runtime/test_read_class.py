"""``read(path, CTImage)``: a typed result for mypy and IDEs, or one error naming both SOP classes (#15 item 2)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import jedi
import pydicom.data
import pytest

from dicom_model.iods.ct_image import CTImage
from dicom_model.iods.rt_dose import RTDose
from dicom_runtime.dataset import Dataset
from dicom_runtime.errors import DicomTypeError
from dicom_runtime.typed import NonConformantError, read
from tests.conftest import REPO


def _corpus(name: str) -> str:
    found = pydicom.data.get_testdata_file(name)
    assert isinstance(found, str), name
    return found


CT = _corpus("CT_small.dcm")


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    program = tmp_path / "example.py"
    program.write_text(source, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir", str(tmp_path / "cache"), str(program)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )


PROGRAM = (
    "from dicom_model.iods.ct_image import CTImage\n"
    "from dicom_runtime.typed import read\n\n"
    "image = read('ct.dcm', CTImage)\n"
)


def test_read_with_a_class_returns_that_class() -> None:
    image = read(CT, CTImage)
    assert type(image) is CTImage
    assert str(image.PatientName) == str(pydicom.dcmread(CT).PatientName)


def test_read_without_a_class_keeps_its_behaviour() -> None:
    assert type(read(CT)) is CTImage
    assert type(read(_corpus("MR_small.dcm"))) is Dataset


def test_read_with_another_class_names_both_sop_classes() -> None:
    dose = _corpus("rtdose.dcm")
    with pytest.raises(DicomTypeError) as caught:
        read(dose, CTImage)
    assert str(caught.value) == (
        f"{dose}: the SOP Class is RT Dose Storage (1.2.840.10008.5.1.4.1.1.481.2), not that of the class "
        "asked for, CTImage (CT Image Storage, 1.2.840.10008.5.1.4.1.1.2)"
    )
    with pytest.raises(DicomTypeError, match=r"MR Image Storage \(1\.2\.840\.10008\.5\.1\.4\.1\.1\.4\).*RTDose \(RT Dose Storage"):
        read(_corpus("MR_small.dcm"), RTDose)


def test_read_with_a_class_refuses_a_non_conformant_file(tmp_path: Path) -> None:
    dataset = pydicom.dcmread(CT)
    del dataset.Modality
    path = tmp_path / "no_modality.dcm"
    dataset.save_as(path)
    with pytest.raises(NonConformantError, match="Modality"):
        read(path, CTImage)


def test_read_with_dataset_gives_the_data_set_of_any_sop_class() -> None:
    dataset = read(CT, Dataset)
    assert type(dataset) is Dataset and dataset.value("Modality") == "CT"


def test_mypy_types_read_with_a_class(tmp_path: Path) -> None:
    good = (
        PROGRAM
        + "name = image.PatientName\nreveal_type(image)\nreveal_type(name)\n\n"
        + "def field_of(ct: CTImage) -> None:\n    reveal_type(ct.PatientName)\n"
    )
    result = _mypy(tmp_path, good)
    assert result.returncode == 0, result.stdout
    revealed = re.findall(r'Revealed type is "(.*)"', result.stdout)
    assert revealed[0] == "dicom_model.iods.ct_image.CTImage"
    # the attribute has the type of CTImage's own field (mypy shows PersonName | str | None
    # or its simplified form str | None, as the generated field is written)
    assert revealed[1] == revealed[2] and revealed[1] in ("dicom_runtime.values.PersonName | str | None", "str | None")


def test_mypy_rejects_a_misspelt_attribute(tmp_path: Path) -> None:
    result = _mypy(tmp_path, PROGRAM + "name = image.PatientNmae\n")
    assert result.returncode == 1
    assert '"CTImage" has no attribute "PatientNmae"' in result.stdout


def test_jedi_completes_after_read_with_a_class() -> None:
    source = "from dicom_model.iods.ct_image import CTImage\nfrom dicom_runtime.typed import read\nread('ct.dcm', CTImage).Patient"
    script = jedi.Script(source, path=str(REPO / "example.py"), project=jedi.Project(REPO, added_sys_path=[str(REPO / "runtime"), str(REPO / "generated")]))
    lines = source.splitlines()
    names = {c.name for c in script.complete(len(lines), len(lines[-1]))}
    assert {"PatientName", "PatientID", "PatientBirthDate", "PatientSex"} <= names
