"""``dicom-net find --model worklist`` against pynetdicom's Modality Worklist SCP: no Query/Retrieve
Level (PS3.4 K.6.1), and keys inside sequence items as findscu writes them."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

from pydicom.dataset import Dataset as PydicomDataset
from pynetdicom import AE, evt
from pynetdicom.sop_class import ModalityWorklistInformationFind  # type: ignore[attr-defined]

from tests.runtime.net.helpers import free_port


def test_a_worklist_query_has_no_level_and_keys_in_items() -> None:
    received: list[PydicomDataset] = []
    lock = threading.Lock()

    def on_find(event: Any) -> Iterator[tuple[int, PydicomDataset | None]]:
        identifier = event.identifier
        with lock:
            received.append(identifier)
        answer = PydicomDataset()
        answer.PatientName = "DOE^JANE"
        step = PydicomDataset()
        step.Modality = "MR"
        step.ScheduledStationAETitle = "MR1"
        answer.ScheduledProcedureStepSequence = [step]
        yield 0xFF00, answer
        yield 0x0000, None

    ae = AE(ae_title="WORKLIST")
    ae.add_supported_context(ModalityWorklistInformationFind)
    port = free_port()
    server = ae.start_server(("127.0.0.1", port), block=False, evt_handlers=[(evt.EVT_C_FIND, on_find)])
    assert server is not None
    try:
        run = subprocess.run(
            [sys.executable, "-m", "dicom_runtime.net", "find", "127.0.0.1", str(port), "--aec", "WORKLIST", "--model", "worklist",
             "-k", "PatientName", "-k", "ScheduledProcedureStepSequence[0].Modality=MR", "-k", "(0040,0100)[0].ScheduledStationAETitle"],
            capture_output=True, text=True, timeout=60,
        )
    finally:
        server.shutdown()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 match, 0x0000" in run.stdout and "MR1" in run.stdout
    (identifier,) = received
    assert "QueryRetrieveLevel" not in identifier
    (step,) = identifier.ScheduledProcedureStepSequence
    assert step.Modality == "MR" and "ScheduledStationAETitle" in step and not step.ScheduledStationAETitle


def test_move_and_get_offer_no_worklist_model() -> None:
    for command in ("move", "get"):
        run = subprocess.run(
            [sys.executable, "-m", "dicom_runtime.net", command, "127.0.0.1", "1", "--model", "worklist", "--dest", "X", "--out", "/tmp/x"],
            capture_output=True, text=True, timeout=60,
        )
        assert run.returncode == 2 and "invalid choice: 'worklist'" in run.stderr, run.stderr
