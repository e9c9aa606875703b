"""Load and crash safety of the storage SCP (``dicom-net scp`` in its own process).

20 SCUs store 200 instances each at once: every instance ends on disk, byte-identical,
and no Success was answered for anything not on disk. Then the SCP is killed with
SIGKILL during a transfer and restarted: every acknowledged instance is intact.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from dicom_runtime.net.aio import Proposal, Timeouts, associate
from dicom_runtime.net.association import AssociationError
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.journal import NAMES
from dicom_runtime.net.storage import JOURNAL_SUBFOLDER
from tests.runtime.net.helpers import CT, ScpProcess, ct_instance

SCUS, EACH = 20, 200


def _instances(scu: int, count: int, size: int) -> list[Instance]:
    base = ct_instance(0, size=size)
    # Distinct UIDs and pixel bytes per instance, cheaply: patch the encoded UID and a few pixel bytes.
    result = []
    for index in range(count):
        uid = f"1.2.826.0.1.3680043.10.3.{scu}.{index}"
        dataset = base.dataset()
        dataset.add(0x00080018, "UI", uid)
        pixels = bytearray(dataset.value(0x7FE00010))  # type: ignore[arg-type]
        pixels[:8] = (scu * 100_000 + index).to_bytes(8, "little")
        dataset.add(0x7FE00010, "OW", bytes(pixels))
        result.append(Instance.from_dataset(dataset))
    return result


def test_20_concurrent_scus_store_200_instances_each(tmp_path: Path) -> None:
    scp = ScpProcess(tmp_path / "out", tmp_path / "scp.log").start()
    batches = [_instances(scu, EACH, 4_000) for scu in range(SCUS)]
    acknowledged: list[Instance] = []

    async def scu(batch: list[Instance]) -> None:
        async with await associate("127.0.0.1", scp.port, called_ae="OURSCP", contexts=[Proposal(CT)]) as association:
            for instance in batch:
                if (await association.store(instance)).is_success:
                    acknowledged.append(instance)

    async def main() -> None:
        await asyncio.gather(*(scu(batch) for batch in batches))

    started = time.monotonic()
    try:
        asyncio.run(asyncio.wait_for(main(), 600))
    finally:
        assert scp.stop() == 0
    elapsed = time.monotonic() - started
    assert len(acknowledged) == SCUS * EACH
    stored = {p.name for p in scp.out.iterdir()} - set(NAMES) - {JOURNAL_SUBFOLDER}
    assert len(stored) == SCUS * EACH and not [n for n in stored if n.startswith(".")]
    for instance in acknowledged:
        assert Instance.from_file(scp.out / f"{instance.sop_instance}.dcm").data == instance.data
    print(f"load: {SCUS}x{EACH} instances in {elapsed:.1f} s")


def test_killing_the_scp_mid_transfer_loses_nothing_acknowledged(tmp_path: Path) -> None:
    scp = ScpProcess(tmp_path / "out", tmp_path / "scp.log").start()
    instances = _instances(99, 400, 200_000)
    acknowledged: list[Instance] = []

    async def sender() -> None:
        async with await associate(
            "127.0.0.1", scp.port, called_ae="OURSCP", contexts=[Proposal(CT)], timeouts=Timeouts(dimse=10)
        ) as association:
            for instance in instances:
                if (await association.store(instance)).is_success:
                    acknowledged.append(instance)

    async def main() -> None:
        task = asyncio.create_task(sender())
        while len(acknowledged) < 50:
            await asyncio.sleep(0.005)
        scp.kill()  # SIGKILL, in the middle of the stream of C-STOREs
        try:
            await task
        except AssociationError:
            pass
        else:
            raise AssertionError("the transfer finished before the kill")

    asyncio.run(asyncio.wait_for(main(), 300))
    assert 50 <= len(acknowledged) < len(instances)
    restarted = ScpProcess(scp.out, tmp_path / "scp2.log", port=scp.port).start()
    try:
        for instance in acknowledged:
            assert Instance.from_file(scp.out / f"{instance.sop_instance}.dcm").data == instance.data
        assert not list(scp.out.glob(".*.tmp"))  # partial writes cleared on restart
        assert "instances written again from the journal" in restarted.log.read_text()
    finally:
        assert restarted.stop() == 0
