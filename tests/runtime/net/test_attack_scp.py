"""A second attacker against a live ``dicom-net scp`` (after issue #20's): C-STOREs whose data
set the SCP's own reader refuses, C-FIND identifiers with a sequence key, A-ASSOCIATE-RQs whose
presentation context IDs are ambiguous, command sets that do not say whether a data set follows, a
C-MOVE longer than the idle timeout, a small deflated C-STORE that inflates to 256 MiB. Each test says
what the SCP answers, what it stores, and that it still serves C-ECHO afterwards."""

from __future__ import annotations

import socket
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dicom_runtime import Dataset
from dicom_runtime.errors import DicomError
from dicom_runtime.fileformat import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, decode_body, read_file,
)
from dicom_runtime.net import blocking
from dicom_runtime.net.checks import ScanError, scan
from dicom_runtime.net.dimse import command_set
from dicom_runtime.net.messages import command
from dicom_runtime.net.pdu import (
    Abort, AssociateRQ, PDataTF, PduError, PresentationContextRQ, PresentationDataValue, UserInformation, decode_pdu,
)
from tests.runtime.net.helpers import (
    CT, STUDY_FIND, STUDY_MOVE, VERIFICATION, ScpProcess, associated, ct_instance, free_port, peak_rss, raw_exchange, still_serves,
)
from tests.runtime.net.test_hardening import RawScu, _comment, _status

_LONG = frozenset(b"OB OD OF OL OV OW SQ SV UC UN UR UT UV".split())


def _explicit(tag: int, vr: bytes, value: bytes, length: int | None = None) -> bytes:
    size = len(value) if length is None else length
    if vr in _LONG:
        return struct.pack("<HH2sHI", tag >> 16, tag & 0xFFFF, vr, 0, size) + value
    return struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr, size) + value


def _implicit(tag: int, value: bytes, length: int | None = None) -> bytes:
    return struct.pack("<HHI", tag >> 16, tag & 0xFFFF, len(value) if length is None else length) + value


def _insert(body: bytes, tag: int, element: bytes, explicit: bool) -> bytes:
    """``body`` (a flat data set, no sequences before ``tag``) with ``element`` put in tag order."""
    offset = 0
    while offset < len(body):
        group, number = struct.unpack_from("<HH", body, offset)
        if (group << 16) | number > tag:
            break
        if not explicit:
            offset += 8 + struct.unpack_from("<I", body, offset + 4)[0]
        elif body[offset + 4 : offset + 6] in _LONG:
            offset += 12 + struct.unpack_from("<I", body, offset + 8)[0]
        else:
            offset += 8 + struct.unpack_from("<H", body, offset + 6)[0]
    return body[:offset] + element + body[offset:]


_SEQUENCE_END = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
_EMPTY_ITEM = struct.pack("<HHI", 0xFFFE, 0xE000, 0)

DAMAGED: list[tuple[str, str, int, bytes]] = [
    # (case, syntax, tag, the element inserted into a good CT data set, which has none of these tags)
    ("US of 3 bytes", EXPLICIT_VR_LITTLE_ENDIAN, 0x00280106, _explicit(0x00280106, b"US", b"\x01\x02\x03")),
    ("AT of 3 bytes", EXPLICIT_VR_LITTLE_ENDIAN, 0x00209165, _explicit(0x00209165, b"AT", b"\x01\x02\x03")),
    ("FD of 5 bytes", EXPLICIT_VR_LITTLE_ENDIAN, 0x00189087, _explicit(0x00189087, b"FD", b"\x01\x02\x03\x04\x05")),
    ("UL of 2 bytes", EXPLICIT_VR_LITTLE_ENDIAN, 0x00181063, _explicit(0x00181063, b"UL", b"\x01\x02")),
    ("SV of 3 bytes", EXPLICIT_VR_LITTLE_ENDIAN, 0x00660040, _explicit(0x00660040, b"SV", b"\x01\x02\x03")),
    ("UN on a US attribute, 3 bytes", EXPLICIT_VR_LITTLE_ENDIAN, 0x00280106, _explicit(0x00280106, b"UN", b"\x01\x02\x03")),
    ("UN on a sequence, not items", EXPLICIT_VR_LITTLE_ENDIAN, 0x00081032, _explicit(0x00081032, b"UN", b"abcdefgh")),
    ("OB of undefined length, not Pixel Data", EXPLICIT_VR_LITTLE_ENDIAN, 0x00091010,
     _explicit(0x00091010, b"OB", b"", 0xFFFFFFFF) + _EMPTY_ITEM + _SEQUENCE_END),
    ("Implicit VR: US of 3 bytes", IMPLICIT_VR_LITTLE_ENDIAN, 0x00280106, _implicit(0x00280106, b"\x01\x02\x03")),
    ("Implicit VR: LO of undefined length", IMPLICIT_VR_LITTLE_ENDIAN, 0x00081030, _implicit(0x00081030, b"", 0xFFFFFFFF) + _SEQUENCE_END),
]


