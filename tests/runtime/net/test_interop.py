"""Interoperability with peers nobody here wrote, over sockets: dcmtk's echoscu, storescu,
findscu, movescu and getscu against our SCP, our SCU against dcmtk's storescp, and
pynetdicom in both directions."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset as PydicomDataset
from pynetdicom import AE, evt
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    CTImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    Verification,
)

from dicom_model.queries import StudyRootStudyQuery
from dicom_runtime.net import blocking, tls
from dicom_runtime.net.aio import Proposal, storage_policy
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.storage import StorageFolder
from tests.runtime.net.helpers import CT, STUDY_FIND, STUDY_GET, STUDY_MOVE, VERIFICATION, certificates, ct_instance, free_port, tool, write_ct_files

ARCHIVE = [VERIFICATION, CT, STUDY_FIND, STUDY_MOVE, STUDY_GET]
STUDY = "1.2.826.0.1.3680043.10.1.1"


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[tuple[blocking.BlockingServer, StorageFolder, dict[str, tuple[str, int]]]]:
    folder = StorageFolder(tmp_path / "archive")
    destinations: dict[str, tuple[str, int]] = {}
    with blocking.BlockingServer(storage_policy("OURSCP", ARCHIVE), folder.handlers(), destinations=destinations) as server:
        server.server.destinations = destinations  # filled in by the tests
        yield server, folder, server.server.destinations


def _run(*command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_dcmtk_scus_against_our_scp(tmp_path: Path, archive: Any) -> None:
    server, folder, destinations = archive
    port = str(server.port)
    _run(tool("echoscu"), "-aec", "OURSCP", "127.0.0.1", port)
    files = write_ct_files(tmp_path / "send", 5)
    _run(tool("storescu"), "-aec", "OURSCP", "127.0.0.1", port, *map(str, files))
    for path in files:
        sent = Instance.from_file(path)
        assert Instance.from_file(folder.path_for(sent.sop_instance)).data == sent.data  # byte-identical data set
    found = _run(tool("findscu"), "-v", "-S", "-aec", "OURSCP", "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={STUDY}", "-k", "PatientName", "127.0.0.1", port)
    assert found.stderr.count("Find Response:") == 1 and STUDY in found.stderr
    # C-MOVE to dcmtk's storescp as the destination
    destination_port = free_port()
    received = tmp_path / "moved"
    received.mkdir()
    storescp = subprocess.Popen([tool("storescp"), "-aet", "DCMTKDEST", "-od", str(received), str(destination_port)])
    try:
        time.sleep(0.5)
        destinations["DCMTKDEST"] = ("127.0.0.1", destination_port)
        moved = _run(tool("movescu"), "-v", "-S", "-aec", "OURSCP", "-aem", "DCMTKDEST", "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={STUDY}", "127.0.0.1", port)
        assert "Completed: 5" in moved.stderr or "Number of Completed Sub-operations: 5" in moved.stderr or len(list(received.iterdir())) == 5
    finally:
        storescp.terminate()
        storescp.wait(10)
    assert sorted(dcmread(p).SOPInstanceUID for p in received.iterdir()) == sorted(Instance.from_file(f).sop_instance for f in files)
    # C-GET: the instances come back on the same association
    got = tmp_path / "got"
    got.mkdir()
    _run(tool("getscu"), "-S", "-aec", "OURSCP", "-od", str(got), "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={STUDY}", "127.0.0.1", port)
    assert sorted(dcmread(p).SOPInstanceUID for p in got.iterdir()) == sorted(Instance.from_file(f).sop_instance for f in files)


def test_our_scu_against_dcmtk_storescp(tmp_path: Path) -> None:
    port = free_port()
    received = tmp_path / "received"
    received.mkdir()
    storescp = subprocess.Popen([tool("storescp"), "-aet", "STORESCP", "-od", str(received), str(port)])
    try:
        time.sleep(0.5)
        with blocking.associate("127.0.0.1", port, called_ae="STORESCP", contexts=[VERIFICATION, Proposal(CT)]) as scu:
            assert scu.echo().is_success
            for index in range(3):
                assert scu.store(ct_instance(index)).is_success
    finally:
        storescp.terminate()
        storescp.wait(10)
    stored = {dcmread(p).SOPInstanceUID: p for p in received.iterdir()}
    assert sorted(stored) == sorted(ct_instance(i).sop_instance for i in range(3))
    for index in range(3):
        assert dcmread(stored[ct_instance(index).sop_instance]).PixelData == ct_instance(index).dataset().value(0x7FE00010)
    dump = _run(tool("dcmdump"), str(stored[ct_instance(0).sop_instance]))
    assert "CTImageStorage" in dump.stdout


def test_pynetdicom_scu_against_our_scp(tmp_path: Path, archive: Any) -> None:
    server, folder, destinations = archive
    ae = AE(ae_title="PYNETDICOM")
    for uid in (Verification, CTImageStorage, StudyRootQueryRetrieveInformationModelFind, StudyRootQueryRetrieveInformationModelGet, StudyRootQueryRetrieveInformationModelMove):
        ae.add_requested_context(uid)
    from pynetdicom import build_role

    association = ae.associate("127.0.0.1", server.port, ae_title="OURSCP")
    assert association.is_established
    try:
        assert association.send_c_echo().Status == 0
        for path in write_ct_files(tmp_path / "send", 3):
            assert association.send_c_store(dcmread(path)).Status == 0
        query = PydicomDataset()
        query.QueryRetrieveLevel = "STUDY"
        query.StudyInstanceUID = ""
        query.PatientName = ""
        answers = [(status.Status, identifier) for status, identifier in association.send_c_find(query, StudyRootQueryRetrieveInformationModelFind)]
        assert [a[0] for a in answers] == [0xFF00, 0x0000]
        first = answers[0][1]
        assert first is not None and first.StudyInstanceUID == STUDY
    finally:
        association.release()
    # C-GET with pynetdicom storing what comes back
    got: list[str] = []

    def on_store(event: Any) -> int:
        got.append(event.dataset.SOPInstanceUID)
        return 0

    association = ae.associate(
        "127.0.0.1", server.port, ae_title="OURSCP",
        ext_neg=[build_role(CTImageStorage, scp_role=True)], evt_handlers=[(evt.EVT_C_STORE, on_store)],
    )
    query = PydicomDataset()
    query.QueryRetrieveLevel = "STUDY"
    query.StudyInstanceUID = STUDY
    try:
        statuses = [status.Status for status, _ in association.send_c_get(query, StudyRootQueryRetrieveInformationModelGet)]
    finally:
        association.release()
    assert statuses[-1] == 0 and len(got) == 3


def test_our_scu_against_pynetdicom_scp(tmp_path: Path) -> None:
    stored: dict[str, tuple[str, bytes]] = {}

    def on_store(event: Any) -> int:
        stored[event.request.AffectedSOPInstanceUID] = (str(event.context.transfer_syntax), bytes(event.request.DataSet.getvalue()))
        return 0

    def on_find(event: Any) -> Iterator[tuple[int, PydicomDataset | None]]:
        for index in range(2):
            answer = PydicomDataset()
            answer.QueryRetrieveLevel = "STUDY"
            answer.StudyInstanceUID = f"1.2.3.{index}"
            yield 0xFF00, answer

    ae = AE(ae_title="PYNETSCP")
    ae.add_supported_context(Verification)
    ae.add_supported_context(CTImageStorage)
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelFind)
    port = free_port()
    scp = ae.start_server(("127.0.0.1", port), block=False, evt_handlers=[(evt.EVT_C_STORE, on_store), (evt.EVT_C_FIND, on_find)])
    assert scp is not None
    try:
        with blocking.associate("127.0.0.1", port, called_ae="PYNETSCP", contexts=[VERIFICATION, CT, STUDY_FIND]) as scu:
            assert scu.echo().is_success
            for index in range(3):
                assert scu.store(ct_instance(index)).is_success
            query = scu.find(StudyRootStudyQuery(StudyInstanceUID=""))
            assert [s.StudyInstanceUID for s in query] == ["1.2.3.0", "1.2.3.1"] and query.status is not None and query.status.is_success
    finally:
        scp.shutdown()
    for index in range(3):
        sent = ct_instance(index)
        syntax, data = stored[sent.sop_instance]
        assert data == sent.in_syntax(syntax).data  # in the transfer syntax pynetdicom chose


def test_threads_left_behind_are_daemons() -> None:
    assert all(t.daemon for t in threading.enumerate() if t.name == "dicom-net")


def test_tls_with_dcmtk_in_both_directions(tmp_path: Path) -> None:
    """dcmtk's echoscu and storescu (+tls, BCP 195 profile, client certificate) against our
    SCP requiring client certificates; one without a certificate is refused. Our SCU with a
    client certificate against dcmtk's storescp (+tls, peer certificate required)."""
    files = certificates(tmp_path)
    folder = StorageFolder(tmp_path / "archive")
    context = tls.server_context(files["server.pem"], files["server.key"], client_ca=files["ca.pem"], require_client_certificate=True)
    dcmtk_tls = ["+tls", str(files["client.key"]), str(files["client.pem"]), "+cf", str(files["ca.pem"]), "+px"]
    with blocking.BlockingServer(storage_policy("OURSCP", ARCHIVE), folder.handlers(), tls=context) as server:
        port = str(server.port)
        _run(tool("echoscu"), *dcmtk_tls, "-aec", "OURSCP", "127.0.0.1", port)
        sent = write_ct_files(tmp_path / "send", 3)
        _run(tool("storescu"), *dcmtk_tls, "-aec", "OURSCP", "127.0.0.1", port, *map(str, sent))
        for path in sent:
            instance = Instance.from_file(path)
            assert Instance.from_file(folder.path_for(instance.sop_instance)).data == instance.data
        anonymous = subprocess.run([tool("echoscu"), "+tla", "+cf", str(files["ca.pem"]), "-aec", "OURSCP", "127.0.0.1", port], capture_output=True, text=True, timeout=60)
        assert anonymous.returncode != 0  # no client certificate: the handshake fails
    # Our SCU against dcmtk's storescp over TLS
    destination_port = free_port()
    received = tmp_path / "received"
    received.mkdir()
    storescp = subprocess.Popen(
        [tool("storescp"), "+tls", str(files["server.key"]), str(files["server.pem"]), "+cf", str(files["ca.pem"]), "-rc", "-aet", "DCMTKTLS", "-od", str(received), str(destination_port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        time.sleep(0.5)
        client = tls.client_context(files["ca.pem"], certificate=files["client.pem"], key=files["client.key"])
        with blocking.associate("127.0.0.1", destination_port, called_ae="DCMTKTLS", contexts=[Proposal(CT)], tls=client, server_hostname="localhost") as scu:
            for index in (1, 2):
                assert scu.store(ct_instance(index)).is_success
    finally:
        storescp.terminate()
        output, _ = storescp.communicate(timeout=10)
    stored = sorted(dcmread(p).SOPInstanceUID for p in received.iterdir())
    assert stored == sorted(ct_instance(i).sop_instance for i in (1, 2)), output
