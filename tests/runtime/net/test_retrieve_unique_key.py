"""A C-GET or C-MOVE must name what it retrieves: the SCU "shall supply one UID, or a list of
UIDs" of the retrieve level (STUDY, SERIES, IMAGE) and "a single value for one unique key" at
the PATIENT level (PS3.4 C.4.2.2.1, C.4.3.2.1). ``getscu -k QueryRetrieveLevel=STUDY`` without
a Study Instance UID got the whole archive; now such an identifier (the key missing, empty,
with a wild card, or an empty UID in its list) is answered A900 (Identifier does not match SOP
Class) with an Error Comment naming the key, and no sub-operation is made. Against dcmtk's
getscu and movescu, and pynetdicom."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.runtime.net.helpers import ScpProcess, ct_instance, tool, write_ct_files

STUDY = "1.2.826.0.1.3680043.10.1.1"
SERIES = STUDY + ".1"


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("retrieve_key")
    process = ScpProcess(folder / "out", folder / "scp.log", "--dest", "NOWHERE=127.0.0.1:9").start()
    files = write_ct_files(folder / "files", 3, size=2_000)
    stored = subprocess.run([tool("storescu"), "-aec", "OURSCP", "127.0.0.1", str(process.port), *map(str, files)], capture_output=True, timeout=60)
    assert stored.returncode == 0, stored.stderr
    yield process
    assert process.stop() == 0
    assert "Traceback" not in process.log.read_text()


REFUSED = [
    ("-S", ["QueryRetrieveLevel=STUDY"], "STUDY retrieval: no Study Instance UID (0020,000D)"),
    ("-S", ["QueryRetrieveLevel=STUDY", "StudyInstanceUID="], "STUDY retrieval: empty Study Instance UID"),
    ("-S", ["QueryRetrieveLevel=STUDY", "StudyInstanceUID=*"], "STUDY retrieval: wild card in Study Instance UID"),
    ("-S", ["QueryRetrieveLevel=STUDY", "PatientID=PAT1"], "STUDY retrieval: no Study Instance UID"),
    ("-S", ["QueryRetrieveLevel=SERIES", f"StudyInstanceUID={STUDY}"], "SERIES retrieval: no Series Instance UID (0020,000E)"),
    ("-S", ["QueryRetrieveLevel=SERIES", f"StudyInstanceUID={STUDY}", "SeriesInstanceUID=1.2.826.*"], "SERIES retrieval: wild card in"),
    ("-S", ["QueryRetrieveLevel=IMAGE", f"StudyInstanceUID={STUDY}", f"SeriesInstanceUID={SERIES}"], "IMAGE retrieval: no SOP Instance UID (0008,0018)"),
    ("-S", ["QueryRetrieveLevel=IMAGE", "SOPInstanceUID=1.2.3\\"], "IMAGE retrieval: empty value in SOP Instance UID"),
    ("-P", ["QueryRetrieveLevel=PATIENT"], "PATIENT retrieval: no Patient ID (0010,0020)"),
    ("-P", ["QueryRetrieveLevel=PATIENT", "PatientID=PAT*"], "PATIENT retrieval: wild card in Patient ID"),
    ("-P", ["QueryRetrieveLevel=PATIENT", "PatientID=A\\B"], "PATIENT retrieval: 2 values in Patient ID"),
]


def _run(*command: str) -> str:
    done = subprocess.run(list(command), capture_output=True, text=True, timeout=60)
    return done.stdout + done.stderr


@pytest.mark.parametrize(("model", "keys", "why"), REFUSED)
def test_getscu_without_the_levels_unique_key_is_refused(scp: ScpProcess, tmp_path: Path, model: str, keys: list[str], why: str) -> None:
    output = _run(tool("getscu"), "-v", model, "-aec", "OURSCP", "-od", str(tmp_path), *(a for k in keys for a in ("-k", k)),
                  "127.0.0.1", str(scp.port))
    assert "Received C-GET Response (Error: DataSetDoesNotMatchSOPClass)" in output, output  # dcmtk's name of A900
    assert "Number of Completed Suboperations : 0" in output and "C-STORE" not in output, output
    assert not list(tmp_path.iterdir())
    assert f"C-GET refused with A900: {why}" in scp.log.read_text()


@pytest.mark.parametrize(("model", "keys", "why"), REFUSED[:3] + REFUSED[6:7] + REFUSED[8:9])
def test_movescu_without_the_levels_unique_key_is_refused(scp: ScpProcess, model: str, keys: list[str], why: str) -> None:
    output = _run(tool("movescu"), "-v", model, "-aec", "OURSCP", "-aem", "NOWHERE", *(a for k in keys for a in ("-k", k)),
                  "127.0.0.1", str(scp.port))
    assert "Received Final Move Response (Error: DataSetDoesNotMatchSOPClass)" in output, output
    assert f"C-MOVE refused with A900: {why}" in scp.log.read_text()


def test_the_levels_unique_key_retrieves(scp: ScpProcess, tmp_path: Path) -> None:
    """One UID, a list of UIDs, and (served as before) an IMAGE list without the higher levels' keys."""
    wanted = [ct_instance(i).sop_instance for i in (1, 2, 3)]
    for keys, count in (
        ([f"QueryRetrieveLevel=STUDY", f"StudyInstanceUID={STUDY}"], 3),
        ([f"QueryRetrieveLevel=SERIES", f"StudyInstanceUID={STUDY}", f"SeriesInstanceUID=1.2.3.4\\{SERIES}"], 3),
        ([f"QueryRetrieveLevel=IMAGE", f"SOPInstanceUID={wanted[0]}\\{wanted[2]}"], 2),
    ):
        out = tmp_path / str(len(list(tmp_path.iterdir())))
        out.mkdir()
        output = _run(tool("getscu"), "-v", "-S", "-aec", "OURSCP", "-od", str(out), *(a for k in keys for a in ("-k", k)),
                      "127.0.0.1", str(scp.port))
        assert "Received Final C-GET Response" not in output or "Success" in output, output
        assert len(list(out.iterdir())) == count, output


