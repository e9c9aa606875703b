"""Cross-check against a dictionary nobody here wrote: pydicom's (pydicom 3.0.2).

pydicom 3.0.2 carries a much newer PS3.6 than any edition in ../shared, so some
elements changed in between. Every disagreement is listed below with its reason;
the test fails on any other disagreement and on a listed one that disappears.
"""

from __future__ import annotations

import pytest
from pydicom._dicom_dict import DicomDictionary, RepeatersDictionary

from dicom_codegen.model import DataElement
from dicom_runtime.dictionary import _index
from tests.conftest import ps6, ps7

Difference = tuple[str, str, str, str]  # (tag, field, ours, pydicom's)

NEWER_EDITION = "changed in an edition after 2015b (pydicom follows the newer one)"
PYDICOM_NOTATION = "pydicom's notation, not the standard's text"

KNOWN_2015B: dict[Difference, str] = {
    ("(0008,9007)", "vm", "4", "4-5"): NEWER_EDITION + ": Frame Type gained an optional 5th value",
    ("(0014,0023)", "vm", "1-n", "1"): NEWER_EDITION + ": DICONDE element, VM corrected",
    ("(0014,0024)", "vm", "1-n", "1"): NEWER_EDITION + ": DICONDE element, VM corrected",
    ("(0014,0025)", "vm", "1-n", "1"): NEWER_EDITION + ": DICONDE element, VM corrected",
    ("(0014,0028)", "vm", "1-n", "1"): NEWER_EDITION + ": DICONDE element, VM corrected",
    ("(0014,0042)", "vm", "1-n", "1"): NEWER_EDITION + ": DICONDE element, VM corrected",
    ("(0014,0044)", "vm", "1-n", "1"): NEWER_EDITION + ": DICONDE element, VM corrected",
    ("(0014,0045)", "vm", "1-n", "1"): NEWER_EDITION + ": DICONDE element, VM corrected",
    ("(0014,40A0)", "vm", "1", "1-n"): NEWER_EDITION + ": DICONDE element, VM widened",
    ("(0014,40A1)", "vm", "1", "1-n"): NEWER_EDITION + ": DICONDE element, VM widened",
    ("(0014,40A2)", "vm", "1", "1-n"): NEWER_EDITION + ": DICONDE element, VM widened",
    ("(0018,9323)", "vm", "1", "1-n"): NEWER_EDITION + ": Exposure Modulation Type VM widened",
    ("(0062,0009)", "vm", "1", "1-n"): NEWER_EDITION + ": Segment Algorithm Name VM widened",
    ("(0066,0040)", "vr", "UL", "OL"): NEWER_EDITION + ": index lists moved to the OL VR",
    ("(0066,0040)", "vm", "1-n", "1"): NEWER_EDITION + ": index lists moved to the OL VR",
    ("(0066,0041)", "vr", "UL", "OL"): NEWER_EDITION + ": index lists moved to the OL VR",
    ("(0066,0041)", "vm", "3-3n", "1"): NEWER_EDITION + ": index lists moved to the OL VR",
    ("(0066,0042)", "vr", "UL", "OL"): NEWER_EDITION + ": index lists moved to the OL VR",
    ("(0066,0042)", "vm", "2-2n", "1"): NEWER_EDITION + ": index lists moved to the OL VR",
    ("(0066,0043)", "vr", "UL", "OL"): NEWER_EDITION + ": index lists moved to the OL VR",
    ("(0066,0043)", "vm", "1-n", "1"): NEWER_EDITION + ": index lists moved to the OL VR",
    ("(0068,62F0)", "vr", "FD", "SQ"): NEWER_EDITION + ": replaced by View Orientation Modifier Code Sequence",
    ("(0068,62F0)", "vm", "9", "1"): NEWER_EDITION + ": replaced by View Orientation Modifier Code Sequence",
    ("(0068,62F0)", "keyword", "ViewOrientationModifier", "ViewOrientationModifierCodeSequence"): NEWER_EDITION
    + ": replaced by View Orientation Modifier Code Sequence",
    ("(0076,0034)", "vr", "CS", "SQ"): NEWER_EDITION + ": Component Types became a code sequence",
    ("(0080,0010)", "vm", "1-n", "1"): NEWER_EDITION + ": Recommended Rotation Point VM corrected",
    ("(0080,0011)", "vm", "1-n", "1"): NEWER_EDITION + ": Bounding Rectangle VM corrected",
    ("(300A,0131)", "keyword", "AverageBeamDosePointSourceToExternalContourSurfaceDistance",
     "AverageBeamDosePointSourceToExternalContourDistance"): NEWER_EDITION + ": keyword shortened",
    ("(4010,1029)", "keyword", "ThreatDetectionAlgorithmandVersion", "ThreatDetectionAlgorithmAndVersion"): (
        NEWER_EDITION + ": 2015b prints a lower-case 'and', corrected later"
    ),
    ("(0018,9445)", "vr", "", "OB"): "2015b leaves VR, VM and name empty (RET - See Note); pydicom keeps older values",
    ("(0018,9445)", "vm", "", "1"): "2015b leaves VR, VM and name empty (RET - See Note); pydicom keeps older values",
    ("(0028,0020)", "vr", "", "OB"): "2015b leaves VR, VM and name empty (RET - See Note); pydicom keeps older values",
    ("(0028,0020)", "vm", "", "1"): "2015b leaves VR, VM and name empty (RET - See Note); pydicom keeps older values",
    ("(0028,1200)", "vm", "1-n or 1", "1-n"): PYDICOM_NOTATION + ": it drops the 'or 1' alternative",
    ("(0028,3006)", "vm", "1-n or 1", "1-n"): PYDICOM_NOTATION + ": it drops the 'or 1' alternative",
    ("(FFFE,E000)", "vr", "", "NONE"): PYDICOM_NOTATION + ": PS3.6 gives the item's VR as 'See Note'",
    ("(FFFE,E00D)", "vr", "", "NONE"): PYDICOM_NOTATION + ": PS3.6 gives the VR as 'See Note'",
    ("(FFFE,E0DD)", "vr", "", "NONE"): PYDICOM_NOTATION + ": PS3.6 gives the VR as 'See Note'",
}

