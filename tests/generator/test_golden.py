"""Golden files: a slice of PS3.3 (tests/fixtures) and the output it must give.

The expected files live in tests/golden/ with a ``.golden`` suffix. After a
deliberate change to the output, rewrite them with ``UPDATE_GOLDEN=1 pytest
tests/generator/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dicom_codegen import cli
from tests.conftest import REPO
from tests.fixtures.docbook import SLICE_6_1, part03_slice, part06

GOLDEN = REPO / "tests" / "golden"
COMPARED = (
    "dicom_model/iods/test_image.py",
    "dicom_model/iods/test_image.pyi",
    "dicom_model/iods/__init__.py",
    "dicom_model/modules/patient_module.py",
    "dicom_model/modules/patient_module.pyi",
    "dicom_model/modules/image_module.py",
    "dicom_model/macros/issuer_macro.py",
    "dicom_model/macros/issuer_macro.pyi",
    "conditions.txt",
)


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("golden")
    folder = root / "standard" / "2099e"
    folder.mkdir(parents=True)
    (folder / "part03.xml").write_text(part03_slice(), encoding="utf-8")
    (folder / "part06.xml").write_text(part06(rows_6_1=SLICE_6_1), encoding="utf-8")
    out = root / "out"
    status = cli.main(["generate", "--standard", str(root / "standard"), "--ps3", "2099e", "--ps6", "2099e", "--out", str(out), "-q"])
    assert status == 0
    return out


@pytest.mark.parametrize("relative", COMPARED)
def test_output_matches_the_golden_file(output: Path, relative: str) -> None:
    produced = (output / relative).read_text(encoding="utf-8")
    golden = GOLDEN / (relative.replace("/", "__") + ".golden")
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(produced, encoding="utf-8")
    assert golden.is_file(), f"{golden} is missing: run with UPDATE_GOLDEN=1 and review it"
    assert produced == golden.read_text(encoding="utf-8")


def test_the_slice_has_what_the_golden_files_show(output: Path) -> None:
    iod = (output / "dicom_model/iods/test_image.py").read_text(encoding="utf-8")
    stub = (output / "dicom_model/iods/test_image.pyi").read_text(encoding="utf-8")
    assert "class TestImage(DicomObject):" in iod and "class TestImage(DicomObject):" in stub
    assert 'PatientSex: Literal["M", "F"]\n' in stub  # Type 1 of an M module: required, not None
    assert "PatientName: PersonName | str | None = None\n" in stub  # Type 2: may be empty, so None by default
    assert "Rows: int | None = None\n" in stub  # 1C
    # the .py takes the Patient Module's rows and fields from its class at import; it
    # writes the Image Module's (whose file it does not import otherwise)
    assert "@composed_fields\nclass TestImage(DicomObject):" in iod and "PatientSex" not in iod
    assert "Rows: int | None = None\n" in iod and "\nRows\t00280010\tUS\t1\t1C\t" in iod
    assert '"Rows": Equals("Modality", ("OT",), 0),' in iod  # the 1C attribute's compiled condition
    assert '"ImageModule": Equals("Modality", ("OT",), 0),' in iod  # the C module's condition
    patient = (output / "dicom_model/modules/patient_module.py").read_text(encoding="utf-8")
    assert "class PatientModuleOtherPatientIDsSequenceItem(DicomObject):" in patient
    assert "IssuerOfPatientID: str | None = None" in patient  # the macro's row, included in the item
