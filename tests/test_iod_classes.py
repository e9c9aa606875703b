"""The generated IOD, module, macro and item classes: mypy, jedi, validation."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import jedi
import pytest

from dicom_model.iods.ct_image import CTImage
from dicom_model.iods.enhanced_ct_image import EnhancedCTImage, EnhancedCTImageSharedFunctionalGroupsSequenceItem
from dicom_model.macros.pixel_measures_macro import PixelMeasuresMacroPixelMeasuresSequenceItem
from dicom_model.modules.patient_module import PatientModule
from dicom_codegen.passes_objects import file_name
from dicom_model import sop_classes
from dicom_runtime.errors import DicomTypeError
from dicom_runtime.typed import to_dataset
from tests.conftest import REPO

CT_ARGUMENTS = """
    PatientName="Doe^Jane",
    PatientID="P1",
    PatientBirthDate=None,
    PatientSex="F",
    StudyInstanceUID="1.2.3",
    StudyDate="20240101",
    StudyTime=None,
    ReferringPhysicianName=None,
    StudyID="S1",
    AccessionNumber=None,
    Modality="CT",
    SeriesInstanceUID="1.2.3.4",
    SeriesNumber=1,
    FrameOfReferenceUID="1.2.3.5",
    PositionReferenceIndicator=None,
    Manufacturer=None,
    InstanceNumber=1,
    ImageType=["ORIGINAL", "PRIMARY", "AXIAL"],
    AcquisitionNumber=None,
    PixelSpacing=[0.5, 0.5],
    ImageOrientationPatient=[1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
    ImagePositionPatient=[0.0, 0.0, 0.0],
    SliceThickness=1.0,
    SamplesPerPixel=1,
    PhotometricInterpretation="MONOCHROME2",
    Rows=512,
    Columns=512,
    BitsAllocated=16,
    BitsStored=12,
    HighBit=11,
    PixelRepresentation=0,
    RescaleIntercept=-1024.0,
    RescaleSlope=1.0,
    KVP=120.0,
    SOPClassUID="1.2.840.10008.5.1.4.1.1.2",
    SOPInstanceUID="1.2.3.6",
    PixelData=bytes(512 * 512 * 2),
"""


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    program = tmp_path / "example.py"
    program.write_text(source, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(program)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )


def _program(arguments: str) -> str:
    return "from dicom_model.iods.ct_image import CTImage\n\nimage = CTImage(" + arguments + ")\n"


def test_mypy_accepts_a_correct_ct_image(tmp_path: Path) -> None:
    result = _mypy(tmp_path, _program(CT_ARGUMENTS))
    assert result.returncode == 0, result.stdout


def test_mypy_rejects_a_wrong_value_type(tmp_path: Path) -> None:
    result = _mypy(tmp_path, _program(CT_ARGUMENTS.replace("Rows=512", 'Rows="512"')))
    assert result.returncode == 1
    assert 'Argument "Rows" to "CTImage" has incompatible type "str"; expected "int"' in result.stdout


def test_mypy_rejects_a_bare_string_for_several_values(tmp_path: Path) -> None:
    # A str is a Sequence[str]: the annotation of several values is a list or a tuple.
    result = _mypy(tmp_path, _program(CT_ARGUMENTS.replace('ImageType=["ORIGINAL", "PRIMARY", "AXIAL"]', 'ImageType="ORIGINAL"')))
    assert result.returncode == 1
    assert 'Argument "ImageType" to "CTImage" has incompatible type "str"' in result.stdout
    tupled = _mypy(tmp_path, _program(CT_ARGUMENTS.replace('ImageType=["ORIGINAL", "PRIMARY", "AXIAL"]', 'ImageType=("ORIGINAL", "PRIMARY")')))
    assert tupled.returncode == 0, tupled.stdout


def test_mypy_rejects_a_misspelled_keyword(tmp_path: Path) -> None:
    result = _mypy(tmp_path, _program(CT_ARGUMENTS + '    PatientNmae="x",\n'))
    assert result.returncode == 1
    assert 'Unexpected keyword argument "PatientNmae" for "CTImage"' in result.stdout


def test_mypy_rejects_a_value_outside_the_enumerated_values(tmp_path: Path) -> None:
    result = _mypy(tmp_path, _program(CT_ARGUMENTS.replace('PatientSex="F"', 'PatientSex="X"')))
    assert result.returncode == 1
    assert 'Argument "PatientSex" to "CTImage" has incompatible type "Literal[\'X\']"' in result.stdout


def test_mypy_rejects_a_missing_type_1_attribute(tmp_path: Path) -> None:
    result = _mypy(tmp_path, _program(CT_ARGUMENTS.replace("    Rows=512,\n", "")))
    assert result.returncode == 1
    assert 'Missing named argument "Rows" for "CTImage"' in result.stdout


def test_type_2_attributes_and_the_sop_class_uid_need_no_argument(tmp_path: Path) -> None:
    """Type 2 may be empty, so it defaults to None (written as an empty element); an IOD of
    one SOP class fills in its SOP Class UID. A Type 1 is still required (above)."""
    arguments = CT_ARGUMENTS
    for line in ('    PatientName="Doe^Jane",\n', "    StudyTime=None,\n", '    SOPClassUID="1.2.840.10008.5.1.4.1.1.2",\n'):
        assert line in arguments
        arguments = arguments.replace(line, "")
    result = _mypy(tmp_path, _program(arguments))
    assert result.returncode == 0, result.stdout
    namespace: dict[str, object] = {}
    exec(_program(arguments), namespace)
    image = namespace["image"]
    assert isinstance(image, CTImage)
    assert image.SOPClassUID == "1.2.840.10008.5.1.4.1.1.2" and image.PatientName is None
    assert image.errors() == []  # an empty Type 2 is valid
    written = to_dataset(image)
    assert written.value(0x00080016) == "1.2.840.10008.5.1.4.1.1.2"
    assert 0x00100010 in written and written.value(0x00100010) is None  # Patient's Name present, empty


def test_mypy_rejects_an_empty_type_1_attribute(tmp_path: Path) -> None:
    result = _mypy(tmp_path, _program(CT_ARGUMENTS.replace("    Rows=512,\n", "    Rows=None,\n")))
    assert result.returncode == 1
    assert 'Argument "Rows" to "CTImage" has incompatible type "None"; expected "int"' in result.stdout


def _ct(**changes: object) -> CTImage:
    namespace: dict[str, object] = {}
    exec(_program(CT_ARGUMENTS), namespace)  # the same construction mypy checks above
    image = namespace["image"]
    assert isinstance(image, CTImage)
    return dataclasses.replace(image, **changes)  # type: ignore[arg-type]


def test_a_correct_ct_image_validates_clean() -> None:
    image = _ct()
    assert image.errors() == []
    not_checked = [f for f in image.validate() if f.severity == "not-checked"]
    assert not_checked and all(f.rule == "not-checked" for f in not_checked)
    specific = next(f for f in not_checked if f.path == "PatientSpeciesDescription")
    # "the patient is an animal" is a fact outside the data set: that part is not checked, and said so
    assert specific.message.startswith("condition not checked (part not compiled: the patient is an animal)")


def test_a_compiled_condition_is_enforced() -> None:
    findings = _ct(PixelData=None).errors()
    assert [(f.path, f.rule, f.message) for f in findings] == [
        ("PixelData", "condition", "Type 1C attribute is required: Pixel Data Provider URL (0028,7FE0) is not present")
    ]
    assert _ct(PixelData=None, PixelDataProviderURL="http://example.invalid/jpip").errors() == []


def test_validation_findings_carry_path_rule_and_source() -> None:
    image = _ct(Modality="", PatientSex="X", PixelSpacing=[0.5])
    setattr(image, "Rows", "512")  # after construction, past the constructor's check
    findings = image.errors()
    by_path = {f.path: f for f in findings}
    assert by_path["Modality"].rule == "type1-empty"
    assert by_path["PatientSex"].rule == "enumerated-value"
    assert by_path["PatientSex"].source == "PS3.3 2016c Table C.7-1 row 8"
    assert by_path["Rows"].rule == "vr"
    assert by_path["PixelSpacing"].rule == "vm"


def test_functional_group_items_validate_with_nested_paths() -> None:
    measures = PixelMeasuresMacroPixelMeasuresSequenceItem(PixelSpacing=[0.5, 0.5])
    item = EnhancedCTImageSharedFunctionalGroupsSequenceItem(PixelMeasuresSequence=[measures])
    assert [f for f in item.validate("SharedFunctionalGroupsSequence[0]") if f.severity == "error"] == []
    measures.PixelSpacing = [0.5]
    findings = [f for f in item.validate("SharedFunctionalGroupsSequence[0]") if f.severity == "error"]
    assert [(f.path, f.rule) for f in findings] == [
        ("SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing", "vm"),
    ]


def test_construction_with_a_wrong_python_type_is_a_clear_error() -> None:
    with pytest.raises(DicomTypeError) as caught:
        PixelMeasuresMacroPixelMeasuresSequenceItem(PixelSpacing=["a", "b"])  # type: ignore[list-item]
    assert str(caught.value) == (
        "PixelMeasuresMacroPixelMeasuresSequenceItem.PixelSpacing: 'a' is a str; VR DS takes "
        "Decimal or float or int (PS3.3 2016c Table C.7.6.16-2 row 2)"
    )
    with pytest.raises(DicomTypeError, match="CTImage.Rows: '512' is a str; VR US takes int"):
        _ct(Rows="512")
    measures = PixelMeasuresMacroPixelMeasuresSequenceItem(PixelSpacing=[0.5, 0.5])
    with pytest.raises(DicomTypeError, match="a sequence takes a list of items"):
        EnhancedCTImageSharedFunctionalGroupsSequenceItem(PixelMeasuresSequence=measures)  # type: ignore[arg-type]


def test_iod_classes_know_their_modules_and_sop_class() -> None:
    assert CTImage.MODULES["PatientName"] == ("PatientModule",)
    assert CTImage.MODULES["SOPInstanceUID"] == ("SOPCommonModule",)
    assert CTImage.SOP_CLASSES == ("CTImageStorage",)
    assert sop_classes.CTImageStorage.iod_reference == "sect_A.3"
    fields = {f.name for f in dataclasses.fields(EnhancedCTImageSharedFunctionalGroupsSequenceItem)}
    assert {"PixelMeasuresSequence", "CTReconstructionSequence"} <= fields
    assert "FrameContentSequence" not in fields  # "May not be used as a Shared Functional Group"
    assert {f.name for f in dataclasses.fields(PatientModule)} >= {"PatientName", "PatientSex"}
    assert EnhancedCTImage.MODULES["PixelRepresentation"][0] == "ImagePixelModule"


def test_jedi_offers_the_keywords_of_ct_image_and_of_a_functional_group_item(tmp_path: Path) -> None:
    source = "from dicom_model.iods.ct_image import CTImage\nCTImage(Patient"
    names = {c.name for c in jedi.Script(source, path=tmp_path / "a.py").complete(2, len("CTImage(Patient"))}
    assert {"PatientName=", "PatientID=", "PatientSex="} <= names
    source = textwrap.dedent(
        """
        from dicom_model.iods.enhanced_ct_image import EnhancedCTImageSharedFunctionalGroupsSequenceItem as Item
        Item(PixelMea"""
    )
    names = {c.name for c in jedi.Script(source, path=tmp_path / "b.py").complete(3, len("Item(PixelMea"))}
    assert "PixelMeasuresSequence=" in names


def test_importing_one_iod_imports_only_what_it_uses() -> None:
    code = (
        "import sys, json; from dicom_model.iods.ct_image import CTImage; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('dicom_model.modules.', 'dicom_model.iods.')))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(result.stdout))
    assert {m for m in loaded if m.startswith("dicom_model.iods.")} == {"dicom_model.iods.ct_image"}
    ct_modules = {f"dicom_model.modules.{file_name(group)}" for group in CTImage.GROUP_USAGE}
    modules = {m for m in loaded if m.startswith("dicom_model.modules.")}
    assert modules <= ct_modules and len(modules) < len(ct_modules)