def _damaged(index: int, syntax: str, tag: int, element: bytes) -> tuple[str, bytes]:
    instance = ct_instance(index, size=200).in_syntax(syntax)
    return instance.sop_instance, _insert(bytes(instance.data), tag, element, syntax == EXPLICIT_VR_LITTLE_ENDIAN)


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("attack")
    process = ScpProcess(folder / "out", folder / "scp.log").start()
    yield process
    assert process.stop() == 0
    assert "Traceback" not in process.log.read_text()


@pytest.mark.parametrize(("case", "syntax", "tag", "element"), DAMAGED, ids=[d[0] for d in DAMAGED])
def test_the_walk_refuses_what_the_reader_refuses(case: str, syntax: str, tag: int, element: bytes) -> None:
    _, body = _damaged(900, syntax, tag, element)
    with pytest.raises(DicomError):
        decode_body(body, syntax, source=case)
    with pytest.raises(ScanError):
        scan(body, explicit=syntax == EXPLICIT_VR_LITTLE_ENDIAN)


@pytest.mark.parametrize(("case", "syntax", "tag", "element"), DAMAGED, ids=[d[0] for d in DAMAGED])
def test_a_data_set_the_reader_cannot_read_back_is_refused_at_c_store(
    scp: ScpProcess, case: str, syntax: str, tag: int, element: bytes
) -> None:
    """PS3.4 B.2.3: C000 (Cannot understand), never Success for an instance the SCP's own
    reader (and so its C-FIND and C-MOVE) cannot read; before, each was answered 0000 and
    stored, and every C-FIND then passed over it."""
    index = 910 + DAMAGED.index((case, syntax, tag, element))
    uid, body = _damaged(index, syntax, tag, element)
    scu = RawScu(scp.port, {1: (CT, syntax)})
    response = scu.store(1, CT, uid, body)
    assert (_status(response), _comment(response)[:22]) == (0xC000, "the data set does not "), _comment(response)
    good_uid, good = _damaged(index + 100, syntax, 0xFFFFFFFF, b"")  # the same instance, nothing inserted
    assert _status(scu.store(1, CT, good_uid, good)) == 0x0000
    scu.release()
    assert not (scp.out / f"{uid}.dcm").exists()
    read_file(scp.out / f"{good_uid}.dcm")
    still_serves(scp.port)


def test_a_sequence_key_absent_from_the_studies_is_returned_empty(scp: ScpProcess) -> None:
    """PS3.4 C.2.2.2.6: a sequence key with an empty item (or none) matches every entity and
    asks for the sequence back; the studies have no Procedure Code Sequence, so each answer
    holds it empty. Before, every match was left out as not encodable (C000, "1 match not sent")."""
    scu = RawScu(scp.port, {1: (CT, EXPLICIT_VR_LITTLE_ENDIAN)})
    study = "1.2.826.0.1.3680043.10.1.77"
    instance = ct_instance(990, size=200, study=study)
    assert _status(scu.store(1, CT, instance.sop_instance, bytes(instance.data))) == 0x0000
    scu.release()
    for items in ([], [Dataset()]):
        identifier = Dataset()
        identifier.add(0x00080052, "CS", "STUDY")
        identifier.add(0x00081032, "SQ", items)
        identifier.add(0x0020000D, "UI", study)
        with blocking.associate("127.0.0.1", scp.port, called_ae="OURSCP", contexts=[STUDY_FIND]) as find:
            responses = find.find_dataset(identifier, sop_class=STUDY_FIND)
            answers = list(responses)
            assert responses.status is not None and responses.status.code == 0x0000, responses.status
        assert [(a.value(0x0020000D), a.value(0x00081032)) for a in answers] == [(study, [])]
    still_serves(scp.port)


