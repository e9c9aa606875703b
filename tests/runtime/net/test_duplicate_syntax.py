"""The same SOP instance re-sent in another transfer syntax is the same data set: Success,
nothing changed, nothing logged as a duplicate (``keep`` and ``reject``). The duplicate check
compared the encoded bytes, so dcmtk's storescu sending CT_small.dcm in Explicit VR Little
Endian and then in Implicit VR Little Endian was refused C111 under ``reject`` and logged as
"different content" under ``keep``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pydicom.data
import pytest

from dicom_runtime.fileformat import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_BIG_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
)
from dicom_runtime.net import storage
from dicom_runtime.net.instances import Instance
from tests.runtime.net.helpers import ScpProcess, tool, wait_for_log

CT_SMALL = Path(str(pydicom.data.get_testdata_file("CT_small.dcm")))


def _storescu(port: int, syntax_option: str, path: Path, *, refused: bool = False) -> str:
    """storescu -v in one proposed syntax; its output (it exits non-zero on a failure status)."""
    done = subprocess.run([tool("storescu"), "-v", syntax_option, "-aec", "OURSCP", "127.0.0.1", str(port), str(path)],
                          capture_output=True, timeout=60)
    output = (done.stdout + done.stderr).decode("latin-1")
    assert (done.returncode != 0) == refused, output
    return output


def _other_name(tmp_path: Path) -> Path:
    """CT_small.dcm with another Patient's Name: same UIDs, different content."""
    import pydicom

    dataset = pydicom.dcmread(CT_SMALL)
    dataset.PatientName = "Other^Patient"
    path = tmp_path / "other.dcm"
    dataset.save_as(path)
    return path


@pytest.mark.parametrize("policy", ["keep", "reject"])
def test_the_same_instance_in_another_syntax_is_no_duplicate(tmp_path: Path, policy: str) -> None:
    extra = () if policy == "keep" else ("--duplicates", policy)
    scp = ScpProcess(tmp_path / "out", tmp_path / "scp.log", *extra).start()
    try:
        outputs = [_storescu(scp.port, option, CT_SMALL) for option in ("-xe", "-xe", "-xi", "-xb", "-xd")]
        for output in outputs:
            assert "Received Store Response (Success)" in output, output
        stored = tmp_path / "out" / "1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322.dcm"
        assert Instance.from_file(stored).transfer_syntax == EXPLICIT_VR_LITTLE_ENDIAN  # the first one, unchanged
        before = stored.read_bytes()
        changed = _storescu(scp.port, "-xi", _other_name(tmp_path), refused=policy == "reject")  # another data set in another syntax: still a duplicate
        if policy == "reject":
            assert "Received Store Response (Error: CannotUnderstand)" in changed, changed
        else:
            assert "Received Store Response (Success)" in changed, changed
        assert stored.read_bytes() == before
        wait_for_log(scp, "duplicate SOP Instance UID")
    finally:
        assert scp.stop() == 0
    log = scp.log.read_text()
    assert log.count("duplicate SOP Instance UID") == 1, log  # only the changed data set
    assert "received sha256" in log and IMPLICIT_VR_LITTLE_ENDIAN in log
    assert "Traceback" not in log


def _encodings() -> dict[str, bytes]:
    instance = Instance.from_file(CT_SMALL)
    syntaxes = (EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN)
    return {syntax: instance.in_syntax(syntax).data for syntax in syntaxes}


def test_same_compares_native_and_deflated_syntaxes_as_data() -> None:
    encodings = _encodings()
    assert len(set(encodings.values())) == len(encodings)  # four different encodings
    for old_syntax, old in encodings.items():
        for new_syntax, new in encodings.items():
            assert storage._same(old, old_syntax, new, new_syntax) == (True, ""), (old_syntax, new_syntax)
    explicit = encodings[EXPLICIT_VR_LITTLE_ENDIAN]
    other = Instance.from_file(_changed_file()).in_syntax(IMPLICIT_VR_LITTLE_ENDIAN).data
    assert storage._same(explicit, EXPLICIT_VR_LITTLE_ENDIAN, other, IMPLICIT_VR_LITTLE_ENDIAN) == (False, "")


def _changed_file() -> Path:
    import tempfile

    import pydicom

    dataset = pydicom.dcmread(CT_SMALL)
    dataset.PixelData = bytes(len(dataset.PixelData))
    path = Path(tempfile.mkdtemp()) / "changed.dcm"
    dataset.save_as(path)
    return path


def test_same_compares_only_bytes_beyond_the_limit_and_for_compressed_syntaxes(monkeypatch: pytest.MonkeyPatch) -> None:
    encodings = _encodings()
    explicit, implicit = encodings[EXPLICIT_VR_LITTLE_ENDIAN], encodings[IMPLICIT_VR_LITTLE_ENDIAN]
    monkeypatch.setattr(storage, "COMPARE_AS_DATA_LIMIT", len(explicit) - 1)
    same, why = storage._same(explicit, EXPLICIT_VR_LITTLE_ENDIAN, implicit, IMPLICIT_VR_LITTLE_ENDIAN)
    assert not same and "compared as bytes only" in why, why
    same, why = storage._same(explicit, EXPLICIT_VR_LITTLE_ENDIAN, explicit, "1.2.840.10008.1.2.4.70")
    assert not same and "compressed transfer syntax" in why, why


def test_a_spilled_instance_in_another_syntax_is_compared_as_bytes_and_the_log_says_so(tmp_path: Path) -> None:
    """A data set spilled to a temporary file (``--spill-after``) is not decoded to be compared:
    memory stays bounded, and the same instance in another syntax counts as another data set
    (kept, under ``keep``), the log line saying why."""
    scp = ScpProcess(tmp_path / "out", tmp_path / "scp.log", "--spill-after", "4096").start()
    try:
        for option in ("-xe", "-xe", "-xi"):
            assert "Received Store Response (Success)" in _storescu(scp.port, option, CT_SMALL)
        wait_for_log(scp, "duplicate SOP Instance UID")
    finally:
        assert scp.stop() == 0
    log = scp.log.read_text()
    assert log.count("duplicate SOP Instance UID") == 1, log  # the identical resend in the same syntax is none
    assert "compared as bytes only" in log, log
