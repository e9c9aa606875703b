"""dicom_runtime.dictionary over the committed generated dictionary."""

from __future__ import annotations

import pytest

from dicom_model import tags, transfer_syntaxes, uids
from dicom_runtime import (
    DicomError,
    UnknownTagError,
    UnknownUIDError,
    get_entry,
    lookup,
    transfer_syntax,
    uid_info,
)


def test_lookup_by_tag_and_keyword() -> None:
    by_tag = lookup(0x00100010)
    assert lookup("PatientName") is by_tag
    assert (by_tag.keyword, by_tag.name, by_tag.vr, by_tag.vm, by_tag.retired) == (
        "PatientName",
        "Patient's Name",
        "PN",
        "1",
        False,
    )
    assert by_tag.source == "PS3.6 2015b Table 6-1"
    assert by_tag.tag_text == "(0010,0010)"


@pytest.mark.parametrize(
    ("tag", "keyword"),
    [
        (0x60000010, "OverlayRows"),
        (0x60020010, "OverlayRows"),
        (0x601E3000, "OverlayData"),
        (0x50100005, "CurveDimensions"),
        (0x002031FF, "SourceImageIDs"),
        (0x10000003, "HuffmanTableTriplet"),
        (0x10001233, "HuffmanTableTriplet"),
        (0x00280410, "RowsForNthOrderCoefficients"),
        (0x00280412, "CoefficientCoding"),
        (0x00280400, "TransformLabel"),  # an exact entry wins over (0028,04x0)
        (0x10100004, "ZonalMap"),
    ],
)
def test_repeating_groups(tag: int, keyword: str) -> None:
    entry = lookup(tag)
    assert entry.keyword == keyword and entry.matches(tag)


def test_repeating_group_text() -> None:
    assert lookup("OverlayRows").tag_text == "(60xx,0010)"
    assert lookup(0x10000003).tag_text == "(1000,xxx3)"


def test_command_elements_are_in_the_dictionary() -> None:
    entry = lookup("AffectedSOPClassUID")
    assert (entry.tag, entry.vr, entry.source) == (0x00000002, "UI", "PS3.7 2020c Table E.1-1")
    assert lookup(0x00000001).retired


def test_unknown_tags() -> None:
    assert get_entry(0x00090010) is None  # private creator range: not in PS3.6
    assert get_entry("NoSuchKeyword") is None
    with pytest.raises(UnknownTagError, match=r"\(0009,0010\) is not in the data dictionary") as caught:
        lookup(0x00090010)
    assert isinstance(caught.value, DicomError) and isinstance(caught.value, KeyError)
    with pytest.raises(UnknownTagError, match="NoSuchKeyword"):
        lookup("NoSuchKeyword")


def test_tag_constants_are_ints_that_know_their_entry() -> None:
    assert tags.PatientName == 0x00100010 and isinstance(tags.PatientName, int)
    by_tag: dict[int, int] = {tags.PatientName: 1}
    assert by_tag[0x00100010] == 1
    assert (tags.PatientName.vr, tags.PatientName.vm, tags.PatientName.keyword) == ("PN", "1", "PatientName")
    assert tags.PixelData.vrs == ("OB", "OW")
    assert tags.OverlayRows == 0x60000010 and tags.OverlayRows.name == "Overlay Rows"
    assert (tags.PatientName.group, tags.PatientName.element) == (0x0010, 0x0010)
    assert repr(tags.StudyInstanceUID) == "(0020,000D) StudyInstanceUID"
    assert tags.Item.vrs == () and tags.Item.vr == ""


def test_uids() -> None:
    assert uids.CTImageStorage == "1.2.840.10008.5.1.4.1.1.2"
    info = uid_info(uids.CTImageStorage)
    assert (info.keyword, info.name, info.type, info.retired) == (
        "CTImageStorage",
        "CT Image Storage",
        "SOP Class",
        False,
    )
    assert uid_info("1.2.840.10008.5.1.4.1.1.6").keyword == "UltrasoundImageStorageRetired"
    assert uids.CONTEXT_GROUP_UIDS["2"] == "1.2.840.10008.6.1.1"
    assert uids.FRAMES_OF_REFERENCE["1.2.840.10008.1.4.1.1"] == "Talairach Brain Atlas Frame of Reference"
    with pytest.raises(UnknownUIDError):
        uid_info("1.2.3.4")


def test_transfer_syntaxes() -> None:
    ts = transfer_syntax("1.2.840.10008.1.2.1")
    assert ts is transfer_syntaxes.ExplicitVRLittleEndian
    assert ts == "1.2.840.10008.1.2.1" and (ts.explicit_vr, ts.little_endian, ts.encapsulated) == (True, True, False)
    assert transfer_syntaxes.DeflatedExplicitVRLittleEndian.deflated
    assert transfer_syntaxes.ExplicitVRBigEndian.retired and not transfer_syntaxes.ExplicitVRBigEndian.little_endian
    assert transfer_syntaxes.RLELossless.encapsulated
    assert len(transfer_syntaxes.ALL) == 37
    assert transfer_syntax(uids.JPEGBaselineProcess1).encapsulated
    with pytest.raises(UnknownUIDError):
        transfer_syntax(uids.CTImageStorage)
