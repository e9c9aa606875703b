"""A floor for the C-ECHO SCP row: a Python server that parses nothing.

It answers each PDU of an association with the bytes ``dicom-net scp`` sent for the
same PDU of the first association, which it relays to that SCP and records. What
is left is the cost of Python and of the I/O model alone: no PDU decoding, no
negotiation, no state machine, no DIMSE. ``bench_net --floors`` runs it beside
``storescp`` and ``dicom-net scp``.

    python3 -m benchmarks.canned_scp asyncio|blocking PORT UPSTREAM_PORT
"""

from __future__ import annotations

import asyncio
import socket
import struct
import sys


def _complete(buffer: bytes) -> int:
    """The length of the first complete PDU in ``buffer``, or 0."""
    if len(buffer) < 6:
        return 0
    length = 6 + int(struct.unpack(">I", buffer[2:6])[0])
    return length if len(buffer) >= length else 0


def _read_pdu(connection: socket.socket, buffer: bytes) -> tuple[bytes, bytes]:
    while not _complete(buffer):
        chunk = connection.recv(65536)
        if not chunk:
            return b"", b""
        buffer += chunk
    length = _complete(buffer)
    return buffer[:length], buffer[length:]


def record(client: socket.socket, upstream_port: int) -> list[bytes]:
    """Relay one association between ``client`` and the upstream SCP; its answers, in order."""
    answers: list[bytes] = []
    with socket.create_connection(("127.0.0.1", upstream_port)) as upstream:
        mine, theirs = b"", b""
        while True:
            pdu, mine = _read_pdu(client, mine)
            if not pdu:
                return answers
            upstream.sendall(pdu)
            if pdu[0] == 0x07:  # A-ABORT: no answer
                return answers
            answer, theirs = _read_pdu(upstream, theirs)
            answers.append(answer)
            client.sendall(answer)
            if pdu[0] == 0x05:  # A-RELEASE-RQ answered: done
                return answers


def serve_blocking(listener: socket.socket, answers: list[bytes]) -> None:
    while True:
        connection, _ = listener.accept()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = b""
        for answer in answers:
            pdu, buffer = _read_pdu(connection, buffer)
            if not pdu:
                break
            connection.sendall(answer)
        while connection.recv(65536):
            pass
        connection.close()


class _Replay(asyncio.Protocol):
    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.buffer = b""
        self.index = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (length := _complete(self.buffer)) and self.transport is not None:
            self.buffer = self.buffer[length:]
            if self.index < len(self.answers):
                self.transport.write(self.answers[self.index])
                self.index += 1


async def serve_asyncio(listener: socket.socket, answers: list[bytes]) -> None:
    server = await asyncio.get_running_loop().create_server(lambda: _Replay(answers), sock=listener)
    await server.serve_forever()


def main() -> None:
    mode, port, upstream_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(256)
    while True:  # the first association that gets answers (not a readiness probe) is recorded
        client, _ = listener.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        answers = record(client, upstream_port)
        client.close()
        if answers:
            break
    if mode == "blocking":
        serve_blocking(listener, answers)
    else:
        asyncio.run(serve_asyncio(listener, answers))


if __name__ == "__main__":
    main()
