"""Cross-check the generated SOP classes with pynetdicom's (pynetdicom 3.0.4).

Every UID both define must carry the same name (normalised: case, punctuation,
"SOP Class", "UID" and "(Retired)" ignored) and the same service class. The
differences that remain are listed with their reasons.
"""

from __future__ import annotations

import re

import pynetdicom.sop_class as theirs

from dicom_model import sop_classes

OLDER_NAME = "the PS3.6 edition in use (2015b) names it so; pynetdicom follows a later edition"
KNOWN_NAME_DIFFERENCES = {
    "1.2.840.10008.5.1.4.39.2": OLDER_NAME,  # Color Palette [Query/Retrieve] Information Model - FIND
    "1.2.840.10008.5.1.4.39.3": OLDER_NAME,
    "1.2.840.10008.5.1.4.39.4": OLDER_NAME,
    # Not in PS3.6 2015b, so the name is PS3.4 2020c's own wording in CC.3.1.
    "1.2.840.10008.5.1.4.34.6.5": "PS3.4 2020c calls it 'UPS Query SOP Class'; PS3.6 spells out Unified Procedure Step",
}
# Our service class is the PS3.4 annex that defines the SOP class; where pynetdicom
# uses another class, the reason is given.
KNOWN_SERVICE_CLASS_DIFFERENCES = {
    "Composite Instance Retrieve Without Bulk Data Service Class": (
        "QueryRetrieveServiceClass",
        "pynetdicom serves PS3.4 Annex Z with its Query/Retrieve service class",
    ),
    "Composite Instance Root Retrieve Service Class": (
        "QueryRetrieveServiceClass",
        "pynetdicom serves PS3.4 Annex Y with its Query/Retrieve service class",
    ),
    "Media Storage Service Class": (
        "ServiceClass",
        "media storage has no network service; pynetdicom gives the generic base class",
    ),
}


def _normalized(name: str) -> str:
    text = re.sub(r"\(Retired\)|\bMeta SOP Class\b|\bSOP Class\b|\bUID\b", "", name)
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _pynetdicom() -> dict[str, theirs.SOPClass]:
    found = {}
    for name in dir(theirs):
        value = getattr(theirs, name)
        if isinstance(value, theirs.SOPClass):
            found[str(value)] = value
    return found


def test_names_and_service_classes_agree() -> None:
    reference = _pynetdicom()
    common = [s for s in sop_classes.ALL if s.uid in reference]
    assert len(common) == 223
    name_differences = set()
    service_differences = set()
    for sop in common:
        other = reference[sop.uid]
        if _normalized(sop.name) != _normalized(other.name):
            name_differences.add(sop.uid)
        their_class = str(getattr(other.service_class, "__name__", ""))
        if re.sub(r"[^A-Za-z]", "", sop.service_class) != their_class:
            known = KNOWN_SERVICE_CLASS_DIFFERENCES.get(sop.service_class)
            assert known is not None and known[0] == their_class, (sop.uid, sop.service_class, their_class)
            service_differences.add(sop.service_class)
    assert name_differences == set(KNOWN_NAME_DIFFERENCES)
    assert service_differences == set(KNOWN_SERVICE_CLASS_DIFFERENCES)


KNOWN_KEYWORD_DIFFERENCES = {
    # (ours, pynetdicom's): reason
    ("MultiChannelRespiratoryWaveformStorage", "MultichannelRespiratoryWaveformStorage"): (
        "not in PS3.6 2015b: derived from PS3.4's 'Multi-channel'; the later keyword column lower-cases it"
    ),
    ("PseudoColorSoftcopyPresentationStateStorage", "PseudoColorSoftcopyPresentationStageStorage"): (
        "pynetdicom's spelling ('Stage'); the standard says 'State'"
    ),
    ("OphthalmicOpticalCoherenceTomographyBScanVolumeAnalysisStorage",
     "OphthlamicOpticalCoherenceTomographyBscanVolumeAnalysisStorage"): "pynetdicom's spelling ('Ophthlamic', 'Bscan')",
    ("RoboticRadiationRecordStorage", "RoboticArmRadiationRecordStorage"): (
        "not in PS3.6 2015b: PS3.4 2020c names it 'Robotic Radiation Record Storage'"
    ),
    ("RTBrachyApplicationSetupDeliveryInstructionStorage", "RTBrachyApplicationSetupDeliveryInstructionsStorage"): (
        "not in PS3.6 2015b: PS3.4 2020c says 'Instruction'"
    ),
    ("ModalityWorklistInformationModelFind", "ModalityWorklistInformationFind"): (
        "pynetdicom's keyword drops 'Model'; the standard's is ModalityWorklistInformationModelFind"
    ),
    ("UPSQuery", "UnifiedProcedureStepQuery"): "not in PS3.6 2015b: derived from PS3.4's 'UPS Query SOP Class'",
}


def test_keywords_agree_except_the_known_differences() -> None:
    by_uid = {str(v): k for k, v in vars(theirs).items() if isinstance(v, theirs.SOPClass)}
    differences = {
        (s.keyword, by_uid[s.uid]) for s in sop_classes.ALL if s.uid in by_uid and by_uid[s.uid] != s.keyword
    }
    assert differences == set(KNOWN_KEYWORD_DIFFERENCES)


def test_a_storage_scp_accepts_every_storage_class_pynetdicom_knows() -> None:
    """``presets.storage_sop_classes()`` (what ``dicom-net scp`` accepts without a
    configuration) holds every non-retired storage SOP class of pynetdicom's list that
    PS3.4 or PS3.6 of the editions in use define: Digital X-Ray, Mammography and the
    presentation states among them, whose names do not end in "Storage"."""
    from dicom_runtime.dictionary import all_uids
    from dicom_runtime.net.presets import MEDIA_STORAGE_DIRECTORY, storage_sop_classes

    ours = set(storage_sop_classes())
    known = {str(s) for s in sop_classes.ALL} | set(all_uids())
    retired = {str(s) for s in sop_classes.ALL if s.retired} | {u for u, e in all_uids().items() if e.retired}
    wanted = {str(uid) for uid in theirs._STORAGE_CLASSES.values()} & known - retired - {MEDIA_STORAGE_DIRECTORY}
    assert len(wanted) > 120
    assert wanted - ours == set()
    for uid in ("1.2.840.10008.5.1.4.1.1.1.1", "1.2.840.10008.5.1.4.1.1.1.2", "1.2.840.10008.5.1.4.1.1.11.1"):
        assert uid in ours  # DX For Presentation, Mammography For Presentation, GSPS
    assert MEDIA_STORAGE_DIRECTORY not in ours
