"""C-GET of compressed instances (#16): JPEG 2000 and JPEG Extended instances stored into
``dicom-net scp`` come back in their own transfer syntax, with ``dicom-net get`` (which
proposes each syntax in a context of its own, or those of ``--accept-ts``) and with dcmtk's
getscu (whose preferred syntax, first in its one context, the SCP follows where it can send
every instance in it: JPEG 2000, not JPEG Extended, which it only decodes)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from dicom_runtime.net.instances import Instance
from tests.runtime.net.helpers import ScpProcess, dicom_net, scp_stored, tool

STUDY = "1.3.6.1.4.1.5962.1.2.8.20040826185059.5457"
SERIES = "1.3.6.1.4.1.5962.1.3.8.1.20040826185059.5457"
FILES = {"JPEG2000.dcm": "1.2.840.10008.1.2.4.91", "JPGExtended.dcm": "1.2.840.10008.1.2.4.51"}


def corpus(name: str) -> Path:
    found = get_testdata_file(name)
    assert isinstance(found, str), f"pydicom's corpus has no {name}"
    return Path(found)


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    yield from scp_stored(tmp_path_factory.mktemp("getz"), [corpus(n) for n in FILES])


def _by_syntax(folder: Path) -> dict[str, bytes]:
    return {Instance.from_file(p).transfer_syntax: Instance.from_file(p).data for p in folder.iterdir()}


def test_dicom_net_get_brings_compressed_instances_back_byte_for_byte(scp: ScpProcess, tmp_path: Path) -> None:
    got = dicom_net("get", "127.0.0.1", str(scp.port), "--aec", "OURSCP", "--out", str(tmp_path / "got"),
                    "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={STUDY}")
    assert got.returncode == 0 and "2 completed, 0 failed" in got.stdout, got.stdout + got.stderr
    assert _by_syntax(tmp_path / "got") == {ts: Instance.from_file(corpus(n)).data for n, ts in FILES.items()}


def test_accept_ts_limits_what_the_get_accepts(scp: ScpProcess, tmp_path: Path) -> None:
    native = dicom_net("get", "127.0.0.1", str(scp.port), "--aec", "OURSCP", "--out", str(tmp_path / "native"),
                       "--accept-ts", "1.2.840.10008.1.2.1", "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={STUDY}")
    # the SCP transcodes (#17): both come back in Explicit VR Little Endian, their pixels decoded
    assert native.returncode == 0 and "2 completed, 0 failed" in native.stdout, native.stdout + native.stderr
    from dicom_runtime import pixels
    from dicom_runtime.fileformat import read_file

    for path in (tmp_path / "native").iterdir():
        back = read_file(path)
        assert back.transfer_syntax == "1.2.840.10008.1.2.1"
        [name] = [n for n in FILES if pydicom.dcmread(corpus(n)).SOPInstanceUID == pydicom.dcmread(path).SOPInstanceUID]
        original = read_file(corpus(name))
        expected = pixels.array(original.dataset, transfer_syntax=original.transfer_syntax)
        assert (pydicom.dcmread(path).pixel_array == expected).all()
    j2k = dicom_net("get", "127.0.0.1", str(scp.port), "--aec", "OURSCP", "--out", str(tmp_path / "j2k"),
                    "--accept-ts", "1.2.840.10008.1.2.4.91", "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={STUDY}")
    # JPEG 2000 (.91) allows loss but can code without it: the JPEG 2000 instance comes back byte for
    # byte, the JPEG Extended one coded losslessly in .91 (no loss added in transit), its Lossy Image
    # Compression "01" kept, its pixels those of the original decoded
    assert j2k.returncode == 0 and "2 completed, 0 failed" in j2k.stdout, j2k.stdout + j2k.stderr
    for path in (tmp_path / "j2k").iterdir():
        got = Instance.from_file(path)
        assert got.transfer_syntax == "1.2.840.10008.1.2.4.91"
        [name] = [n for n in FILES if pydicom.dcmread(corpus(n)).SOPInstanceUID == got.sop_instance]
        if name == "JPEG2000.dcm":
            assert got.data == Instance.from_file(corpus(name)).data
            continue
        original = read_file(corpus(name))
        assert (pixels.array(read_file(path).dataset, transfer_syntax=got.transfer_syntax)
                == pixels.array(original.dataset, transfer_syntax=original.transfer_syntax)).all()
        assert read_file(path).dataset.value(0x00282110) == "01"
    assert "converting transfer syntax 1.2.840.10008.1.2.4.51 -> 1.2.840.10008.1.2.4.91" in scp.log.read_text()


@pytest.mark.parametrize(("name", "prefer", "syntax"), [("JPEG2000.dcm", "+xw", FILES["JPEG2000.dcm"]), ("JPGExtended.dcm", "+xx", "1.2.840.10008.1.2.1")])
def test_dcmtk_getscu_gets_them_in_their_own_syntax_or_native(scp: ScpProcess, tmp_path: Path, name: str, prefer: str, syntax: str) -> None:
    """+xw: JPEG 2000 first, accepted (encoded here), the instance sent as it is; +xx: JPEG
    Extended first, which the SCP cannot send a native instance in, so the Explicit VR Little
    Endian offered after it is accepted and the JPEG Extended instance decoded into it."""
    original = pydicom.dcmread(corpus(name))
    out = tmp_path / "got"
    out.mkdir()
    result = subprocess.run(
        [tool("getscu"), "-aec", "OURSCP", prefer, "-od", str(out), "-k", "QueryRetrieveLevel=IMAGE", "-k", f"StudyInstanceUID={STUDY}",
         "-k", f"SeriesInstanceUID={SERIES}", "-k", f"SOPInstanceUID={original.SOPInstanceUID}", "127.0.0.1", str(scp.port)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [received] = list(out.iterdir())
    back = pydicom.dcmread(received)
    assert back.file_meta.TransferSyntaxUID == syntax and back.SOPInstanceUID == original.SOPInstanceUID
    if syntax == FILES[name]:
        assert back.PixelData == original.PixelData
    else:  # decoded here (pydicom's decoder of 12-bit JPEG Extended may round otherwise)
        from dicom_runtime import pixels
        from dicom_runtime.fileformat import read_file

        source = read_file(corpus(name))
        assert (back.pixel_array == pixels.array(source.dataset, transfer_syntax=source.transfer_syntax)).all()
