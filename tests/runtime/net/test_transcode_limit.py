"""The retrieve SCP's conversions for C-GET/C-MOVE sub-operations (net.transcode): refused
past TRANSCODE_LIMIT with the reason in the Error Comment, one at a time, off the event
loop; an instance the peer takes in its own syntax is sent as stored. Over sockets."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_model.queries import StudyRootStudyQuery
from dicom_runtime.net import blocking, transcode
from dicom_runtime.net.aio import Handlers, Progress, Proposal, StoreRequest, associate, storage_policy
from dicom_runtime.net.messages import Status
from dicom_runtime.net.storage import StorageFolder
from tests.runtime.net.helpers import CT, STUDY_GET, ct_instance

STUDY = "1.2.826.0.1.3680043.10.1.7"
INSTANCES = [ct_instance(i, size=20_000, study=STUDY) for i in (1, 2)]
IMPLICIT = "1.2.840.10008.1.2"


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[blocking.BlockingServer]:
    folder = StorageFolder(tmp_path / "archive")
    with blocking.BlockingServer(storage_policy("OURSCP", [CT, STUDY_GET]), folder.handlers()) as server:
        with blocking.associate("127.0.0.1", server.port, called_ae="OURSCP", contexts=[CT]) as scu:
            assert all(scu.store(i).is_success for i in INSTANCES)
        yield server


def _get(port: int, syntaxes: tuple[str, ...]) -> tuple[Progress, list[str]]:
    received: list[str] = []

    async def store(request: StoreRequest) -> Status:
        received.append(request.context.transfer_syntax)
        return Status(0)

    async def run() -> Progress:
        contexts = [Proposal(STUDY_GET), Proposal(CT, syntaxes, scp_role=True)]
        async with await associate("127.0.0.1", port, called_ae="OURSCP", contexts=contexts) as scu:
            responses = scu.get(StudyRootStudyQuery(StudyInstanceUID=STUDY), store=store)
            async for _ in responses:
                pass
            final = getattr(responses, "final", None)
            assert isinstance(final, Progress)
            return final

    return asyncio.run(run()), received


def test_an_instance_past_the_limit_is_a_failed_sub_operation(archive: blocking.BlockingServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transcode, "TRANSCODE_LIMIT", 10_000)
    final, received = _get(archive.port, (IMPLICIT,))
    assert received == []
    assert final.status.code == 0xA702, final.status
    assert (final.completed, final.failed) == (0, 2)
    assert final.status.comment.startswith("2 failed; too large to transcode ("), final.status.comment


def test_within_the_limit_it_is_converted_in_a_worker_thread(archive: blocking.BlockingServer, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    convert = transcode.in_syntax

    def recorded(instance: object, syntax: str) -> object:
        threads.append(threading.current_thread().name)
        return convert(instance, syntax)  # type: ignore[arg-type]

    monkeypatch.setattr(transcode, "in_syntax", recorded)
    final, received = _get(archive.port, (IMPLICIT,))
    assert final.status.code == 0x0000, final.status
    assert received == [IMPLICIT, IMPLICIT]
    # asyncio.to_thread's workers (the loop's default executor, threads "asyncio_N"), not the loop's own thread
    assert len(threads) == 2 and all(name.startswith("asyncio_") for name in threads), threads


def test_the_limit_does_not_apply_to_an_instance_sent_as_stored(archive: blocking.BlockingServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transcode, "TRANSCODE_LIMIT", 10)
    final, received = _get(archive.port, ("1.2.840.10008.1.2.1",))
    assert final.status.code == 0x0000, final.status
    assert received == ["1.2.840.10008.1.2.1"] * 2


def test_the_conformance_statement_states_the_limit() -> None:
    from dicom_runtime.net.config import load
    from dicom_runtime.net.conformance import statement
    from tests.conftest import REPO

    markdown = " ".join(statement(load(REPO / "examples" / "archive.toml")).to_markdown().split())
    assert f"an instance of more than {transcode.TRANSCODE_LIMIT >> 20} MiB is not converted" in markdown
