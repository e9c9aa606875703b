"""The final status of a C-MOVE and a C-GET, over sockets (PS3.4 C.4.2.3.1, C.4.3.3.1):
Success if every sub-operation succeeded, Warning (B000) if some failed or had a warning and
at least one did not fail, and Failure or Refused - here A702, Refused: Out of Resources -
Unable to perform sub-operations, as dcmtk's dcmqrscp answers - if every one failed, with
the counts and the Failed SOP Instance UID List."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any
from pathlib import Path

import pytest

from dicom_model.queries import StudyRootStudyQuery
from dicom_runtime.net import blocking
from dicom_runtime.net.aio import Handlers, Progress, Proposal, Responses, StoreRequest, associate, storage_policy
from dicom_runtime.net.scp import StoreHandler
from dicom_runtime.net.messages import Status
from dicom_runtime.net.storage import StorageFolder
from tests.runtime.net.helpers import CT, STUDY_GET, STUDY_MOVE, ct_instance

STUDY = "1.2.826.0.1.3680043.10.1.1"
INSTANCES = [ct_instance(i, size=2000, study=STUDY) for i in (1, 2)]
UIDS = [i.sop_instance for i in INSTANCES]
QUERY = StudyRootStudyQuery(StudyInstanceUID=STUDY)


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[tuple[blocking.BlockingServer, dict[str, tuple[str, int]]]]:
    folder = StorageFolder(tmp_path / "archive")
    destinations: dict[str, tuple[str, int]] = {}
    with blocking.BlockingServer(storage_policy("OURSCP", [CT, STUDY_MOVE, STUDY_GET]), folder.handlers(), destinations=destinations) as server:
        with blocking.associate("127.0.0.1", server.port, called_ae="OURSCP", contexts=[CT]) as scu:
            assert all(scu.store(i).is_success for i in INSTANCES)
        yield server, server.server.destinations


def _store_refusing(refused: set[str]) -> StoreHandler:
    """A C-STORE handler answering A700 (Refused: Out of Resources) for the instances ``refused``."""

    async def store(request: StoreRequest) -> Status:
        return Status(0xA700, "full") if request.sop_instance in refused else Status(0)

    return store


def _final(responses: Responses[Progress]) -> Coroutine[Any, Any, Progress]:
    async def drain() -> Progress:
        async for _ in responses:
            pass
        final = getattr(responses, "final", None)
        assert isinstance(final, Progress)
        return final

    return drain()


CASES = [(set(UIDS), 0xA702, 0), ({UIDS[1]}, 0xB000, 1), (set(), 0x0000, 2)]


@pytest.mark.parametrize(("refused", "code", "completed"), CASES)
def test_move_status_when_sub_operations_fail(archive: tuple[blocking.BlockingServer, dict[str, tuple[str, int]]], refused: set[str], code: int, completed: int) -> None:
    server, destinations = archive
    with blocking.BlockingServer(storage_policy("DEST", [CT]), Handlers(store=_store_refusing(refused))) as destination:
        destinations["DEST"] = ("127.0.0.1", destination.port)

        async def move() -> Progress:
            async with await associate("127.0.0.1", server.port, called_ae="OURSCP", contexts=[STUDY_MOVE]) as scu:
                return await _final(scu.move(QUERY, "DEST"))

        final = asyncio.run(move())
    assert final.status.code == code, final.status
    assert (final.completed, final.failed, final.warning) == (completed, len(refused), 0)
    assert sorted(final.failed_instances) == sorted(refused)


@pytest.mark.parametrize(("refused", "code", "completed"), CASES)
def test_get_status_when_sub_operations_fail(archive: tuple[blocking.BlockingServer, dict[str, tuple[str, int]]], refused: set[str], code: int, completed: int) -> None:
    server, _ = archive

    async def get() -> Progress:
        contexts = [Proposal(STUDY_GET), Proposal(CT, scp_role=True)]
        async with await associate("127.0.0.1", server.port, called_ae="OURSCP", contexts=contexts) as scu:
            return await _final(scu.get(QUERY, store=_store_refusing(refused)))

    final = asyncio.run(get())
    assert final.status.code == code, final.status
    assert (final.completed, final.failed, final.warning) == (completed, len(refused), 0)
    assert sorted(final.failed_instances) == sorted(refused)


def test_move_to_a_destination_that_accepts_no_context(archive: tuple[blocking.BlockingServer, dict[str, tuple[str, int]]]) -> None:
    # The destination accepts the association with every context rejected (as dcmtk's
    # storescp does for a class it lacks): the Error Comment says so, not "rejected".
    server, destinations = archive
    with blocking.BlockingServer(storage_policy("DEST", ["1.2.840.10008.1.1"]), Handlers()) as destination:
        destinations["DEST"] = ("127.0.0.1", destination.port)

        async def move() -> Progress:
            async with await associate("127.0.0.1", server.port, called_ae="OURSCP", contexts=[STUDY_MOVE]) as scu:
                return await _final(scu.move(QUERY, "DEST"))

        final = asyncio.run(move())
    assert final.status.code == 0xA702, final.status
    assert final.status.comment == "move destination DEST accepted no presentation context"
    assert final.completed == 0
