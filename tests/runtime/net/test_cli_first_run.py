"""``dicom-net`` on first run (#16): the defaults work together, ``--help`` says them, the
journal keeps out of the instances' folder (and one at its old place is still recovered),
bare data sets are sent, versions agree, and a failed C-MOVE sub-association is explained."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from dicom_model import __version__
from dicom_runtime.dataset import Dataset
from dicom_runtime.fileformat import write_bytes_atomic
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.journal import NAMES, Journal
from dicom_runtime.net.index import INDEX_NAME
from dicom_runtime.net.storage import JOURNAL_SUBFOLDER, StorageFolder
from tests.runtime.net.helpers import ScpProcess, ct_instance, free_port, tool, write_ct_files

REPO = Path(__file__).resolve().parents[3]


def dicom_net(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dicom_runtime.net", *args], capture_output=True, text=True, timeout=120)


def plain_scp(out: Path, log: Path, *extra: str) -> ScpProcess:
    """``dicom-net scp --port P --out D`` as a new user types it: no --aet."""
    scp = ScpProcess(out, log, *extra)
    command = scp._command
    at = command.index("--aet")
    del command[at : at + 2]
    return scp


def test_the_defaults_work_together_and_a_configured_title_is_checked(tmp_path: Path) -> None:
    scp = plain_scp(tmp_path / "out", tmp_path / "scp.log").start()
    try:
        assert "(any called AE title)" in scp.log.read_text()
        echo = dicom_net("echo", "127.0.0.1", str(scp.port))  # calls ANY-SCP
        assert echo.returncode == 0 and "0x0000 Success" in echo.stdout, echo.stdout + echo.stderr
        dcmtk = subprocess.run([tool("echoscu"), "-aec", "WHATEVER", "127.0.0.1", str(scp.port)], capture_output=True, text=True, timeout=60)
        assert dcmtk.returncode == 0, dcmtk.stdout + dcmtk.stderr
    finally:
        assert scp.stop() == 0
    named = ScpProcess(tmp_path / "out2", tmp_path / "named.log").start()  # --aet OURSCP
    try:
        wrong = dicom_net("echo", "127.0.0.1", str(named.port), "--aet", "CALLER")
        assert wrong.returncode == 1 and "called-AE-title-not-recognized" in wrong.stderr
        legacy = ScpProcess(tmp_path / "out3", tmp_path / "legacy.log", "--any-called-ae").start()  # old scripts still run
        try:
            assert dicom_net("echo", "127.0.0.1", str(legacy.port)).returncode == 0
        finally:
            assert legacy.stop() == 0
    finally:
        assert named.stop() == 0
    line = next(l for l in named.log.read_text().splitlines() if "called-AE-title-not-recognized" in l)
    assert "called AE 'ANY-SCP' is not 'OURSCP'" in line and "127.0.0.1" in line, line


def test_help_shows_defaults_and_positionals_and_no_peer_title_for_the_server() -> None:
    scp = " ".join(dicom_net("scp", "--help").stdout.split())  # argparse wraps lines
    assert "(default: 64)" in scp and "(default: 262144)" in scp and "(default: keep)" in scp
    assert "--aec" not in scp and "--any-called-ae" not in scp and "any called AE title is accepted" in scp
    assert f"OUT/{JOURNAL_SUBFOLDER}" in scp
    store = " ".join(dicom_net("store", "--help").stdout.split())
    assert "the peer's TCP port" in store and "DICOM files, or folders" in store and "(default: ANY-SCP)" in store
    assert dicom_net("scp", "--aec", "X", "--port", "1", "--out", "/tmp/x").returncode == 2  # no such option


def test_every_command_reports_the_package_version() -> None:
    for command in ([sys.executable, "-m", "dicom_runtime.net"], [sys.executable, "-m", "dicom_runtime.dump"], [sys.executable, "-m", "dicom_runtime.validate"], [sys.executable, "-m", "dicom_runtime.media"]):
        shown = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0 and shown.stdout.strip().endswith(f"(dicom-typed) {__version__}"), (command, shown.stdout)


def test_the_journal_is_in_a_hidden_subfolder(tmp_path: Path) -> None:
    folder = StorageFolder(tmp_path / "out")
    try:
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [JOURNAL_SUBFOLDER]
        kept = sorted(p.name for p in (tmp_path / "out" / JOURNAL_SUBFOLDER).iterdir())
        assert [name for name in kept if not name.startswith("index.")] == sorted(NAMES) and INDEX_NAME in kept  # and the query index (and its lock)
    finally:
        folder.close()
    elsewhere = StorageFolder(tmp_path / "out2", journal_dir=tmp_path / "journal")
    elsewhere.close()
    assert sorted(p.name for p in (tmp_path / "journal").iterdir()) == sorted(NAMES)
    assert [p.name for p in (tmp_path / "out2").iterdir()] == [JOURNAL_SUBFOLDER]  # the query index stays in the folder
    assert INDEX_NAME in [p.name for p in (tmp_path / "out2" / JOURNAL_SUBFOLDER).iterdir()]
    if os.stat("/dev/shm").st_dev != os.stat(tmp_path).st_dev:
        with pytest.raises(ValueError, match="another file system"):
            StorageFolder(tmp_path / "out3", journal_dir="/dev/shm")


def test_a_journal_at_the_old_place_is_recovered(tmp_path: Path) -> None:
    """An SCP of before (journal at ``<out>/.journal.0``) crashed after acknowledging: the
    upgraded one writes those instances and removes the old segments."""
    out = tmp_path / "out"
    out.mkdir()
    old = Journal(out)
    instances = [ct_instance(i, size=2000) for i in range(3)]
    for instance in instances:
        old.append(f"{instance.sop_instance}.dcm", b"acknowledged " + instance.data)
    del old  # a crash: entries in the journal, no file written
    assert all((out / name).exists() for name in NAMES)
    folder = StorageFolder(out)
    try:
        assert folder.recovered == 3
        for instance in instances:
            assert (out / f"{instance.sop_instance}.dcm").read_bytes() == b"acknowledged " + instance.data
        assert not any((out / name).exists() for name in NAMES)
    finally:
        folder.close()
    again = StorageFolder(out)  # nothing replayed twice
    assert again.recovered == 0
    again.close()


def test_store_sends_a_file_without_file_meta_information(tmp_path: Path) -> None:
    instance = ct_instance(7, size=1000)
    bare = tmp_path / "files" / "bare.dcm"
    bare.parent.mkdir()
    bare.write_bytes(instance.in_syntax("1.2.840.10008.1.2").data)  # implicit VR, no preamble, no meta
    write_ct_files(tmp_path / "files", 1)
    scp = plain_scp(tmp_path / "out", tmp_path / "scp.log").start()
    try:
        store = dicom_net("store", "127.0.0.1", str(scp.port), str(tmp_path / "files"))
    finally:
        assert scp.stop() == 0
    assert store.returncode == 0 and "2 of 2 stored" in store.stdout, store.stdout + store.stderr
    assert store.stderr.count("without File Meta Information") == 1
    received = Instance.from_file(tmp_path / "out" / f"{instance.sop_instance}.dcm")
    assert received.dataset().value(0x00080018) == instance.sop_instance and received.sop_class == instance.sop_class
    assert received.dataset() == instance.dataset()


def test_a_bare_file_without_sop_uids_is_skipped(tmp_path: Path) -> None:
    data = Dataset()
    data.add(0x00100010, "PN", "NO^UIDS")
    from dicom_runtime.fileformat import encode_body

    (tmp_path / "f").mkdir()
    write_bytes_atomic(tmp_path / "f" / "x.dcm", encode_body(data, "1.2.840.10008.1.2.1"), durable=False)
    store = dicom_net("store", "127.0.0.1", str(free_port()), str(tmp_path / "f"))
    assert store.returncode == 1 and "no DICOM files to send" in store.stderr


def test_a_failed_move_sub_association_is_explained(tmp_path: Path) -> None:
    closed = free_port()
    scp = ScpProcess(tmp_path / "out", tmp_path / "scp.log", "--dest", f"NOWHERE=127.0.0.1:{closed}").start()
    try:
        files = write_ct_files(tmp_path / "files", 1)
        assert dicom_net("store", "127.0.0.1", str(scp.port), "--aec", "OURSCP", *map(str, files)).returncode == 0
        move = dicom_net("move", "127.0.0.1", str(scp.port), "--aec", "OURSCP", "--dest", "NOWHERE", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.1.1")
        dcmtk = subprocess.run(
            [tool("movescu"), "-d", "-S", "-aec", "OURSCP", "-aem", "NOWHERE", "-k", "QueryRetrieveLevel=STUDY",
             "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.1.1", "127.0.0.1", str(scp.port)],
            capture_output=True, timeout=60,
        )
    finally:
        assert scp.stop() == 0
    assert move.returncode == 1
    assert "0xA702" in move.stdout and "move destination NOWHERE cannot be reached" in move.stdout, move.stdout
    shown = (dcmtk.stdout + dcmtk.stderr).decode("latin-1")
    assert "0xa702" in shown and "(0000,0902) LO [move destination NOWHERE cannot be reached]" in shown, shown[-1500:]
    line = next(l for l in scp.log.read_text().splitlines() if "no sub-association" in l)
    assert f"NOWHERE at 127.0.0.1:{closed}" in line and "cannot connect" in line and "Connect call failed" in line, line


def test_the_example_archive_is_outside_the_repository_and_ignored() -> None:
    from dicom_runtime.net.config import load

    entity = load(REPO / "examples" / "archive.toml").entities[0]
    assert entity.storage is not None and REPO not in entity.storage.resolve().parents
    ignored = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", "examples/archive/x.dcm"], timeout=30)
    assert ignored.returncode == 0
    assert "storage" in tomllib.loads((REPO / "examples" / "archive.toml").read_text())["ae"][0]


def test_scp_config_with_out_stores_there(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "a.toml"
    config.write_text(f'[[ae]]\ntitle = "A"\nport = {port}\nstorage = "elsewhere"\nsop_classes = ["Verification", "CTImageStorage"]\n')
    log = tmp_path / "scp.log"
    with log.open("wb") as handle:
        process = subprocess.Popen([sys.executable, "-m", "dicom_runtime.net", "scp", "--config", str(config), "--out", str(tmp_path / "out"), "--host", "127.0.0.1"], stdout=handle, stderr=handle)
    try:
        import time

        deadline = time.monotonic() + 20
        while "listening on" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        files = write_ct_files(tmp_path / "files", 1)
        assert dicom_net("store", "127.0.0.1", str(port), "--aec", "A", *map(str, files)).returncode == 0
    finally:
        process.terminate()
        assert process.wait(20) == 0
    assert len(list((tmp_path / "out").glob("*.dcm"))) == 1 and not (tmp_path / "elsewhere").exists()
