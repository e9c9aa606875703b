"""Once lossy, always "01" (PS3.3 C.7.6.1.1.5): an instance whose Pixel Data was coded with
loss, transcoded to a native syntax (or coded again losslessly), keeps the record of it in
Lossy Image Compression (0028,2110), as dcmtk's dcmdjpls and dcmdjpeg write it; a lossless
source is left as it was. Checked by :func:`pixels.transcode` against dcmdjpls / dcmdjpeg, and
over sockets: ``dicom-net store`` to dcmtk's storescp accepting Implicit VR LE only, and
C-MOVE / C-GET from ``dicom-net scp`` to such receivers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pydicom.data
import pytest

from dicom_runtime import pixels
from dicom_runtime.fileformat import read_file
from dicom_runtime.pixels.codecs import lossy_coded
from tests.runtime.net.helpers import ScpProcess, free_port, tool
from tests.runtime.net.test_retrieval import StoreScp

CORPUS = Path(pydicom.data.__file__).parent / "test_files"
EXPLICIT, J2K = "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.91"
#: file -> the Lossy Image Compression decoding must leave (None: absent, as in the source)
FILES = {
    "JPEGLSNearLossless_08.dcm": "01",  # .81, NEAR 2 in its scan header, no (0028,2110) in the file
    "SC_rgb_jls_lossy_line.dcm": "01",
    "SC_rgb_jpeg_dcmtk.dcm": "01",  # .50, "01" already
    "MR_small_jpeg_ls_lossless.dcm": None,  # .80
    "GDCMJ2K_TextGBR.dcm": None,  # .90
    "SC_rgb_jpeg_gdcm.dcm": None,  # .70 (JPEG Lossless, decoded only)
}
DECOMPRESSOR = {"JPEGLSNearLossless_08.dcm": "dcmdjpls", "SC_rgb_jls_lossy_line.dcm": "dcmdjpls", "SC_rgb_jpeg_dcmtk.dcm": "dcmdjpeg",
                "MR_small_jpeg_ls_lossless.dcm": "dcmdjpls", "SC_rgb_jpeg_gdcm.dcm": "dcmdjpeg"}


def _lossy_flag(path: Path) -> str | None:
    value = pydicom.dcmread(path, stop_before_pixels=True).get("LossyImageCompression")
    return None if value is None else str(value)


@pytest.mark.parametrize("name", sorted(FILES))
def test_transcode_to_native_keeps_the_record_of_loss(name: str, tmp_path: Path) -> None:
    source = read_file(CORPUS / name)
    result = pixels.transcode(source.dataset, EXPLICIT)
    assert result.value(0x00282110) == FILES[name]
    if name in DECOMPRESSOR:  # dcmtk says the same
        out = tmp_path / "dcmtk.dcm"
        subprocess.run([tool(DECOMPRESSOR[name]), str(CORPUS / name), str(out)], check=True, capture_output=True, timeout=60)
        assert _lossy_flag(out) == FILES[name]


def test_coded_again_losslessly_it_stays_lossy() -> None:
    """Near-lossless JPEG-LS into JPEG 2000 coded losslessly (level 0, as the transcoding of
    C-STORE does it): no loss added, the loss before recorded."""
    source = read_file(CORPUS / "JPEGLSNearLossless_08.dcm")
    again = pixels.transcode(source.dataset, J2K, level=0)
    assert again.value(0x00282110) == "01"
    lossless = pixels.transcode(read_file(CORPUS / "MR_small.dcm").dataset, J2K, level=0)
    fragment = lossless.value(0x7FE00010).fragments[0]  # type: ignore[union-attr]
    assert not lossy_coded(J2K, fragment) and lossless.value(0x00282110) is None
    assert lossy_coded(J2K, pixels.transcode(read_file(CORPUS / "MR_small.dcm").dataset, J2K, level=10).value(0x7FE00010).fragments[0])  # type: ignore[union-attr]
    assert pixels.transcode(lossless, EXPLICIT).value(0x00282110) is None


def _net(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dicom_runtime.net", *args], capture_output=True, text=True, timeout=120)


def _by_name(folder: Path) -> dict[str, str | None]:
    uids = {pydicom.dcmread(CORPUS / n, stop_before_pixels=True).SOPInstanceUID: n for n in FILES}
    found = {}
    for path in folder.iterdir():
        data = pydicom.dcmread(path, stop_before_pixels=True)
        assert data.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2", path
        found[uids[data.SOPInstanceUID]] = _lossy_flag(path)
    return found


def test_dicom_net_store_to_an_implicit_only_storescp(tmp_path: Path) -> None:
    receiver = StoreScp(tmp_path / "in", free_port(), "+xi")
    try:
        sent = _net("store", "127.0.0.1", str(receiver.port), *(str(CORPUS / n) for n in FILES))
    finally:
        receiver.stop()
    assert sent.returncode == 0 and f"{len(FILES)} of {len(FILES)} stored" in sent.stdout, sent.stdout + sent.stderr
    assert _by_name(receiver.folder) == FILES


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[tuple[ScpProcess, int]]:
    port = free_port()
    scp = ScpProcess(tmp_path / "archive", tmp_path / "scp.log", f"--dest=IMPLICIT=127.0.0.1:{port}").start()
    stored = _net("store", "127.0.0.1", str(scp.port), "--aec", "OURSCP", *(str(CORPUS / n) for n in FILES))
    assert stored.returncode == 0, stored.stdout + stored.stderr
    yield scp, port
    assert scp.stop() == 0


def test_move_and_get_into_implicit_le_keep_the_record(archive: tuple[ScpProcess, int], tmp_path: Path) -> None:
    scp, port = archive
    uids = [pydicom.dcmread(CORPUS / n, stop_before_pixels=True).SOPInstanceUID for n in FILES]
    keys = ["-k", "QueryRetrieveLevel=IMAGE", "-k", "SOPInstanceUID=" + "\\".join(uids)]
    receiver = StoreScp(tmp_path / "moved", port, "+xi")
    try:
        moved = _net("move", "127.0.0.1", str(scp.port), "--aec", "OURSCP", "--dest", "IMPLICIT", *keys)
    finally:
        receiver.stop()
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert _by_name(receiver.folder) == FILES
    got = _net("get", "127.0.0.1", str(scp.port), "--aec", "OURSCP", "--out", str(tmp_path / "got"),
               "--accept-ts", "1.2.840.10008.1.2", *keys)
    assert got.returncode == 0, got.stdout + got.stderr
    assert _by_name(tmp_path / "got") == FILES
