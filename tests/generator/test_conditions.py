"""Compiling condition sentences, and evaluating the compiled form at run time.

Each kind of condition goes the whole way: the sentence is compiled, the compiled
form is rendered as the generated code renders it, the rendering is evaluated
against ``dicom_runtime.conditions``, and the runtime object is evaluated on small
objects for which the condition holds, does not hold, or cannot be told.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import pytest

from dicom_codegen.conditions import (
    AllOf,
    AnyOf,
    Compare,
    ContainsCode,
    Equals,
    IncludesTag,
    IsUri,
    NotChecked,
    Present,
    compile_condition,
    condition_sentence,
    expression,
    listing,
    runtime_names,
)
from dicom_runtime import conditions as runtime
from dicom_runtime.dataset import DataElement, Dataset
from dicom_runtime.typed import from_dataset, to_dataset
from dicom_runtime.objects import AttributeSpec, DicomObject

KEYWORDS = {
    "0008,0008": "ImageType",
    "0018,9302": "AcquisitionType",
    "0028,7FE0": "PixelDataProviderURL",
    "0020,9056": "StackID",
    "0018,9621": "FunctionalMRSequence",
    "0018,9037": "CardiacSynchronizationTechnique",
    "0028,0002": "SamplesPerPixel",
    "0028,0004": "PhotometricInterpretation",
    "0008,9205": "PixelPresentation",
    "0008,0100": "CodeValue",
    "0008,0102": "CodingSchemeDesignator",
    "0008,0119": "LongCodeValue",
    "0042,0011": "EncapsulatedDocument",
    "0020,9311": "DimensionOrganizationType",
    "300A,00E0": "NumberOfCompensators",
    "0022,1035": "SourceOfOphthalmicAxialLengthCodeSequence",
    "0028,0009": "FrameIncrementPointer",
    "0018,1063": "FrameTime",
    "0018,1065": "FrameTimeVector",
    "0072,0052": "SelectorSequencePointer",
    "0040,E021": "DICOMRetrievalSequence",
    "0040,E022": "DICOMMediaRetrievalSequence",
    "0040,E023": "WADORetrievalSequence",
    "0018,1150": "ExposureTime",
    "0018,1151": "XRayTubeCurrent",
    "0070,0002": "GraphicLayer",
    "0008,0016": "SOPClassUID",
    "0054,1000": "SeriesType",
    "0028,1402": "DataPathAssignment",
    "0012,0020": "ClinicalTrialProtocolID",
    "0072,0050": "SelectorAttributeVR",
    "0054,0410": "PatientOrientationCodeSequence",
}
NAMES = {
    "rescale intercept": "RescaleIntercept",
    "sop class uid": "SOPClassUID",
    "code value": "CodeValue",
    "number of frames": "NumberOfFrames",
    "samples per pixel": "SamplesPerPixel",
}


def keyword_of(tag: str, name: str) -> str:
    return KEYWORDS.get(tag, "") if tag else NAMES.get(name.lower(), "")


def compiled(text: str) -> runtime.Condition:
    """The sentence's predicate as the generated code would construct it."""
    predicate = compile_condition(text, keyword_of).predicate
    assert predicate is not None, text
    namespace = {name: getattr(runtime, name) for name in runtime_names([predicate])}
    built = eval(expression(predicate), namespace)  # the rendering the generated files carry
    assert isinstance(built, runtime.Condition)
    return built


class Thing:
    """A sequence item or module: the attributes given, and the others it declares set to None."""

    DECLARED = tuple(dict.fromkeys((*KEYWORDS.values(), *NAMES.values(), "URNCodeValue")))

    def __init__(self, **values: object) -> None:
        for keyword in self.DECLARED:
            setattr(self, keyword, values.pop(keyword, None))
        assert not values, f"not declared: {values}"


class Partial:
    """An object that declares only some attributes (a sequence item checking a condition on its data set)."""

    def __init__(self, **values: object) -> None:
        for keyword, value in values.items():
            setattr(self, keyword, value)


