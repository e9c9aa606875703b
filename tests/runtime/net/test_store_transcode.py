"""The SCU's store transcodes when the peer accepted none of an instance's own transfer syntaxes
(#17, as dcmtk's storescu does): ``dicom-net store`` of compressed and big endian files to dcmtk's
storescp accepting Implicit VR Little Endian only, and the API's store of a native CT to a
pynetdicom SCP accepting only a compressed lossless syntax. The pixels that arrive are read by
pydicom and compared with the originals decoded here."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pydicom.data
import pytest
from pynetdicom import AE, evt

from dicom_runtime import pixels
from dicom_runtime.fileformat import read_file
from dicom_runtime.net import blocking
from dicom_runtime.net.aio import Proposal
from dicom_runtime.net.instances import Instance
from tests.runtime.net.helpers import free_port
from tests.runtime.net.test_retrieval import StoreScp

CORPUS = Path(pydicom.data.__file__).parent / "test_files"
IMPLICIT = "1.2.840.10008.1.2"
CT = "1.2.840.10008.5.1.4.1.1.2"


def _decoded(path: Path) -> Any:
    file = read_file(path)
    return pixels.array(file.dataset, transfer_syntax=file.transfer_syntax)


def _pydicom(path: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(path)
        dataset.pixel_array_options(as_rgb=False)
        return dataset.pixel_array


def test_dicom_net_store_decompresses_for_a_native_only_peer(tmp_path: Path) -> None:
    names = ["JPEG2000.dcm", "JPGExtended.dcm", "SC_rgb_rle.dcm", "MR_small_bigendian.dcm", "JPEGLSNearLossless_08.dcm"]
    port = free_port()
    dcmtk = StoreScp(tmp_path / "in", port, "+xi")  # Implicit VR Little Endian only
    try:
        sent = subprocess.run(
            [sys.executable, "-m", "dicom_runtime.net", "store", "127.0.0.1", str(port), *(str(CORPUS / n) for n in names)],
            capture_output=True, text=True, timeout=120,
        )
    finally:
        dcmtk.stop()
    assert sent.returncode == 0 and f"{len(names)} of {len(names)} stored" in sent.stdout, sent.stdout + sent.stderr
    arrived = {Instance.from_file(p).sop_instance: p for p in dcmtk.folder.iterdir()}
    for name in names:
        uid = Instance.from_file(CORPUS / name).sop_instance
        assert read_file(arrived[uid]).transfer_syntax == IMPLICIT
        assert np.array_equal(_pydicom(arrived[uid]), _decoded(CORPUS / name)), name


def _store_to_pynetdicom(syntax: str, proposed: tuple[str, ...], on_store: Any) -> Any:
    """``CT_small.dcm`` stored by our SCU to a pynetdicom SCP that accepts CT Image Storage in
    ``syntax`` only, ``proposed`` the syntaxes we propose; the status."""
    ae = AE(ae_title="PYNETDICOM")
    ae.add_supported_context(CT, [syntax])
    port = free_port()
    server = ae.start_server(("127.0.0.1", port), block=False, evt_handlers=[(evt.EVT_C_STORE, on_store)])
    assert server is not None
    try:
        association = blocking.associate(
            "127.0.0.1", port, called_ae="PYNETDICOM", contexts=[Proposal(CT, (p,)) for p in proposed]
        )
        try:
            return association.store(CORPUS / "CT_small.dcm")
        finally:
            association.release()
    finally:
        server.shutdown()


@pytest.mark.parametrize("syntax", ["1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.90"])
def test_store_compresses_for_a_peer_accepting_one_lossless_syntax(syntax: str, tmp_path: Path) -> None:
    received: list[tuple[str, Any]] = []

    def on_store(event: Any) -> int:
        dataset = event.dataset
        dataset.file_meta = event.file_meta  # pynetdicom: the accepted context's transfer syntax
        received.append((str(event.context.transfer_syntax), dataset.pixel_array.copy()))
        return 0x0000

    status = _store_to_pynetdicom(syntax, ("1.2.840.10008.1.2.1", syntax), on_store)
    assert status.is_success, status
    [(used, array)] = received
    assert used == syntax
    assert np.array_equal(array, _decoded(CORPUS / "CT_small.dcm"))


@pytest.mark.parametrize("syntax", ["1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.81"])
def test_a_syntax_that_allows_loss_is_coded_losslessly(syntax: str) -> None:
    """JPEG 2000 (.91) and JPEG-LS near-lossless (.81) allow loss but can code without it: an
    instance goes into them coded losslessly (no loss added in transit), its pixels as decoded
    before, Lossy Image Compression as it was; JPEG Baseline, which cannot, is still refused."""
    from dicom_runtime.errors import DicomEncodeError
    from dicom_runtime.net.transcode import in_syntax

    for name in ("CT_small.dcm", "JPGExtended.dcm"):
        source = Instance.from_file(CORPUS / name)
        moved = in_syntax(source, syntax)
        assert moved.transfer_syntax == syntax
        before, after = source.dataset(), moved.dataset()
        assert np.array_equal(
            pixels.array(after, transfer_syntax=syntax), pixels.array(before, transfer_syntax=source.transfer_syntax)
        ), name
        assert after.value(0x00282110) == before.value(0x00282110)  # Lossy Image Compression unchanged
    with pytest.raises(DicomEncodeError, match="no loss is added in transit"):
        in_syntax(Instance.from_file(CORPUS / "CT_small.dcm"), "1.2.840.10008.1.2.4.50")


def test_a_conversion_runs_outside_the_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SCU's conversion (here native to RLE Lossless) runs in a worker thread: while a
    large instance is decoded and encoded, the event loop goes on serving the other
    associations and this one's timers. On the loop, it held them all for its duration."""
    import asyncio

    from dicom_runtime.net import scu
    from dicom_runtime.net.transcode import in_syntax

    on_loop: list[bool] = []

    def recorded(instance: Instance, transfer_syntax: str) -> Instance:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return in_syntax(instance, transfer_syntax)

    monkeypatch.setattr(scu, "in_syntax", recorded)
    rle = "1.2.840.10008.1.2.5"
    received: list[str] = []

    def on_store(event: Any) -> int:
        received.append(str(event.context.transfer_syntax))
        return 0x0000

    status = _store_to_pynetdicom(rle, (rle,), on_store)
    assert status.is_success, status
    assert received == [rle]
    assert on_loop == [False]
