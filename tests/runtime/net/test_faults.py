"""Bad input and faults against a live ``dicom-net scp`` process: each gets an A-ABORT or
A-ASSOCIATE-RJ with PS3.8's reason and a log line, and the server keeps serving."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_runtime.net import blocking
from dicom_runtime.net.aio import Proposal, Timeouts, associate
from dicom_runtime.net.association import AssociationError
from dicom_runtime.net.dimse import command_set, fragments
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.messages import command
from dicom_runtime.net.pdu import (
    Abort,
    AssociateAC,
    AssociateRJ,
    AssociateRQ,
    PDataTF,
    PresentationContextRQ,
    PresentationDataValue,
    ReleaseRP,
    ReleaseRQ,
    RoleSelection,
    UserIdentity,
    UserInformation,
    decode_pdu,
)
from tests.runtime.net.helpers import CT, VERIFICATION, ScpProcess, ct_instance, raw_exchange

IMPLICIT = "1.2.840.10008.1.2"
EXPLICIT = "1.2.840.10008.1.2.1"


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("faults")
    process = ScpProcess(folder / "out", folder / "scp.log", "--artim-timeout", "1", "--max-pdu", "65536").start()
    yield process
    assert process.stop() == 0
    assert "Traceback" not in process.log.read_text()


def _request(called: str = "OURSCP", contexts: tuple[PresentationContextRQ, ...] | None = None) -> AssociateRQ:
    return AssociateRQ(
        called, "FAULTY", contexts or (PresentationContextRQ(1, VERIFICATION, (IMPLICIT,)), PresentationContextRQ(3, CT, (EXPLICIT,))),
        UserInformation(max_length=16384, implementation_class_uid="1.2.3"),
    )


def _still_serves(scp: ScpProcess) -> None:
    with blocking.associate("127.0.0.1", scp.port, called_ae="OURSCP", contexts=[VERIFICATION]) as scu:
        assert scu.echo().is_success


def _logged(scp: ScpProcess, text: str) -> None:
    deadline = time.monotonic() + 5
    while text not in scp.log.read_text():
        assert time.monotonic() < deadline, f"no log line with {text!r}: {scp.log.read_text()[-2000:]}"
        time.sleep(0.05)


def _first_pdu(data: bytes) -> object:
    assert len(data) >= 6, data
    return decode_pdu(data[: 6 + int.from_bytes(data[2:6], "big")])


def _associated(scp: ScpProcess) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", scp.port), timeout=5)
    sock.sendall(_request().encode())
    header = sock.recv(6, socket.MSG_WAITALL)
    body = sock.recv(int.from_bytes(header[2:6], "big"), socket.MSG_WAITALL)
    assert isinstance(decode_pdu(header + body), AssociateAC)
    return sock


def _rest(sock: socket.socket) -> bytes:
    sock.shutdown(socket.SHUT_WR)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    return data


@pytest.mark.parametrize(
    ("name", "data", "log"),
    [
        ("malformed (an item overruns its PDU)", _request().encode()[:10] + b"", "bytes needed"),
        ("unknown PDU type", b"\x0b\x00\x00\x00\x00\x02\x00\x00", "unknown PDU type 0x0B"),
        ("item length overrunning its PDU", None, "item 0x50: 4096 bytes needed"),
        ("P-DATA before association", PDataTF((PresentationDataValue(1, True, True, b"\x00" * 8),)).encode(), "P-DATA-TF PDU in Sta2"),
        ("A-RELEASE-RQ before association", ReleaseRQ().encode(), "A-RELEASE-RQ PDU (received on open transport connection) in Sta2"),
        ("an A-ASSOCIATE-RQ longer than the limit", b"\x01\x00\x40\x00\x00\x00" + bytes(64), "exceeds the maximum of 1048576"),
    ],
)
def test_bad_pdus_before_association_get_an_a_abort(scp: ScpProcess, name: str, data: bytes | None, log: str) -> None:
    if data is None:
        body = _request().encode()[6:] + b"\x50\x00\x10\x00" + b"\x51\x00\x00\x04\x00\x00\x40\x00"
        data = b"\x01\x00" + struct.pack(">I", len(body)) + body
    if name.startswith("malformed"):
        body = _request().encode()[6:-30]
        data = b"\x01\x00" + struct.pack(">I", len(body)) + body
    answer = raw_exchange(scp.port, data)
    assert _first_pdu(answer) == Abort(0, 0), name  # AA-1: A-ABORT, then the connection closes
    _logged(scp, log)
    _still_serves(scp)


def test_a_pdu_longer_than_negotiated_is_aborted(scp: ScpProcess) -> None:
    sock = _associated(scp)
    big = PDataTF((PresentationDataValue(1, True, False, bytes(70_000)),)).encode()
    sock.sendall(big[:100])
    answer = _rest(sock)
    assert _first_pdu(answer) == Abort(2, 6)  # AA-8: provider, invalid-PDU-parameter value
    _logged(scp, "exceeds the maximum of 65536")
    _still_serves(scp)


def test_a_silent_peer_is_dropped_by_artim(scp: ScpProcess) -> None:
    started = time.monotonic()
    answer = raw_exchange(scp.port, b"", half_close=False, timeout=10)
    assert answer == b"" and 0.8 < time.monotonic() - started < 8
    _logged(scp, "ARTIM timer expired")
    _still_serves(scp)


def test_a_peer_vanishing_mid_message_loses_nothing_acknowledged(scp: ScpProcess) -> None:
    instance = ct_instance(900)
    sock = _associated(scp)
    store = command("C-STORE-RQ", data_set=True, MessageID=1, AffectedSOPClassUID=CT, AffectedSOPInstanceUID=instance.sop_instance, Priority=0)
    pdus = b"".join(p.encode() for p in fragments(3, command_set(store), instance.data, 16384))
    sock.sendall(pdus[: len(pdus) // 2])
    sock.close()
    _logged(scp, "the peer closed the connection")
    assert not (scp.out / f"{instance.sop_instance}.dcm").exists()
    assert not list(scp.out.glob(".*.tmp"))
    _still_serves(scp)


def test_a_dimse_message_that_does_not_decode_is_aborted(scp: ScpProcess) -> None:
    sock = _associated(scp)
    sock.sendall(PDataTF((PresentationDataValue(1, True, True, b"\x00\x00\x00\x00\xff\xff\xff\x7f"),)).encode())
    assert _first_pdu(_rest(sock)) == Abort(2, 6)
    _logged(scp, "cannot be reassembled")
    _still_serves(scp)


def test_unknown_sop_class_and_transfer_syntax_are_rejected_per_context(scp: ScpProcess) -> None:
    request = _request(contexts=(
        PresentationContextRQ(1, "1.2.3.4.5.6.7", (IMPLICIT,)),
        PresentationContextRQ(3, CT, ("1.2.3.999",)),
        PresentationContextRQ(5, VERIFICATION, (IMPLICIT,)),
    ))
    sock = socket.create_connection(("127.0.0.1", scp.port), timeout=5)
    sock.sendall(request.encode())
    header = sock.recv(6, socket.MSG_WAITALL)
    answer = decode_pdu(header + sock.recv(int.from_bytes(header[2:6], "big"), socket.MSG_WAITALL))
    assert isinstance(answer, AssociateAC)
    assert [(c.context_id, c.result) for c in answer.contexts] == [(1, 3), (3, 4), (5, 0)]
    sock.sendall(ReleaseRQ().encode())
    _rest(sock)
    _still_serves(scp)


@pytest.mark.parametrize(
    ("context", "log"),
    [
        (PresentationContextRQ(1, "1.2.3.4.5.6.7", (IMPLICIT,)), "1.2.3.4.5.6.7: abstract-syntax-not-supported"),
        (PresentationContextRQ(1, CT, ("1.2.3.999",)), f"{CT}: transfer-syntaxes-not-supported"),
    ],
)
def test_nothing_acceptable_is_accepted_with_each_contexts_result(scp: ScpProcess, context: PresentationContextRQ, log: str) -> None:
    # As dcmtk's storescp and pynetdicom answer: an A-ASSOCIATE-AC whose context says why, not an
    # A-ASSOCIATE-RJ with no-reason-given; then the association releases in order.
    sock = socket.create_connection(("127.0.0.1", scp.port), timeout=5)
    sock.sendall(_request(contexts=(context,)).encode())
    header = sock.recv(6, socket.MSG_WAITALL)
    answer = decode_pdu(header + sock.recv(int.from_bytes(header[2:6], "big"), socket.MSG_WAITALL))
    assert isinstance(answer, AssociateAC)
    assert [(c.context_id, c.result) for c in answer.contexts] == [(1, 3 if "abstract" in log else 4)]
    _logged(scp, f"association accepted, but no presentation context: {log}")
    sock.sendall(ReleaseRQ().encode())
    assert _first_pdu(_rest(sock)) == ReleaseRP()
    _still_serves(scp)


def test_a_wrong_called_ae_title_is_rejected(scp: ScpProcess) -> None:
    answer = raw_exchange(scp.port, _request(called="NOT-OURS").encode(), half_close=False)
    assert _first_pdu(answer) == AssociateRJ(1, 1, 7)
    _logged(scp, "called-AE-title-not-recognized")
    with pytest.raises(AssociationError, match=r"\(NOT-OURS\): association rejected-permanent by DICOM UL service-user: called-AE-title-not-recognized"):
        blocking.associate("127.0.0.1", scp.port, called_ae="NOT-OURS")
    _still_serves(scp)


# Fuzzing ---------------------------------------------------------------------------------


def _seeds() -> list[bytes]:
    store = command("C-STORE-RQ", data_set=True, MessageID=1, AffectedSOPClassUID=CT, AffectedSOPInstanceUID="1.2.3", Priority=0)
    echo = command("C-ECHO-RQ", MessageID=2, AffectedSOPClassUID=VERIFICATION)
    full = AssociateRQ(
        "OURSCP", "FUZZER",
        (PresentationContextRQ(1, VERIFICATION, (IMPLICIT,)), PresentationContextRQ(3, CT, (EXPLICIT, IMPLICIT))),
        UserInformation(16384, "1.2.3", "FUZZ", (1, 1), (RoleSelection(CT, True, True),), ((CT, b"\x01"),), identity=UserIdentity(2, b"u", b"p", True)),
    ).encode()
    return [
        full,
        full + b"".join(p.encode() for p in fragments(1, command_set(echo), None, 16384)),
        full + b"".join(p.encode() for p in fragments(3, command_set(store), b"\x08\x00\x18\x00\x06\x00\x00\x001.2.3\x00", 16384)),
        full + ReleaseRQ().encode(),
        AssociateAC("A", "B", ()).encode(),
        AssociateRJ(1, 1, 1).encode(),
        Abort(0, 0).encode(),
    ]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(6)
        position = rng.randrange(len(buffer)) if buffer else 0
        if kind == 0 and buffer:
            buffer[position] ^= 1 << rng.randrange(8)
        elif kind == 1 and buffer:
            buffer[position] = rng.choice([0x00, 0xFF, 0x7F, 0x80, 0x01, rng.randrange(256)])
        elif kind == 2:
            del buffer[position : position + rng.randint(1, 16)]
        elif kind == 3:
            buffer[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif kind == 4 and len(buffer) >= 6:
            field = rng.choice([2, 72, 74, 76, 78, 80, 82]) if len(buffer) > 84 else 2
            size = 4 if field == 2 else 2
            value = rng.choice([0, 1, 0xFFFF, 0x7FFFFFFF, rng.randrange(1 << (8 * size))]) & ((1 << (8 * size)) - 1)
            buffer[field : field + size] = value.to_bytes(size, "big")
        else:
            buffer = buffer[: rng.randrange(len(buffer) + 1)]
    return bytes(buffer)


@pytest.mark.slow
def test_100000_mutated_pdus_against_a_live_scp(scp: ScpProcess) -> None:
    """No crash, no hang: every connection ends, and the SCP still answers C-ECHO."""
    rng = random.Random(20261122)
    seeds = _seeds()
    total = 100_000
    cases = [_mutate(rng.choice(seeds), rng) for _ in range(total)]
    outcomes = {"closed": 0, "answered": 0}

    async def worker(queue: asyncio.Queue[bytes]) -> None:
        while not queue.empty():
            data = queue.get_nowait()
            reader, writer = await asyncio.open_connection("127.0.0.1", scp.port)
            try:
                writer.write(data)
                writer.write_eof()
            except OSError:  # the SCP has answered and closed already (ENOTCONN at write_eof)
                pass
            answer = await asyncio.wait_for(reader.read(), 10)  # a hang fails the test here
            outcomes["answered" if answer else "closed"] += 1
            writer.close()

    async def main() -> None:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        for case in cases:
            queue.put_nowait(case)
        await asyncio.wait_for(asyncio.gather(*(worker(queue) for _ in range(32))), 900)

    started = time.monotonic()
    asyncio.run(main())
    assert sum(outcomes.values()) == total
    assert scp.process is not None and scp.process.poll() is None
    _still_serves(scp)
    print(f"fuzz: {total} mutated PDUs in {time.monotonic() - started:.1f} s, {outcomes}")
