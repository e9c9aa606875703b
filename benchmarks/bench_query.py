"""C-FIND latency of the storage SCP's query index (#19), side by side with pynetdicom's
``qrscp`` application (SQLite, through SQLAlchemy) and dcmtk's ``dcmqrscp``, printed as
same-run ratios.

Archives of 1k, 10k and 100k instances: copies of pydicom's CT_small with new UIDs and
patient and study values (ten instances a patient: one study of two series of five),
written without their pixel data (a C-FIND never reads it, and 100k copies of it
would be 3.9 GB). Each SCP serves the same archive:

* ``dicom-net scp`` (a process of its own) on a folder of those files, its index filled
  directly as the files are written (the same rows a store or a rebuild makes);
* pynetdicom's ``python -m pynetdicom qrscp`` (quiet), its database filled directly
  with the rows its own ``add_instance`` would make (one per instance);
* dcmtk's ``dcmqrscp --single-process``, its index made by ``dcmqridx`` from the same
  files, up to ``--dcmtk-max`` instances (1,000 by default: its index file cannot grow
  past 32 MiB, about 4,000 of these instances; dcmqridx then says "DB ALERT: attempt
  to seek beyond 33554432 bytes").

The queries go over one association to each SCP, from this process (our blocking SCU,
the same for all three), Study Root, for randomly chosen entities:

* STUDY: Patient ID = one patient's; return Study Instance UID, Study Date, Patient's Name;
* SERIES: Study Instance UID = one study's; return Series Instance UID, Modality, Series Number;
* IMAGE: Study and Series Instance UID = one series'; return SOP Instance UID, Instance Number.

A query's latency is from the C-FIND-RQ to its final response. The SCPs are asked in
turn, query by query (the order rotating), so they share the machine's load alike;
a ratio is the median of the ratios of each query, a latency the median. pynetdicom's
qrscp answers once per matching *instance* (a STUDY query answers ten times); the
table says how many answers each gave.

    python3 -m benchmarks.bench_query [--sizes 1000,10000,100000] [--queries 25] [--dcmtk-max 1000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydicom

from dicom_runtime.dataset import DataElement, Dataset
from dicom_runtime.fileformat import encode_file, read_file
from dicom_runtime.net import blocking
from dicom_runtime.net.index import index_path, open_index

REPO = Path(__file__).resolve().parent.parent
CT_SMALL = Path(pydicom.data.__file__).parent / "test_files" / "CT_small.dcm"
STUDY_FIND = "1.2.840.10008.5.1.4.1.2.2.1"
ROOT = "1.2.826.0.1.3680043.10.1919"
PER_PATIENT, PER_SERIES = 10, 5
LEVELS = ("STUDY", "SERIES", "IMAGE")
SCPS = ("ours", "qrscp", "dcmqrscp")


@dataclass(frozen=True)
class Entity:
    patient: str
    study: str
    series: str


def _uids(n: int) -> tuple[str, str, str, str]:
    """Patient ID, Study, Series and SOP Instance UID of the ``n``-th instance."""
    patient = n // PER_PATIENT
    series = (n % PER_PATIENT) // PER_SERIES
    return f"PID{patient:07d}", f"{ROOT}.1.{patient}", f"{ROOT}.1.{patient}.{series + 1}", f"{ROOT}.2.{n}"


def make_archive(folder: Path, count: int) -> None:
    """``count`` header-only copies of CT_small as ``<folder>/<SOP Instance UID>.dcm``, and
    the folder's query index filled with their rows as they are written."""
    template = read_file(CT_SMALL, stop_before_pixels=True)
    base = template.dataset
    folder.mkdir(parents=True)
    index = open_index(folder)
    batch: list[tuple[str, Dataset]] = []
    rng = random.Random(count)
    for n in range(count):
        patient, study, series, sop = _uids(n)
        data = Dataset(dict(base._elements))
        for tag, vr, value in (
            (0x00100020, "LO", patient), (0x00100010, "PN", f"PATIENT^{n // PER_PATIENT}"), (0x0020000D, "UI", study),
            (0x0020000E, "UI", series), (0x00080018, "UI", sop), (0x00080020, "DA", f"20{rng.randint(10, 25)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}"),
            (0x00080050, "SH", f"A{n // PER_PATIENT}"), (0x00200010, "SH", f"S{n // PER_PATIENT % 1000}"),
            (0x00200011, "IS", str((n % PER_PATIENT) // PER_SERIES + 1)), (0x00200013, "IS", str(n % PER_SERIES + 1)),
        ):
            data[tag] = DataElement(tag, vr, value)
        name = f"{sop}.dcm"
        (folder / name).write_bytes(encode_file(data, meta=template.meta))
        batch.append((name, data))
        if len(batch) == 2000:
            index.add(batch)
            batch = []
    index.add(batch)
    index.close()


def fill_qrscp(database: Path, folder: Path, count: int) -> None:
    """pynetdicom qrscp's database (its own schema, made by its ``db.create``) with the row
    its ``add_instance`` stores for each instance."""
    db: Any = importlib.import_module("pynetdicom.apps.qrscp.db")  # untyped
    db.create(f"sqlite:///{database}").dispose()
    rows = []
    for n in range(count):
        patient, study, series, sop = _uids(n)
        rows.append((str(folder / f"{sop}.dcm"), "1.2.840.10008.1.2.1", "1.2.840.10008.5.1.4.1.1.2", patient, f"PATIENT^{n // PER_PATIENT}",
                     study, "20040119", "072731", f"A{n // PER_PATIENT}", f"S{n // PER_PATIENT % 1000}", series, "CT",
                     str((n % PER_PATIENT) // PER_SERIES + 1), sop, str(n % PER_SERIES + 1)))
    with sqlite3.connect(database) as connection:
        connection.executemany(
            "INSERT INTO instance (filename, transfer_syntax_uid, sop_class_uid, patient_id, patient_name, study_instance_uid, "
            "study_date, study_time, accession_number, study_id, series_instance_uid, modality, series_number, "
            "sop_instance_uid, instance_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def fill_dcmqrscp(area: Path, folder: Path, count: int) -> None:
    area.mkdir()
    files = [str(folder / f"{_uids(n)[3]}.dcm") for n in range(count)]
    for start in range(0, len(files), 2000):
        done = subprocess.run(["dcmqridx", str(area), *files[start:start + 2000]], capture_output=True, text=True, timeout=3600)
        if done.returncode != 0 or "DB ALERT" in done.stderr:
            raise RuntimeError(f"dcmqridx failed after {start} files: {done.stderr.strip().splitlines()[-1:]}")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on {port}")


@contextmanager
def servers(work: Path, count: int, dcmtk: bool) -> Iterator[dict[str, int]]:
    """The three SCPs on the archive, listening; their ports by name."""
    ports: dict[str, int] = {}
    processes: list[subprocess.Popen[bytes]] = []
    log = (work / "scp.log").open("ab")
    try:
        ports["ours"] = _port()
        environment = {**os.environ, "PYTHONPATH": str(REPO / "runtime")}
        processes.append(subprocess.Popen([sys.executable, "-m", "dicom_runtime.net", "scp", "--port", str(ports["ours"]), "--host", "127.0.0.1",
                                           "--aet", "OURSCP", "--out", str(work / "ours")], stdout=log, stderr=log, env=environment))
        _wait(ports["ours"], processes[-1], "dicom-net scp")
        ports["qrscp"] = _port()
        config = work / "qrscp.ini"
        config.write_text(f"[DEFAULT]\nae_title: QRSCP\nport: {ports['qrscp']}\nmax_pdu: 16382\nacse_timeout: 30\ndimse_timeout: 30\n"
                          f"network_timeout: 30\nbind_address: 127.0.0.1\ninstance_location: {work / 'ours'}\n"
                          f"database_location: {work / 'qrscp.sqlite'}\nlog_identifier: False\n")
        processes.append(subprocess.Popen([sys.executable, "-m", "pynetdicom", "qrscp", "-q", "-c", str(config)], stdout=log, stderr=log, cwd=work))
        _wait(ports["qrscp"], processes[-1], "qrscp")
        if dcmtk:
            ports["dcmqrscp"] = _port()
            config = work / "dcmqrscp.cfg"
            config.write_text(f"NetworkTCPPort = {ports['dcmqrscp']}\nMaxPDUSize = 16384\nMaxAssociations = 16\n"
                              "HostTable BEGIN\nHostTable END\nVendorTable BEGIN\nVendorTable END\n"
                              f"AETable BEGIN\nDCMQRSCP {work / 'dcmtk'} RW (200000, 4096mb) ANY\nAETable END\n")
            processes.append(subprocess.Popen(["dcmqrscp", "--single-process", "-c", str(config)], stdout=log, stderr=log,
                                              env={**os.environ, "TCP_NODELAY": "1"}))
            _wait(ports["dcmqrscp"], processes[-1], "dcmqrscp")
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def identifier(level: str, entity: Entity) -> Dataset:
    query = Dataset()
    query.add(0x00080052, "CS", level)
    keys: list[tuple[int, str, str | None]]
    if level == "STUDY":
        keys = [(0x00100020, "LO", entity.patient), (0x0020000D, "UI", None), (0x00080020, "DA", None), (0x00100010, "PN", None)]
    elif level == "SERIES":
        keys = [(0x0020000D, "UI", entity.study), (0x0020000E, "UI", None), (0x00080060, "CS", None), (0x00200011, "IS", None)]
    else:
        keys = [(0x0020000D, "UI", entity.study), (0x0020000E, "UI", entity.series), (0x00080018, "UI", None), (0x00200013, "IS", None)]
    for tag, vr, value in keys:
        query.add(tag, vr, value)
    return query


def measure(ports: dict[str, int], count: int, queries: int) -> dict[tuple[str, str], list[tuple[float, int]]]:
    """(SCP, level) -> [(latency in s, answers)] of each query, the SCPs asked in turn."""
    titles = {"ours": "OURSCP", "qrscp": "QRSCP", "dcmqrscp": "DCMQRSCP"}
    associations = {name: blocking.associate("127.0.0.1", port, called_ae=titles[name], calling_ae="BENCH", contexts=[STUDY_FIND])
                    for name, port in ports.items()}
    rng = random.Random(19)
    results: dict[tuple[str, str], list[tuple[float, int]]] = {}
    try:
        for level in LEVELS:
            for round_ in range(queries + 3):  # the first three warm up
                patient, study, series, _ = _uids(rng.randrange(count))
                query = identifier(level, Entity(patient, study, series))
                names = list(ports)
                names = names[round_ % len(names):] + names[:round_ % len(names)]
                for name in names:
                    start = time.perf_counter()
                    answers = list(associations[name].find_dataset(query, sop_class=STUDY_FIND))
                    elapsed = time.perf_counter() - start
                    if round_ >= 3:
                        results.setdefault((name, level), []).append((elapsed, len(answers)))
    finally:
        for association in associations.values():
            association.release()
    return results


def _ratio(results: dict[tuple[str, str], list[tuple[float, int]]], level: str, other: str) -> float:
    return statistics.median(a[0] / b[0] for a, b in zip(results[("ours", level)], results[(other, level)]))


def report(all_results: dict[int, dict[tuple[str, str], list[tuple[float, int]]]]) -> str:
    lines = ["C-FIND latency, Study Root, one association (median ms; ratio: median of the per-query ratios)",
             f"{'instances':>9} {'level':<6} {'ours ms':>8} {'qrscp ms':>9} {'dcmqrscp ms':>11} {'answers o/q/d':>14} {'ours/qrscp':>11} {'ours/dcmqrscp':>14}"]
    for count, results in sorted(all_results.items()):
        for level in LEVELS:
            medians = {name: statistics.median(t for t, _ in results[(name, level)]) * 1000 for name in SCPS if (name, level) in results}
            answers = "/".join(str(results[(name, level)][0][1]) if (name, level) in results else "-" for name in SCPS)
            dcmtk = f"{medians['dcmqrscp']:11.1f}" if "dcmqrscp" in medians else f"{'-':>11}"
            dcmtk_ratio = f"{_ratio(results, level, 'dcmqrscp'):13.3f}x" if "dcmqrscp" in medians else f"{'-':>14}"
            lines.append(f"{count:>9} {level:<6} {medians['ours']:8.1f} {medians['qrscp']:9.1f} {dcmtk} {answers:>14} "
                         f"{_ratio(results, level, 'qrscp'):10.3f}x {dcmtk_ratio}")
    sizes = sorted(all_results)
    if len(sizes) > 1:
        for level in LEVELS:
            small, large = (statistics.median(t for t, _ in all_results[s][("ours", level)]) for s in (sizes[0], sizes[-1]))
            lines.append(f"ours, {level} at {sizes[-1]} / at {sizes[0]} instances: {large / small:.2f}x (flat: about 1x); "
                         f"at {sizes[-1]}: {large * 1000:.1f} ms (target <= 50 ms)")
    lines.append("targets: ours / qrscp <= 1.0x at every size and level; dcmqrscp reported")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="archive sizes, comma-separated")
    parser.add_argument("--queries", type=int, default=25, help="queries per level and SCP")
    parser.add_argument("--dcmtk-max", type=int, default=1000, help="the largest archive dcmqrscp is measured on (its index holds about 4,000 instances)")
    parser.add_argument("--keep", help="make the archives in this folder and keep them (default: a temporary folder, removed)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-query-"))
    all_results = {}
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)", flush=True)
    try:
        for count in sizes:
            work = base / str(count)
            dcmtk = count <= args.dcmtk_max
            if not index_path(work / "ours").exists():
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir(parents=True)
                started = time.perf_counter()
                make_archive(work / "ours", count)
                fill_qrscp(work / "qrscp.sqlite", work / "ours", count)
                print(f"{count} instances: archive, index and qrscp database made in {time.perf_counter() - started:.1f} s", flush=True)
            if dcmtk and not (work / "dcmtk" / "index.dat").exists():
                shutil.rmtree(work / "dcmtk", ignore_errors=True)
                started = time.perf_counter()
                fill_dcmqrscp(work / "dcmtk", work / "ours", count)
                print(f"{count} instances: dcmqridx in {time.perf_counter() - started:.1f} s", flush=True)
            with servers(work, count, dcmtk) as ports:
                all_results[count] = measure(ports, count, args.queries)
            print(f"{count} instances measured", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print(report(all_results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
