"""A Type 1C or 2C attribute present where its condition does not hold (PS3.5 7.4.2 and
7.4.4: "When the specified conditions are not met, Type 1C elements shall not be included
in the Data Set"), unless its description permits it ("May be present otherwise."):
rule ``condition-unsatisfied``, as dciodvfy's "Attribute present when condition
unsatisfied (which may not be present otherwise)". And one present is never empty
(rule ``type1-empty``, as a Type 1)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pydicom
import pydicom.data
import pytest

from dicom_model.macros.code_sequence_macro import CodeSequenceMacro
from dicom_model.macros.document_content_macro import DocumentContentMacro
from dicom_model.modules.clinical_trial_subject_module import ClinicalTrialSubjectModule
from dicom_model.modules.voilut_module import VOILUTModule
from dicom_runtime.attribute_table import attribute_table
from dicom_runtime.objects import DicomObject
from dicom_runtime.typed import read

DCIODVFY = shutil.which("dciodvfy")
NAME = [CodeSequenceMacro(CodeValue="121071", CodingSchemeDesignator="DCM", CodeMeaning="Finding")]


def _spec(cls: type[DicomObject], keyword: str) -> object:
    return next(s for s in cls.ATTRIBUTES if s.keyword == keyword)


def test_the_rule_is_in_the_tables_where_nothing_permits_the_attribute_otherwise() -> None:
    assert getattr(_spec(VOILUTModule, "WindowWidth"), "absent_otherwise") is True  # "Required if Window Center is sent."
    # "Required if Clinical Trial Subject Reading ID (0012,0042) is absent. May be present otherwise."
    assert getattr(_spec(ClinicalTrialSubjectModule, "ClinicalTrialSubjectID"), "absent_otherwise") is False
    line = "WindowWidth\t00281051\tDS\t1-n\t1C\t\tC.11-2b row 6\t\tWindow Center (0028,1050) is sent\t!"
    assert attribute_table(line, "PS3.3 2016c Table ")[0].absent_otherwise is True
    assert attribute_table(line.removesuffix("\t!"), "PS3.3 2016c Table ")[0].absent_otherwise is False


def test_a_content_item_holds_only_its_value_types_attributes() -> None:
    text = DocumentContentMacro(ValueType="TEXT", ConceptNameCodeSequence=NAME, TextValue="x", DateTime="20240101")
    assert [(f.path, f.rule) for f in text.errors()] == [("DateTime", "condition-unsatisfied")]
    date_time = DocumentContentMacro(ValueType="DATETIME", ConceptNameCodeSequence=NAME, DateTime="20240101")
    assert date_time.errors() == []


def test_permitted_otherwise_is_not_reported() -> None:
    subject = ClinicalTrialSubjectModule(
        ClinicalTrialSponsorName="S", ClinicalTrialProtocolID="P", ClinicalTrialProtocolName="N",
        ClinicalTrialSiteID="1", ClinicalTrialSiteName="Site", ClinicalTrialSubjectID="7", ClinicalTrialSubjectReadingID="R7",
    )  # fmt: skip
    assert [f for f in subject.errors() if f.rule == "condition-unsatisfied"] == []


@pytest.mark.skipif(DCIODVFY is None, reason="dciodvfy (dicom3tools) is needed: bash .ci/install")
def test_dciodvfy_reports_the_same_attribute(tmp_path: Path) -> None:
    """CT_small.dcm with Window Width but no Window Center: dciodvfy's three errors are ours."""
    dataset = pydicom.dcmread(str(pydicom.data.get_testdata_file("CT_small.dcm")))
    dataset.WindowWidth = "400"
    path = tmp_path / "window_width_alone.dcm"
    dataset.save_as(path)
    assert DCIODVFY is not None
    run = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True, errors="replace")
    theirs = {line for line in (run.stdout + run.stderr).splitlines() if line.startswith("Error") and "Window" in line}
    assert theirs == {
        "Error - Attribute present when condition unsatisfied (which may not be present otherwise) Type 1C Conditional Element=<WindowWidth> Module=<VOILUTMacro>",
        "Error - Missing attribute Type 1C Conditional Element=<WindowCenter> Module=<VOILUTMacro>",
    }
    image = read(path, strict=False)
    assert isinstance(image, DicomObject)
    ours = {(f.path, f.rule) for f in image.errors() if "Window" in f.path}
    assert ours == {("WindowWidth", "condition-unsatisfied"), ("WindowCenter", "condition")}


@pytest.mark.skipif(DCIODVFY is None, reason="dciodvfy (dicom3tools) is needed: bash .ci/install")
def test_a_type_1c_attribute_present_has_a_value(tmp_path: Path) -> None:
    """PS3.5 7.4.2: a 1C included is as a Type 1, so it is never empty (dciodvfy: "Empty
    attribute (no value) Type 1C"); before, an empty one read from a file was taken for
    absent, and its condition (here met by it being sent) said nothing."""
    dataset = pydicom.dcmread(str(pydicom.data.get_testdata_file("CT_small.dcm")))
    dataset.WindowWidth = "400"
    dataset.WindowCenter = None
    path = tmp_path / "window_center_empty.dcm"
    dataset.save_as(path)
    assert DCIODVFY is not None
    run = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True, errors="replace")
    theirs = {line for line in (run.stdout + run.stderr).splitlines() if line.startswith("Error") and "Window" in line}
    assert theirs == {"Error - Empty attribute (no value) Type 1C Conditional Element=<WindowCenter> Module=<VOILUTMacro>"}
    image = read(path, strict=False)
    assert isinstance(image, DicomObject)
    assert {(f.path, f.rule) for f in image.errors() if "Window" in f.path} == {("WindowCenter", "type1-empty")}
    built = DocumentContentMacro(ValueType="DATETIME", ConceptNameCodeSequence=NAME, DateTime="")
    assert [(f.path, f.rule) for f in built.errors()] == [("DateTime", "type1-empty")]