@pytest.mark.parametrize(
    ("contexts", "reason"),
    [
        (((1, VERIFICATION), (1, CT)), "presentation context ID 1 is proposed twice"),
        (((1, CT), (3, CT), (3, VERIFICATION)), "presentation context ID 3 is proposed twice"),
        (((2, VERIFICATION),), "presentation context ID 2 is not odd"),
        (((0, VERIFICATION),), "presentation context ID 0 is not odd"),
    ],
)
def test_an_a_associate_rq_with_an_ambiguous_context_id_is_aborted(scp: ScpProcess, contexts: tuple[tuple[int, str], ...], reason: str) -> None:
    """PS3.8 9.3.2.2: Presentation-context-ID values are odd, 1 to 255, and each names one
    context. Before, every item was answered, so an A-ASSOCIATE-AC said of context 1 both
    "Verification, Implicit VR" and "CT, Explicit VR", and the SCP went by the last one. Now
    the A-ASSOCIATE-RQ is an invalid PDU: A-ABORT (Sta2, Evt19: AA-1), the reason logged."""
    request = AssociateRQ(
        "OURSCP", "AMBIGUOUS", tuple(PresentationContextRQ(cid, sop, (IMPLICIT_VR_LITTLE_ENDIAN,)) for cid, sop in contexts),
        UserInformation(max_length=0, implementation_class_uid="1.2.3"),
    )
    answer = raw_exchange(scp.port, request.encode())
    assert isinstance(decode_pdu(answer[: 6 + int.from_bytes(answer[2:6], "big")]), Abort), answer[:20]
    with pytest.raises(PduError, match=reason):
        decode_pdu(request.encode())
    deadline = time.monotonic() + 5
    while reason not in scp.log.read_text():
        assert time.monotonic() < deadline, scp.log.read_text()[-2000:]
        time.sleep(0.05)
    still_serves(scp.port)


def _no_data_set_type() -> bytes:
    """A C-ECHO-RQ whose command set lacks Command Data Set Type (0000,0800)."""
    echo = command("C-ECHO-RQ", MessageID=5, AffectedSOPClassUID=VERIFICATION)
    bare = Dataset()
    for element in echo.elements():
        if element.tag != 0x00000800:
            bare[element.tag] = element
    return command_set(bare)


@pytest.mark.parametrize("encoded", [b"", _no_data_set_type()], ids=["empty command set", "no Command Data Set Type"])
def test_a_command_set_that_cannot_say_whether_a_data_set_follows_is_aborted_at_once(scp: ScpProcess, encoded: bytes) -> None:
    """PS3.7 E.1: (0000,0800) is required; without it the SCP waited for a data set that was
    never coming, holding the association until the idle timeout (300 s by default)."""
    sock = associated(scp.port)
    sock.sendall(PDataTF((PresentationDataValue(1, True, True, encoded),)).encode())
    sock.settimeout(10)
    header = sock.recv(6, socket.MSG_WAITALL)
    assert isinstance(decode_pdu(header + sock.recv(int.from_bytes(header[2:6], "big"), socket.MSG_WAITALL)), Abort)
    sock.close()
    deadline = time.monotonic() + 5
    while "without Command Data Set Type" not in scp.log.read_text():
        assert time.monotonic() < deadline, scp.log.read_text()[-2000:]
        time.sleep(0.05)
    still_serves(scp.port)


def test_a_c_move_longer_than_the_idle_timeout_is_not_aborted(tmp_path: Path) -> None:
    """The network (idle) timeout is for a peer that sends nothing while nothing is asked of
    the SCP. A C-MOVE SCU sends nothing while its sub-operations run: the SCP aborted it
    ("no data for 1.5 s") part way through a move longer than the timeout, while it still
    sent C-MOVE-RSPs (Pending). Here a destination that takes 0.4 s a C-STORE, 8 instances."""
    from pynetdicom import AE, evt
    from pynetdicom.sop_class import CTImageStorage  # type: ignore[attr-defined]

    def slow(event: Any) -> int:
        time.sleep(0.4)
        return 0x0000

    destination = AE(ae_title="SLOW")
    destination.add_supported_context(CTImageStorage, [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN])
    port = free_port()
    receiver = destination.start_server(("127.0.0.1", port), block=False, evt_handlers=[(evt.EVT_C_STORE, slow)])
    assert receiver is not None
    study = "1.2.826.0.1.3680043.10.1.88"
    process = ScpProcess(tmp_path / "out", tmp_path / "scp.log", "--idle-timeout", "1.5", "--dest", f"SLOW=127.0.0.1:{port}").start()
    try:
        with blocking.associate("127.0.0.1", process.port, called_ae="OURSCP", contexts=[CT]) as scu:
            for index in range(8):
                assert scu.store(ct_instance(1100 + index, size=200, study=study)).is_success
        identifier = Dataset()
        identifier.add(0x00080052, "CS", "STUDY")
        identifier.add(0x0020000D, "UI", study)
        with blocking.associate("127.0.0.1", process.port, called_ae="OURSCP", contexts=[STUDY_MOVE]) as scu:
            responses = scu.move(identifier, "SLOW", sop_class=STUDY_MOVE)
            list(responses)
            assert responses.status is not None and responses.status.code == 0x0000, responses.status
        log = process.log.read_text()
        assert "no data for" not in log and "no complete PDU for" not in log, log  # no idle abort
        still_serves(process.port)
    finally:
        receiver.shutdown()
        assert process.stop() == 0