# -- sentence -> compiled form ---------------------------------------------------------


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
        ("Required if Samples per Pixel (0028,0002) has a value greater than 1.", Compare("SamplesPerPixel", ">", 1.0)),
        ("Required if Number of Frames is greater than 1.", Compare("NumberOfFrames", ">", 1.0)),
        ("Required if Number of Compensators (300A,00E0) is non-zero.", Compare("NumberOfCompensators", "!=", 0.0)),
        ("Required if Number of Compensators (300A,00E0) is zero.", Compare("NumberOfCompensators", "==", 0.0)),
        ("Required if Stack ID (0020,9056) is present with a value.", Present("StackID", with_value=True)),
        (
            "Required if Dimension Organization Type (0020,9311) is present with a value of TILED_FULL.",
            Equals("DimensionOrganizationType", ("TILED_FULL",), 0),
        ),
        (
            "Required if Data Path Assignment (0028,1402) is present and has a value other than PRIMARY_PVALUES.",
            AllOf((Present("DataPathAssignment"), Equals("DataPathAssignment", ("PRIMARY_PVALUES",), 0, True))),
        ),
        (
            "Required if Series Type (0054,1000), Value 1 is either GATED or DYNAMIC.",
            Equals("SeriesType", ("GATED", "DYNAMIC"), 1),
        ),
        (
            "Required if Stack ID (0020,9056) and/or Functional MR Sequence (0018,9621) is present.",
            AnyOf((Present("StackID"), Present("FunctionalMRSequence"))),
        ),
        (
            "Required if any of Stack ID (0020,9056), Functional MR Sequence (0018,9621) or Acquisition Type (0018,9302) are present.",
            AnyOf((Present("StackID"), Present("FunctionalMRSequence"), Present("AcquisitionType"))),
        ),
        (
            "Required if Encapsulated Document (0042,0011) is present in this Sequence Item.",
            Present("EncapsulatedDocument"),
        ),
        (
            "Required if Graphic Layer (0070,0002) is present in the Volumetric Graphic Annotation Module.",
            Present("GraphicLayer"),
        ),
        (
            "Required if Dimension Organization Type (0020,9311) is absent or not TILED_FULL.",
            AnyOf((Present("DimensionOrganizationType", True), Equals("DimensionOrganizationType", ("TILED_FULL",), 0, True))),
        ),
        (
            # "A or B is not present": neither is present
            "Required if DICOM Media Retrieval Sequence (0040,E022) or WADO Retrieval Sequence (0040,E023) is not present.",
            AllOf((Present("DICOMMediaRetrievalSequence", True), Present("WADORetrievalSequence", True))),
        ),
        (
            # "either A or B is not present": one of them is missing
            "Required if either Exposure Time (0018,1150) or X-Ray Tube Current (0018,1151) are not present.",
            AnyOf((Present("ExposureTime", True), Present("XRayTubeCurrent", True))),
        ),
        (
            "Required if DICOM Retrieval Sequence (0040,E021), DICOM Media Retrieval Sequence (0040,E022) and "
            "WADO Retrieval Sequence (0040,E023) are not present.",
            AllOf(
                (
                    Present("DICOMRetrievalSequence", True),
                    Present("DICOMMediaRetrievalSequence", True),
                    Present("WADORetrievalSequence", True),
                )
            ),
        ),
        (
            "Required if Photometric Interpretation (0028,0004) has a value of PALETTE COLOR or Pixel Presentation (0008,9205) "
            "at the image level equals COLOR or MIXED.",
            AnyOf((Equals("PhotometricInterpretation", ("PALETTE COLOR",), 0), Equals("PixelPresentation", ("COLOR", "MIXED"), 0))),
        ),
        ("Required if the value of Code Value (0008,0100) is a URN or URL.", IsUri("CodeValue")),
        (
            'Required if Source of Ophthalmic Axial Length Code Sequence (0022,1035) contains an Item with the value '
            '(111782, DCM, "Axial Measurements SOP Instance").',
            ContainsCode("SourceOfOphthalmicAxialLengthCodeSequence", (("111782", "DCM"),)),
        ),
        (
            "Required if Frame Increment Pointer (0028,0009) is Frame Time (0018,1063) or Frame Time Vector (0018,1065).",
            IncludesTag("FrameIncrementPointer", (0x00181063, 0x00181065)),
        ),
        (
            "Required if the value of Frame Increment Pointer (0028,0009) includes the Tag for Frame Time Vector (0018,1065).",
            IncludesTag("FrameIncrementPointer", (0x00181065,)),
        ),
        (
            "Required if Selector Sequence Pointer (0072,0052) is present and one or more of the values of Selector "
            "Sequence Pointer (0072,0052) is the Data Element Tag of a Private Attribute.",
            AllOf((Present("SelectorSequencePointer"), IncludesTag("SelectorSequencePointer", (), private=True))),
        ),
        (
            "Required if Selector Attribute VR (0072,0050) is present and the value is AS.",
            AllOf((Present("SelectorAttributeVR"), Equals("SelectorAttributeVR", ("AS",), 0))),
        ),
        (
            # ", or" binds looser than "and"
            "Required if Image Type (0008,0008) Value 1 is ORIGINAL and Stack ID (0020,9056) is present, or "
            "Functional MR Sequence (0018,9621) is present.",
            AnyOf((AllOf((Equals("ImageType", ("ORIGINAL",), 1), Present("StackID"))), Present("FunctionalMRSequence"))),
        ),
    ],
)
def test_patterns_compile(text: str, expected: object) -> None:
    result = compile_condition(text, keyword_of)
    assert result.predicate == expected
    assert result.status == "full" and result.unchecked == ()


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("Required if contrast media was used in this image.", "outside"),
        ("Required if the patient is an animal.", "outside"),
        ("Required if known.", "outside"),
        ("Required if the equipment supports the feature.", "outside"),
        (
            # "and" and "or" without commas: the grouping is the reader's, not ours
            "Required if Image Type (0008,0008) Value 1 is ORIGINAL and Stack ID (0020,9056) is present or "
            "Functional MR Sequence (0018,9621) is present.",
            "pattern",
        ),
        ("Required if Unknown Thing (9999,9999) is present.", "pattern"),
        ("Required if Stack ID (0020,9056) is frobnicated.", "pattern"),
        ("Shall not be present if Stack ID (0020,9056) is present.", "pattern"),  # no requirement sentence at all
    ],
)
def test_what_is_not_compiled_keeps_its_text_and_cause(text: str, cause: str) -> None:
    result = compile_condition(text, keyword_of)
    assert result.predicate is None and result.text
    assert result.status == cause
    assert result.unchecked and all(p.cause == cause for p in result.unchecked) if cause == "outside" else True


