"""The C-GET SCP's contexts where the requestor takes the SCP role (PS3.7 D.3.3.7, PS3.4
C.4.3): we are the C-STORE SCU on them, so a context proposing a syntax every instance can be
sent in (native, or one encoded here without loss) gets one of those, even when the requestor
proposes one only decoded here first, as dcmtk's ``getscu +xs`` (JPEG Lossless, then the native
syntaxes, in one context); ``dicom-net conformance --probe`` checks it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from dicom_runtime.net.association import AcceptorPolicy, context_answers
from dicom_runtime.net.pdu import AssociateRQ, PresentationContextRQ, RoleSelection, UserInformation
from tests.runtime.net.helpers import CT, IMPLICIT, free_port, tool

EXPLICIT, BIG = "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"
JPEG_LOSSLESS, JPEG_EXTENDED, JPEG_BASELINE = "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.50"
J2K, JPEG_LS = "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.80"
MR = "1.2.840.10008.5.1.4.1.1.4"


def _answer(proposed: tuple[str, ...], ours: tuple[str, ...], *, scp_role: bool = True) -> str | None:
    roles = (RoleSelection(CT, False, True),) if scp_role else ()
    request = AssociateRQ("ARCHIVE", "GETSCU", (PresentationContextRQ(1, CT, proposed),), UserInformation(max_length=0, roles=roles))
    [answer] = context_answers(request, AcceptorPolicy("ARCHIVE", {CT: ours}))
    return answer.transfer_syntax if answer.result == 0 else None


OURS = (JPEG_LOSSLESS, JPEG_EXTENDED, JPEG_BASELINE, J2K, JPEG_LS, EXPLICIT, IMPLICIT)


@pytest.mark.parametrize(
    ("proposed", "expected"),
    [
        ((JPEG_LOSSLESS, EXPLICIT, BIG, IMPLICIT), EXPLICIT),  # getscu +xs: not JPEG Lossless, which is only decoded here
        ((JPEG_EXTENDED, EXPLICIT, BIG, IMPLICIT), EXPLICIT),  # +xx
        ((JPEG_BASELINE, EXPLICIT, IMPLICIT), EXPLICIT),  # +xy: no loss is added to a native instance
        ((JPEG_LOSSLESS, IMPLICIT), IMPLICIT),  # the native one offered
        ((J2K, EXPLICIT, BIG, IMPLICIT), J2K),  # +xw: JPEG 2000 is encoded here (losslessly), so it is followed
        ((JPEG_LS, EXPLICIT, IMPLICIT), JPEG_LS),
        ((JPEG_LOSSLESS,), JPEG_LOSSLESS),  # alone: for the instances held in it (dicom-net get proposes so)
        ((JPEG_EXTENDED, JPEG_LOSSLESS), JPEG_EXTENDED),  # none we can always send: the requestor's first, as before
        ((BIG,), None),  # not in our table
    ],
)
def test_a_receiving_context_gets_a_syntax_we_can_send(proposed: tuple[str, ...], expected: str | None) -> None:
    assert _answer(proposed, OURS) == expected


def test_a_context_without_the_scp_role_keeps_our_order() -> None:
    """We receive on it (C-STORE SCP): any syntax of our table, ours first."""
    assert _answer((EXPLICIT, JPEG_LOSSLESS), OURS, scp_role=False) == JPEG_LOSSLESS


def _mr_small() -> Path:
    found = get_testdata_file("MR_small.dcm")
    assert isinstance(found, str)
    return Path(found)


def _config(folder: Path, port: int) -> Path:
    config = folder / "archive.toml"
    config.write_text(
        f'[[ae]]\ntitle = "ARCHIVE"\nport = {port}\nhost = "127.0.0.1"\nstorage = "store"\n'
        'sop_classes = ["Verification", "MRImageStorage", "StudyRootQueryRetrieveInformationModelFind", '
        '"StudyRootQueryRetrieveInformationModelGet"]\n'
        'transfer_syntaxes = ["JPEGLosslessNonHierarchicalFirstOrderPredictionProcess14SelectionValue1", '
        '"ExplicitVRLittleEndian", "ImplicitVRLittleEndian"]\n'
    )
    return config


def _net(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dicom_runtime.net", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = free_port()
    config = _config(tmp_path, port)
    log = (tmp_path / "scp.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "dicom_runtime.net", "scp", "--config", str(config)], stdout=log, stderr=log)
    try:
        for _ in range(200):
            if "listening on" in (tmp_path / "scp.log").read_text():
                break
            assert process.poll() is None, (tmp_path / "scp.log").read_text()
            subprocess.run(["sleep", "0.05"])
        stored = _net("store", "127.0.0.1", str(port), "--aec", "ARCHIVE", str(_mr_small()))
        assert stored.returncode == 0 and "1 of 1 stored" in stored.stdout, stored.stdout + stored.stderr
        yield port, config
    finally:
        process.terminate()
        assert process.wait(20) == 0
        log.close()
        assert "Traceback" not in (tmp_path / "scp.log").read_text()


def test_getscu_preferring_jpeg_lossless_gets_the_native_instance(archive: tuple[int, Path], tmp_path: Path) -> None:
    port, _ = archive
    original = pydicom.dcmread(_mr_small())
    out = tmp_path / "got"
    out.mkdir()
    result = subprocess.run(
        [tool("getscu"), "+xs", "-S", "-aec", "ARCHIVE", "-od", str(out), "-k", "QueryRetrieveLevel=STUDY",
         "-k", f"StudyInstanceUID={original.StudyInstanceUID}", "127.0.0.1", str(port)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0 and "Warning" not in result.stderr + result.stdout, result.stdout + result.stderr
    [received] = list(out.iterdir())
    back = pydicom.dcmread(received)
    assert back.file_meta.TransferSyntaxUID == EXPLICIT and back.SOPInstanceUID == original.SOPInstanceUID
    assert back.PixelData == original.PixelData


def test_the_probe_checks_a_get_preferring_a_compressed_syntax(tmp_path: Path) -> None:
    config = _config(tmp_path, 0)
    result = _net("conformance", str(config), "--probe", "-o", str(tmp_path / "cs.md"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 contradicted" in result.stderr and "C-GET" in (tmp_path / "cs.md").read_text(), result.stderr
