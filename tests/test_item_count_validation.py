"""Validation of a sequence's number of Items (rule ``item-count``): the count its attribute
description states ("One or more Items are permitted in this Sequence.", "Only a single
Item shall be included in this Sequence.", "Zero or one Item shall be included ..."),
checked at every depth, and beside dciodvfy on files the test writes.

What an empty sequence is judged by: Type 1, the Type 1 rule (``type1-empty``, as dciodvfy's
"Empty attribute (no value) Type 1 Required" with no count of its own); Type 2 and 2C,
nothing (Type 2 permits zero length); Type 1C and 3, the count, when it needs an Item
(dciodvfy: "Bad Sequence number of Items 0 (1-n Required by Module definition)").
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dicom_model.iods.ct_image import CTImage
from dicom_model.iods.enhanced_ct_image import EnhancedCTImage
from dicom_runtime.objects import DicomObject, Finding
from dicom_runtime.typed import _item_classes, write
from tests.test_external_tools import enhanced_ct
from tests.test_iod_classes import _ct


def _counts(image: DicomObject) -> list[Finding]:
    return [f for f in image.errors() if f.rule == "item-count"]


def _item(owner: type[DicomObject], keyword: str, **values: object) -> DicomObject:
    return _item_classes(owner)[keyword](**values)


def _code(owner: type[DicomObject], keyword: str) -> DicomObject:
    return _item(owner, keyword, CodeValue="121311", CodingSchemeDesignator="DCM", CodeMeaning="Localizer")


def _reference(owner: type[DicomObject], keyword: str, **values: object) -> DicomObject:
    return _item(owner, keyword, ReferencedSOPClassUID="1.2.840.10008.5.1.4.1.1.2", ReferencedSOPInstanceUID="1.2.3.4", **values)


def _referenced_image(purposes: int) -> DicomObject:
    item_class = _item_classes(CTImage)["ReferencedImageSequence"]
    return _reference(CTImage, "ReferencedImageSequence", PurposeOfReferenceCodeSequence=[_code(item_class, "PurposeOfReferenceCodeSequence")] * purposes)


def test_an_empty_type_3_sequence_that_needs_an_item_is_one_finding() -> None:
    (finding,) = _counts(_ct(StrainCodeSequence=[]))  # "One or more Items are permitted in this Sequence."
    assert (finding.path, finding.severity) == ("StrainCodeSequence", "error")
    assert finding.message == "StrainCodeSequence (0010,0219) has 0 items; 1 or more required when present"
    assert finding.source == "PS3.3 2016c Table C.7-1 row 35"


def test_two_items_where_only_a_single_is_permitted() -> None:
    two = [_reference(CTImage, "ReferencedPatientSequence")] * 2
    (finding,) = _counts(_ct(ReferencedPatientSequence=two))  # "Only a single Item is permitted in this Sequence."
    assert finding.message == "ReferencedPatientSequence (0008,1120) has 2 items; exactly 1 required"
    assert _counts(_ct(ReferencedPatientSequence=two[:1])) == []


def test_the_count_of_a_sequence_in_an_item_names_the_items_path() -> None:
    (finding,) = _counts(_ct(ReferencedImageSequence=[_referenced_image(1), _referenced_image(2)]))
    assert finding.path == "ReferencedImageSequence[1].PurposeOfReferenceCodeSequence"
    assert finding.message == "PurposeOfReferenceCodeSequence (0040,A170) has 2 items; exactly 1 required"


def test_an_empty_type_1_sequence_is_the_type_1_rules_alone() -> None:
    findings = _ct(DeviceSequence=[]).errors()  # Type 1, "One or more Items shall be included"
    assert [(f.path, f.rule) for f in findings] == [("DeviceSequence", "type1-empty")]


def test_an_empty_type_2_sequence_is_allowed_and_too_many_items_are_not() -> None:
    specimen = {"ContainerIdentifier": "C1", "SpecimenDescriptionSequence": None}
    assert _counts(_ct(IssuerOfTheContainerIdentifierSequence=[], **specimen)) == []  # Type 2, "Zero or one Item"
    assert _counts(_ct(PatientBreedCodeSequence=[])) == []  # Type 2C, "Zero or more Items"
    issuer = _item(CTImage, "IssuerOfTheContainerIdentifierSequence", LocalNamespaceEntityID="LAB")
    (finding,) = _counts(_ct(IssuerOfTheContainerIdentifierSequence=[issuer] * 2, **specimen))
    assert finding.message == "IssuerOfTheContainerIdentifierSequence (0040,0513) has 2 items; 0 or 1 required"


def test_an_empty_type_1c_sequence_present_needs_its_item() -> None:
    (finding,) = _counts(_ct(WaterEquivalentDiameterMethodCodeSequence=[]))
    assert finding.message == "WaterEquivalentDiameterMethodCodeSequence (0018,1272) has 0 items; exactly 1 required when present"


def test_a_sequence_of_a_functional_groups_item() -> None:
    image = enhanced_ct()
    assert _counts(image) == []
    shared = image.SharedFunctionalGroupsSequence
    assert shared is not None
    doubled = dataclasses.replace(shared[0], PixelMeasuresSequence=list(shared[0].PixelMeasuresSequence or []) * 2)
    (finding,) = _counts(dataclasses.replace(image, SharedFunctionalGroupsSequence=[doubled]))
    assert finding.path == "SharedFunctionalGroupsSequence[0].PixelMeasuresSequence"
    assert finding.message == "PixelMeasuresSequence (0028,9110) has 2 items; exactly 1 required"


# -- beside dciodvfy -----------------------------------------------------------------------

_DCIODVFY_COUNT = re.compile(r"Bad Sequence number of Items (\d+) \(([^)]*) Required by Module definition\) Element=<(\w+)>")
_OUR_COUNT = re.compile(r"^(\w+) \(\w{4},\w{4}\) has (\d+) items?;")


def _dciodvfy_counts(image: DicomObject, path: Path) -> set[tuple[str, int]]:
    """The (keyword, items found) of dciodvfy's "Bad Sequence number of Items" errors."""
    tool = shutil.which("dciodvfy")
    if tool is None:
        pytest.fail("dciodvfy is missing: bash .ci/install installs dicom3tools")
    write(image, path, validate=False)
    run = subprocess.run([tool, str(path)], capture_output=True, text=True, errors="replace", timeout=120)
    return {(m.group(3), int(m.group(1))) for m in _DCIODVFY_COUNT.finditer(run.stdout + run.stderr)}


