"""Two 1C conditions of which one holds whatever their unchecked clause (issue #13: partly
checkable sentences check the part that can be checked).

PS3.3 Table 8.8-1a requires Long Code Value "if Code Value (0008,0100) is not present and the
Code Value is not a URN or URL" and URN Code Value "if Code Value (0008,0100) is not present
and the Code Value is a URN or URL". Neither clause about the code can be checked, so each was
"not checked", and a code item with no code value at all passed; but one clause is the
other's negation, so without Code Value one of the two is required. dciodvfy reports the
item ("Missing attribute Type 1C Conditional Element=<LongCodeValue>").
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pydicom.data
import pytest

from dicom_model.iods.ct_image import CTImage
from dicom_model.macros.general_anatomy_optional_macro import GeneralAnatomyOptionalMacroAnatomicRegionSequenceItem as Region
from dicom_model.macros.code_sequence_macro import CodeSequenceMacro
from dicom_runtime.object_checks import _negations
from dicom_runtime.typed import read, write

CT = Path(str(pydicom.data.get_testdata_file("CT_small.dcm")))


def test_a_code_with_no_code_value_is_an_error() -> None:
    [error] = CodeSequenceMacro(CodeMeaning="x", CodingSchemeDesignator="DCM").errors()
    assert (error.path, error.rule) == ("LongCodeValue", "condition")
    assert error.message.startswith("Type 1C: LongCodeValue or URNCodeValue is required: LongCodeValue if Code Value (0008,0100) is not present")
    assert "Table 8.8-1a" in error.source


@pytest.mark.parametrize("given", [{"CodeValue": "T-D3000"}, {"LongCodeValue": "x" * 20}, {"URNCodeValue": "urn:oid:1.2.3"}])
def test_any_of_the_three_is_enough(given: dict[str, str]) -> None:
    code = CodeSequenceMacro(CodeMeaning="x", CodingSchemeDesignator="DCM", **given)  # type: ignore[arg-type]
    assert code.errors() == []
    assert all(f.path != "LongCodeValue" or f.severity == "not-checked" for f in code.validate())


def test_the_pair_stands_for_its_two_not_checked_findings() -> None:
    found = CodeSequenceMacro(CodeMeaning="x", CodingSchemeDesignator="DCM").validate()
    assert [f.path for f in found if f.path in ("LongCodeValue", "URNCodeValue")] == ["LongCodeValue"]
    assert [f.severity for f in found if f.path == "CodeValue"] == ["not-checked"]  # its sentence compiles to nothing


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dciodvfy is installed by .ci/install")
def test_in_an_image_as_dciodvfy_finds_it(tmp_path: Path) -> None:
    image = read(CT, CTImage)
    image.AnatomicRegionSequence = [Region(CodeMeaning="x", CodingSchemeDesignator="DCM")]
    assert [(f.path, f.rule) for f in image.errors()] == [("AnatomicRegionSequence[0].LongCodeValue", "condition")]
    write(image, tmp_path / "code.dcm", validate=False)
    checked = subprocess.run(["dciodvfy", str(tmp_path / "code.dcm")], capture_output=True, text=True)
    assert "Missing attribute Type 1C Conditional Element=<LongCodeValue>" in checked.stderr


@pytest.mark.parametrize(
    ("one", "other", "expected"),
    [
        ("the Code Value is a URN or URL", "the Code Value is not a URN or URL", True),
        ("the Code Value is not a URN or URL", "the Code Value is a URN or URL", True),
        ("the images are not compressed", "the images are compressed", True),
        ("the Code Value is a URN or URL", "the Code Value is a URN or URL", False),
        ("the Code Value is a URN", "the Code Value is not a URL", False),
        ("the patient is an animal", "the patient is not a human", False),
    ],
)
def test_negations(one: str, other: str, expected: bool) -> None:
    assert _negations(one, other) is expected