def test_a_partly_checkable_sentence_checks_its_checkable_part_and_names_the_rest() -> None:
    text = "Shall be present if Code Value (0008,0100) is not present and the Code Value is a URN or URL."
    result = compile_condition(text, keyword_of)
    # "the Code Value" of the second clause cannot be the attribute the first says is absent
    assert result.predicate == AllOf((Present("CodeValue", True), NotChecked("the Code Value is a URN or URL", "outside")))
    assert result.status == "partial"
    assert result.unchecked == (NotChecked("the Code Value is a URN or URL", "outside"),)
    condition = compiled(text)
    assert condition.evaluate(Thing(CodeValue="121322")) is False  # Code Value present: not required
    assert condition.evaluate(Thing(URNCodeValue="urn:oid:1.2.3")) is None  # never "met": not checked
    reason = runtime.why_not_checked(condition, Thing())
    assert reason == "part not compiled: the Code Value is a URN or URL"

    mixed = compile_condition(
        "Required if the Referenced SOP Instance is a multi-frame image and Stack ID (0020,9056) is not present.", keyword_of
    )
    assert mixed.status == "partial"
    assert mixed.unchecked == (NotChecked("the Referenced SOP Instance is a multi-frame image", "outside"),)


def test_note_text_and_what_follows_the_sentence_are_not_part_of_it() -> None:
    description = (
        "A URL of a provider service that supplies the pixel data of the Image. Required if the image is to be "
        "transferred in one of the following presentation contexts identified by Transfer Syntax UID: "
        "1.2.840.10008.1.2.4.94 (DICOM JPIP Referenced Transfer Syntax) 1.2.840.10008.1.2.4.95 (DICOM JPIP Referenced "
        "Deflate Transfer Syntax) The VR of this Data Element has changed from UT to UR."
    )
    sentence = condition_sentence(description)
    assert sentence.startswith("the image is to be transferred") and sentence.endswith("Deflate Transfer Syntax)")
    assert "VR" not in sentence
    assert condition_sentence("Required if Stack ID (0020,9056) is present. See Section C.7.6.16.") == "Stack ID (0020,9056) is present"
    assert (
        condition_sentence("Required if Stack ID (0020,9056) is present Enumerated Values: YES NO")
        == "Stack ID (0020,9056) is present"
    )
    assert condition_sentence("Required if Stack ID (0020,9056) is present; shall not be present otherwise.") == (
        "Stack ID (0020,9056) is present"
    )


