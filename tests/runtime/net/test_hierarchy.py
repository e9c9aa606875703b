"""Hierarchical query and retrieval (PS3.4 C.4.1.2.1, C.6.2), against dcmtk's findscu and movescu:
a Study Root identifier at the PATIENT level, and a C-FIND without a single Unique Key for each
level above its Query/Retrieve Level, are refused with A900 (relational queries are not
negotiated), as dcmqrscp refuses them; the same queries made hierarchical are answered."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.net.helpers import ScpProcess, tool, write_ct_files

STUDY = "1.2.826.0.1.3680043.10.1.1"
SERIES = STUDY + ".1"


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("hierarchy")
    process = ScpProcess(folder / "out", folder / "scp.log").start()
    files = write_ct_files(folder / "files", 3, size=2_000)
    stored = subprocess.run([tool("storescu"), "-aec", "OURSCP", "127.0.0.1", str(process.port), *map(str, files)], capture_output=True, timeout=60)
    assert stored.returncode == 0, stored.stderr
    yield process
    assert process.stop() == 0


def _findscu(scp: ScpProcess, model: str, *keys: str) -> str:
    run = subprocess.run(
        [tool("findscu"), "-v", model, "-aec", "OURSCP", *(a for k in keys for a in ("-k", k)), "127.0.0.1", str(scp.port)],
        capture_output=True, text=True, timeout=60,
    )
    return run.stdout + run.stderr


@pytest.mark.parametrize(
    ("model", "keys", "why"),
    [
        ("-S", ["QueryRetrieveLevel=PATIENT", "PatientID"], "the Study Root model has no PATIENT level"),
        ("-S", ["QueryRetrieveLevel=IMAGE", "SOPInstanceUID"], "IMAGE query needs one Study Instance UID: no relational queries"),
        ("-S", ["QueryRetrieveLevel=IMAGE", f"StudyInstanceUID={STUDY}", "SOPInstanceUID"], "IMAGE query needs one Series Instance UID: no relational queries"),
        ("-P", ["QueryRetrieveLevel=STUDY", "StudyInstanceUID"], "STUDY query needs one Patient ID: no relational queries"),
        ("-P", ["QueryRetrieveLevel=STUDY", "PatientID=PAT*", "StudyInstanceUID"], "STUDY query needs one Patient ID: no relational queries"),
    ],
)
def test_a_query_that_is_not_hierarchical_is_refused(scp: ScpProcess, model: str, keys: list[str], why: str) -> None:
    output = _findscu(scp, model, *keys)
    assert "Received Final Find Response (Error: DataSetDoesNotMatchSOPClass)" in output, output  # dcmtk's name of A900
    assert "Find Response: 1 (Pending)" not in output
    assert why in scp.log.read_text()


@pytest.mark.parametrize("model", ["PATIENT", "STUDY"])
def test_each_refusal_fits_an_error_comment(model: str) -> None:
    """An Error Comment (0000,0902) is LO, 64 characters: the reason for each level's missing
    key above it is said whole, not cut."""
    from dicom_runtime.dataset import Dataset
    from dicom_runtime.net.matching import hierarchy_problem

    sop_class = "1.2.840.10008.5.1.4.1.2.1.1" if model == "PATIENT" else "1.2.840.10008.5.1.4.1.2.2.1"
    for level in ("STUDY", "SERIES", "IMAGE") if model == "PATIENT" else ("SERIES", "IMAGE"):
        identifier = Dataset()
        identifier.add(0x00080052, "CS", level)
        problem = hierarchy_problem(sop_class, identifier)
        assert problem is not None and problem.startswith(f"{level} query needs one ") and len(problem) <= 64, problem


def test_the_same_queries_made_hierarchical_are_answered(scp: ScpProcess) -> None:
    output = _findscu(scp, "-S", "QueryRetrieveLevel=IMAGE", f"StudyInstanceUID={STUDY}", f"SeriesInstanceUID={SERIES}", "SOPInstanceUID")
    assert output.count("(Pending)") == 3 and "Success" in output, output
    output = _findscu(scp, "-S", "QueryRetrieveLevel=STUDY", "StudyInstanceUID")
    assert output.count("(Pending)") == 1, output


def test_a_study_root_move_at_the_patient_level_is_refused(scp: ScpProcess) -> None:
    run = subprocess.run(
        [tool("movescu"), "-v", "-S", "-aec", "OURSCP", "-aem", "NOWHERE", "-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=X",
         "127.0.0.1", str(scp.port)],
        capture_output=True, text=True, timeout=60,
    )
    assert "DataSetDoesNotMatchSOPClass" in run.stdout + run.stderr, run.stdout + run.stderr
