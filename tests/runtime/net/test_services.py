"""DIMSE-C and DIMSE-N between our SCU and our SCP, over real sockets: typed values in,
typed values out, status codes, C-CANCEL, sub-operations, limits, TLS and the blocking adapter."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from dicom_model.iods.ct_image import CTImage
from dicom_model.queries import PatientRootPatientQuery, StudyRootSeriesQuery, StudyRootStudyQuery
from dicom_runtime import Dataset
from dicom_runtime.net import blocking, tls
from dicom_runtime.net.aio import Handlers, Proposal, QueryRequest, Request, Timeouts, associate, storage_policy
from dicom_runtime.net.server import Server
from dicom_runtime.net.association import AcceptorPolicy, AssociationError
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.messages import Status
from dicom_runtime.net.pdu import UserIdentity
from dicom_runtime.net.storage import StorageFolder
from tests.runtime.net.helpers import CT, STUDY_FIND, STUDY_GET, STUDY_MOVE, VERIFICATION, certificates, ct_instance
from tests.test_iod_classes import _ct

PATIENT_FIND = "1.2.840.10008.5.1.4.1.2.1.1"
ARCHIVE = [VERIFICATION, CT, STUDY_FIND, STUDY_MOVE, STUDY_GET, PATIENT_FIND]


def run(coroutine: Awaitable[None]) -> None:
    asyncio.run(asyncio.wait_for(coroutine, 60))


async def _archive(root: Path, ae: str = "ARCHIVE", **options: object) -> tuple[Server, StorageFolder]:
    folder = StorageFolder(root)
    server = Server(storage_policy(ae, ARCHIVE), folder.handlers(), **options)  # type: ignore[arg-type]
    await server.start()
    return server, folder


def test_echo_and_store_of_a_typed_instance_a_dataset_and_a_file(tmp_path: Path) -> None:
    async def main() -> None:
        server, folder = await _archive(tmp_path / "archive")
        image = _ct(SOPInstanceUID="1.2.3.100")
        file = tmp_path / "file.dcm"
        file.write_bytes(ct_instance(7).file_bytes())
        async with await associate("127.0.0.1", server.port, called_ae="ARCHIVE", contexts=[VERIFICATION, CT]) as scu:
            assert await scu.echo() == Status(0)
            assert (await scu.store(image)).is_success
            assert (await scu.store(ct_instance(5).dataset())).is_success
            assert (await scu.store(file)).is_success
        await server.close()
        stored = Instance.from_file(folder.path_for("1.2.3.100")).typed()
        assert isinstance(stored, CTImage) and stored.PatientName == image.PatientName
        assert Instance.from_file(folder.path_for(ct_instance(7).sop_instance)).data == ct_instance(7).data
        assert folder.path_for(ct_instance(5).sop_instance).is_file()

    run(main())


def test_find_is_typed_by_the_generated_query_identifiers(tmp_path: Path) -> None:
    async def main() -> None:
        server, folder = await _archive(tmp_path)
        for index in range(3):
            ct_instance(index, study=f"1.2.826.0.1.3680043.10.9.{index % 2}").write(folder.path_for(f"1.2.3.{index}"))
        async with await associate("127.0.0.1", server.port, called_ae="ARCHIVE", contexts=ARCHIVE) as scu:
            query = scu.find(StudyRootStudyQuery(StudyInstanceUID="", PatientName="*", StudyDate="20000101-"))
            studies = [match async for match in query]
            assert query.status == Status(0)
            assert all(isinstance(s, StudyRootStudyQuery) for s in studies)
            assert sorted(s.StudyInstanceUID or "" for s in studies) == ["1.2.826.0.1.3680043.10.9.0", "1.2.826.0.1.3680043.10.9.1"]
            series = await scu.find(StudyRootSeriesQuery(StudyInstanceUID="1.2.826.0.1.3680043.10.9.0", SeriesInstanceUID="")).all()
            assert [s.SeriesInstanceUID for s in series] == ["1.2.826.0.1.3680043.10.9.0.1"]
            none = scu.find(StudyRootStudyQuery(StudyInstanceUID="9.9"))
            assert await none.all() == [] and none.status == Status(0)
            patients = await scu.find(PatientRootPatientQuery(PatientID="", PatientName="")).all()
            assert len(patients) == 1 and isinstance(patients[0], PatientRootPatientQuery)
        await server.close()

    run(main())


def test_c_cancel_stops_a_find(tmp_path: Path) -> None:
    async def endless(request: QueryRequest) -> AsyncIterator[Dataset]:
        index = 0
        while True:
            answer = Dataset()
            answer.add(0x0020000D, "UI", f"1.2.{index}")
            index += 1
            yield answer

    async def main() -> None:
        server = Server(storage_policy("ARCHIVE", ARCHIVE), Handlers(find=endless))
        await server.start()
        async with await associate("127.0.0.1", server.port, called_ae="ARCHIVE", contexts=ARCHIVE) as scu:
            query = scu.find(StudyRootStudyQuery(StudyInstanceUID=""))
            seen = 0
            async for _ in query:
                seen += 1
                if seen == 5:
                    await query.cancel()
            assert query.status == Status(0xFE00) and 5 <= seen < 1000
            assert await scu.echo() == Status(0)  # the association is still usable
        await server.close()

    run(main())


def test_move_and_get_run_their_sub_operations(tmp_path: Path) -> None:
    async def main() -> None:
        destination, received = await _archive(tmp_path / "destination", "DEST")
        source, folder = await _archive(tmp_path / "source", destinations={"DEST": ("127.0.0.1", destination.port)})
        for index in range(4):
            ct_instance(index).write(folder.path_for(ct_instance(index).sop_instance))
        study = StudyRootStudyQuery(StudyInstanceUID="1.2.826.0.1.3680043.10.1.1")
        contexts: list[Proposal | str] = [STUDY_MOVE, STUDY_GET, Proposal(CT, scu_role=False, scp_role=True)]
        async with await associate("127.0.0.1", source.port, called_ae="ARCHIVE", contexts=contexts) as scu:
            moving = scu.move(study, "DEST")
            pending = [step async for step in moving]
            assert moving.status == Status(0) and [p.remaining for p in pending] == [3, 2, 1]
            assert sorted(p.name for p in received.root.glob("*.dcm")) == sorted(f"{ct_instance(i).sop_instance}.dcm" for i in range(4))
            getting = scu.get(study)
            await getting.all()
            assert getting.status == Status(0)
            assert sorted(i.sop_instance for i in getting.received) == sorted(ct_instance(i).sop_instance for i in range(4))
            assert all(i.data == ct_instance(int(i.sop_instance.rsplit(".", 1)[1])).data for i in getting.received)
            unknown = scu.move(study, "NOWHERE")
            assert await unknown.all() == [] and unknown.status == Status(0xA801, "unknown move destination 'NOWHERE'")
        await source.close()
        await destination.close()

    run(main())


def test_dimse_n_services_both_ways(tmp_path: Path) -> None:
    seen: list[tuple[str, str, int | None]] = []
    printer = "1.2.840.10008.5.1.1.16"

    def handler(name: str) -> Callable[[Request], Awaitable[tuple[int, Dataset | None]]]:
        async def answer(request: Request) -> tuple[int, Dataset | None]:
            data = request.dataset()
            seen.append((name, request.sop_instance, None if data is None else len(data)))
            reply = Dataset()
            reply.add(0x21100010, "CS", "NORMAL")  # Printer Status
            if name == "n_create":
                reply.add(0x00080018, "UI", "1.2.3.99")
            return (0x0112 if request.sop_instance == "9.9" else 0), reply

        return answer

    names = ["n_get", "n_set", "n_action", "n_create", "n_delete", "n_event_report"]
    handlers = Handlers(**{name: handler(name) for name in names})  # type: ignore[arg-type]

    async def main() -> None:
        server = Server(storage_policy("PRINTER", [printer]), handlers)
        await server.start()
        modification = Dataset()
        modification.add(0x20000010, "IS", "2")
        async with await associate("127.0.0.1", server.port, called_ae="PRINTER", contexts=[printer]) as scu:
            got = await scu.n_get(printer, "1.2.840.10008.5.1.1.17", [0x21100010])
            assert got.status == Status(0) and got.dataset is not None and got.dataset.value(0x21100010) == "NORMAL"
            assert (await scu.n_set(printer, "1.2.840.10008.5.1.1.17", modification)).status == Status(0)
            assert (await scu.n_action(printer, "1.2.840.10008.5.1.1.17", 1, modification)).status == Status(0)
            created = await scu.n_create(printer, None, modification)
            assert created.status == Status(0) and created.sop_instance == "1.2.3.99"
            assert (await scu.n_delete(printer, "9.9")).status == Status(0x0112)
            assert (await scu.n_event_report(printer, "1.2.840.10008.5.1.1.17", 1)).status == Status(0)
        await server.close()

    run(main())
    assert [s[0] for s in seen] == names and seen[1][2] == 1


def test_failures_are_status_codes_not_exceptions(tmp_path: Path) -> None:
    async def broken(request: Request) -> int:
        raise RuntimeError("disk on fire")

    async def main() -> None:
        server = Server(storage_policy("ARCHIVE", [CT, VERIFICATION]), Handlers(store=broken, echo=None))
        await server.start()
        async with await associate("127.0.0.1", server.port, called_ae="ARCHIVE", contexts=[CT, VERIFICATION, "1.2.3.4"]) as scu:
            assert (await scu.store(ct_instance(1))).code == 0xA700  # the handler's exception: out of resources
            assert (await scu.echo()).code == 0x0122  # no handler: SOP class not supported
            with pytest.raises(AssociationError, match="no accepted presentation context for 1.2.3.4"):
                await scu.n_get("1.2.3.4", "1.2")
        await server.close()

    run(main())


def test_limits_timeouts_identity_and_allow_list(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async def slow(request: Request) -> int:
        await asyncio.sleep(5)
        return 0

    def authenticate(identity: UserIdentity, address: str) -> bytes | bool:
        return identity.primary == b"alice" and identity.secondary == b"pw"

    async def main() -> None:
        policy = AcceptorPolicy("ARCHIVE", {VERIFICATION: ("1.2.840.10008.1.2",)}, authenticator=authenticate, require_identity=True)
        server = Server(policy, Handlers(echo=slow), max_associations=1, timeouts=Timeouts(network=1.0))
        await server.start()
        alice = UserIdentity(2, b"alice", b"pw")
        with pytest.raises(AssociationError, match="no-reason-given"):
            await associate("127.0.0.1", server.port, called_ae="ARCHIVE", identity=UserIdentity(2, b"alice", b"x"))
        first = await associate("127.0.0.1", server.port, called_ae="ARCHIVE", identity=alice, timeouts=Timeouts(dimse=0.3))
        with pytest.raises(AssociationError, match="local-limit-exceeded"):
            await associate("127.0.0.1", server.port, called_ae="ARCHIVE", identity=alice)
        with pytest.raises(AssociationError, match="no response within 0.3 s"):
            await first.echo()
        await asyncio.sleep(0.2)
        idle = await associate("127.0.0.1", server.port, called_ae="ARCHIVE", identity=alice)
        assert await asyncio.wait_for(idle.wait_closed(), 5) == "aborted by the peer (service-user)"
        await server.close()
        allow = Server(AcceptorPolicy("ARCHIVE", {VERIFICATION: ("1.2.840.10008.1.2",)}, access=(AccessRule("CT1"),)), Handlers())
        await allow.start()
        with pytest.raises(AssociationError, match="calling-AE-title-not-recognized"):
            await associate("127.0.0.1", allow.port, called_ae="ARCHIVE", calling_ae="CT2")
        async with await associate("127.0.0.1", allow.port, called_ae="ARCHIVE", calling_ae="CT1") as ok:
            assert (await ok.echo()).is_success
        await allow.close()

    from dicom_runtime.net.association import AccessRule

    with caplog.at_level(logging.WARNING, logger="dicom_runtime.net"):
        run(main())
    logged = [r.getMessage() for r in caplog.records]
    assert any("calling-AE-title-not-recognized" in line for line in logged)
    assert any(line.endswith("(DICOM-TYPED): no data for 1 s in Sta6") for line in logged)  # the server's idle abort


def test_tls_with_client_certificates(tmp_path: Path) -> None:
    files = certificates(tmp_path)

    async def main() -> None:
        context = tls.server_context(files["server.pem"], files["server.key"], client_ca=files["ca.pem"], require_client_certificate=True, profile="extended-bcp195")
        server = Server(storage_policy("ARCHIVE", [VERIFICATION]), Handlers(), tls=context)
        await server.start()
        good = tls.client_context(files["ca.pem"], certificate=files["client.pem"], key=files["client.key"])
        async with await associate("127.0.0.1", server.port, called_ae="ARCHIVE", tls=good, server_hostname="localhost") as scu:
            assert (await scu.echo()).is_success
            assert scu._transport is not None and scu._transport.get_extra_info("ssl_object").version() in ("TLSv1.2", "TLSv1.3")
        anonymous = tls.client_context(files["ca.pem"])
        with pytest.raises(AssociationError):
            await associate("127.0.0.1", server.port, called_ae="ARCHIVE", tls=anonymous, server_hostname="localhost", timeouts=Timeouts(acse=3))
        untrusting = tls.client_context(None)
        with pytest.raises(AssociationError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            await associate("127.0.0.1", server.port, called_ae="ARCHIVE", tls=untrusting, server_hostname="localhost")
        await server.close()

    run(main())


def test_the_blocking_adapter(tmp_path: Path) -> None:
    folder = StorageFolder(tmp_path)
    with blocking.BlockingServer(storage_policy("ARCHIVE", ARCHIVE), folder.handlers()) as server:
        with blocking.associate("127.0.0.1", server.port, called_ae="ARCHIVE", contexts=ARCHIVE) as scu:
            assert scu.echo().is_success
            assert scu.store(_ct(SOPInstanceUID="1.2.3.7")).is_success
            query = scu.find(StudyRootStudyQuery(StudyInstanceUID=""))
            assert [s.StudyInstanceUID for s in query] == [_ct().StudyInstanceUID] and query.status == Status(0)
    assert folder.path_for("1.2.3.7").is_file()


def test_each_side_names_the_other_ae_in_its_log(caplog: pytest.LogCaptureFixture) -> None:
    """``peer (AE)``: the SCU's line names the called AE (the peer's), the SCP's the calling
    AE; the SCU's abort after an exception named its own AE there."""

    async def main() -> None:
        server = Server(storage_policy("ARCHIVE", [VERIFICATION]), Handlers())
        await server.start()
        with pytest.raises(ValueError):
            async with await associate("127.0.0.1", server.port, called_ae="ARCHIVE", calling_ae="ME"):
                raise ValueError("the user's own")
        await asyncio.sleep(0.2)
        await server.close()

    with caplog.at_level(logging.WARNING, logger="dicom_runtime.net"):
        run(main())
    logged = [r.getMessage() for r in caplog.records]
    assert any(line.endswith("(ARCHIVE): aborted after ValueError") for line in logged), logged
    assert not any("(ME): aborted after" in line for line in logged), logged