# -- compiled form -> evaluation ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "true", "false"),
    [
        ("Required if Stack ID (0020,9056) is present.", Thing(StackID="1"), Thing()),
        ("Required if Stack ID (0020,9056) is present.", Thing(StackID=""), Thing()),  # present, empty
        ("Required if Stack ID (0020,9056) is present with a value.", Thing(StackID="1"), Thing(StackID="")),
        ("Required if Pixel Data Provider URL (0028,7FE0) is not present.", Thing(), Thing(PixelDataProviderURL="http://x")),
        ("Required if Samples per Pixel (0028,0002) has a value greater than 1.", Thing(SamplesPerPixel=3), Thing(SamplesPerPixel=1)),
        ("Required if Samples per Pixel (0028,0002) has a value greater than 1.", Thing(SamplesPerPixel=3), Thing()),
        ("Required if Number of Compensators (300A,00E0) is non-zero.", Thing(NumberOfCompensators=2), Thing(NumberOfCompensators=0)),
        ("Required if Number of Frames is greater than 1.", Thing(NumberOfFrames="4"), Thing(NumberOfFrames="1")),  # IS text
        ("Required if Number of Compensators (300A,00E0) is zero.", Thing(NumberOfCompensators=0), Thing(NumberOfCompensators=1)),
        (
            "Required if Image Type (0008,0008) Value 1 is ORIGINAL or MIXED.",
            Thing(ImageType=["MIXED", "PRIMARY"]),
            Thing(ImageType=["DERIVED", "ORIGINAL"]),  # ORIGINAL, but not Value 1
        ),
        (
            "Required if Series Type (0054,1000), Value 1 is either GATED or DYNAMIC.",
            Thing(SeriesType=["GATED", "IMAGE"]),
            Thing(SeriesType=["STATIC", "IMAGE"]),
        ),
        (
            "Required if Cardiac Synchronization Technique (0018,9037) equals other than NONE or REALTIME.",
            Thing(CardiacSynchronizationTechnique="PROSPECTIVE"),
            Thing(CardiacSynchronizationTechnique="NONE"),
        ),
        (
            "Required if Data Path Assignment (0028,1402) is present and has a value other than PRIMARY_PVALUES.",
            Thing(DataPathAssignment="SECONDARY"),
            Thing(),
        ),
        (
            "Required if Stack ID (0020,9056) and/or Functional MR Sequence (0018,9621) is present.",
            Thing(FunctionalMRSequence=[Thing()]),
            Thing(),
        ),
        (
            "Required if any of Stack ID (0020,9056), Functional MR Sequence (0018,9621) or Acquisition Type (0018,9302) are present.",
            Thing(AcquisitionType="SPIRAL"),
            Thing(),
        ),
        (
            "Required if DICOM Media Retrieval Sequence (0040,E022) or WADO Retrieval Sequence (0040,E023) is not present.",
            Thing(),
            Thing(WADORetrievalSequence=[Thing()]),
        ),
        (
            "Required if either Exposure Time (0018,1150) or X-Ray Tube Current (0018,1151) are not present.",
            Thing(ExposureTime=10),
            Thing(ExposureTime=10, XRayTubeCurrent=200),
        ),
        (
            "Required if Dimension Organization Type (0020,9311) is absent or not TILED_FULL.",
            Thing(DimensionOrganizationType="3D"),
            Thing(DimensionOrganizationType="TILED_FULL"),
        ),
        ("Required if the value of Code Value (0008,0100) is a URN or URL.", Thing(CodeValue="urn:oid:2.16.840"), Thing(CodeValue="T-D1100")),
        ("Required if the value of Code Value (0008,0100) is a URN or URL.", Thing(CodeValue="http://snomed.info/id/1"), Thing(CodeValue="1")),
        (
            'Required if Source of Ophthalmic Axial Length Code Sequence (0022,1035) contains an Item with the value '
            '(111782, DCM, "Axial Measurements SOP Instance").',
            Thing(SourceOfOphthalmicAxialLengthCodeSequence=[Thing(CodeValue="1", CodingSchemeDesignator="DCM"), Thing(CodeValue="111782", CodingSchemeDesignator="DCM")]),
            Thing(SourceOfOphthalmicAxialLengthCodeSequence=[Thing(CodeValue="111782", CodingSchemeDesignator="SCT")]),
        ),
        (
            "Required if Frame Increment Pointer (0028,0009) is Frame Time (0018,1063) or Frame Time Vector (0018,1065).",
            Thing(FrameIncrementPointer=[0x00181065]),
            Thing(FrameIncrementPointer=[0x00181063 + 1]),
        ),
        (
            "Required if Selector Sequence Pointer (0072,0052) is present and one or more of the values of Selector "
            "Sequence Pointer (0072,0052) is the Data Element Tag of a Private Attribute.",
            Thing(SelectorSequencePointer=[0x00400275, 0x00091001]),
            Thing(SelectorSequencePointer=[0x00400275]),
        ),
        (
            "Required if Image Type (0008,0008) Value 1 is ORIGINAL and Stack ID (0020,9056) is present, or "
            "Functional MR Sequence (0018,9621) is present.",
            Thing(FunctionalMRSequence=[Thing()]),
            Thing(ImageType=["ORIGINAL"]),
        ),
    ],
)
def test_compiled_conditions_evaluate(text: str, true: Thing, false: Thing) -> None:
    condition = compiled(text)
    assert condition.evaluate(true) is True
    assert condition.evaluate(false) is False