def _our_counts(image: DicomObject) -> set[tuple[str, int]]:
    found = set()
    for finding in _counts(image):
        match = _OUR_COUNT.match(finding.message)
        assert match is not None, finding.message
        found.add((match.group(1), int(match.group(2))))
    return found


def _ct_mutants() -> dict[str, CTImage]:
    patient = _reference(CTImage, "ReferencedPatientSequence")
    code = _code(CTImage, "SeriesDescriptionCodeSequence")
    return {
        "unchanged": _ct(),
        "empty Type 3, one or more": _ct(StrainCodeSequence=[], ReferencedStudySequence=[]),
        "empty Type 3, only a single": _ct(ReferencedPatientSequence=[]),
        "two where only a single": _ct(ReferencedPatientSequence=[patient, patient], SeriesDescriptionCodeSequence=[code, code]),
        "one where only a single": _ct(ReferencedPatientSequence=[patient], SeriesDescriptionCodeSequence=[code]),
        "in an item, two": _ct(ReferencedImageSequence=[_referenced_image(2)]),
        "in an item, none": _ct(ReferencedImageSequence=[_referenced_image(0)]),
        # Type 1 in both (DeviceSequence is not: dciodvfy's later edition makes it Type 3)
        "empty Type 1": _ct(ContainerIdentifier="C1", SpecimenDescriptionSequence=[]),
    }


@pytest.mark.parametrize("name", list(_ct_mutants()))
def test_item_counts_agree_with_dciodvfy(name: str, tmp_path: Path) -> None:
    image = _ct_mutants()[name]
    assert _our_counts(image) == _dciodvfy_counts(image, tmp_path / "image.dcm")


def test_two_shared_functional_groups_items_agree_with_dciodvfy(tmp_path: Path) -> None:
    image = enhanced_ct()
    shared = image.SharedFunctionalGroupsSequence or []
    two: EnhancedCTImage = dataclasses.replace(image, SharedFunctionalGroupsSequence=shared * 2)
    assert _our_counts(two) == _dciodvfy_counts(two, tmp_path / "image.dcm") == {("SharedFunctionalGroupsSequence", 2)}


def test_a_type_2_zero_or_one_sequence_with_two_items_dciodvfy_does_not_count(tmp_path: Path) -> None:
    """PS3.3 2016c Table C.7.6.22-2 says of the Type 2 Issuer of the Container Identifier
    Sequence "Zero or one Item shall be included in this Sequence."; dciodvfy's module
    definition gives it no count (no "Bad Sequence number of Items" for two), so here we
    report what the standard says and it does not."""
    issuer = _item(CTImage, "IssuerOfTheContainerIdentifierSequence", LocalNamespaceEntityID="LAB")
    description = _item(CTImage, "SpecimenDescriptionSequence", SpecimenIdentifier="S1", SpecimenUID="1.2.3.6",
                        IssuerOfTheSpecimenIdentifierSequence=[], SpecimenPreparationSequence=[])
    image = _ct(ContainerIdentifier="C1", IssuerOfTheContainerIdentifierSequence=[issuer] * 2, ContainerTypeCodeSequence=[],
                SpecimenDescriptionSequence=[description])
    assert _our_counts(image) == {("IssuerOfTheContainerIdentifierSequence", 2)}
    assert _dciodvfy_counts(image, tmp_path / "image.dcm") == set()
