"""Slow and idle-looking peers against the asyncio SCP over real sockets (after test_limits'
and test_attack_scp's hostile peers): a peer that sends a PDU one byte at a time, each byte
inside the idle timeout, before and after association; as many such peers as
``max_associations`` while an honest C-ECHO (dcmtk's echoscu) waits for a slot; a DIMSE
message trickled as tiny valid P-DATA-TFs; and P-DATA-TFs that carry nothing (PS3.8 9.3.5,
E.1). Bytes alone are not progress: each is dropped within a bounded time (the timeouts
here are fractions of a second, each wait a few seconds at most), with a log line naming
the peer, the state and the reason."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import Awaitable, Coroutine
from typing import Any

import pytest

from dicom_runtime.fileformat import IMPLICIT_VR_LITTLE_ENDIAN
from dicom_runtime.net.aio import Handlers, Timeouts, storage_policy
from dicom_runtime.net.dimse import command_set
from dicom_runtime.net.messages import command
from dicom_runtime.net.pdu import (
    Abort,
    AssociateAC,
    AssociateRJ,
    AssociateRQ,
    PDataTF,
    PresentationContextRQ,
    PresentationDataValue,
    UserInformation,
    decode_pdu,
)
from dicom_runtime.net.server import Server
from tests.runtime.net.helpers import VERIFICATION, tool

NETWORK = 0.4
"""The idle (network) timeout of these tests' SCPs, seconds."""
EVERY = 0.1
"""Seconds between two bytes (or two PDUs) of a slow peer: well inside NETWORK."""
DROPPED_WITHIN = 6.0
"""Seconds a test waits for the SCP to drop a peer (it never would before the fix)."""


def run(coroutine: Awaitable[None]) -> None:
    asyncio.run(asyncio.wait_for(coroutine, 60))


async def _server(*, max_associations: int = 8, artim: float = 30.0, network: float = NETWORK) -> Server:
    server = Server(
        storage_policy("ECHOSCP", [VERIFICATION]), Handlers(),
        max_associations=max_associations, timeouts=Timeouts(network=network, artim=artim),
    )
    await server.start()
    return server


def _request(calling: str = "SLOW") -> bytes:
    return AssociateRQ(
        "ECHOSCP", calling, (PresentationContextRQ(1, VERIFICATION, (IMPLICIT_VR_LITTLE_ENDIAN,)),),
        UserInformation(max_length=0, implementation_class_uid="1.2.3"),
    ).encode()


async def _pdu(reader: asyncio.StreamReader) -> object:
    header = await reader.readexactly(6)
    return decode_pdu(header + await reader.readexactly(int.from_bytes(header[2:6], "big")))


async def _associated(port: int, calling: str = "SLOW") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_request(calling))
    assert isinstance(await _pdu(reader), AssociateAC)
    return reader, writer


async def _trickle(writer: asyncio.StreamWriter, data: bytes, every: float = EVERY) -> None:
    """Send ``data`` a byte at a time, ``every`` seconds apart, until done or dropped."""
    with contextlib.suppress(ConnectionError, OSError):
        for index in range(len(data)):
            if writer.is_closing():
                return
            writer.write(data[index : index + 1])
            await writer.drain()
            await asyncio.sleep(every)


async def _repeat(writer: asyncio.StreamWriter, pdu: bytes, every: float = EVERY) -> None:
    """Send ``pdu`` again and again, ``every`` seconds apart, until dropped."""
    with contextlib.suppress(ConnectionError, OSError):
        while not writer.is_closing():
            writer.write(pdu)
            await writer.drain()
            await asyncio.sleep(every)


async def _dropped(reader: asyncio.StreamReader) -> bytes:
    """What the SCP sends until it closes the connection (an A-ABORT, or nothing); fails if it
    keeps the connection for DROPPED_WITHIN seconds."""
    received = b""
    try:
        async with asyncio.timeout(DROPPED_WITHIN):
            while chunk := await reader.read(65536):
                received += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the SCP still holds the connection after {DROPPED_WITHIN} s")
    return received


