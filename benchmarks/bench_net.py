"""DIMSE networking on loopback, side by side with dcmtk and pynetdicom, printed as ratios.

Workloads (issue #6): 500 CT images of 40 KB over one association (C-STORE), and
200 associations of one C-ECHO each. Each role is measured against the same peer:

* SCU role, the SCP is dcmtk's ``storescp``: dcmtk ``storescu``/``echoscu`` (the
  reference), our SCU, pynetdicom's SCU.
* SCP role, the SCU is dcmtk's ``storescu``/``echoscu``: dcmtk ``storescp`` (the
  reference), ``dicom-net scp``, pynetdicom's ``storescp`` application.

dcmtk runs with ``TCP_NODELAY=1`` in its environment; pynetdicom runs as shipped.
dcmtk SCUs are timed as processes (startup included: a few ms); ``echoscu`` is run
against the three SCPs in turn, one association each, so they share the machine's
load alike (its own start is most of each association's time); the Python SCUs are
timed inside their process from the first association to the last release, so
interpreter start and imports are excluded. Every SCP stores to disk; ours also
makes each instance durable before answering Success, the others do not. Rounds
are interleaved, the rows taken in the opposite order every other round; each ratio
is the median over rounds of the ratio measured within a round, which cancels the
drift of a shared machine's load between rounds.
``dicom-net scp --no-fsync`` is measured too, for the like-for-like figure.
Every SCP stores into a folder of its own made empty for the row, so every round's
500 instances are new to it (none is a duplicate, which the duplicate policy would not
write again): each row measures the single-store path, and the count of files stored
is checked. ``--before REV`` also measures, in the C-STORE SCP rows, ``dicom-net scp``
of commit REV (a temporary ``git worktree``, removed afterwards) and prints the ratio
of this tree's time to REV's, with and without fsync; ``--store-scp-only`` measures only
the C-STORE SCP rows. Our SCP runs with ``PYTHONPATH`` set to its own tree, whatever
``dicom_runtime`` the interpreter would otherwise import.
Beside the wall time, the SCP process's processor time during the workload and the half
second after it (user and system, all threads, from ``/proc``: what it defers past the
release, such as our index rows, counts) is compared with REV's: on a shared machine it
moves less with what else runs.
``--floors`` adds, in the C-ECHO SCP row, a Python server that answers with recorded
bytes and does no DICOM work (:mod:`benchmarks.canned_scp`): the least any Python
SCP could take on this machine.

    python3 -m benchmarks.bench_net [--rounds N] [--pynetdicom-rounds N] [--floors] [--before REV] [--store-scp-only]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pydicom.data

from dicom_runtime.fileformat import read_file, write_file

REPO = Path(__file__).resolve().parent.parent
CT_SMALL = Path(str(pydicom.data.__file__)).parent / "test_files" / "CT_small.dcm"
"""pydicom's copy, found by path (its get_testdata_file tries to download what it lacks)."""
IMAGES, ECHOES = 500, 200
DCMTK_ENV = {**os.environ, "TCP_NODELAY": "1"}
BEFORE: list[Path] = []
BEFORE_REV: list[str] = []
"""The worktree of ``--before REV`` once made, and REV."""


def tree_env(root: Path) -> dict[str, str]:
    """The environment that runs ``dicom_runtime`` (and the generated model) from ``root``."""
    paths = [root / "runtime", root / "generated", root / "generator", root]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, paths))}


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_images(folder: Path, count: int = IMAGES) -> list[Path]:
    """CT images of about 40 KB: pydicom's CT_small.dcm with 140x140 pixels and new UIDs."""
    folder.mkdir(parents=True, exist_ok=True)
    template = read_file(CT_SMALL).dataset
    paths = []
    for index in range(count):
        dataset = template
        dataset.add(0x00080018, "UI", f"1.2.826.0.1.3680043.10.7.{index + 1}")
        dataset.add(0x00280010, "US", 140)
        dataset.add(0x00280011, "US", 140)
        dataset.add(0x7FE00010, "OW", bytes((index + i) & 0xFF for i in range(140 * 140 * 2)))
        path = folder / f"ct{index:04d}.dcm"
        write_file(path, dataset)
        paths.append(path)
    return paths


