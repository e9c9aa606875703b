"""PS3.4: every edition in ../shared, SOP classes per service class, DIMSE, query keys."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dicom_codegen import parse_ps4
from dicom_codegen.errors import InputError
from dicom_codegen.model import QueryClass, SopClass
from tests.conftest import mirror_file, ps4, ps4_raw

# Rows of Table B.5-1 (Standard SOP Classes), counted from the XML.
B_5_1 = {"2013": 110, "2015b": 116, "2016c": 120, "2017e": 129, "2019a": 134, "2020c": 151}
# SOP classes of the Storage Service Class: Table B.5-1 plus the retired Table B.6-1.
STORAGE = {"2013": 114, "2015b": 120, "2016c": 124, "2017e": 133, "2019a": 138, "2020c": 155}
# SOP classes of the other service classes, resolved with PS3.6 2015b.
COMMON_OTHERS = {
    "Application Event Logging Service Class": 2,
    "Basic Worklist Management Service Class": 1,
    "Color Palette Query/Retrieve Service Class": 3,
    "Hanging Protocol Query/Retrieve Service Class": 3,
    "Implant Template Query/Retrieve Service Class": 9,
    "Instance Availability Notification Service Class": 1,
    "Media Creation Management Service Class": 1,
    "Print Management Service Class": 16,
    "Procedure Step Service Class": 8,
    "Query/Retrieve Service Class": 6,
    "RT Machine Verification Service Class": 2,
    "Relevant Patient Information Query Service Class": 3,
    "Storage Commitment Service Class": 2,
    "Substance Administration Query Service Class": 2,
    "Unified Procedure Step Service Class": 4,
    "Verification Service Class": 1,
}
OTHERS = {
    "2013": {**COMMON_OTHERS, "Media Storage Service Class": 3},
    "2015b": {
        **COMMON_OTHERS,
        "Media Storage Service Class": 3,
        "Composite Instance Retrieve Without Bulk Data Service Class": 1,
        "Display System Management Service Class": 1,
        "Instance and Frame Level Retrieve Service Class": 2,
    },
    "2016c": {
        **COMMON_OTHERS,
        "Media Storage Service Class": 1,
        "Composite Instance Retrieve Without Bulk Data Service Class": 1,
        "Display System Management Service Class": 1,
        "Instance and Frame Level Retrieve Service Class": 2,
        "Non-Patient Object Storage Service Class": 5,
    },
}
OTHERS["2017e"] = {
    **{k: v for k, v in OTHERS["2016c"].items()},
    "Non-Patient Object Storage Service Class": 7,
    "Defined Procedure Protocol Query/Retrieve Service Class": 3,
    "Protocol Approval Query/Retrieve Service Class": 3,
}
OTHERS["2019a"] = {
    **{k: v for k, v in OTHERS["2017e"].items() if k != "Instance and Frame Level Retrieve Service Class"},
    "Composite Instance Root Retrieve Service Class": 2,
}
OTHERS["2020c"] = {**OTHERS["2019a"], "Unified Procedure Step Service Class": 5}


@pytest.mark.parametrize("edition", sorted(B_5_1))
def test_sop_classes_per_service_class(edition: str) -> None:
    registry = ps4(edition).services
    assert registry is not None
    assert dict(registry.table_counts)["table_B.5-1"] == B_5_1[edition]
    counts = Counter(s.service_class for s in registry.sop_classes)
    assert counts.pop("Storage Service Class") == STORAGE[edition]
    assert dict(counts) == OTHERS[edition]
    assert len({s.uid for s in registry.sop_classes}) == len(registry.sop_classes)
    assert len({s.keyword for s in registry.sop_classes}) == len(registry.sop_classes)


def _sop(edition: str, uid: str) -> SopClass:
    registry = ps4(edition).services
    assert registry is not None
    return next(s for s in registry.sop_classes if s.uid == uid)


@pytest.mark.parametrize(
    ("uid", "keyword", "service_class", "dimse"),
    [
        ("1.2.840.10008.1.1", "Verification", "Verification Service Class", ("C-ECHO",)),
        ("1.2.840.10008.5.1.4.1.1.2", "CTImageStorage", "Storage Service Class", ("C-STORE",)),
        ("1.2.840.10008.5.1.4.1.2.2.1", "StudyRootQueryRetrieveInformationModelFind", "Query/Retrieve Service Class", ("C-FIND",)),
        ("1.2.840.10008.5.1.4.1.2.2.2", "StudyRootQueryRetrieveInformationModelMove", "Query/Retrieve Service Class", ("C-MOVE",)),
        ("1.2.840.10008.5.1.4.1.2.1.3", "PatientRootQueryRetrieveInformationModelGet", "Query/Retrieve Service Class", ("C-GET",)),
        ("1.2.840.10008.5.1.4.31", "ModalityWorklistInformationModelFind", "Basic Worklist Management Service Class", ("C-FIND",)),
        ("1.2.840.10008.1.20.1", "StorageCommitmentPushModel", "Storage Commitment Service Class", ("N-EVENT-REPORT", "N-ACTION")),
        ("1.2.840.10008.3.1.2.3.3", "ModalityPerformedProcedureStep", "Procedure Step Service Class", ("N-SET", "N-CREATE")),
        ("1.2.840.10008.5.1.1.1", "BasicFilmSession", "Print Management Service Class", ("N-SET", "N-ACTION", "N-CREATE", "N-DELETE")),
        ("1.2.840.10008.5.1.4.34.6.3", "UnifiedProcedureStepPull", "Unified Procedure Step Service Class", ("C-FIND", "N-GET", "N-SET", "N-ACTION")),
        ("1.2.840.10008.5.1.4.34.8", "RTConventionalMachineVerification", "RT Machine Verification Service Class",
         ("N-EVENT-REPORT", "N-GET", "N-SET", "N-ACTION", "N-CREATE", "N-DELETE")),
        ("1.2.840.10008.5.1.4.33", "InstanceAvailabilityNotification", "Instance Availability Notification Service Class", ("N-CREATE",)),
        ("1.2.840.10008.5.1.1.40", "DisplaySystem", "Display System Management Service Class", ("N-GET",)),
        ("1.2.840.10008.5.1.4.41", "ProductCharacteristicsQuery", "Substance Administration Query Service Class", ("C-FIND",)),
        ("1.2.840.10008.5.1.4.39.1", "ColorPaletteStorage", "Non-Patient Object Storage Service Class", ("C-STORE",)),
    ],
)
def test_service_class_and_dimse(uid: str, keyword: str, service_class: str, dimse: tuple[str, ...]) -> None:
    sop = _sop("2020c", uid)
    assert (sop.keyword, sop.service_class, sop.dimse) == (keyword, service_class, dimse)


def test_meta_sop_class_uses_its_members_services() -> None:
    meta = _sop("2020c", "1.2.840.10008.5.1.1.9")
    assert meta.meta and meta.name == "Basic Grayscale Print Management Meta SOP Class"
    assert meta.dimse == ("N-EVENT-REPORT", "N-GET", "N-SET", "N-ACTION", "N-CREATE", "N-DELETE")


def test_retired_and_iod_reference() -> None:
    assert _sop("2020c", "1.2.840.10008.5.1.4.1.1.6").retired  # Table B.6-1
    ct = _sop("2020c", "1.2.840.10008.5.1.4.1.1.2")
    assert (ct.iod_reference, ct.source, ct.retired) == ("sect_A.3", "table_B.5-1", False)
    assert _sop("2020c", "1.2.840.10008.5.1.4.1.1.2.1").iod_reference == "sect_A.38.1"  # Enhanced CT


# The SOP classes of PS3.4 2020c that PS3.6 2015b does not list: added after 2015b.
NOT_IN_PS6_2015B = {
    "1.2.840.10008.5.1.4.1.1.104.3", "1.2.840.10008.5.1.4.1.1.104.4", "1.2.840.10008.5.1.4.1.1.104.5",
    "1.2.840.10008.5.1.4.1.1.11.10", "1.2.840.10008.5.1.4.1.1.11.11", "1.2.840.10008.5.1.4.1.1.11.6",
    "1.2.840.10008.5.1.4.1.1.11.7", "1.2.840.10008.5.1.4.1.1.11.8", "1.2.840.10008.5.1.4.1.1.11.9",
    "1.2.840.10008.5.1.4.1.1.200.1", "1.2.840.10008.5.1.4.1.1.200.2", "1.2.840.10008.5.1.4.1.1.200.3",
    "1.2.840.10008.5.1.4.1.1.200.4", "1.2.840.10008.5.1.4.1.1.200.5", "1.2.840.10008.5.1.4.1.1.200.6",
    "1.2.840.10008.5.1.4.1.1.481.10", "1.2.840.10008.5.1.4.1.1.481.11", "1.2.840.10008.5.1.4.1.1.481.12",
    "1.2.840.10008.5.1.4.1.1.481.13", "1.2.840.10008.5.1.4.1.1.481.14", "1.2.840.10008.5.1.4.1.1.481.15",
    "1.2.840.10008.5.1.4.1.1.481.16", "1.2.840.10008.5.1.4.1.1.481.17", "1.2.840.10008.5.1.4.1.1.481.18",
    "1.2.840.10008.5.1.4.1.1.481.19", "1.2.840.10008.5.1.4.1.1.481.20", "1.2.840.10008.5.1.4.1.1.66.6",
    "1.2.840.10008.5.1.4.1.1.77.1.5.7", "1.2.840.10008.5.1.4.1.1.77.1.5.8", "1.2.840.10008.5.1.4.1.1.88.35",
    "1.2.840.10008.5.1.4.1.1.88.71", "1.2.840.10008.5.1.4.1.1.88.72", "1.2.840.10008.5.1.4.1.1.88.73",
    "1.2.840.10008.5.1.4.1.1.88.74", "1.2.840.10008.5.1.4.1.1.88.75", "1.2.840.10008.5.1.4.1.1.9.6.2",
    "1.2.840.10008.5.1.4.1.1.9.7.1", "1.2.840.10008.5.1.4.1.1.9.7.2", "1.2.840.10008.5.1.4.1.1.9.7.3",
    "1.2.840.10008.5.1.4.1.1.9.7.4", "1.2.840.10008.5.1.4.1.1.9.8.1", "1.2.840.10008.5.1.4.1.1.90.1",
    "1.2.840.10008.5.1.4.20.1", "1.2.840.10008.5.1.4.20.2", "1.2.840.10008.5.1.4.20.3",
    "1.2.840.10008.5.1.4.34.10", "1.2.840.10008.5.1.4.34.6.5",
}


def test_uids_that_ps6_does_not_know_are_reported() -> None:
    model = ps4("2020c")
    assert model.services is not None and model.dictionary is not None
    missing = {s.uid for s in model.services.sop_classes if not s.in_ps6}
    assert missing == NOT_IN_PS6_2015B
    reported = {w.message.split()[2] for w in model.warnings if w.kind == "sop-class"}
    assert reported == NOT_IN_PS6_2015B
    ps6_values = {u.value for u in model.dictionary.uids}
    assert all(s.uid in ps6_values for s in model.services.sop_classes if s.in_ps6)


def test_every_sop_class_uid_is_a_sop_class_in_ps6_of_the_same_era() -> None:
    """PS3.4 2015b against PS3.6 2015b: every UID known, every type a SOP class."""
    model = ps4("2015b")
    assert model.services is not None and model.dictionary is not None
    types = {u.value: u.type for u in model.dictionary.uids}
    assert all(s.in_ps6 for s in model.services.sop_classes)
    odd = {s.uid: types[s.uid] for s in model.services.sop_classes if types[s.uid] not in ("SOP Class", "Meta SOP Class")}
    # PS3.6 2015b types Color Palette Storage as "Transfer" (a typo of the edition) and
    # the Color Palette Q/R SOP classes as "Query/Retrieve".
    assert odd == {
        "1.2.840.10008.5.1.4.39.1": "Transfer",
        "1.2.840.10008.5.1.4.39.2": "Query/Retrieve",
        "1.2.840.10008.5.1.4.39.3": "Query/Retrieve",
        "1.2.840.10008.5.1.4.39.4": "Query/Retrieve",
    }


def _query(edition: str, name: str) -> QueryClass:
    registry = ps4(edition).services
    assert registry is not None
    return next(c for c in registry.query_classes if c.name == name)


def test_query_levels_and_keys() -> None:
    raw = ps4_raw("2020c")
    counts = {(q.model, q.level): len(q.keys) for q in raw.query_levels}
    assert counts == {
        ("Patient Root", "PATIENT"): 16,
        ("Patient Root", "STUDY"): 82,
        ("Patient Root", "SERIES"): 4,
        ("Patient Root", "IMAGE"): 76,
        ("Study Root", "STUDY"): 95,
        ("Study Root", "SERIES"): 4,
        ("Study Root", "IMAGE"): 76,
        ("Modality Worklist", ""): 304,
    }
    series = _query("2020c", "StudyRootSeriesQuery")
    kinds = {f.keyword: f.kind for f in series.fields}
    assert kinds == {
        "StudyInstanceUID": "unique",  # of the STUDY level above (PS3.4 C.4.1.2.1)
        "Modality": "required",
        "SeriesNumber": "required",
        "SeriesInstanceUID": "unique",
        "NumberOfSeriesRelatedInstances": "optional",
    }
    assert [f.keyword for f in series.fields if f.inherited] == ["StudyInstanceUID"]
    assert series.sop_classes == (
        "1.2.840.10008.5.1.4.1.2.2.1",
        "1.2.840.10008.5.1.4.1.2.2.2",
        "1.2.840.10008.5.1.4.1.2.2.3",
    )


def test_included_macro_keys_become_item_classes() -> None:
    study = _query("2020c", "StudyRootStudyQuery")
    procedure = next(f for f in study.fields if f.keyword == "ProcedureCodeSequence")
    item = next(i for i in study.items if i.name == procedure.item_class)
    keywords = [f.keyword for f in item.fields]
    assert keywords[:4] == ["CodeValue", "CodingSchemeDesignator", "CodingSchemeVersion", "CodeMeaning"]
    assert {f.table for f in item.fields} >= {"table_C.6-2b"}


def test_worklist_keys() -> None:
    worklist = _query("2020c", "ModalityWorklistQuery")
    sps = next(f for f in worklist.fields if f.keyword == "ScheduledProcedureStepSequence")
    assert (sps.kind, sps.return_type) == ("required", "1")
    item = next(i for i in worklist.items if i.name == sps.item_class)
    modality = next(f for f in item.fields if f.keyword == "Modality")
    assert (modality.kind, modality.return_type) == ("required", "1")
    assert worklist.sop_classes == ("1.2.840.10008.5.1.4.31",)


def test_a_bad_sop_class_uid_names_its_row(tmp_path: Path) -> None:
    text = mirror_file("2020c", 4).read_text(encoding="utf-8")
    broken = text.replace("1.2.840.10008.5.1.4.1.1.2</para>", "1.2.840.10008.5.1.4.1.1.x</para>", 1)
    assert broken != text
    path = tmp_path / "part04.xml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        parse_ps4.parse(path)
    assert (caught.value.table, caught.value.row) == ("table_B.5-1", 8)
    assert "unreadable SOP Class UID" in caught.value.reason


def test_a_missing_query_table_is_an_error(tmp_path: Path) -> None:
    text = mirror_file("2020c", 4).read_text(encoding="utf-8").replace('xml:id="table_C.6-5"', 'xml:id="table_C.6-5x"')
    path = tmp_path / "part04.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="table table_C.6-5: table not found"):
        parse_ps4.parse(path)
