"""Memory of a live ``dicom-net scp`` under hostile peers (issue #20), against a target.

The SCP runs in a process of its own on a free 127.0.0.1 port (``--out`` a temporary
folder, ``PYTHONPATH`` this tree). Its idle resident set is measured after one C-ECHO;
then 10 peers of each kind connect at once, kind by kind and then all 30 together:

* ``pipeline``: an association that sends C-ECHO-RQs without end and never reads a
  response (the SCP stops reading it, and resets it after the idle timeout);
* ``endless``: an association whose C-STORE data set comes in PDVs that never have the
  last-fragment bit, 600 MiB of it (the SCP spills it to an unlinked temporary file past
  ``--spill-after``, and aborts it at ``max_message_size`` or the disk budget of spilled
  data sets, ``--spill-budget``);
* ``unfinished``: A-ASSOCIATE-RQs that declare 1 MiB, send 256 KiB at once and then a
  trickle (4 KiB every 50 ms), never the whole PDU (dropped by ARTIM or the 16 MiB budget
  of unfinished requests).

Each phase has an SCP of its own (what one phase leaves allocated does not count in the
next), whose peak RSS over its idle figure is the larger of its VmHWM (reset through
``/proc/PID/clear_refs`` as the phase starts) and VmRSS sampled every 10 ms. After each
phase the SCP must still answer a C-ECHO. The peers are the networking tests' own
(``tests/runtime/net/helpers.py``); every peer stops by itself (bounded bytes and time),
and all traffic is to 127.0.0.1.

The SCP runs with short timeouts (``--idle-timeout 3 --artim-timeout 5``) so that the
benchmark ends in about a minute, and otherwise with its default limits: the largest
data set 512 MiB, 32 MiB of memory for the unfinished messages of all associations, a
data set spilled to disk past 4 MiB (or once that memory is taken), 4 GiB of spilled data
sets at most. ``--limits`` instead runs it with ``--max-message-size 64 MiB
--message-budget MIB`` and nothing spilled (``--spill-budget 0``), the bounds of before
spilling: then the unfinished messages of all associations may hold the
whole budget in memory by design.

    python3 -m benchmarks.bench_hostile [--peers N] [--limits [--message-budget MIB]]
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.bench_net import REPO, tree_env
from tests.runtime.net.helpers import ScpProcess, associated, echo_requests, endless_message, send_until_dropped, still_serves

MiB = 1024 * 1024
MB = 1000 * 1000
TARGET = 200 * MB
"""At most this much peak RSS over the idle figure, all kinds together (#20)."""
TIMEOUTS = ("--idle-timeout", "3", "--artim-timeout", "5")
PEER_SECONDS = 60.0
"""No peer lasts longer than this, dropped or not."""

Outcome = dict[str, Any]


def _pipeline(port: int, outcome: Outcome) -> None:
    sock = associated(port)
    chunk = echo_requests(1000)  # 88 KB a sendall
    try:
        send_until_dropped(sock, chunk, 300 * len(chunk), outcome)
    finally:
        sock.close()


def _endless(port: int, outcome: Outcome) -> None:
    endless_message(port, 600 * MiB, outcome)


def _unfinished(port: int, outcome: Outcome) -> None:
    """An A-ASSOCIATE-RQ that says 1 MiB and never gets there: 256 KiB, then a trickle."""
    declared = MiB
    sent = 0
    deadline = time.monotonic() + PEER_SECONDS
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(b"\x01\x00" + declared.to_bytes(4, "big") + bytes(256 * 1024))
            sent = 6 + 256 * 1024
            sock.settimeout(0.05)
            while sent + 4096 < declared and time.monotonic() < deadline:
                try:
                    if sock.recv(1) == b"":
                        outcome["result"] = "closed"
                        break
                except TimeoutError:
                    pass
                sock.sendall(bytes(4096))
                sent += 4096
            else:
                outcome["result"] = "never dropped"
        except OSError as exc:
            outcome["result"] = type(exc).__name__
    outcome["sent"] = sent


PEERS: dict[str, tuple[str, Callable[[int, Outcome], None]]] = {
    "pipeline": ("pipelined C-ECHO-RQs, never reading", _pipeline),
    "endless": ("an endless DIMSE message (no last fragment)", _endless),
    "unfinished": ("unfinished A-ASSOCIATE-RQs (1 MiB declared, sent slowly)", _unfinished),
}


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


class Peak:
    """The process's peak RSS during a phase: VmHWM reset at the start where the kernel
    allows it, and VmRSS sampled every 10 ms in case it does not."""

    def __init__(self, pid: int) -> None:
        self.pid, self.sampled, self._stop = pid, 0, threading.Event()
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
            self.hwm_reset = True
        except OSError:
            self.hwm_reset = False
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.sampled = max(self.sampled, _status(self.pid, "VmRSS"))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return max(self.sampled, _status(self.pid, "VmHWM") if self.hwm_reset else 0)


def _phase(scp: ScpProcess, kinds: list[str], count: int) -> tuple[int, float, dict[str, list[Outcome]]]:
    """``count`` peers of each kind at once; the peak RSS, the seconds taken, the outcomes."""
    assert scp.process is not None
    outcomes: dict[str, list[Outcome]] = {kind: [{} for _ in range(count)] for kind in kinds}
    threads = [
        threading.Thread(target=_guarded, args=(PEERS[kind][1], scp.port, outcome), daemon=True)
        for kind in kinds
        for outcome in outcomes[kind]
    ]
    peak = Peak(scp.process.pid)
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, started + PEER_SECONDS + 30 - time.monotonic()))
    elapsed = time.monotonic() - started
    time.sleep(0.2)  # what the SCP frees as the last peers go
    return peak.stop(), elapsed, outcomes


