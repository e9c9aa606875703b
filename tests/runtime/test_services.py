"""The generated SOP class constants and query identifiers, through the runtime types."""

from __future__ import annotations

import dataclasses

import pytest

from dicom_model import queries, sop_classes
from dicom_runtime.services import SOPClass


def test_sop_class_constants() -> None:
    ct = sop_classes.CTImageStorage
    assert ct == "1.2.840.10008.5.1.4.1.1.2" and isinstance(ct, SOPClass)
    assert (ct.name, ct.service_class, ct.dimse, ct.retired, ct.iod_reference) == (
        "CT Image Storage",
        "Storage Service Class",
        ("C-STORE",),
        False,
        "sect_A.3",
    )
    assert sop_classes.Verification.dimse == ("C-ECHO",)
    assert sop_classes.sop_class("1.2.840.10008.1.20.1") is sop_classes.StorageCommitmentPushModel
    assert sop_classes.sop_class("1.2.3") is None
    assert sop_classes.UltrasoundImageStorageRetired.retired
    assert not sop_classes.RTPhysicianIntentStorage.in_dictionary  # PS3.4 2020c, not PS3.6 2015b
    assert sop_classes.SERVICE_CLASSES["B"] == "Storage Service Class"
    assert len(sop_classes.ALL) == len(sop_classes.BY_UID) == 238


def test_query_identifier_keys() -> None:
    query = queries.StudyRootStudyQuery(
        PatientName="DOE^J*",
        StudyDate="20200101-20201231",
        ProcedureCodeSequence=[queries.StudyRootStudyProcedureCodeSequenceItem(CodeValue="P1")],
    )
    assert dict(query.identifier()) == {
        "QueryRetrieveLevel": "STUDY",
        "PatientName": "DOE^J*",
        "StudyDate": "20200101-20201231",
        "ProcedureCodeSequence": [{"CodeValue": "P1"}],
    }
    assert queries.StudyRootStudyQuery.UNIQUE_KEYS == frozenset({"StudyInstanceUID"})
    assert "PatientName" in queries.StudyRootStudyQuery.REQUIRED_KEYS
    assert queries.StudyRootStudyQuery.SOP_CLASSES[0] == sop_classes.StudyRootQueryRetrieveInformationModelFind


def test_a_key_not_allowed_at_the_level_is_refused_at_run_time() -> None:
    with pytest.raises(TypeError, match="PatientName"):
        queries.StudyRootSeriesQuery(PatientName="DOE^J")  # type: ignore[call-arg]
    fields = {f.name for f in dataclasses.fields(queries.StudyRootSeriesQuery)}
    assert fields == {"StudyInstanceUID", "Modality", "SeriesNumber", "SeriesInstanceUID", "NumberOfSeriesRelatedInstances"}


def test_worklist_identifier_has_no_level() -> None:
    query = queries.ModalityWorklistQuery(
        ScheduledProcedureStepSequence=[
            queries.ModalityWorklistScheduledProcedureStepSequenceItem(Modality="CT", ScheduledStationAETitle="CT1")
        ]
    )
    assert dict(query.identifier()) == {
        "ScheduledProcedureStepSequence": [{"ScheduledStationAETitle": "CT1", "Modality": "CT"}]
    }


def test_sop_classes_and_iod_classes_link_both_ways() -> None:
    from dicom_model.iods.ct_image import CTImage
    from dicom_model.iods.enhanced_ct_image import EnhancedCTImage
    from dicom_model.iods.enhanced_xa_image import EnhancedXAImage
    from dicom_model.iods.rt_dose import RTDose

    for iod, sop in (
        (CTImage, sop_classes.CTImageStorage),
        (EnhancedCTImage, sop_classes.EnhancedCTImageStorage),
        (EnhancedXAImage, sop_classes.EnhancedXAImageStorage),
        (RTDose, sop_classes.RTDoseStorage),
    ):
        assert sop_classes.iod_class_for(sop) is iod
        assert sop_classes.sop_class_of(iod) == sop
        assert sop.iod_class == iod.__name__
    # The PS3.3 excerpt lacks the MR Image IOD: the SOP class exists and says so.
    assert sop_classes.MRImageStorage.iod_reference == "sect_A.4"
    assert sop_classes.MRImageStorage.iod_class == ""
    assert sop_classes.iod_class_for(sop_classes.MRImageStorage) is None
    assert sop_classes.iod_class_for("1.2.3") is None
    linked = [s for s in sop_classes.ALL if s.iod_class]
    assert sorted(s.keyword for s in linked) == [
        "CTImageStorage",
        "EnhancedCTImageStorage",
        "EnhancedXAImageStorage",
        "RTDoseStorage",
    ]
