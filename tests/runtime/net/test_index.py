"""The storage SCP's query index (#19): filled at store time as a rebuild from the files
fills it, rebuilt when deleted, damaged or left half rebuilt, aware of files others put
in or take out, and consistent with the acknowledged instances after a kill."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dicom_runtime.dataset import Dataset
from dicom_runtime.net import blocking, storage
from dicom_runtime.net.aio import storage_policy
from dicom_runtime.net.index import INDEX_NAME, SCHEMA_VERSION, SQLiteBackend, index_path
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.matching import ScanningQuery, answers
from dicom_runtime.net.storage import JOURNAL_SUBFOLDER, StorageFolder
from tests.runtime.net.helpers import CT, STUDY_FIND, ScpProcess, ct_instance

STUDIES = [f"1.2.826.0.1.3680043.10.19.7.{n}" for n in range(3)]


def _rows(root: Path) -> list[tuple[object, ...]]:
    backend = SQLiteBackend(index_path(root))
    try:
        return backend.select("SELECT * FROM instances ORDER BY name", ())
    finally:
        backend.close()


def _study_query(level: str = "STUDY") -> Dataset:
    identifier = Dataset()
    identifier.add(0x00080052, "CS", level)
    identifier.add(0x0020000D, "UI", None)
    identifier.add(0x00201208, "IS", None)
    return identifier


def _instances(count: int, start: int = 0, size: int = 2_000) -> list[Instance]:
    return [ct_instance(n, size=size, study=STUDIES[n % len(STUDIES)]) for n in range(start, start + count)]


def _store(folder: StorageFolder, instances: list[Instance]) -> list[tuple[str, str]]:
    """Store over one association to a server on ``folder``; the C-FIND answers after it
    (Study Instance UID, Number of Study Related Instances)."""
    server = blocking.BlockingServer(storage_policy("ARCHIVE", [CT, STUDY_FIND]), folder.handlers())
    try:
        with blocking.associate("127.0.0.1", server.port, called_ae="ARCHIVE", contexts=[CT, STUDY_FIND]) as scu:
            for instance in instances:
                assert scu.store(instance).is_success
            found = list(scu.find_dataset(_study_query(), sop_class=STUDY_FIND))
    finally:
        server.close()
    return sorted((str(d.value(0x0020000D)), str(d.value(0x00201208))) for d in found)


def test_stored_instances_are_indexed_as_a_rebuild_indexes_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Journaled stores (the writer thread indexes), direct stores (larger than the journal
    takes) and a rebuild after the index is deleted give the same rows and answers."""
    monkeypatch.setattr(storage, "JOURNAL_LIMIT", 20_000)
    folder = StorageFolder(tmp_path)
    answered = _store(folder, _instances(30) + _instances(6, start=30, size=30_000))
    assert answered == [(STUDIES[0], "12"), (STUDIES[1], "12"), (STUDIES[2], "12")]
    folder.close()
    stored = _rows(tmp_path)
    assert len(stored) == 36
    for suffix in ("", "-wal", "-shm"):
        Path(f"{index_path(tmp_path)}{suffix}").unlink(missing_ok=True)
    again = StorageFolder(tmp_path)
    assert _rows(tmp_path) == stored
    assert _store(again, []) == answered
    again.close()


def test_files_put_in_or_taken_out_by_others_are_seen(tmp_path: Path) -> None:
    folder = StorageFolder(tmp_path)
    _store(folder, _instances(3))
    dropped = ct_instance(50, size=2_000, study=STUDIES[0])
    dropped.write(tmp_path / "by-hand.dcm", durable=False)
    (tmp_path / f"{ct_instance(1, size=2_000).sop_instance}.dcm").unlink()
    assert [p.name for p, _ in folder.matching(_study_query("IMAGE"), "IMAGE")] == [p.name for p, _ in ScanningQuery(tmp_path).matching(_study_query("IMAGE"), "IMAGE")]
    assert "by-hand.dcm" in folder.index.names() if folder.index else False
    assert len(folder.index or ()) == 3
    folder.close()
    (tmp_path / "by-hand.dcm").unlink()  # while no SCP runs on the folder: seen at the next start
    again = StorageFolder(tmp_path)
    assert len(again.index or ()) == 2
    again.close()


