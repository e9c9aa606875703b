"""An Include row's own condition applies to the attributes it includes.

The Document Content Macro (PS3.3 Table C.17-5) includes the Numeric Measurement,
Code, Composite, Image, Waveform, Spatial and Temporal Coordinates, Container and
Table macros "if and only if Value Type (0040,A040) is" NUM, CODE, ...: their Type 1
attributes are required for that value type only. Read as unconditional, every one of
them was a required constructor argument, so no content item (a TEXT item asks for none
of Graphic Data, Continuity of Content, Referenced SOP Sequence, ...) could be built.
"""

from __future__ import annotations

import inspect

import pytest

from dicom_codegen.row_rules import include_condition
from dicom_model.macros.code_sequence_macro import CodeSequenceMacro
from dicom_model.macros.document_content_macro import DocumentContentMacro
from dicom_model.modules.sr_document_content_module import SRDocumentContentModule

NAME = [CodeSequenceMacro(CodeValue="121071", CodingSchemeDesignator="DCM", CodeMeaning="Finding")]


def test_the_condition_of_an_include_row_is_read() -> None:
    assert include_condition("Include if and only if Value Type (0040,A040) is NUM.") == "Value Type (0040,A040) is NUM"
    by_value = "Include if the Target Content Item is included by-value in the Source Content Item. The Macro shall not be present if the relationship is by-reference."
    assert include_condition(by_value) == "the Target Content Item is included by-value in the Source Content Item"
    assert include_condition("Include") == ""


@pytest.mark.parametrize("cls", [DocumentContentMacro, SRDocumentContentModule])
def test_only_value_type_is_required(cls: type) -> None:
    required = [name for name, p in inspect.signature(cls).parameters.items() if p.default is inspect.Parameter.empty]
    assert required == ["ValueType"]


def test_a_text_item_is_built_and_valid() -> None:
    item = DocumentContentMacro(ValueType="TEXT", ConceptNameCodeSequence=NAME, TextValue="no finding")
    assert item.errors() == []


@pytest.mark.parametrize(
    ("value_type", "missing"),
    [
        ("SCOORD", ["GraphicData", "GraphicType"]),
        ("SCOORD3D", ["GraphicData", "GraphicType", "ReferencedFrameOfReferenceUID"]),
        ("COMPOSITE", ["ReferencedSOPSequence"]),
        ("IMAGE", ["ReferencedSOPSequence"]),
        ("WAVEFORM", ["ReferencedSOPSequence"]),
        ("CODE", ["ConceptCodeSequence"]),
        ("CONTAINER", ["ContinuityOfContent"]),
        ("TABLE", ["TabulatedValuesSequence"]),
        ("TCOORD", ["TemporalRangeType", "ReferencedTimeOffsets", "ReferencedDateTime"]),
    ],
)
def test_the_value_types_attributes_are_required_for_it(value_type: str, missing: list[str]) -> None:
    item = DocumentContentMacro(ValueType=value_type, ConceptNameCodeSequence=NAME)  # type: ignore[arg-type]
    found = {f.path: f.rule for f in item.errors()}
    assert found == dict.fromkeys(missing, "condition")


def test_a_1c_row_is_required_under_both_conditions() -> None:
    # Numeric Value Qualifier Code Sequence: "Required if Measured Value Sequence is empty"
    # (Table C.18.1-1), and only in a NUM item.
    num = DocumentContentMacro(ValueType="NUM", ConceptNameCodeSequence=NAME, MeasuredValueSequence=[])
    assert [f.path for f in num.errors()] == ["NumericValueQualifierCodeSequence"]
    text = DocumentContentMacro(ValueType="TEXT", ConceptNameCodeSequence=NAME, TextValue="x")
    assert text.errors() == []
    # an empty Measured Value Sequence (2C: "Required if Value Type is NUM") in a TEXT item
    # is present where its condition does not hold (tests/test_absent_otherwise.py)
    text.MeasuredValueSequence = []
    assert [(f.path, f.rule) for f in text.errors()] == [("MeasuredValueSequence", "condition-unsatisfied")]
