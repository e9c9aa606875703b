"""An association in which no presentation context can be accepted (review defect 16).

Our SCP accepts it with each context's PS3.8 Table 9-18 result, as dcmtk's storescp and
pynetdicom do (an A-ASSOCIATE-RJ could only say no-reason-given), so dcmtk's findscu can
name the rejected context; our SCU, against our SCP or dcmtk's storescp, releases such an
association and fails with one error naming the peer, each SOP class and its result.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_runtime.net.aio import associate
from dicom_runtime.net.association import ContextsRejected
from tests.runtime.net.helpers import ScpProcess, free_port, tool, wait_listening

WORKLIST = "1.2.840.10008.5.1.4.31"
REJECTED = f"Modality Worklist Information Model - FIND ({WORKLIST}): abstract-syntax-not-supported"


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("contexts_rejected")
    process = ScpProcess(folder / "out", folder / "scp.log").start()
    yield process
    process.kill()


def _logged(scp: ScpProcess, text: str) -> str:
    deadline = time.monotonic() + 5
    while text not in (log := scp.log.read_text()):
        assert time.monotonic() < deadline, f"no log line with {text!r}: {log[-2000:]}"
        time.sleep(0.05)
    return log


def test_our_scu_names_each_rejected_sop_class_and_releases(scp: ScpProcess) -> None:
    async def main() -> ContextsRejected:
        with pytest.raises(ContextsRejected) as caught:
            await associate("127.0.0.1", scp.port, called_ae="OURSCP", calling_ae="NOCONTEXT", contexts=[WORKLIST, "1.2.3.4.5.6"])
        return caught.value

    error = asyncio.run(main())
    assert str(error) == (
        f"127.0.0.1:{scp.port} (OURSCP): the peer rejected every presentation context: {REJECTED}; "
        "1.2.3.4.5.6: abstract-syntax-not-supported"
    )
    assert [(c.context_id, c.result) for c in error.accept.contexts] == [(1, 3), (3, 3)]
    log = _logged(scp, f"(NOCONTEXT): association accepted, but no presentation context: {WORKLIST}: abstract-syntax-not-supported; 1.2.3.4.5.6")
    time.sleep(0.3)
    # Released in order: no abort, no connection closed under the SCP.
    assert [line for line in scp.log.read_text().splitlines() if "(NOCONTEXT)" in line] == [
        line for line in log.splitlines() if "(NOCONTEXT)" in line
    ]
    assert len([line for line in log.splitlines() if "(NOCONTEXT)" in line]) == 1


def test_dicom_net_find_says_why_in_one_line(scp: ScpProcess) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "dicom_runtime.net", "find", "127.0.0.1", str(scp.port), "--aec", "OURSCP", "--model", "worklist", "-k", "PatientName"],
        capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 1
    assert run.stderr == f"dicom-net find: 127.0.0.1:{scp.port} (OURSCP): the peer rejected every presentation context: {REJECTED}\n"


def test_dcmtk_findscu_sees_the_context_rejected(scp: ScpProcess) -> None:
    run = subprocess.run(
        [tool("findscu"), "-d", "-W", "-aec", "OURSCP", "-k", "PatientName", "127.0.0.1", str(scp.port)],
        capture_output=True, timeout=60,
    )
    output = (run.stdout + run.stderr).decode("latin-1")
    assert "PDU Type: Associate Accept" in output, output[-3000:]
    assert "Context ID:        1 (Abstract Syntax Not Supported)" in output
    assert "E: No Acceptable Presentation Contexts" in output


def test_against_dcmtk_storescp_our_scu_says_why_and_releases(tmp_path: Path) -> None:
    port = free_port()
    storescp = subprocess.Popen([tool("storescp"), "-v", "-od", str(tmp_path), str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_listening(port, storescp, "storescp")
        run = subprocess.run(
            [sys.executable, "-m", "dicom_runtime.net", "find", "127.0.0.1", str(port), "--model", "worklist", "-k", "PatientName"],
            capture_output=True, text=True, timeout=60,
        )
        time.sleep(0.5)
    finally:
        storescp.terminate()
        output = storescp.communicate(timeout=10)[0].decode("latin-1")
    assert run.returncode == 1
    assert run.stderr == f"dicom-net find: 127.0.0.1:{port} (ANY-SCP): the peer rejected every presentation context: {REJECTED}\n"
    assert "(but no valid presentation contexts)" in output and "I: Association Release" in output, output
    assert "Aborted" not in output