async def _aborted_while(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, sending: Coroutine[Any, Any, None]) -> None:
    """Run ``sending`` until the SCP drops the connection, which it must do with an A-ABORT
    (source service-user, reason 0) within DROPPED_WITHIN seconds."""
    task = asyncio.create_task(sending)
    received = await _dropped(reader)
    task.cancel()
    writer.close()
    assert decode_pdu(received[:10]) == Abort(0, 0)


def _logged(caplog: pytest.LogCaptureFixture, *parts: str) -> list[str]:
    lines = [r.getMessage() for r in caplog.records if r.name == "dicom_runtime.net"]
    return [line for line in lines if all(part in line for part in parts)]


#: A C-ECHO-RQ's P-DATA-TF whose PDV is padded with a private element, so that the PDU is long
#: enough (over 1000 bytes) never to be complete during a test when trickled a byte at a time.
_LONG_PDU = PDataTF((PresentationDataValue(1, True, False, bytes(1000)),)).encode()


@pytest.mark.parametrize(
    ("artim", "network", "said"),
    [
        (NETWORK, 30.0, ("ARTIM timer expired", "Sta2")),
        # a byte a second is no PDU: said so, not "no data"
        (30.0, NETWORK, (f"no complete PDU for {NETWORK:g} s (one begun, not complete) in Sta2; connection closed",)),
    ],
    ids=["by ARTIM", "by the idle timeout if shorter"],
)
def test_a_byte_at_a_time_a_associate_rq_is_dropped(
    caplog: pytest.LogCaptureFixture, artim: float, network: float, said: tuple[str, ...]
) -> None:
    """Before the association, ARTIM (PS3.8 9.1.5: started on the transport connection, AE-5,
    stopped by a complete A-ASSOCIATE-RQ, AE-6) bounds the A-ASSOCIATE-RQ: bytes do not restart
    it. With ARTIM the longer, the idle timeout drops the same peer: it counts from the
    transport connection (no PDU has carried progress since), and the connection is closed
    saying so. Either way nothing is sent (AA-2) and no association is left."""

    async def main() -> None:
        server = await _server(artim=artim, network=network)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        sending = asyncio.create_task(_trickle(writer, _request()))
        assert await _dropped(reader) == b""
        sending.cancel()
        writer.close()
        assert server.associations == set()
        await server.close()

    with caplog.at_level(logging.WARNING, logger="dicom_runtime.net"):
        run(main())
    assert _logged(caplog, "127.0.0.1:", *said), caplog.text

def test_a_byte_at_a_time_pdu_after_association_is_aborted(caplog: pytest.LogCaptureFixture) -> None:
    """After the association, one byte every EVERY seconds kept the association forever: the
    idle timer was reset by any bytes. It now counts from the last PDU that carried progress
    (here the A-ASSOCIATE-RQ)."""

    async def main() -> None:
        server = await _server()
        reader, writer = await _associated(server.port)
        await _aborted_while(reader, writer, _trickle(writer, _LONG_PDU))
        assert server.active == 0
        await server.close()

    with caplog.at_level(logging.WARNING, logger="dicom_runtime.net"):
        run(main())
    assert _logged(caplog, "127.0.0.1:", "(SLOW)", f"no complete PDU for {NETWORK:g} s (one begun, not complete) in Sta6"), caplog.text