def _guarded(peer: Callable[[int, Outcome], None], port: int, outcome: Outcome) -> None:
    try:
        peer(port, outcome)
    except (OSError, AssertionError) as exc:  # e.g. an association refused: reported, not raised
        outcome.setdefault("result", f"{type(exc).__name__}: {exc}")


def _summary(outcomes: list[Outcome]) -> str:
    results: dict[str, int] = {}
    for outcome in outcomes:
        result = str(outcome.get("result", "unfinished"))
        results[result] = results.get(result, 0) + 1
    sent = sum(int(o.get("sent", 0)) for o in outcomes)
    return ", ".join(f"{n} {r}" for r, n in sorted(results.items())) + f"; {sent / MiB:.0f} MiB sent in all"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peers", type=int, default=10, help="peers of each kind at once")
    parser.add_argument("--limits", action="store_true", help="64 MiB largest data set, --message-budget, nothing spilled")
    parser.add_argument("--message-budget", type=int, default=96, metavar="MIB", help="with --limits: the SCP's --message-budget, MiB (default 96)")
    args = parser.parse_args()
    os.environ.update(tree_env(REPO))  # the SCP of this tree, whatever dicom_runtime the interpreter has installed
    limits = (
        "--max-message-size", str(64 * MiB), "--message-budget", str(args.message_budget * MiB), "--spill-budget", "0",
    )
    extra = TIMEOUTS + (limits if args.limits else ())
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"dicom-net scp {' '.join(extra)} (from {REPO}); {args.peers} peers of each kind; load average {load}", flush=True)
    total = 0
    with tempfile.TemporaryDirectory() as folder:
        for index, kinds in enumerate([[kind] for kind in PEERS] + [list(PEERS)]):
            growth = _measured_phase(Path(folder) / str(index), extra, kinds, args.peers)
            if len(kinds) > 1:
                total = growth
    verdict = "within" if total <= TARGET else "ABOVE"
    print(f"all kinds together: {total / MB:.1f} MB ({total / MiB:.1f} MiB) over the idle RSS; target <= {TARGET / MB:.0f} MB: {verdict}")


def _measured_phase(folder: Path, extra: tuple[str, ...], kinds: list[str], count: int) -> int:
    """A fresh SCP: its idle RSS, a phase, its C-ECHO afterwards; the peak RSS over idle."""
    folder.mkdir()
    scp = ScpProcess(folder / "out", folder / "scp.log", *extra).start()
    assert scp.process is not None
    try:
        still_serves(scp.port)
        time.sleep(0.5)
        idle = _status(scp.process.pid, "VmRSS")
        peak, elapsed, outcomes = _phase(scp, kinds, count)
        growth = peak - idle
        left = _status(scp.process.pid, "VmRSS") - idle
        label = PEERS[kinds[0]][0] if len(kinds) == 1 else f"all kinds together ({len(kinds) * count} peers)"
        print(
            f"{label}: idle RSS {idle / MiB:.1f} MiB, peak {peak / MiB:.1f} MiB: {growth / MB:+.1f} MB ({growth / MiB:+.1f} MiB) over idle "
            f"({left / MiB:+.1f} MiB still held after), {elapsed:.1f} s",
            flush=True,
        )
        for kind in kinds:
            print(f"    {kind}: {_summary(outcomes[kind])}", flush=True)
        try:
            still_serves(scp.port)
            answered = "C-ECHO afterwards: Success"
        except (OSError, AssertionError) as exc:
            answered = f"C-ECHO afterwards: FAILED ({type(exc).__name__}: {exc})"
    finally:
        code = scp.stop()
        traceback = "a traceback in its log" if "Traceback" in scp.log.read_text() else "no traceback in its log"
    print(f"    {answered}; SCP exit status {code}, {traceback}", flush=True)
    return growth

if __name__ == "__main__":
    main()