@pytest.mark.filterwarnings("ignore:Invalid value for VR UI")
def test_pynetdicom_gets_a900_with_the_key_named(scp: ScpProcess) -> None:
    from pydicom.dataset import Dataset as PydicomDataset
    from pynetdicom import AE, build_role, evt
    from pynetdicom.sop_class import (  # type: ignore[attr-defined]
        CTImageStorage,
        PatientRootQueryRetrieveInformationModelGet,
        PatientRootQueryRetrieveInformationModelMove,
        StudyRootQueryRetrieveInformationModelGet,
    )

    stored: list[str] = []

    def on_store(event: Any) -> int:
        stored.append(event.dataset.SOPInstanceUID)
        return 0

    ae = AE(ae_title="PYNETDICOM")
    for uid in (CTImageStorage, StudyRootQueryRetrieveInformationModelGet, PatientRootQueryRetrieveInformationModelGet,
                PatientRootQueryRetrieveInformationModelMove):
        ae.add_requested_context(uid)
    association = ae.associate("127.0.0.1", scp.port, ae_title="OURSCP",
                               ext_neg=[build_role(CTImageStorage, scp_role=True)], evt_handlers=[(evt.EVT_C_STORE, on_store)])
    assert association.is_established
    try:
        query = PydicomDataset()
        query.QueryRetrieveLevel = "STUDY"
        responses = list(association.send_c_get(query, StudyRootQueryRetrieveInformationModelGet))
        assert len(responses) == 1
        status, _ = responses[0]
        assert status.Status == 0xA900 and "Study Instance UID (0020,000D)" in status.ErrorComment, status
        query = PydicomDataset()
        query.QueryRetrieveLevel = "SERIES"
        query.PatientID = "PAT1"
        query.StudyInstanceUID = STUDY
        query.SeriesInstanceUID = "*"
        responses = list(association.send_c_move(query, "NOWHERE", PatientRootQueryRetrieveInformationModelMove))
        assert [r[0].Status for r in responses] == [0xA900]
        assert "Series Instance UID" in responses[0][0].ErrorComment
    finally:
        association.release()
    assert stored == []