def test_a_small_deflated_c_store_that_inflates_to_256_mib_is_walked_in_bounded_memory(tmp_path: Path) -> None:
    """PS3.5 A.5: a Deflated data set of 260 KB whose Pixel Data is 256 MiB of zeros decodes,
    so it is stored (0000); but it was inflated whole in memory to be checked, raising the
    SCP's peak RSS by about twice its inflated size (1 GB for 500 MB; ten such peers at once,
    10 GB). Now it is inflated into a temporary file and walked through a map: under 64 MiB."""
    size = 256 << 20
    instance = ct_instance(1200, size=200).in_syntax(EXPLICIT_VR_LITTLE_ENDIAN)
    plain = bytes(instance.data)
    head = plain[: plain.index(struct.pack("<HH", 0x7FE0, 0x0010))] + struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, size)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    deflated = compressor.compress(head) + b"".join(compressor.compress(zeros) for _ in range(size >> 20)) + compressor.flush()
    assert len(deflated) < 300_000
    process = ScpProcess(tmp_path / "out", tmp_path / "scp.log").start()
    try:
        still_serves(process.port)
        before = peak_rss(process)
        scu = RawScu(process.port, {1: (CT, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN)})
        assert _status(scu.store(1, CT, instance.sop_instance, deflated)) == 0x0000
        scu.release()
        rise = peak_rss(process) - before
        assert rise < 64 << 20, f"peak RSS rose by {rise >> 20} MiB"
        assert (process.out / f"{instance.sop_instance}.dcm").stat().st_size < 400_000
        still_serves(process.port)
    finally:
        assert process.stop() == 0


def test_an_identifier_that_does_not_decode_is_named_in_the_error_comment(scp: ScpProcess) -> None:
    """One clear error naming the place: the Error Comment said 'instance : byte 30 at ...', the
    identifier taken for an instance whose UID (none: a C-FIND names no instance) was left blank."""
    identifier = _implicit(0x00080052, b"STUDY ") + _implicit(0x0020000D, b"") + _implicit(0x00280010, b"\x01")
    scu = RawScu(scp.port, {1: (STUDY_FIND, IMPLICIT_VR_LITTLE_ENDIAN)})
    find = command("C-FIND-RQ", data_set=True, MessageID=1, AffectedSOPClassUID=STUDY_FIND, Priority=0)
    response = scu.send(1, command_set(find), identifier)
    scu.release()
    assert _status(response) == 0xC000
    assert _comment(response).startswith("the C-FIND-RQ data set: byte 30 at (0028,0010): US value of"), _comment(response)
    still_serves(scp.port)


def test_a_query_retrieve_level_of_two_values_is_refused_saying_so(scp: ScpProcess) -> None:
    """A900 (PS3.4 C.4.1.1.4), and the Error Comment says what was sent: it said Level ''."""
    identifier = _implicit(0x00080052, b"STUDY\\SERIES") + _implicit(0x0020000D, b"")
    scu = RawScu(scp.port, {1: (STUDY_FIND, IMPLICIT_VR_LITTLE_ENDIAN)})
    find = command("C-FIND-RQ", data_set=True, MessageID=1, AffectedSOPClassUID=STUDY_FIND, Priority=0)
    response = scu.send(1, command_set(find), identifier)
    scu.release()
    assert (_status(response), _comment(response)) == (0xA900, "Query/Retrieve Level has 2 values (STUDY, SERIES), not one")
    still_serves(scp.port)
