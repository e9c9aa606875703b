"""A third attacker against a live ``dicom-net scp`` (after test_hardening's and
test_attack_scp's): careless peers whose requests are legal one by one, together with what
the SCP holds from before. A C-CANCEL-RQ that comes after its operation has ended, and a
deflated instance that a C-GET SCU asks for in another transfer syntax. Each test says what
the SCP answers and that it still serves C-ECHO afterwards."""

from __future__ import annotations

import struct
import subprocess
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_runtime import Dataset
from dicom_runtime.fileformat import DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN
from dicom_runtime.net.dimse import command_set, read_command
from dicom_runtime.net.messages import command
from dicom_runtime.net.pdu import PDataTF, PresentationDataValue
from dicom_runtime.reader import IMPLICIT_LE
from dicom_runtime.writer import encode_dataset
from tests.runtime.net.helpers import CT, STUDY_FIND, ScpProcess, ct_instance, peak_rss, still_serves, tool
from tests.runtime.net.test_hardening import RawScu, _status


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("peers")
    process = ScpProcess(folder / "out", folder / "scp.log").start()
    yield process
    assert process.stop() == 0
    assert "Traceback" not in process.log.read_text()


def _find(scu: RawScu, context_id: int, message_id: int, identifier: Dataset) -> list[int]:
    """The statuses of every C-FIND-RSP to one C-FIND-RQ, up to the final one."""
    find = command("C-FIND-RQ", data_set=True, MessageID=message_id, AffectedSOPClassUID=STUDY_FIND, Priority=0)
    scu.sock.sendall(PDataTF((PresentationDataValue(context_id, True, True, command_set(find)),)).encode())
    scu.sock.sendall(PDataTF((PresentationDataValue(context_id, False, True, encode_dataset(identifier, IMPLICIT_LE)),)).encode())
    statuses: list[int] = []
    received = b""
    while not statuses or statuses[-1] in (0xFF00, 0xFF01):
        answer = scu._pdu()
        assert isinstance(answer, PDataTF), answer
        for value in answer.values:
            if value.is_command:
                received += value.data
                if value.is_last:
                    statuses.append(_status(read_command(received)))
                    received = b""
    return statuses


def test_a_late_c_cancel_does_not_cancel_the_next_request_with_its_message_id(scp: ScpProcess) -> None:
    """PS3.7 9.3.2.3: a C-CANCEL-RQ asks to end an operation in progress; a Message ID is unique
    among the outstanding operations only, so an SCU may use it again once the operation has
    ended (some send every C-FIND as Message ID 1). A C-CANCEL that crosses the final response
    on the wire was kept: every later C-FIND, C-GET or C-MOVE with that Message ID on the
    association was answered FE00 (Cancel), no match sent, before it began."""
    study = "1.2.826.0.1.3680043.10.1.501"
    scu = RawScu(scp.port, {1: (CT, EXPLICIT_VR_LITTLE_ENDIAN), 3: (STUDY_FIND, IMPLICIT_VR_LITTLE_ENDIAN)})
    instance = ct_instance(1500, size=200, study=study)
    assert _status(scu.store(1, CT, instance.sop_instance, bytes(instance.data))) == 0x0000
    identifier = Dataset()
    identifier.add(0x00080052, "CS", "STUDY")
    identifier.add(0x0020000D, "UI", study)
    assert _find(scu, 3, 7, identifier) == [0xFF00, 0x0000]
    late = command("C-CANCEL-RQ", MessageIDBeingRespondedTo=7)
    scu.sock.sendall(PDataTF((PresentationDataValue(3, True, True, command_set(late)),)).encode())
    assert _find(scu, 3, 7, identifier) == [0xFF00, 0x0000]  # was [0xFE00]
    assert _find(scu, 3, 8, identifier) == [0xFF00, 0x0000]
    scu.release()
    still_serves(scp.port)