def test_a_condition_on_attributes_the_object_lacks_is_not_checked_and_says_which() -> None:
    condition = compiled(
        "Required if Photometric Interpretation (0028,0004) has a value of PALETTE COLOR or Pixel Presentation (0008,9205) "
        "at the image level equals COLOR or MIXED."
    )
    item = Partial(PhotometricInterpretation="MONOCHROME2")  # a module without Pixel Presentation
    assert condition.evaluate(item) is None
    reason = runtime.why_not_checked(condition, item)
    assert reason == "names attributes outside this object: PixelPresentation"  # not Photometric Interpretation
    assert condition.evaluate(Partial(PhotometricInterpretation="PALETTE COLOR")) is True  # one part settles it
    # a sibling in a sequence item: the item has it
    sibling = compiled("Required if Encapsulated Document (0042,0011) is present in this Sequence Item.")
    assert sibling.evaluate(Partial(EncapsulatedDocument=b"%PDF")) is True
    assert sibling.evaluate(Partial(Other=1)) is None


@dataclass(kw_only=True, slots=True)
class _Image(DicomObject):
    """An IOD (it has SOP_CLASSES): the whole data set, so what it does not declare is absent."""

    SOP_CLASSES: ClassVar[tuple[str, ...]] = ("CTImageStorage",)
    ATTRIBUTES: ClassVar[tuple[AttributeSpec, ...]] = (
        AttributeSpec("PhotometricInterpretation", 0x00280004, "CS", "1", "1", (), "test row 1"),
        AttributeSpec(
            "RedPaletteColorLookupTableDescriptor",
            0x00281101,
            "US",
            "3",
            "1C",
            (),
            "test row 2",
            condition=runtime.AnyOf(
                (
                    runtime.Equals("PhotometricInterpretation", ("PALETTE COLOR",), 0),
                    runtime.Equals("PixelPresentation", ("COLOR", "MIXED"), 0),
                )
            ),
            condition_text="Photometric Interpretation (0028,0004) has a value of PALETTE COLOR or Pixel Presentation (0008,9205) at the image level equals COLOR or MIXED",
        ),
        AttributeSpec(
            "PatientBreedDescription",
            0x00102292,
            "LO",
            "1",
            "2C",
            (),
            "test row 3",
            condition=runtime.Present("PhotometricInterpretation"),
            condition_text="Photometric Interpretation (0028,0004) is present",
        ),
    )
    PhotometricInterpretation: str
    RedPaletteColorLookupTableDescriptor: list[int] | None = None
    PatientBreedDescription: str | None = None
    extra_elements: Dataset | None = dataclasses.field(default=None, repr=False)