@pytest.mark.parametrize("damage", ["garbage", "marker", "schema"])
def test_a_damaged_or_half_rebuilt_index_is_rebuilt(tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    folder = StorageFolder(tmp_path)
    _store(folder, _instances(4))
    folder.close()
    stored = _rows(tmp_path)
    path = index_path(tmp_path)
    if damage == "garbage":
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.write_bytes(b"not a database" * 100)
    elif damage == "marker":
        path.with_name(path.name + ".rebuilding").write_bytes(b"")
        backend = SQLiteBackend(path)
        backend.write("DELETE FROM instances WHERE name LIKE ?", [("%.1.dcm",)])  # a half-built index
        backend.close()
    else:
        backend = SQLiteBackend(path)
        backend.write("UPDATE meta SET value = ? WHERE name = 'schema'", [("0",)])
        backend.close()
    with caplog.at_level(logging.INFO, logger="dicom_runtime.net"):
        again = StorageFolder(tmp_path)
    reason = {"garbage": "it cannot be read (file is not a database)", "marker": "a rebuild of it was cut short", "schema": f"its schema is 0, not {SCHEMA_VERSION}"}[damage]
    assert f"query index rebuilt from 4 files ({path}: {reason})" in caplog.text
    assert _rows(tmp_path) == stored
    again.close()


def test_dicom_net_index_rebuild(tmp_path: Path) -> None:
    folder = StorageFolder(tmp_path)
    _store(folder, _instances(5))
    command = [sys.executable, "-m", "dicom_runtime.net", "index", "rebuild", str(tmp_path)]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=60)  # the folder is served
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"dicom-net index: {tmp_path}: the query index is in use by an SCP serving the folder; stop it first"
    folder.close()
    stored = _rows(tmp_path)
    (tmp_path / "unreadable.dcm").write_bytes(bytes(128) + b"DICM" + b"\x02\x00\x10\x00UI\xff\x00")  # cut short: left out, logged
    index_path(tmp_path).unlink()
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{tmp_path}: query index rebuilt from 5 files"
    assert _rows(tmp_path) == stored
    assert sorted(p.name for p in (tmp_path / JOURNAL_SUBFOLDER).iterdir() if p.name.startswith(INDEX_NAME)) == [INDEX_NAME]
    missing = subprocess.run([sys.executable, "-m", "dicom_runtime.net", "index", "rebuild", str(tmp_path / "nowhere")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and missing.stderr.strip() == f"dicom-net index: {tmp_path / 'nowhere'} is not a folder"


@pytest.mark.parametrize("durability", ["journal", "no-fsync"])
def test_a_kill_during_stores_leaves_the_index_consistent(tmp_path: Path, durability: str) -> None:
    """dicom-net scp killed (SIGKILL) while a peer stores: after the restart every
    acknowledged instance is indexed, and the index holds exactly the files there are."""
    out = tmp_path / "out"
    scp = ScpProcess(out, tmp_path / "scp.log", *(["--no-fsync"] if durability == "no-fsync" else [])).start()
    acknowledged: list[str] = []
    instances = _instances(600, size=4_000)

    def send() -> None:
        try:
            with blocking.associate("127.0.0.1", scp.port, called_ae="OURSCP", contexts=[CT]) as scu:
                for instance in instances:
                    if scu.store(instance).is_success:
                        acknowledged.append(instance.sop_instance)
        except Exception:  # the SCP is killed under it
            pass

    sender = threading.Thread(target=send)
    sender.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 150 and sender.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    scp.kill()
    sender.join(30)
    assert 150 <= len(acknowledged) < len(instances), "the kill came too late to be during the stores"
    folder = StorageFolder(out)
    assert folder.index is not None
    names = set(folder.index.names())
    assert {f"{uid}.dcm" for uid in acknowledged} <= names
    assert names == {p.name for p in out.glob("*.dcm")}
    image = _study_query("IMAGE")
    assert list(answers(image, "IMAGE", folder.matching(image, "IMAGE"))) == ScanningQuery(out).find(image, "IMAGE")
    folder.close()


def test_acknowledged_instances_whose_files_were_not_written_are_indexed_by_the_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash right after the acknowledgements (no file written, nothing indexed): the
    journal's replay at the next start writes the files and indexes them."""
    monkeypatch.setattr(StorageFolder, "_enqueue", lambda self, *args: None)  # the writer thread never gets them
    folder = StorageFolder(tmp_path)
    instances = _instances(5)
    assert _store(folder, instances) == []  # acknowledged; not yet in files or index
    assert folder.journal is not None
    monkeypatch.undo()
    again = StorageFolder(tmp_path)  # the first one is abandoned, as by a crash
    assert again.recovered == 5
    assert sorted(_name for _name in (again.index.names() if again.index else [])) == sorted(f"{i.sop_instance}.dcm" for i in instances)
    again.close()


def test_an_instance_whose_row_cannot_be_committed_is_indexed_at_the_next_query_and_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Its file is written (and durable) but its row is not committed: that is logged, the
    next query synchronises the folder (which indexes it), and so does the next start."""
    import sqlite3

    from dicom_runtime.net.index import Index

    original = Index.add_rows
    failing = [True]

    def broken(self: Index, rows: object, *, durable: bool = False) -> None:
        if failing[0]:
            raise sqlite3.OperationalError("disk I/O error")
        original(self, rows, durable=durable)  # type: ignore[arg-type]

    folder = StorageFolder(tmp_path)
    monkeypatch.setattr(Index, "add_rows", broken)
    instances = _instances(3)
    _store(folder, instances)
    folder.flush()
    # One commit for the three, or more where 50 ms (INDEX_IDLE) passed between two stores (a busy machine)
    failed = re.findall(r"cannot index (\d+) file\(s\) \(disk I/O error\); they are indexed at the next query or start", caplog.text)
    assert failed and sum(map(int, failed)) == 3, caplog.text
    assert folder.index is not None and len(folder.index) == 0
    failing[0] = False
    image = _study_query("IMAGE")
    assert len(folder.matching(image, "IMAGE")) == 3  # the query synchronised first
    folder.close()
    other = StorageFolder(tmp_path / "other")
    failing[0] = True
    _store(other, instances)
    other.close()  # the rows never committed
    monkeypatch.undo()
    again = StorageFolder(tmp_path / "other")
    assert again.recovered == 0 and len(again.index or ()) == 3  # files durable, journal retired; synchronised at start
    again.close()
