"""``dicom-net get -k QueryRetrieveLevel=IMAGE -k SOPInstanceUID=a\\b\\c`` (no Study Instance
UID) of compressed instances brings them back byte for byte. Its first C-FIND, which learns the
SOP classes to propose, was refused by ``dicom-net scp`` as relational ("IMAGE query needs one
Study Instance UID"), so the get proposed every storage class with the native syntaxes only
and every instance came back converted. The SCP now answers a C-FIND whose own level's Unique
Key is one UID or a list without the higher levels' keys (a lenient extension); dcmtk's
findscu gets the matches too, while a universal SOP Instance UID stays refused."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_runtime.net.instances import Instance
from tests.runtime.net.helpers import ScpProcess, dicom_net, scp_stored, tool
from tests.runtime.net.test_get_compressed import corpus

FILES = {  # pydicom's test files: JPEG Baseline, JPEG-LS near-lossless, RLE Lossless, JPEG 2000
    "SC_rgb_jpeg_dcmtk.dcm": "1.2.840.10008.1.2.4.50",
    "JPEGLSNearLossless_08.dcm": "1.2.840.10008.1.2.4.81",
    "MR_small_RLE.dcm": "1.2.840.10008.1.2.5",
    "JPEG2000.dcm": "1.2.840.10008.1.2.4.91",
}


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    yield from scp_stored(tmp_path_factory.mktemp("get_by_uids"), [corpus(n) for n in FILES])


def _uids() -> str:
    return "\\".join(Instance.from_file(corpus(name)).sop_instance for name in FILES)


def test_a_get_of_sop_instance_uids_alone_brings_compressed_instances_back_byte_for_byte(scp: ScpProcess, tmp_path: Path) -> None:
    got = dicom_net("get", "127.0.0.1", str(scp.port), "--aec", "OURSCP", "--out", str(tmp_path / "got"),
                     "-k", "QueryRetrieveLevel=IMAGE", "-k", f"SOPInstanceUID={_uids()}")
    assert got.returncode == 0 and f"{len(FILES)} completed, 0 failed" in got.stdout, got.stdout + got.stderr
    back = {Instance.from_file(p).sop_instance: Instance.from_file(p) for p in (tmp_path / "got").iterdir()}
    for name, syntax in FILES.items():
        original = Instance.from_file(corpus(name))
        assert back[original.sop_instance].transfer_syntax == syntax, name
        assert back[original.sop_instance].data == original.data, name
    assert "C-FIND refused with A900" not in scp.log.read_text()


def test_findscu_gets_the_instances_of_a_uid_list_without_the_higher_keys(scp: ScpProcess) -> None:
    def findscu(*keys: str) -> str:
        run = subprocess.run([tool("findscu"), "-v", "-S", "-aec", "OURSCP", *(a for k in keys for a in ("-k", k)),
                              "127.0.0.1", str(scp.port)], capture_output=True, text=True, timeout=60)
        return run.stdout + run.stderr

    found = findscu("QueryRetrieveLevel=IMAGE", f"SOPInstanceUID={_uids()}", "SOPClassUID")
    assert found.count("(Pending)") == len(FILES) and "Received Final Find Response (Success)" in found, found
    one = Instance.from_file(corpus("MR_small_RLE.dcm")).sop_instance
    found = findscu("QueryRetrieveLevel=IMAGE", f"SOPInstanceUID={one}", "SOPClassUID")
    assert found.count("(Pending)") == 1, found
    universal = findscu("QueryRetrieveLevel=IMAGE", "SOPInstanceUID", "SOPClassUID")  # not decided by unique keys
    assert "DataSetDoesNotMatchSOPClass" in universal and "(Pending)" not in universal, universal
    wild = findscu("QueryRetrieveLevel=SERIES", "SeriesInstanceUID=1.3.6*")
    assert "DataSetDoesNotMatchSOPClass" in wild, wild
