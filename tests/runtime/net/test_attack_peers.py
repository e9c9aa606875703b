"""A third attacker against a live ``dicom-net scp`` (after test_hardening's and
test_attack_scp's): careless and hostile peers whose requests are legal, or nearly, one by
one. A C-CANCEL-RQ that comes after its operation has ended; a deflated instance, and an RLE
one, that a C-GET SCU asks for in another transfer syntax (decompression bombs on the retrieve
side); a requestor, and a C-MOVE destination, that announce a maximum PDU length of a few
bytes; a C-FIND identifier of 64 MiB. Each test says what the SCP answers and that it still
serves C-ECHO afterwards."""

from __future__ import annotations

import re
import struct
import subprocess
import time
import zlib
from pathlib import Path

import pytest
from dicom_runtime import Dataset
from dicom_runtime.fileformat import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
)
from dicom_runtime.net.dimse import command_set, read_command
from dicom_runtime.net.messages import command
from dicom_runtime.net.pdu import PDataTF, PresentationDataValue
from dicom_runtime.reader import IMPLICIT_LE
from dicom_runtime.writer import encode_dataset

from tests.runtime.net.helpers import (
    CT,
    STUDY_FIND,
    ScpProcess,
    ct_instance,
    peak_rss,
    still_serves,
    tool,
)
from tests.runtime.net.test_attack_scp import scp  # noqa: F401  (the fixture: this module's SCP, made as the second attacker's)
from tests.runtime.net.test_hardening import RawScu, _status


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


def _deflated_bomb(index: int, study: str, size: int) -> tuple[str, bytes]:
    """A CT data set in Deflated Explicit VR Little Endian whose Pixel Data is ``size`` bytes of zeros."""
    plain = bytes(ct_instance(index, size=200, study=study).in_syntax(EXPLICIT_VR_LITTLE_ENDIAN).data)
    head = plain[: plain.index(struct.pack("<HH", 0x7FE0, 0x0010))] + struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, size)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    deflated = compressor.compress(head) + b"".join(compressor.compress(zeros) for _ in range(size >> 20)) + compressor.flush()
    return ct_instance(index, size=200, study=study).sop_instance, deflated + b"\0" * (len(deflated) % 2)


def test_a_deflated_instance_asked_for_in_another_syntax_is_not_inflated_past_the_transcode_limit(scp: ScpProcess) -> None:
    """transcode.TRANSCODE_LIMIT (256 MiB) bounds what the retrieve SCP converts for a peer that
    accepted none of an instance's own syntax; it was held to the bytes as stored, so a deflated
    instance of 300 KB that inflates to 300 MiB (stored: it decodes) was converted for a C-GET
    SCU that takes Implicit VR only, the SCP's peak RSS rising by 781 MiB (one such request
    of a 1 GiB one: about 3 GiB). Now its inflated size is counted first, in pieces: a failed
    sub-operation that says so, the peak RSS within a few MiB."""
    study = "1.2.826.0.1.3680043.10.1.502"
    uid, deflated = _deflated_bomb(1510, study, 300 << 20)
    assert len(deflated) < 400_000
    scu = RawScu(scp.port, {1: (CT, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN)})
    assert _status(scu.store(1, CT, uid, deflated)) == 0x0000
    scu.release()
    before = peak_rss(scp)
    get = [tool("getscu"), "-aec", "OURSCP", "-S", "+xi", "--ignore", "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study}"]
    subprocess.run([*get, "127.0.0.1", str(scp.port)], capture_output=True, timeout=300, check=False)  # getscu reports, does not fail
    rise = peak_rss(scp) - before
    assert rise < 64 << 20, f"peak RSS rose by {rise >> 20} MiB"
    deadline = time.monotonic() + 5
    while "too large to transcode (more than 256.0 MiB inflated" not in scp.log.read_text():
        assert time.monotonic() < deadline, scp.log.read_text()[-2000:]
        time.sleep(0.05)
    still_serves(scp.port)


