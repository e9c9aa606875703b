"""Issue #20 items 1 and 2: a live ``dicom-net scp`` keeps its memory bounded against peers
that send and never read, messages that never end, and A-ASSOCIATE-RQs that never end;
it drops them, and goes on serving C-ECHO. Peak RSS is the process's VmHWM."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.runtime.net.helpers import ScpProcess, associated, echo_requests, endless_message, peak_rss, send_until_dropped, still_serves

MiB = 1024 * 1024


@pytest.fixture
def scp(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ScpProcess]:
    extra = getattr(request, "param", ())
    process = ScpProcess(tmp_path / "out", tmp_path / "scp.log", "--idle-timeout", "3", "--artim-timeout", "2", *extra).start()
    yield process
    assert process.stop() == 0
    assert "Traceback" not in process.log.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("scp", [("--max-associations", "3")], indirect=True)
def test_peers_that_pipeline_c_echo_and_never_read_are_dropped_with_bounded_memory(scp: ScpProcess) -> None:
    """Three such peers against max_associations=3: each would queue 300,000 C-ECHO-RQs (26 MB);
    the SCP stops reading, resets each one after the idle timeout (3 s) and serves again."""
    still_serves(scp.port)
    before = peak_rss(scp)
    chunk = echo_requests(1000)
    outcomes: list[dict[str, Any]] = [{} for _ in range(3)]
    sockets = [associated(scp.port) for _ in range(3)]
    threads = [threading.Thread(target=send_until_dropped, args=(s, chunk, 300 * len(chunk), o)) for s, o in zip(sockets, outcomes)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    for sock in sockets:
        sock.close()
    assert all(o.get("result") in ("ConnectionResetError", "BrokenPipeError") for o in outcomes), outcomes
    assert time.monotonic() - started < 60
    assert all(int(o["sent"]) < 300 * len(chunk) for o in outcomes), outcomes  # held back by TCP, not read into memory
    growth = peak_rss(scp) - before
    assert growth < 40 * MiB, f"peak RSS grew by {growth / MiB:.0f} MiB"
    assert scp.log.read_text().count("has read nothing sent to it for 3 s") == 3
    still_serves(scp.port)


@pytest.mark.slow
@pytest.mark.parametrize("scp", [("--max-message-size", str(64 * MiB), "--message-budget", str(96 * MiB))], indirect=True)
def test_a_dimse_message_that_never_ends_is_aborted_at_the_limit(scp: ScpProcess) -> None:
    still_serves(scp.port)
    before = peak_rss(scp)
    outcome: dict[str, Any] = {}
    endless_message(scp.port, 500 * MiB, outcome)
    assert outcome["result"] in ("ConnectionResetError", "BrokenPipeError"), outcome
    assert int(outcome["sent"]) < 200 * MiB
    growth = peak_rss(scp) - before
    assert growth < 64 * MiB + 40 * MiB, f"peak RSS grew by {growth / MiB:.0f} MiB"
    assert "a data set longer than the limit of 67108864 bytes" in scp.log.read_text()
    still_serves(scp.port)


@pytest.mark.slow
@pytest.mark.parametrize(
    "scp", [("--max-message-size", str(64 * MiB), "--message-budget", str(96 * MiB), "--spill-budget", "0")], indirect=True
)
def test_unfinished_messages_of_several_associations_share_one_budget(scp: ScpProcess) -> None:
    """Three streams of 60 MiB each (under the 64 MiB limit) against a 96 MiB budget, nothing
    spilled to disk: those that would exceed it are aborted, and the budget is given back
    when they end. (With spilling, the default, they go on on disk: test_spill_scp.py.)"""
    still_serves(scp.port)
    before = peak_rss(scp)
    outcomes: list[dict[str, Any]] = [{} for _ in range(3)]
    threads = [threading.Thread(target=endless_message, args=(scp.port, 60 * MiB, o)) for o in outcomes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert any(o["result"] in ("ConnectionResetError", "BrokenPipeError") for o in outcomes), outcomes
    growth = peak_rss(scp) - before
    assert growth < 96 * MiB + 40 * MiB, f"peak RSS grew by {growth / MiB:.0f} MiB"
    assert "unfinished messages of all associations would hold more than 100663296 bytes" in scp.log.read_text()
    still_serves(scp.port)


def test_unfinished_a_associate_rqs_share_a_bounded_budget(scp: ScpProcess) -> None:
    """100 connections each send 1 MiB of a 1 MiB A-ASSOCIATE-RQ and stop: without a bound
    they would hold 100 MiB until ARTIM. Connections beyond the 16 MiB budget are closed."""
    still_serves(scp.port)
    before = peak_rss(scp)
    header = b"\x01\x00" + (MiB).to_bytes(4, "big")
    body = bytes(MiB - 64)
    sockets = []
    for _ in range(100):
        sock = socket.create_connection(("127.0.0.1", scp.port), timeout=10)
        try:
            sock.sendall(header + body)
        except OSError:
            pass
        sockets.append(sock)
    time.sleep(1)
    closed = 0
    for sock in sockets:
        sock.settimeout(0.2)
        try:
            closed += sock.recv(1) == b""
        except (ConnectionResetError, TimeoutError):
            closed += 1
        sock.close()
    assert closed >= 80, closed
    growth = peak_rss(scp) - before
    assert growth < 16 * MiB + 24 * MiB, f"peak RSS grew by {growth / MiB:.0f} MiB"
    assert "connections not associated yet hold more than 16777216 bytes" in scp.log.read_text()
    still_serves(scp.port)
