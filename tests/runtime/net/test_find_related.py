"""C-FIND's computed return keys (#16): Number of Patient/Study/Series Related Studies,
Series and Instances, Modalities in Study and SOP Classes in Study, computed by
``dicom-net scp`` over the instances held, as dcmtk's findscu reads them."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pydicom.uid
import pytest
from pydicom.data import get_testdata_file

from tests.runtime.net.helpers import ScpProcess, tool

STUDY = "1.2.826.0.1.3680043.10.16.1"
SERIES = ("1.2.826.0.1.3680043.10.16.2", "1.2.826.0.1.3680043.10.16.3")
CT, MR = "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4"


def _write(folder: Path) -> list[Path]:
    """Study STUDY: series 1 with two CT images, series 2 with a CT and an MR image; and
    another study of the same patient with one CT image."""
    folder.mkdir()
    plan = [("CT_small.dcm", STUDY, SERIES[0]), ("CT_small.dcm", STUDY, SERIES[0]), ("CT_small.dcm", STUDY, SERIES[1]),
            ("MR_small.dcm", STUDY, SERIES[1]), ("CT_small.dcm", "1.2.826.0.1.3680043.10.16.9", "1.2.826.0.1.3680043.10.16.10")]
    paths = []
    for n, (name, study, series) in enumerate(plan):
        source = get_testdata_file(name)
        assert isinstance(source, str)
        data = pydicom.dcmread(source)
        data.StudyInstanceUID, data.SeriesInstanceUID, data.PatientID = study, series, "P16"
        data.SOPInstanceUID = data.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.UID(f"1.2.826.0.1.3680043.10.16.100.{n}")
        paths.append(folder / f"{n}.dcm")
        data.save_as(paths[-1])
    return paths


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("related")
    process = ScpProcess(folder / "out", folder / "scp.log").start()
    files = _write(folder / "files")
    stored = subprocess.run([sys.executable, "-m", "dicom_runtime.net", "store", "127.0.0.1", str(process.port), "--aec", "OURSCP", *map(str, files)],
                            capture_output=True, text=True, timeout=120)
    assert stored.returncode == 0 and "5 of 5 stored" in stored.stdout, stored.stdout + stored.stderr
    yield process
    assert process.stop() == 0


def findscu(scp: ScpProcess, model: str, *keys: str) -> list[dict[str, str]]:
    """Each response's elements as findscu prints them: {tag: value}."""
    result = subprocess.run([tool("findscu"), model, "-aec", "OURSCP", *(a for k in keys for a in ("-k", k)), "127.0.0.1", str(scp.port)],
                            capture_output=True, timeout=60)
    text = (result.stdout + result.stderr).decode("latin-1")
    assert result.returncode == 0, text
    responses: list[dict[str, str]] = []
    for block in text.split("Find Response:")[1:]:
        found = dict(re.findall(r"\(([0-9a-f]{4},[0-9a-f]{4})\) \w\w \[([^\]]*)\]", block))
        responses.append({tag: value.strip(" \0") for tag, value in found.items()})
    return responses


def test_study_level_counts_modalities_and_sop_classes(scp: ScpProcess) -> None:
    [study] = findscu(scp, "-S", "QueryRetrieveLevel=STUDY", f"StudyInstanceUID={STUDY}", "NumberOfStudyRelatedSeries",
                      "NumberOfStudyRelatedInstances", "ModalitiesInStudy", "SOPClassesInStudy")
    assert study["0020,1206"] == "2" and study["0020,1208"] == "4"
    assert study["0008,0061"].split("\\") == ["CT", "MR"]
    assert [u.strip("\0 ") for u in study["0008,0062"].split("\\")] == [CT, MR]


def test_series_and_patient_level_counts(scp: ScpProcess) -> None:
    series = findscu(scp, "-S", "QueryRetrieveLevel=SERIES", f"StudyInstanceUID={STUDY}", "SeriesInstanceUID", "NumberOfSeriesRelatedInstances")
    assert sorted((s["0020,000e"], s["0020,1209"]) for s in series) == [(SERIES[0], "2"), (SERIES[1], "2")]
    [patient] = findscu(scp, "-P", "QueryRetrieveLevel=PATIENT", "PatientID=P16", "NumberOfPatientRelatedStudies",
                        "NumberOfPatientRelatedSeries", "NumberOfPatientRelatedInstances")
    assert (patient["0020,1200"], patient["0020,1202"], patient["0020,1204"]) == ("2", "3", "5")


def test_modalities_in_study_as_a_matching_key(scp: ScpProcess) -> None:
    mr = findscu(scp, "-S", "QueryRetrieveLevel=STUDY", "StudyInstanceUID", "ModalitiesInStudy=MR")
    assert [r["0020,000d"] for r in mr] == [STUDY]  # the study with an MR series; not the CT-only one
    both = findscu(scp, "-S", "QueryRetrieveLevel=STUDY", "StudyInstanceUID", "ModalitiesInStudy=US\\CT")
    assert sorted(r["0020,000d"] for r in both) == sorted([STUDY, "1.2.826.0.1.3680043.10.16.9"])
    assert findscu(scp, "-S", "QueryRetrieveLevel=STUDY", "StudyInstanceUID", "ModalitiesInStudy=US") == []
