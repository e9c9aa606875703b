"""The passes, one by one."""

from __future__ import annotations

import dataclasses

import pytest

from dicom_codegen import naming, passes
from dicom_codegen.model import Model
from tests.conftest import ps6, ps7


@pytest.mark.parametrize(
    ("name", "uid_type", "keyword"),
    [
        ("Verification SOP Class", "SOP Class", "Verification"),
        ("CT Image Storage", "SOP Class", "CTImageStorage"),
        ("Implicit VR Little Endian: Default Transfer Syntax for DICOM", "Transfer Syntax", "ImplicitVRLittleEndian"),
        ("Explicit VR Big Endian (Retired)", "Transfer Syntax", "ExplicitVRBigEndian"),
        ("Study Root Query/Retrieve Information Model - FIND", "SOP Class", "StudyRootQueryRetrieveInformationModelFind"),
        ("12-lead ECG Waveform Storage", "SOP Class", "TwelveLeadECGWaveformStorage"),
        ("Storage Service Class", "Service Class", "Storage"),
        ("Storage Commitment Push Model SOP Instance", "Well-known SOP Instance", "StorageCommitmentPushModelInstance"),
        ("Unified Procedure Step - Push SOP Class - Trial", "SOP Class", "UnifiedProcedureStepPushTrial"),
        ("SPM2 T1 Frame of Reference", "Well-known frame of reference", "SPM2T1"),
        ("dicomDeviceName", "LDAP OID", "dicomDeviceName"),
        ("JPEG Extended (Process 2 & 4)", "Transfer Syntax", "JPEGExtendedProcess2And4"),
        ("Media Creation Management SOP Class UID", "SOP Class", "MediaCreationManagement"),
    ],
)
def test_derive_uid_keyword(name: str, uid_type: str, keyword: str) -> None:
    assert naming.derive_uid_keyword(name, uid_type) == keyword


def _model(edition: str = "2015b") -> Model:
    return passes.run(Model(dictionary=ps6(edition), commands=ps7("2020c")))


def test_shared_uid_keywords_give_the_retired_one_a_suffix() -> None:
    model = _model()
    assert model.dictionary is not None
    keywords = {u.value: u.keyword for u in model.dictionary.uids}
    assert keywords["1.2.840.10008.5.1.4.1.1.6.1"] == "UltrasoundImageStorage"
    assert keywords["1.2.840.10008.5.1.4.1.1.6"] == "UltrasoundImageStorageRetired"
    assert len(set(keywords.values())) == len(keywords)
    assert all(u.keyword_derived for u in model.dictionary.uids)


def test_transfer_syntaxes_are_classified() -> None:
    syntaxes = {t.uid: t for t in _model().transfer_syntaxes}
    assert len(syntaxes) == 37
    implicit = syntaxes["1.2.840.10008.1.2"]
    assert (implicit.explicit_vr, implicit.little_endian, implicit.encapsulated) == (False, True, False)
    big = syntaxes["1.2.840.10008.1.2.2"]
    assert (big.explicit_vr, big.little_endian, big.retired) == (True, False, True)
    assert syntaxes["1.2.840.10008.1.2.1.99"].deflated
    assert syntaxes["1.2.840.10008.1.2.4.50"].encapsulated
    assert syntaxes["1.2.840.10008.1.2.5"].encapsulated  # RLE Lossless
    assert not syntaxes["1.2.840.10008.1.2.4.94"].encapsulated  # JPIP Referenced


def test_warnings_name_the_unusual_uid_type() -> None:
    messages = [w.message for w in _model().warnings]
    assert any("1.2.840.10008.5.1.4.39.1" in m and "'Transfer'" in m for m in messages)


def test_duplicate_keywords_are_reported() -> None:
    dictionary = ps6("2015b")
    twin = dataclasses.replace(dictionary.elements[1], tag="(0009,0010)", value=0x00090010)
    model = Model(dictionary=dataclasses.replace(dictionary, elements=dictionary.elements + (twin,)))
    warnings = passes.CheckElementKeywords().process(model).warnings
    assert any(w.kind == "keyword" and twin.keyword in w.message for w in warnings)
    assert [e.tag for e in passes.constant_elements(model) if e.keyword == twin.keyword] == [
        dictionary.elements[1].tag
    ]


def test_command_elements_win_a_shared_tag() -> None:
    commands = ps7("2020c")
    clash = dataclasses.replace(ps6("2015b").elements[0], value=0, mask=0xFFFFFFFF, keyword="Clash")
    dictionary = dataclasses.replace(ps6("2015b"), elements=(clash,))
    model = passes.run(Model(dictionary=dictionary, commands=commands))
    assert [e.keyword for e in model.all_elements() if e.value == 0] == ["CommandGroupLength"]
    assert any("is in both PS3.6 and PS3.7" in w.message for w in model.warnings)
