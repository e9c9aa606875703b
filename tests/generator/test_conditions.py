"""Compiling condition sentences, and evaluating the compiled form at run time."""

from __future__ import annotations

import pytest

from dicom_codegen.conditions import AllOf, AnyOf, Equals, Present, compile_condition
from dicom_runtime import conditions as runtime

KEYWORDS = {
    "(0008,0008)": "ImageType",
    "(0018,9302)": "AcquisitionType",
    "(0028,7FE0)": "PixelDataProviderURL",
    "(0020,9056)": "StackID",
    "(0018,9621)": "FunctionalMRSequence",
    "(0018,9037)": "CardiacSynchronizationTechnique",
}
NAMES = {"rescale intercept": "RescaleIntercept", "sop class uid": "SOPClassUID"}


def keyword_of(tag: str, name: str) -> str:
    return KEYWORDS.get(f"({tag})", "") if tag else NAMES.get(name.lower(), "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Required if Pixel Data Provider URL (0028,7FE0) is not present.", Present("PixelDataProviderURL", True)),
        ("Required if Rescale Intercept is present. May be present otherwise.", Present("RescaleIntercept")),
        (
            "Required if Image Type (0008,0008) Value 1 is ORIGINAL or MIXED, may be present otherwise.",
            Equals("ImageType", ("ORIGINAL", "MIXED"), 1),
        ),
        (
            "Required if Cardiac Synchronization Technique (0018,9037) equals other than NONE or REALTIME.",
            Equals("CardiacSynchronizationTechnique", ("NONE", "REALTIME"), 0, True),
        ),
        (
            "Required if Image Type (0008,0008) Value 1 is ORIGINAL and Acquisition Type (0018,9302) is SPIRAL.",
            AllOf((Equals("ImageType", ("ORIGINAL",), 1), Equals("AcquisitionType", ("SPIRAL",), 0))),
        ),
        (
            "Required if Stack ID (0020,9056) or Functional MR Sequence (0018,9621) is present.",
            AnyOf((Present("StackID"), Present("FunctionalMRSequence"))),
        ),
        (
            'Required if SOP Class UID is not "1.2.840.10008.5.1.4.1.1.2.2".',
            Equals("SOPClassUID", ("1.2.840.10008.5.1.4.1.1.2.2",), 0, True),
        ),
    ],
)
def test_patterns_compile(text: str, expected: object) -> None:
    assert compile_condition(text, keyword_of).predicate == expected


@pytest.mark.parametrize(
    "text",
    [
        "Required if contrast media was used in this image.",
        "Required if the patient is an animal.",
        "Required if Image Type (0008,0008) Value 1 is ORIGINAL and Stack ID (0020,9056) is present or "
        "Functional MR Sequence (0018,9621) is present.",  # and/or precedence is not ours to guess
        "Required if Unknown Thing (9999,9999) is present.",
    ],
)
def test_prose_stays_uncompiled_and_keeps_its_text(text: str) -> None:
    compiled = compile_condition(text, keyword_of)
    assert compiled.predicate is None and compiled.text


class _Object:
    ImageType: list[str] | None = ["ORIGINAL", "PRIMARY"]
    AcquisitionType: str | None = None
    StackID: str | None = None


def test_runtime_evaluation() -> None:
    obj = _Object()
    assert runtime.Equals("ImageType", ("ORIGINAL", "MIXED"), 1).evaluate(obj) is True
    assert runtime.Equals("ImageType", ("PRIMARY",), 1).evaluate(obj) is False
    assert runtime.Equals("ImageType", ("PRIMARY",), 0).evaluate(obj) is True
    assert runtime.Present("AcquisitionType").evaluate(obj) is False
    assert runtime.Present("AcquisitionType", negate=True).evaluate(obj) is True
    assert runtime.Present("NotHere").evaluate(obj) is None
    both = runtime.AllOf((runtime.Present("StackID"), runtime.Present("NotHere")))
    assert both.evaluate(obj) is False  # one part false settles it
    either = runtime.AnyOf((runtime.Present("StackID"), runtime.Present("NotHere")))
    assert either.evaluate(obj) is None  # cannot tell: not checked