UR_INTRODUCED = "the UR VR only exists from 2014c on; 2013 and 2014a use UT or ST for these URIs"
NOT_YET_OL = "2013 and 2014a list no VR change for the index lists; the OL change came in 2014c/2015"
ONLY_2015B_KEYWORD = "the long keyword was introduced with 2015b and later shortened"
KNOWN_BEFORE_2014C: dict[Difference, str] = {
    **{k: v for k, v in KNOWN_2015B.items() if not k[0].startswith("(0066,004") and k[0] != "(300A,0131)"},
    ("(0008,1190)", "vr", "UT", "UR"): UR_INTRODUCED,
    ("(0028,7FE0)", "vr", "UT", "UR"): UR_INTRODUCED,
    ("(0040,E010)", "vr", "UT", "UR"): UR_INTRODUCED,
    ("(0074,100A)", "vr", "ST", "UR"): UR_INTRODUCED,
}
KNOWN = {"2013": KNOWN_BEFORE_2014C, "2014a": KNOWN_BEFORE_2014C, "2015b": KNOWN_2015B}


def _differences(elements: tuple[DataElement, ...]) -> tuple[set[Difference], int]:
    found: set[Difference] = set()
    common = 0
    for element in elements:
        if element.is_repeating:
            reference = RepeatersDictionary.get(element.tag[1:-1].replace(",", ""))
        else:
            reference = DicomDictionary.get(element.value)
        if reference is None:
            continue
        common += 1
        vr, vm, _name, _retired, keyword = reference
        ours = {"vr": " or ".join(element.vrs), "vm": element.vm.text if element.vm else "", "keyword": element.keyword}
        theirs = {"vr": vr, "vm": vm, "keyword": keyword}
        for field in ("vr", "vm", "keyword"):
            if ours[field] != theirs[field]:
                found.add((element.tag, field, ours[field], theirs[field]))
    return found, common


@pytest.mark.parametrize("edition", sorted(KNOWN))
def test_every_common_tag_agrees_except_the_known_differences(edition: str) -> None:
    found, common = _differences(ps6(edition).elements)
    assert common > 3700
    unexpected = found - set(KNOWN[edition])
    vanished = set(KNOWN[edition]) - found
    assert not unexpected, f"new disagreements with pydicom: {sorted(unexpected)}"
    assert not vanished, f"listed differences that no longer occur: {sorted(vanished)}"


def test_command_elements_agree_with_pydicom() -> None:
    found, common = _differences(ps7("2020c").elements)
    assert common == 46 and found == set()


def test_the_generated_dictionary_is_the_one_checked() -> None:
    """The runtime's tables (from generated/) agree with pydicom the same way."""
    index = _index()
    # 3879 + 12 + 19 rows of PS3.6 less 88 repeating forms, plus 46 command elements
    assert len(index.by_tag) == 3822 + 46 and len(index.repeating) == 88
    checked = 0
    for tag, entry in index.by_tag.items():
        reference = DicomDictionary.get(tag)
        if reference is None:
            continue
        checked += 1
        vr, vm, _name, _retired, keyword = reference
        for field, ours, theirs in (("vr", " or ".join(entry.vrs), vr), ("vm", entry.vm, vm), ("keyword", entry.keyword, keyword)):
            if ours != theirs:
                assert (entry.tag_text, field, ours, theirs) in KNOWN_2015B
    assert checked == 3822 + 46  # pydicom knows every one of them
    for entry in index.repeating:
        vr, vm, _name, _retired, keyword = RepeatersDictionary[entry.tag_text[1:-1].replace(",", "")]
        assert (" or ".join(entry.vrs), entry.vm, entry.keyword) == (vr, vm, keyword)