def test_a_list_of_sop_classes_is_a_sop_class_uid_comparison() -> None:
    """Patient Position (C.7-5a): "for images where ... and whose SOP Class is one of the
    following: CT ("...") or MR ("...") Storage SOP Classes"."""
    condition = compiled(
        'Required for images where Patient Orientation Code Sequence (0054,0410) is not present and whose SOP '
        'Class is one of the following: CT ("1.2.840.10008.5.1.4.1.1.2") or MR ("1.2.840.10008.5.1.4.1.1.4") '
        "Storage SOP Classes. May be present for other SOP Classes if Patient Orientation Code Sequence "
        "(0054,0410) is not present."
    )
    assert condition.evaluate(Thing(SOPClassUID="1.2.840.10008.5.1.4.1.1.2", PatientOrientationCodeSequence=None)) is True
    assert condition.evaluate(Thing(SOPClassUID="1.2.840.10008.5.1.4.1.1.4", PatientOrientationCodeSequence=[Thing()])) is False
    assert condition.evaluate(Thing(SOPClassUID="1.2.840.10008.5.1.4.1.1.481.2", PatientOrientationCodeSequence=None)) is False


def test_an_iod_is_the_whole_data_set_and_type_2c_is_checked_like_1c() -> None:
    image = _Image(PhotometricInterpretation="MONOCHROME2", PatientBreedDescription="x")
    assert image.validate() == []  # Pixel Presentation is not in the IOD: absent, the condition is false
    image = dataclasses.replace(image, PhotometricInterpretation="PALETTE COLOR")
    assert [(f.path, f.message) for f in image.validate()] == [
        ("RedPaletteColorLookupTableDescriptor", "Type 1C attribute is required: " + _Image.ATTRIBUTES[1].condition_text)
    ]
    missing_2c = _Image(PhotometricInterpretation="MONOCHROME2")
    # constructed: a required 2C left None is written empty, as a Type 2 is
    assert missing_2c.writes_empty(_Image.ATTRIBUTES[2]) and missing_2c.validate() == []
    written = to_dataset(missing_2c)
    assert 0x00102292 in written and written.value(0x00102292) is None
    # read from a data set that lacks it: required and absent
    dataset = Dataset()
    dataset[0x00280004] = DataElement(0x00280004, "CS", "MONOCHROME2")
    read_back = from_dataset(_Image, dataset)
    assert [(f.path, f.rule, f.message) for f in read_back.validate()] == [
        ("PatientBreedDescription", "condition", "Type 2C attribute is required: Photometric Interpretation (0028,0004) is present")
    ]
    missing_2c.set_empty("PatientBreedDescription")  # present with no value: what Type 2C asks
    assert missing_2c.validate() == []
    assert runtime.Present("PatientBreedDescription").evaluate(missing_2c) is True
    assert runtime.Present("PatientBreedDescription", with_value=True).evaluate(missing_2c) is False


