"""A damaged file is reported at its offset in the file, in the words of the other tools
(issue #20 C): ``Instance.from_file(path, check=True)`` says what ``dicom-dump``,
``dicom-validate`` and ``read_file`` say, not an offset counted from the data set."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pydicom.data
import pytest

from dicom_runtime.errors import DicomDecodeError, DicomError
from dicom_runtime.fileformat import read_file
from dicom_runtime.net.instances import DamagedFile, Instance

CORPUS = Path(pydicom.data.__file__).parent / "test_files"
TRUNCATED = CORPUS / "MR_truncated.dcm"


def test_the_truncated_mr_is_reported_at_its_file_offset() -> None:
    with pytest.raises(DamagedFile) as raised:
        Instance.from_file(TRUNCATED, check=True)
    message = str(raised.value)
    assert message == f"{TRUNCATED}: damaged: byte 1488 at (7FE0,0010): length 8192 is larger than the 8130 bytes that remain"
    data = TRUNCATED.read_bytes()
    assert data[1488:1492] == bytes.fromhex("e07f1000")  # (7FE0,0010) starts at byte 1488 of the file
    assert data[1492:1494] == b"OW" and int.from_bytes(data[1496:1500], "little") == 8192  # its length field
    assert len(data) - 1500 == 8130  # the bytes left after its header
    Instance.from_file(TRUNCATED)  # without check: read as before, not walked


def test_the_message_is_dicom_dump_s_and_dicom_validate_s() -> None:
    with pytest.raises(DamagedFile) as raised:
        Instance.from_file(TRUNCATED, check=True)
    reason = str(raised.value).removeprefix(f"{TRUNCATED}: damaged: ")
    dump = subprocess.run([sys.executable, "-m", "dicom_runtime.dump", str(TRUNCATED)], capture_output=True, text=True)
    validate = subprocess.run([sys.executable, "-m", "dicom_runtime.validate", str(TRUNCATED)], capture_output=True, text=True)
    assert f"{TRUNCATED}: {reason}" in dump.stderr, dump.stderr
    assert f"damaged, not validated: {reason}" in validate.stdout + validate.stderr


def test_every_damaged_corpus_file_is_reported_where_the_reader_stops() -> None:
    """Each file of pydicom's corpus (the whole tree) that fails the walk is named with the
    reader's file offset and reason where the reader fails too."""
    damaged = 0
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file():
            continue
        try:
            Instance.from_file(path)
        except (DicomError, OSError, ValueError):
            continue  # not a PS3.10 file with the UIDs an instance needs
        try:
            Instance.from_file(path, check=True)
        except DamagedFile as exc:
            damaged += 1
            try:
                read_file(path)
            except DicomDecodeError as read:
                at = f" at {read.path}" if read.path else ""
                assert str(exc) == f"{path}: damaged: byte {read.offset}{at}: {read.reason}"
            else:
                assert re.fullmatch(rf"{re.escape(str(path))}: damaged: .+ \(offsets from the data set's first byte, byte \d+ of the file\)", str(exc))
    assert damaged >= 1  # MR_truncated.dcm at least


def test_dicom_net_store_names_the_file_offset(tmp_path: Path) -> None:
    import socket
    import time

    from tests.runtime.net.helpers import free_port, tool

    port = free_port()
    process = subprocess.Popen([tool("storescp"), "-aet", "DCMTK", "-od", str(tmp_path), str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "dicom_runtime.net", "store", "127.0.0.1", str(port), "--aec", "DCMTK", str(TRUNCATED)],
            capture_output=True, text=True, timeout=60,
        )
    finally:
        process.terminate()
        process.wait(20)
    assert f"{TRUNCATED}: not sent: damaged: byte 1488 at (7FE0,0010): length 8192 is larger than the 8130 bytes that remain" in run.stderr, run.stderr
