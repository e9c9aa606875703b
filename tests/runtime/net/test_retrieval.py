"""Issue #16, Retrieval: instances in compressed and deflated transfer syntaxes stored into a
live ``dicom-net scp`` are moved in their own transfer syntax (byte for byte), a failure
names the instance and the reason (response and summary), and a file whose meta header
disagrees with its data set is held once, under the data set's SOP Instance UID."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from dicom_runtime.net.instances import Instance
from tests.runtime.net.helpers import ScpProcess, free_port, tool, wait_listening

FILES = ("JPEG2000.dcm", "JPGExtended.dcm", "image_dfl.dcm", "rtdose.dcm")
DEFLATED = "1.2.840.10008.1.2.1.99"


def _file(name: str) -> str:
    path = get_testdata_file(name)
    assert isinstance(path, str), name
    return path


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dicom_runtime.net.cli", *args], capture_output=True, text=True, timeout=120)


def _originals() -> dict[str, Instance]:
    """SOP Instance UID (the data set's) -> the file as an Instance."""
    found = {}
    for name in FILES:
        instance = Instance.from_file(_file(name))
        found[instance.sop_instance] = instance
    return found


class StoreScp:
    """dcmtk's storescp as a move destination."""

    def __init__(self, folder: Path, port: int, *options: str) -> None:
        folder.mkdir()
        self.folder, self.port = folder, port
        self.process = subprocess.Popen([tool("storescp"), *options, "-od", str(folder), str(self.port)])
        wait_listening(port, self.process, "storescp")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[tuple[ScpProcess, dict[str, int]]]:
    ports = {"DCMTK": free_port(), "STRICT": free_port(), "OURS": free_port()}
    destinations = [f"--dest={ae}=127.0.0.1:{port}" for ae, port in ports.items()]
    scp = ScpProcess(tmp_path / "archive", tmp_path / "scp.log", *destinations).start()
    stored = _cli("store", "127.0.0.1", str(scp.port), "--aec", "OURSCP", *(_file(n) for n in FILES))
    assert stored.returncode == 0, stored.stderr + stored.stdout
    yield scp, ports
    assert scp.stop() == 0
    assert "Traceback" not in scp.log.read_text()


def _move(scp: ScpProcess, destination: str, uids: list[str]) -> subprocess.CompletedProcess[str]:
    return _cli("move", "127.0.0.1", str(scp.port), "--aec", "OURSCP", "--dest", destination,
                "-k", "QueryRetrieveLevel=IMAGE", "-k", "SOPInstanceUID=" + "\\".join(uids))


def test_a_file_whose_meta_header_disagrees_is_held_once_by_its_data_sets_uid(archive: tuple[ScpProcess, dict[str, int]]) -> None:
    scp, _ = archive
    held = sorted(path.stem for path in scp.out.glob("*.dcm"))
    assert held == sorted(_originals()), held
    rtdose = Instance.from_file(_file("rtdose.dcm"))
    assert (scp.out / f"{rtdose.sop_instance}.dcm").is_file()


def test_compressed_and_deflated_instances_move_in_their_own_transfer_syntax(tmp_path: Path, archive: tuple[ScpProcess, dict[str, int]]) -> None:
    scp, ports = archive
    originals = _originals()
    # Our SCP as the destination keeps what it receives: each data set arrives byte for byte.
    ours = ScpProcess(tmp_path / "ours", tmp_path / "ours.log", "--any-called-ae", "-v", port=ports["OURS"]).start()
    try:
        moved = _move(scp, "OURS", list(originals))
        assert moved.returncode == 0, moved.stdout + moved.stderr
        assert f"{len(originals)} completed, 0 failed, 0 warning" in moved.stdout
    finally:
        assert ours.stop() == 0
    for uid, original in originals.items():
        received = Instance.from_file(ours.out / f"{uid}.dcm")
        assert (received.transfer_syntax, received.data) == (original.transfer_syntax, original.data), uid
    assert any(o.transfer_syntax == DEFLATED for o in originals.values())
    # dcmtk's storescp accepting everything (+xa) receives each in its own syntax too.
    dcmtk = StoreScp(tmp_path / "dcmtk", ports["DCMTK"], "+xa")
    try:
        moved = _move(scp, "DCMTK", list(originals))
        assert moved.returncode == 0, moved.stdout + moved.stderr
    finally:
        dcmtk.stop()
    syntaxes = sorted(Instance.from_file(path).transfer_syntax for path in dcmtk.folder.iterdir())
    assert syntaxes == sorted(o.transfer_syntax for o in originals.values())


def test_a_destination_accepting_implicit_le_only_gets_the_jpeg_instances_transcoded(tmp_path: Path, archive: tuple[ScpProcess, dict[str, int]]) -> None:
    """A destination accepting Implicit VR LE only (storescp +xi): the JPEG instances are
    decompressed by the SCP (#17, as storescu does) and arrive with the pixels decoded here.
    (A sub-operation that cannot be transcoded is named in the response: test_get_compressed.)"""
    from dicom_runtime import pixels
    from dicom_runtime.fileformat import read_file

    scp, ports = archive
    originals = _originals()
    jpeg = sorted(uid for uid, o in originals.items() if o.transfer_syntax.startswith("1.2.840.10008.1.2.4."))
    assert len(jpeg) == 2
    dcmtk = StoreScp(tmp_path / "strict", ports["STRICT"], "+xi")
    try:
        moved = _move(scp, "STRICT", list(originals))
    finally:
        dcmtk.stop()
    assert moved.returncode == 0, moved.stdout + moved.stderr
    line = moved.stdout.strip().splitlines()[-1]
    assert "4 completed, 0 failed, 0 warning" in line, line
    arrived = {Instance.from_file(p).sop_instance: p for p in dcmtk.folder.iterdir()}
    assert sorted(arrived) == sorted(originals)
    for uid in jpeg:
        back = read_file(arrived[uid])
        assert back.transfer_syntax == "1.2.840.10008.1.2"
        original = read_file(next(_file(n) for n in FILES if Instance.from_file(_file(n)).sop_instance == uid))
        expected = pixels.array(original.dataset, transfer_syntax=original.transfer_syntax)
        assert (pydicom.dcmread(arrived[uid]).pixel_array == expected).all()


def test_an_unknown_move_destination_prints_no_absent_counts(archive: tuple[ScpProcess, dict[str, int]]) -> None:
    scp, _ = archive
    moved = _move(scp, "NOWHERE", list(_originals()))
    assert moved.returncode == 1
    line = moved.stdout.strip().splitlines()[-1]
    assert "0xA801" in line and "None" not in line and "completed" not in line, line


def test_dcmtk_movescu_moves_compressed_instances_to_dcmtk_storescp(tmp_path: Path, archive: tuple[ScpProcess, dict[str, int]]) -> None:
    scp, ports = archive
    jpeg2000 = Instance.from_file(_file("JPEG2000.dcm"))
    dcmtk = StoreScp(tmp_path / "dcmtk", ports["DCMTK"], "+xa")
    try:
        result = subprocess.run(
            [tool("movescu"), "-S", "-aec", "OURSCP", "-aem", "DCMTK", "-k", "QueryRetrieveLevel=IMAGE",
             "-k", f"StudyInstanceUID={jpeg2000.dataset().value(0x0020000D)!s}", "-k", f"SeriesInstanceUID={jpeg2000.dataset().value(0x0020000E)!s}",
             "-k", f"SOPInstanceUID={jpeg2000.sop_instance}", "127.0.0.1", str(scp.port)],
            capture_output=True, text=True, timeout=60,
        )
    finally:
        dcmtk.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    received = [Instance.from_file(path) for path in dcmtk.folder.iterdir()]
    assert [(r.sop_instance, r.transfer_syntax) for r in received] == [(jpeg2000.sop_instance, jpeg2000.transfer_syntax)]