def _wait(port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Scp:
    def __init__(self, kind: str, out: Path, upstream: int = 0) -> None:
        self.kind, self.out, self.port = kind, out, _port()
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        if kind.startswith("floor-"):  # benchmarks/canned_scp.py, relaying its first association to ours
            command, env = [sys.executable, "-m", "benchmarks.canned_scp", kind[6:], str(self.port), str(upstream)], tree_env(REPO)
        elif kind == "dcmtk":
            command, env = ["/usr/bin/storescp", "-aet", "BENCH", "-od", str(out), str(self.port)], DCMTK_ENV
        elif kind in ("ours", "ours-no-fsync", "before", "before-no-fsync"):
            command = [sys.executable, "-m", "dicom_runtime.net.cli", "scp", "--host", "127.0.0.1", "--port", str(self.port), "--aet", "BENCH", "--out", str(out)]
            command += ["--no-fsync"] if kind.endswith("-no-fsync") else []
            env = tree_env(BEFORE[0] if kind.startswith("before") else REPO)
        else:
            command = [sys.executable, "-m", "pynetdicom", "storescp", str(self.port), "-aet", "BENCH", "-od", str(out)]
            env = dict(os.environ)
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(self.port)
        if kind.startswith("floor-"):
            _echoscu(self.port)  # recorded, then replayed

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


_PYTHON_SCU = r"""
import json, sys, time
kind, port, workload, files = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
CT, ECHO = "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.1"
if kind == "ours":
    import asyncio
    from dicom_runtime.net.aio import associate, Proposal
    from dicom_runtime.net.instances import Instance
    async def main():
        instances = [Instance.from_file(f) for f in files] if workload == "store" else []
        start = time.perf_counter()
        if workload == "store":
            async with await associate("127.0.0.1", port, called_ae="BENCH", contexts=[Proposal(CT)]) as scu:
                for instance in instances:
                    assert (await scu.store(instance)).is_success
        else:
            for _ in range(int(files[0])):
                async with await associate("127.0.0.1", port, called_ae="BENCH") as scu:
                    assert (await scu.echo()).is_success
        return time.perf_counter() - start
    elapsed = asyncio.run(main())
else:
    from pydicom import dcmread
    from pynetdicom import AE
    ae = AE(ae_title="PYNET")
    ae.add_requested_context(CT if workload == "store" else ECHO)
    datasets = [dcmread(f) for f in files] if workload == "store" else []
    start = time.perf_counter()
    if workload == "store":
        assoc = ae.associate("127.0.0.1", port, ae_title="BENCH")
        for ds in datasets:
            assert assoc.send_c_store(ds).Status == 0
        assoc.release()
    else:
        for _ in range(int(files[0])):
            assoc = ae.associate("127.0.0.1", port, ae_title="BENCH")
            assert assoc.send_c_echo().Status == 0
            assoc.release()
    elapsed = time.perf_counter() - start
print(json.dumps(elapsed))
"""


def scu(kind: str, port: int, workload: str, files: list[Path]) -> float:
    if kind == "dcmtk":
        start = time.perf_counter()
        if workload == "store":
            subprocess.run(["/usr/bin/storescu", "-aec", "BENCH", "127.0.0.1", str(port), *map(str, files)], env=DCMTK_ENV, check=True, capture_output=True)
        else:
            for _ in range(ECHOES):
                subprocess.run(["/usr/bin/echoscu", "-aec", "BENCH", "127.0.0.1", str(port)], env=DCMTK_ENV, check=True, capture_output=True)
        return time.perf_counter() - start
    arguments = [str(f) for f in files] if workload == "store" else [str(ECHOES)]
    env = tree_env(REPO) if kind == "ours" else None
    result = subprocess.run([sys.executable, "-c", _PYTHON_SCU, kind, str(port), workload, *arguments], check=True, capture_output=True, text=True, env=env)
    return float(json.loads(result.stdout.strip().splitlines()[-1]))


Times = dict[tuple[str, str, str], list[float]]


def _echoscu(port: int) -> None:
    subprocess.run(["/usr/bin/echoscu", "-aec", "BENCH", "127.0.0.1", str(port)], env=DCMTK_ENV, check=True, capture_output=True)


def _stored(out: Path) -> int:
    """The instances an SCP stored in its folder (not its journal or temporary files)."""
    return sum(1 for path in out.iterdir() if path.is_file() and not path.name.startswith("."))


def measure(folder: Path, rounds: int, pynetdicom_rounds: int, floors: bool = False, *, before: bool = False, store_scp_only: bool = False) -> Times:
    """Each row's time in each round (rounds without pynetdicom leave its rows shorter)."""
    files = make_images(folder / "images")
    times: Times = {}
    rows: list[tuple[str, str, str]] = []
    for workload in ("store",) if store_scp_only else ("store", "echo"):
        if not store_scp_only:
            for scu_kind in ("dcmtk", "ours", "pynetdicom"):
                rows.append((workload, scu_kind, "dcmtk"))  # SCU role
        if workload == "store":
            scp_kinds = ["dcmtk"] if store_scp_only else []
            scp_kinds += ["ours", "ours-no-fsync"] + (["before", "before-no-fsync"] if before else []) + ([] if store_scp_only else ["pynetdicom"])
        else:
            scp_kinds = ["ours", "pynetdicom"]
        for scp_kind in scp_kinds:
            rows.append((workload, "dcmtk", scp_kind))  # SCP role
    for round_number in range(rounds):
        if not store_scp_only:
            _echo_round(folder, round_number, pynetdicom_rounds, floors, times)
        # Rows in the opposite order every other round: no row always follows the same one.
        for workload, scu_kind, scp_kind in rows if round_number % 2 == 0 else rows[::-1]:
            if "pynetdicom" in (scu_kind, scp_kind) and round_number >= pynetdicom_rounds:
                continue
            if workload == "echo" and scu_kind == "dcmtk":
                continue  # measured interleaved in _echo_round
            server = Scp(scp_kind, folder / f"out-{scp_kind}")  # an empty folder: every instance is new to it
            try:
                used = _cpu_seconds(server.process.pid)
                elapsed = scu(scu_kind, server.port, workload, files)
                time.sleep(SETTLE)  # what the SCP does once the peer is gone (index rows) counts too
                used = _cpu_seconds(server.process.pid) - used
            finally:
                server.stop()
            if workload == "store":
                stored = _stored(server.out)
                assert stored == IMAGES, f"{scu_kind} -> {scp_kind}: {stored} new files stored, not {IMAGES}"
            times.setdefault((workload, scu_kind, scp_kind), []).append(elapsed)
            times.setdefault((workload, scu_kind, scp_kind + CPU), []).append(used)
    return times


SETTLE = 0.5
"""Seconds after the workload before the SCP's processor time is read: work it defers until
its peer is gone (ours makes its index rows once no instance has come for 50 ms) is counted."""
CPU = " cpu"
"""A row's key suffix for the SCP process's processor time (user and system, all its threads)
during the workload, beside its wall time: less sensitive than the wall time to what else
the machine runs."""


def _cpu_seconds(pid: int) -> float:
    """Processor time (user + system, every thread) a process has used: /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _echo_round(folder: Path, round_number: int, pynetdicom_rounds: int, floors: bool, times: Times) -> None:
    """dcmtk's echoscu against the SCPs: one association each in turn, so that every SCP
    meets the same machine load (the time is mostly echoscu's own start)."""
    kinds = ["dcmtk", "ours"] + (["pynetdicom"] if round_number < pynetdicom_rounds else [])
    servers = {kind: Scp(kind, folder / f"echo-{kind}") for kind in kinds}
    if floors:
        for kind in ("floor-asyncio", "floor-blocking"):
            servers[kind] = Scp(kind, folder / f"echo-{kind}", upstream=servers["ours"].port)
            kinds.append(kind)
    totals = dict.fromkeys(kinds, 0.0)
    try:
        for index in range(ECHOES):
            for kind in kinds[index % len(kinds) :] + kinds[: index % len(kinds)]:
                started = time.perf_counter()
                _echoscu(servers[kind].port)
                totals[kind] += time.perf_counter() - started
    finally:
        for server in servers.values():
            server.stop()
    for kind, total in totals.items():
        times.setdefault(("echo", "dcmtk", kind), []).append(total)


def _ratio(times: Times, ours: tuple[str, str, str], reference: tuple[str, str, str]) -> float:
    """The median over rounds of the ratio within each round (both rows measured in it)."""
    pairs = list(zip(times[ours], times[reference]))
    return statistics.median(a / b for a, b in pairs)


def report(times: Times) -> str:
    lines = ["(ratios: median over rounds of the ratio within a round; times: median)"]
    for workload, title in (("store", f"{IMAGES} C-STOREs of 40 KB, one association"), ("echo", f"{ECHOES} associations of one C-ECHO")):
        reference = (workload, "dcmtk", "dcmtk")
        if reference not in times:
            continue
        lines.append(f"{title}:")
        lines.append(f"  dcmtk storescu/echoscu -> dcmtk storescp      {statistics.median(times[reference]):8.3f} s (reference)")
        rows = [
            ("SCU role", (workload, "ours", "dcmtk"), (workload, "pynetdicom", "dcmtk")),
            ("SCP role", (workload, "dcmtk", "ours"), (workload, "dcmtk", "pynetdicom")),
            ("SCP role without fsync (like dcmtk, pynetdicom)", (workload, "dcmtk", "ours-no-fsync"), (workload, "dcmtk", "pynetdicom")),
        ]
        for label, ours, pynet in rows:
            if ours not in times:
                continue
            line = f"  {label}: ours {statistics.median(times[ours]):8.3f} s"
            if pynet in times:
                line += f", pynetdicom {statistics.median(times[pynet]):8.3f} s"
            line += f"; ours / dcmtk = {_ratio(times, ours, reference):.3f}x (target <= 1.0x)"
            if pynet in times:
                line += f", ours / pynetdicom = {_ratio(times, ours, pynet):.3f}x (target <= 0.3x)"
            lines.append(line)
        for kind, label in (("floor-asyncio", "asyncio"), ("floor-blocking", "blocking sockets")):
            if (workload, "dcmtk", kind) in times:
                row = (workload, "dcmtk", kind)
                lines.append(
                    f"  floor, a Python SCP replaying recorded answers ({label}, no DICOM work): "
                    f"{statistics.median(times[row]):8.3f} s = {_ratio(times, row, reference):.3f}x dcmtk"
                )
        for suffix, label in (("", "with fsync"), ("-no-fsync", "without fsync")):
            after, earlier = (workload, "dcmtk", "ours" + suffix), (workload, "dcmtk", "before" + suffix)
            if after in times and earlier in times:
                within = ", ".join(f"{a / b:.3f}" for a, b in zip(times[after], times[earlier]))
                lines.append(
                    f"  SCP role {label}, this tree / {BEFORE_REV[0]}: {_ratio(times, after, earlier):.3f}x (target <= 1.05x; "
                    f"{BEFORE_REV[0]} {statistics.median(times[earlier]):.3f} s = {_ratio(times, earlier, reference):.3f}x dcmtk; rounds: {within})"
                )
                cpu_after, cpu_earlier = (workload, "dcmtk", "ours" + suffix + CPU), (workload, "dcmtk", "before" + suffix + CPU)
                within = ", ".join(f"{a / b:.3f}" for a, b in zip(times[cpu_after], times[cpu_earlier]))
                lines.append(
                    f"    its processor time (SCP process, all threads), this tree / {BEFORE_REV[0]}: {_ratio(times, cpu_after, cpu_earlier):.3f}x "
                    f"({statistics.median(times[cpu_after]):.3f} s / {statistics.median(times[cpu_earlier]):.3f} s; rounds: {within})"
                )
    return "\n".join(lines)


def summary(times: Times, load: tuple[str, str]) -> str:
    """The ``--before`` comparison alone, a line per durability, for reading at a glance: the
    ratio each round measured (this tree's time over REV's, in the same round) sorted, with
    the median the target is about, and the processor time's."""
    lines = []
    for suffix, label in (("", "with fsync"), ("-no-fsync", "without fsync")):
        after, earlier = ("store", "dcmtk", "ours" + suffix), ("store", "dcmtk", "before" + suffix)
        if after not in times or earlier not in times:
            continue
        ratios = sorted(a / b for a, b in zip(times[after], times[earlier]))
        cpu = _ratio(times, (*after[:2], after[2] + CPU), (*earlier[:2], earlier[2] + CPU))
        median = statistics.median(ratios)
        verdict = "met" if median <= 1.05 else "missed"
        lines.append(
            f"  {label:14s} {median:.3f}x ({verdict}; target <= 1.05x)   rounds, sorted: {' '.join(f'{r:.2f}' for r in ratios)}   processor time {cpu:.2f}x"
        )
    if not lines:
        return ""
    head = f"SUMMARY: dicom-net scp, this tree / {BEFORE_REV[0]}, {IMAGES} C-STOREs from dcmtk storescu (median of {len(times[('store', 'dcmtk', 'ours')])} rounds; load average {load[0]} at start, {load[1]} at end):"
    return "\n".join([head, *lines])


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _worktree(rev: str, path: Path) -> None:
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), rev], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pynetdicom-rounds", type=int, default=1, help="pynetdicom's SCU needs ~48 ms a C-STORE")
    parser.add_argument("--floors", action="store_true", help="also time benchmarks/canned_scp.py in the C-ECHO SCP row")
    parser.add_argument("--before", metavar="REV", help="also time dicom-net scp of commit REV in the C-STORE SCP rows (a temporary git worktree)")
    parser.add_argument("--store-scp-only", action="store_true", help="only the C-STORE SCP rows (dcmtk storescu against the SCPs)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.before:
            BEFORE.append(Path(folder) / "before")
            BEFORE_REV.append(args.before)
            _worktree(args.before, BEFORE[0])
        try:
            start_load = _load()
            print(f"load average at start: {start_load} ({os.cpu_count()} CPUs)", flush=True)
            times = measure(Path(folder), args.rounds, args.pynetdicom_rounds, args.floors, before=bool(args.before), store_scp_only=args.store_scp_only)
            end_load = _load()
            print(f"load average at end: {end_load}")
            print(report(times))
            if args.before:
                print(summary(times, (start_load, end_load)))
        finally:
            if BEFORE:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(BEFORE[0])], check=False, capture_output=True)


if __name__ == "__main__":
    main()