def test_a_byte_at_a_time_pdu_while_a_request_is_answered_is_aborted(caplog: pytest.LogCaptureFixture) -> None:
    """While a request of its is being answered the association is not idle (a C-MOVE may take
    longer than the idle timeout), but a PDU must still be complete within the network timeout
    of its first byte."""

    async def answering(request: object) -> int:
        await asyncio.Event().wait()  # never answered: the worker stays busy
        return 0

    async def main() -> None:
        server = Server(storage_policy("ECHOSCP", [VERIFICATION]), Handlers(echo=answering), timeouts=Timeouts(network=NETWORK))
        await server.start()
        reader, writer = await _associated(server.port)
        echo = command("C-ECHO-RQ", MessageID=1, AffectedSOPClassUID=VERIFICATION)
        writer.write(PDataTF((PresentationDataValue(1, True, True, command_set(echo)),)).encode())
        await _aborted_while(reader, writer, _trickle(writer, _LONG_PDU))
        await server.close()

    with caplog.at_level(logging.WARNING, logger="dicom_runtime.net"):
        run(main())
    assert _logged(caplog, "127.0.0.1:", "(SLOW)", f"a PDU not complete {NETWORK:g} s after its first byte in Sta6"), caplog.text


def test_slow_peers_at_max_associations_are_dropped_and_an_honest_c_echo_is_served(caplog: pytest.LogCaptureFixture) -> None:
    """As many byte-at-a-time peers as max_associations: while they hold every slot another
    A-ASSOCIATE-RQ is refused (local-limit-exceeded, asked in-process so as to come well within
    the idle timeout); they are dropped, and an honest C-ECHO (dcmtk's echoscu) succeeds."""
    echoscu = tool("echoscu")
    slots = 3
    network = 1.0  # the refusal is asked a few milliseconds after the slow peers' association

    async def echo(port: int) -> int:
        process = await asyncio.create_subprocess_exec(
            echoscu, "-aet", "HONEST", "-aec", "ECHOSCP", "-to", "5", "-ta", "5", "127.0.0.1", str(port),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        return await process.wait()

    async def main() -> None:
        server = await _server(max_associations=slots, network=network)
        peers = [await _associated(server.port, f"SLOW{index}") for index in range(slots)]
        senders = [asyncio.create_task(_trickle(writer, _LONG_PDU)) for _, writer in peers]
        assert server.active == slots
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(_request("REFUSED"))
        assert await _pdu(reader) == AssociateRJ(2, 3, 2)  # the slow peers hold every slot
        writer.close()
        for reader, _ in peers:
            await _dropped(reader)
        assert server.active == 0
        assert await echo(server.port) == 0
        for task in senders:
            task.cancel()
        for _, writer in peers:
            writer.close()
        await server.close()

    with caplog.at_level(logging.WARNING, logger="dicom_runtime.net"):
        run(main())
    assert _logged(caplog, "local-limit-exceeded"), caplog.text
    assert len(_logged(caplog, "(SLOW", f"no complete PDU for {network:g} s (one begun, not complete) in Sta6")) == slots, caplog.text


def test_a_message_trickled_as_tiny_p_data_tfs_is_aborted(caplog: pytest.LogCaptureFixture) -> None:
    """A DIMSE message sent as an endless stream of valid P-DATA-TFs of 2 bytes each: each PDU
    carries data, but the message being received must be complete within the network timeout
    of its first PDV plus a second per MESSAGE_MIN_RATE bytes of it (deadlines.py)."""

    async def main() -> None:
        server = await _server()
        reader, writer = await _associated(server.port)
        fragment = PDataTF((PresentationDataValue(1, True, False, b"\0\0"),)).encode()
        await _aborted_while(reader, writer, _repeat(writer, fragment))
        await server.close()

    with caplog.at_level(logging.WARNING, logger="dicom_runtime.net"):
        run(main())
    assert _logged(caplog, "(SLOW)", "Sta6", "a DIMSE message not complete"), caplog.text


def test_a_message_slower_than_the_idle_timeout_but_steady_is_received() -> None:
    """The message deadline grows a second per MESSAGE_MIN_RATE bytes received: a C-STORE whose
    data set (24 KiB, in 1 KiB PDUs) takes several idle timeouts to arrive, at some 20 KiB a
    second, is stored, where a fixed deadline would abort it part way."""
    from dicom_runtime.fileformat import EXPLICIT_VR_LITTLE_ENDIAN
    from dicom_runtime.net.aio import StoreRequest
    from dicom_runtime.net.dimse import read_command

    from tests.runtime.net.helpers import CT, ct_instance

    stored: list[int] = []

    async def store(request: StoreRequest) -> int:
        stored.append(len(request.message.data or b""))
        return 0

    async def main() -> None:
        server = Server(storage_policy("ECHOSCP", [VERIFICATION, CT]), Handlers(store=store), timeouts=Timeouts(network=NETWORK))
        await server.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(AssociateRQ(
            "ECHOSCP", "STEADY", (PresentationContextRQ(1, CT, (EXPLICIT_VR_LITTLE_ENDIAN,)),),
            UserInformation(max_length=0, implementation_class_uid="1.2.3"),
        ).encode())
        assert isinstance(await _pdu(reader), AssociateAC)
        instance = ct_instance(1600, size=24_000)
        data = bytes(instance.data)
        store_rq = command("C-STORE-RQ", data_set=True, MessageID=1, AffectedSOPClassUID=CT, Priority=0,
                           AffectedSOPInstanceUID=instance.sop_instance)
        writer.write(PDataTF((PresentationDataValue(1, True, True, command_set(store_rq)),)).encode())
        started = asyncio.get_running_loop().time()
        for start in range(0, len(data), 1024):
            writer.write(PDataTF((PresentationDataValue(1, False, start + 1024 >= len(data), data[start : start + 1024]),)).encode())
            await asyncio.sleep(0.05)
        assert asyncio.get_running_loop().time() - started > 2 * NETWORK  # slower than a fixed deadline allows
        answer = await asyncio.wait_for(_pdu(reader), DROPPED_WITHIN)
        assert isinstance(answer, PDataTF) and answer.values[0].is_command
        assert read_command(answer.values[0].data).value(0x00000900) == 0
        assert stored == [len(data)]
        writer.close()
        await server.close()

    run(main())


def test_p_data_tfs_of_empty_pdvs_do_not_keep_an_association_alive(caplog: pytest.LogCaptureFixture) -> None:
    """PS3.8 E.1 prohibits sending a PDV with no fragment but asks receivers to take it; it
    carries nothing, so it is not activity: a stream of them is dropped at the idle timeout."""

    async def main() -> None:
        server = await _server()
        reader, writer = await _associated(server.port)
        empty = PDataTF((PresentationDataValue(1, True, False, b""), PresentationDataValue(1, True, False, b""))).encode()
        await _aborted_while(reader, writer, _repeat(writer, empty))
        await server.close()

    with caplog.at_level(logging.WARNING, logger="dicom_runtime.net"):
        run(main())
    assert _logged(caplog, "(SLOW)", f"no data for {NETWORK:g} s"), caplog.text


def test_a_p_data_tf_without_a_pdv_is_a_protocol_error(caplog: pytest.LogCaptureFixture) -> None:
    """PS3.8 9.3.5 (Table 9-22): a P-DATA-TF's variable field "shall contain one or more
    Presentation-data-value Items"; one with none is an invalid PDU: A-ABORT (service-provider,
    invalid-PDU-parameter-value), at once rather than at the idle timeout."""

    async def main() -> None:
        server = await _server(network=30.0)
        reader, writer = await _associated(server.port)
        writer.write(struct.pack(">BBI", 0x04, 0, 0))
        # AA-8: A-ABORT, then ARTIM runs while this side is waited on to close (Sta13)
        assert await asyncio.wait_for(_pdu(reader), DROPPED_WITHIN) == Abort(2, 6)
        assert server.active == 0
        writer.close()
        await server.close()

    with caplog.at_level(logging.WARNING, logger="dicom_runtime.net"):
        run(main())
    assert _logged(caplog, "(SLOW)", "no presentation-data-value item"), caplog.text


def test_the_receive_deadlines() -> None:
    """deadlines.overdue, the rules themselves: idle counts from the last PDU that carried
    progress; a PDU must be complete within the network timeout of its first byte; a message
    within it plus a second per MESSAGE_MIN_RATE bytes received of it."""
    from dicom_runtime.net.deadlines import MESSAGE_MIN_RATE, Clocks, next_check, overdue

    idle = Clocks(last_progress=0.0)
    assert overdue(idle, 9.9, 10.0) is None and next_check(idle, 10.0) == 10.0
    assert overdue(idle, 10.0, 10.0) == "no data for 10 s"
    pdu = Clocks(last_progress=5.0, pdu_started=1.0)
    assert next_check(pdu, 10.0) == 11.0
    assert overdue(pdu, 11.0, 10.0) == "a PDU not complete 10 s after its first byte"
    message = Clocks(last_progress=5.0, message_started=1.0, message_bytes=3 * MESSAGE_MIN_RATE)
    assert overdue(message, 13.9, 10.0) is None and next_check(message, 10.0) == 14.0
    assert overdue(message, 14.0, 10.0) == (
        f"a DIMSE message not complete 13 s after its first PDV ({3 * MESSAGE_MIN_RATE} bytes received, "
        f"less than {MESSAGE_MIN_RATE} a second past the first 10 s)"
    )
    waited = Clocks(last_progress=5.0, pdu_started=1.0, message_started=1.0, message_bytes=3 * MESSAGE_MIN_RATE)
    waited.restart(12.0)  # this side stopped reading, or reads again: the peer waited on it
    assert (waited.pdu_started, waited.message_started, waited.message_bytes) == (12.0, 12.0, 0)
    assert overdue(waited, 14.0, 10.0) is None and next_check(waited, 10.0) == 15.0
    idle = Clocks(last_progress=5.0)
    idle.restart(12.0)
    assert (idle.pdu_started, idle.message_started) == (None, None)


def test_the_connection_keeps_the_clocks() -> None:
    """The sans-I/O Connection's clocks: a PDU begins with its first byte and ends with its
    last; a P-DATA-TF of empty PDVs is no progress and begins a message, a PDV with data is
    progress, a complete message ends the message clock."""
    from dicom_runtime.net.association import AssociationRequested, Connection, negotiate

    connection = Connection(requestor=False)
    connection.connection_made(1.0)
    assert connection.clocks.last_progress == 1.0
    request = _request()
    connection.receive(request[:1], 2.0)
    assert connection.clocks.pdu_started == 2.0
    connection.receive(request[1:-1], 3.0)
    assert connection.clocks.pdu_started == 2.0  # the same PDU
    events = connection.receive(request[-1:], 4.0)
    assert connection.clocks.pdu_started is None and connection.clocks.last_progress == 4.0
    requested = next(e for e in events if isinstance(e, AssociationRequested))
    answer = negotiate(requested.request, storage_policy("ECHOSCP", [VERIFICATION]), "127.0.0.1")
    assert isinstance(answer, AssociateAC)
    connection.accept(answer)
    empty = PDataTF((PresentationDataValue(1, True, False, b""),)).encode()
    connection.receive(empty + empty[:3], 5.0)
    clocks = connection.clocks
    assert (clocks.last_progress, clocks.pdu_started, clocks.message_started, clocks.message_bytes) == (4.0, 5.0, 5.0, 0)
    echo = command_set(command("C-ECHO-RQ", MessageID=1, AffectedSOPClassUID=VERIFICATION))
    connection.receive(empty[3:] + PDataTF((PresentationDataValue(1, True, False, echo[:10]),)).encode(), 6.0)
    assert (clocks.last_progress, clocks.pdu_started, clocks.message_started, clocks.message_bytes) == (6.0, None, 5.0, 10)
    connection.receive(PDataTF((PresentationDataValue(1, True, True, echo[10:]),)).encode(), 7.0)
    assert (clocks.last_progress, clocks.message_started, clocks.message_bytes) == (7.0, None, 0)