def test_encapsulated_frames_are_counted_decoded_against_the_transcode_limit() -> None:
    """A JPEG-LS, JPEG 2000 or RLE stream of a few KB may declare gigabytes of frames (runs of
    one value code in a few bits), which a conversion would decode in full: the limit counts
    Rows x Columns x Samples x bytes x frames from the header, before any decoding."""
    import asyncio

    from dicom_runtime.errors import DicomEncodeError
    from dicom_runtime.net.instances import Instance
    from dicom_runtime.net.transcode import (
        TRANSCODE_LIMIT,
        expanded_size,
        in_syntax_bounded,
    )

    rle = "1.2.840.10008.1.2.5"
    side = 12000  # 16 bits: 274.7 MiB decoded, from an RLE stream of 4.3 MiB (runs of 128 zeros in 2 bytes)
    dataset = ct_instance(1520, size=200).dataset()
    del dataset[0x7FE00010]
    dataset.add(0x00280010, "US", side)
    dataset.add(0x00280011, "US", side)
    header = bytes(Instance.from_dataset(dataset, EXPLICIT_VR_LITTLE_ENDIAN).data)
    segment = b"\x81\x00" * (side * side // 128)  # PS3.5 G.3.1: -127, then the byte repeated 128 times
    frame = struct.pack("<16I", 2, 64, 64 + len(segment), *([0] * 13)) + segment + segment
    pixels = (struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, 0xFFFFFFFF) + struct.pack("<HHI", 0xFFFE, 0xE000, 0)
              + struct.pack("<HHI", 0xFFFE, 0xE000, len(frame)) + frame + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))
    instance = Instance(CT, ct_instance(1520, size=200).sop_instance, rle, header + pixels)
    assert len(instance.buffer) < 5 << 20
    decoded = side * side * 2
    said = f"{(len(instance.buffer) + decoded) / 2**20:.1f} MiB with its 1 frame(s) decoded"
    with pytest.raises(DicomEncodeError, match=rf"too large to transcode \({re.escape(said)}, limit 256\.0 MiB"):
        asyncio.run(in_syntax_bounded(instance, EXPLICIT_VR_LITTLE_ENDIAN))
    assert expanded_size(instance, TRANSCODE_LIMIT) == (len(instance.buffer) + decoded, said)


@pytest.mark.parametrize(("max_length", "accepted"), [(7, False), (1023, False), (1024, True), (0, True)])
def test_a_requestor_announcing_a_tiny_maximum_pdu_length_is_rejected_saying_why(scp: ScpProcess, max_length: int, accepted: bool) -> None:
    """PS3.7 D.1 sets no least Maximum Length Received, and the acceptor must not exceed the
    one announced. Announced 7 (one byte a PDV), it was accepted: a C-GET of a 2 MB instance
    went out as 2 million P-DATA-TF PDUs, 26 MB on the wire, and another association's C-ECHO
    waited up to 11 s for the event loop. Below 1024 it is now an A-ASSOCIATE-RJ (rejected-
    permanent, service-user, no-reason-given) whose log line names the maximum; 0 is "none"."""
    from dicom_runtime.net.pdu import (
        AssociateAC,
        AssociateRJ,
        AssociateRQ,
        PresentationContextRQ,
        UserInformation,
        decode_pdu,
    )

    from tests.runtime.net.helpers import VERIFICATION, raw_exchange

    request = AssociateRQ(
        "OURSCP", "TINY", (PresentationContextRQ(1, VERIFICATION, (IMPLICIT_VR_LITTLE_ENDIAN,)),),
        UserInformation(max_length=max_length, implementation_class_uid="1.2.3"),
    )
    answer = raw_exchange(scp.port, request.encode())
    pdu = decode_pdu(answer[: 6 + int.from_bytes(answer[2:6], "big")])
    if accepted:
        assert isinstance(pdu, AssociateAC), pdu
    else:
        assert pdu == AssociateRJ(1, 1, 1), pdu
        reason = f"its maximum PDU length {max_length} is below 1024"
        deadline = time.monotonic() + 5
        while reason not in scp.log.read_text():
            assert time.monotonic() < deadline, scp.log.read_text()[-2000:]
            time.sleep(0.05)
    still_serves(scp.port)


