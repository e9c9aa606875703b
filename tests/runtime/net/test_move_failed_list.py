"""The final C-MOVE response of a move whose sub-association dies part way: every
sub-operation counted as failed, the one that met the end and those never attempted, is
in the Failed SOP Instance UID List (0008,0058), PS3.4 C.4.2.3.1. Before, the list named
only the one being sent when the destination went away, while Number of Failed
Sub-operations counted them all. The destination is pynetdicom, aborting at its second
C-STORE; the mover is pynetdicom too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dicom_runtime.fileformat import EXPLICIT_VR_LITTLE_ENDIAN
from tests.runtime.net.helpers import CT, STUDY_MOVE, ScpProcess, ct_instance, free_port

STUDY = "1.2.826.0.1.3680043.10.1.77"


def test_sub_operations_never_attempted_are_in_the_failed_sop_instance_uid_list(tmp_path: Path) -> None:
    from pydicom.dataset import Dataset as PydicomDataset
    from pynetdicom import AE, evt

    received: list[str] = []

    def aborting(event: Any) -> int:
        received.append(str(event.request.AffectedSOPInstanceUID))
        if len(received) == 2:
            event.assoc.abort()
        return 0x0000

    destination = AE(ae_title="DIES")
    destination.add_supported_context(CT, [EXPLICIT_VR_LITTLE_ENDIAN])
    port = free_port()
    receiver = destination.start_server(("127.0.0.1", port), block=False, evt_handlers=[(evt.EVT_C_STORE, aborting)])
    assert receiver is not None
    folder = tmp_path / "out"
    folder.mkdir()
    uids = []
    for index in range(1, 7):
        instance = ct_instance(7700 + index, size=2000, study=STUDY)
        (folder / f"{instance.sop_instance}.dcm").write_bytes(instance.file_bytes())
        uids.append(instance.sop_instance)
    process = ScpProcess(folder, tmp_path / "scp.log", "--dest", f"DIES=127.0.0.1:{port}").start()
    try:
        mover = AE(ae_title="MOVER")
        mover.add_requested_context(STUDY_MOVE)
        association = mover.associate("127.0.0.1", process.port, ae_title="OURSCP")
        assert association.is_established
        identifier = PydicomDataset()
        identifier.QueryRetrieveLevel = "STUDY"
        identifier.StudyInstanceUID = STUDY
        responses = list(association.send_c_move(identifier, "DIES", STUDY_MOVE))
        association.release()
    finally:
        assert process.stop() == 0
        receiver.shutdown()
    status, final = responses[-1]
    assert final is not None, status
    assert status.Status == 0xB000, status  # two completed (the first), the rest failed
    failed = status.NumberOfFailedSuboperations
    assert status.NumberOfCompletedSuboperations + failed == 6, status
    assert failed >= 4, status
    listed = final.FailedSOPInstanceUIDList
    listed = [listed] if isinstance(listed, str) else list(listed)
    assert len(listed) == failed, (listed, status)
    assert set(listed) == set(uids) - set(received[: status.NumberOfCompletedSuboperations]), (listed, received)
    log = process.log.read_text()
    assert "sub-association is gone" in log and "not attempted count as failed" in log, log[-3000:]
    assert "Traceback" not in log