def test_three_valued_logic_never_makes_an_unknown_part_met() -> None:
    unknown = runtime.NotChecked("the equipment supports it", "outside")
    yes, no = runtime.Present("StackID"), runtime.Present("StackID", negate=True)
    obj = Thing(StackID="1")
    assert unknown.evaluate(obj) is None
    assert runtime.AllOf((yes, unknown)).evaluate(obj) is None
    assert runtime.AllOf((no, unknown)).evaluate(obj) is False
    assert runtime.AnyOf((yes, unknown)).evaluate(obj) is True
    assert runtime.AnyOf((no, unknown)).evaluate(obj) is None
    assert runtime.IsUri("StackID").evaluate(Thing()) is None  # no value to look at


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


def test_the_listing_counts_by_cause_and_names_the_unchecked_parts() -> None:
    entries = [
        ("table_1 row 1: A (1C)", compile_condition("Required if Stack ID (0020,9056) is present.", keyword_of)),
        ("table_1 row 2: B (1C)", compile_condition("Required if the patient is an animal.", keyword_of)),
        ("table_1 row 3: C (2C)", compile_condition("Required if Stack ID (0020,9056) is frobnicated.", keyword_of)),
        (
            "table_1 row 4: D (1C)",
            compile_condition("Required if Code Value (0008,0100) is not present and the Code Value is a URN or URL.", keyword_of),
        ),
    ]
    text = listing("2099e", entries)
    assert text.splitlines() == [
        "# Conditions of PS3.3 2099e: 2 compiled (1 fully, 1 partly), 2 not compiled "
        "(1 facts outside the data set, 1 an unrecognised pattern).",
        "# Not compiled (validation reports them as not checked), with the cause:",
        "table_1 row 2: B (1C): [outside] the patient is an animal",
        "table_1 row 3: C (2C): [pattern] Stack ID (0020,9056) is frobnicated",
        "# Partly compiled (the parts not checked, with the cause):",
        "table_1 row 4: D (1C): Code Value (0008,0100) is not present and the Code Value is a URN or URL"
        " -- not checked: [outside] the Code Value is a URN or URL",
    ]


class _MultiFrame:
    """An IOD with functional groups: an attribute it does not declare may be in their items."""

    SOP_CLASSES: ClassVar[tuple[str, ...]] = ("EnhancedCTImageStorage",)

    def __init__(self) -> None:
        self.PhotometricInterpretation = "MONOCHROME2"
        self.SharedFunctionalGroupsSequence: list[object] = []


def test_an_iod_with_functional_groups_cannot_tell_what_it_does_not_declare() -> None:
    condition = runtime.Equals("PixelPresentation", ("COLOR",), 0)
    assert condition.evaluate(_MultiFrame()) is None
    assert runtime.Equals("PhotometricInterpretation", ("MONOCHROME2",), 0).evaluate(_MultiFrame()) is True


def test_clauses_run_together_are_not_half_checked() -> None:
    # the items of a list joined without "or": "(A) or (B and C)" cannot be told from "(A B) and C",
    # so checking "C" alone could call the attribute not required when A makes it required
    text = (
        "Required if either: Volumetric Properties (0008,9206) is other than DISTORTED or SAMPLED SOP Class UID is "
        'Segmentation Storage ("1.2.840.10008.5.1.4.1.1.66.4") and Stack ID (0020,9056) is present.'
    )
    result = compile_condition(text, keyword_of)
    assert result.predicate is None and result.status == "pattern"


def test_an_iod_reads_what_it_does_not_declare_from_its_extra_elements() -> None:
    extra = Dataset()
    extra.add(0x00089205, "CS", "COLOR")  # Pixel Presentation, not an attribute of the class
    image = _Image(PhotometricInterpretation="MONOCHROME2", PatientBreedDescription="x", extra_elements=extra)
    condition = _Image.ATTRIBUTES[1].condition
    assert condition is not None and condition.evaluate(image) is True
    empty = Dataset()
    empty.add(0x00089205, "CS", None)  # present with no value
    image = dataclasses.replace(image, extra_elements=empty)
    assert runtime.Present("PixelPresentation").evaluate(image) is True
    assert runtime.Present("PixelPresentation", with_value=True).evaluate(image) is False
    assert runtime.Present("StackID").evaluate(image) is False  # not declared, not given: absent
    assert runtime.Present("StackID").evaluate(Thing(StackID=[])) is True  # a sequence with no item is present