def test_a_move_destination_announcing_a_tiny_maximum_pdu_length_is_not_sent_to(tmp_path: Path) -> None:
    """The requestor side of the same floor: a C-MOVE destination (here pynetdicom, its maximum
    PDU size set to 7) that accepted the sub-association had every instance sent a byte a PDU.
    Now the sub-association is released at once, and the C-MOVE fails (A702) saying why."""
    from dicom_runtime.net import blocking
    from pynetdicom import AE
    from pynetdicom.sop_class import CTImageStorage  # type: ignore[attr-defined]

    from tests.runtime.net.helpers import STUDY_MOVE, free_port

    destination = AE(ae_title="TINY")
    destination.maximum_pdu_size = 7
    destination.add_supported_context(CTImageStorage, [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN])
    port = free_port()
    receiver = destination.start_server(("127.0.0.1", port), block=False)
    assert receiver is not None
    study = "1.2.826.0.1.3680043.10.1.503"
    process = ScpProcess(tmp_path / "out", tmp_path / "scp.log", "--dest", f"TINY=127.0.0.1:{port}").start()
    try:
        with blocking.associate("127.0.0.1", process.port, called_ae="OURSCP", contexts=[CT]) as scu:
            assert scu.store(ct_instance(1530, size=200_000, study=study)).is_success
        identifier = Dataset()
        identifier.add(0x00080052, "CS", "STUDY")
        identifier.add(0x0020000D, "UI", study)
        with blocking.associate("127.0.0.1", process.port, called_ae="OURSCP", contexts=[STUDY_MOVE]) as scu:
            responses = scu.move(identifier, "TINY", sop_class=STUDY_MOVE)
            list(responses)
        assert responses.status is not None and responses.status.code == 0xA702, responses.status
        assert "maximum PDU length 7 is below 1024" in process.log.read_text()
        still_serves(process.port)
    finally:
        receiver.shutdown()
        assert process.stop() == 0


def test_a_c_find_identifier_over_16_mib_is_refused_undecoded(scp: ScpProcess) -> None:
    """A request's data set other than a C-STORE's is decoded whole while the event loop waits:
    a C-FIND identifier with a 300 MiB private OB value was decoded (peak RSS +600 MiB, other
    associations held 2.8 s) and answered Success. Past checks.MAX_REQUEST_DATA_SET (16 MiB) it
    is C000, the Error Comment giving its size, and nothing of it is decoded."""
    from dicom_runtime.net.checks import MAX_REQUEST_DATA_SET

    def implicit(tag: int, value: bytes) -> bytes:
        return struct.pack("<HHI", tag >> 16, tag & 0xFFFF, len(value)) + value

    identifier = implicit(0x00080052, b"STUDY ") + implicit(0x0020000D, b"") + implicit(0x00291010, bytes(64 << 20))
    before = peak_rss(scp)
    scu = RawScu(scp.port, {1: (STUDY_FIND, IMPLICIT_VR_LITTLE_ENDIAN)})
    find = command("C-FIND-RQ", data_set=True, MessageID=1, AffectedSOPClassUID=STUDY_FIND, Priority=0)
    response = scu.send(1, command_set(find), identifier)
    scu.release()
    assert (_status(response), response.value(0x00000902)) == (0xC000, f"identifier of {len(identifier)} bytes, over the limit of {MAX_REQUEST_DATA_SET}")
    rise = peak_rss(scp) - before
    assert rise < 32 << 20, f"peak RSS rose by {rise >> 20} MiB"
    still_serves(scp.port)
