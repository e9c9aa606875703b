"""Connection.send_stepwise (#20): a DIMSE message's P-DATA-TF PDUs are made one at a time as
the iterator is advanced, from bytes or a memoryview, each within the peer's maximum length
(1 MiB, PDU_CAP, where the peer sets none), and the acceptor reassembles the data set
byte for byte; send_message is the same PDUs at once."""

from __future__ import annotations

import mmap
from pathlib import Path

import pytest

from dicom_runtime.net.association import PDU_CAP, Connection, MessageReceived
from dicom_runtime.net.messages import command
from dicom_runtime.net.pdu import (
    AssociateAC,
    AssociateRQ,
    PDataTF,
    PduBuffer,
    PresentationContextAC,
    PresentationContextRQ,
    UserInformation,
)

CT = "1.2.840.10008.5.1.4.1.1.2"
EXPLICIT = "1.2.840.10008.1.2.1"


def _established(peer_max: int) -> tuple[Connection, Connection]:
    """A requestor whose peer (the acceptor) announced ``peer_max`` as its maximum PDU length."""
    rq = AssociateRQ("SCP", "SCU", (PresentationContextRQ(1, CT, (EXPLICIT,)),), UserInformation(max_length=0))
    ac = AssociateAC("SCP", "SCU", (PresentationContextAC(1, 0, EXPLICIT),), UserInformation(max_length=peer_max))
    requestor, acceptor = Connection(requestor=True), Connection(requestor=False, max_pdu_length=0)
    requestor.request_association(rq)
    acceptor.connection_made(0.0)
    requestor.connection_made(0.0)
    acceptor.receive(requestor.data_to_send())
    acceptor.accept(ac)
    requestor.receive(acceptor.data_to_send())
    assert requestor.state == "Sta6" and acceptor.state == "Sta6"
    return requestor, acceptor


def _pdus(data: bytes) -> list[PDataTF]:
    found = PduBuffer(max_length=1 << 30).feed(data)
    assert all(isinstance(p, PDataTF) for p in found)
    return [p for p in found if isinstance(p, PDataTF)]


STORE = command("C-STORE-RQ", MessageID=1, AffectedSOPClassUID=CT, AffectedSOPInstanceUID="1.2.3", Priority=0, data_set=True)


@pytest.mark.parametrize(("peer_max", "room"), [(16384, 16384 - 6), (0, PDU_CAP - 6), (64 << 20, PDU_CAP - 6)])
def test_pdus_are_made_one_at_a_time_within_the_peers_limit(peer_max: int, room: int) -> None:
    requestor, acceptor = _established(peer_max)
    data = bytes(range(256)) * ((3 * PDU_CAP) // 256 + 7)  # three PDU_CAP and some: several PDUs whatever the limit
    steps = requestor.send_stepwise(1, STORE, memoryview(data))
    first = next(steps)  # the command set's one PDU, nothing of the data set made yet
    sent = requestor.data_to_send()
    assert len(sent) == first and len(_pdus(sent)) == 1 and _pdus(sent)[0].values[0].is_command
    waiting = [next(steps)]
    assert waiting[0] == room + 12  # one PDU: 6 bytes of PDU header, 6 of PDV header, its fragment
    waiting += list(steps)
    assert waiting == [(i + 1) * (room + 12) for i in range(len(waiting) - 1)] + [waiting[-1]]
    rest = requestor.data_to_send()
    pdus = _pdus(rest)
    assert [len(p.values[0].data) for p in pdus] == [room] * (len(pdus) - 1) + [len(data) - room * (len(pdus) - 1)]
    assert [p.values[0].is_last for p in pdus] == [False] * (len(pdus) - 1) + [True]
    events = acceptor.receive(sent + rest)
    [message] = [e.message for e in events if isinstance(e, MessageReceived)]
    assert message.data == data


def test_send_message_sends_the_same_bytes_from_bytes_or_a_memory_map(tmp_path: Path) -> None:
    data = bytes(range(256)) * 4099
    path = tmp_path / "data"
    path.write_bytes(b"head" + data)
    one, _ = _established(16384)
    one.send_message(1, STORE, data)
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        view = memoryview(mapped)
        two, _ = _established(16384)
        two.send_message(1, STORE, view[4:])
        del view
        assert one.data_to_send() == two.data_to_send()


def test_an_empty_data_set_is_one_last_pdv() -> None:
    requestor, acceptor = _established(16384)
    requestor.send_message(1, STORE, b"")
    pdus = _pdus(requestor.data_to_send())
    assert [(p.values[0].is_command, p.values[0].is_last, p.values[0].data) for p in pdus[1:]] == [(False, True, b"")]
