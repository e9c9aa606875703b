"""Shared pieces of the networking tests: CT instances of a given size, a server in a thread."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from pathlib import Path

import pytest

from dicom_runtime.fileformat import EXPLICIT_VR_LITTLE_ENDIAN
from dicom_runtime.net.instances import Instance
from dicom_runtime.typed import to_dataset
from tests.test_iod_classes import _ct

CT = "1.2.840.10008.5.1.4.1.1.2"
VERIFICATION = "1.2.840.10008.1.1"
STUDY_FIND = "1.2.840.10008.5.1.4.1.2.2.1"
STUDY_MOVE = "1.2.840.10008.5.1.4.1.2.2.2"
STUDY_GET = "1.2.840.10008.5.1.4.1.2.2.3"


def ct_instance(index: int, *, size: int = 40_000, study: str = "1.2.826.0.1.3680043.10.1.1") -> Instance:
    """A generated CTImage with about ``size`` bytes of pixel data and unique UIDs."""
    side = max(2, int((size / 2) ** 0.5))
    image = _ct(
        SOPInstanceUID=f"1.2.826.0.1.3680043.10.2.{index}",
        StudyInstanceUID=study,
        SeriesInstanceUID=study + ".1",
        InstanceNumber=index,
        Rows=side,
        Columns=side,
        PixelData=bytes((index + i) & 0xFF for i in range(side * side * 2)),
    )
    return Instance.from_dataset(to_dataset(image), EXPLICIT_VR_LITTLE_ENDIAN)


def write_ct_files(folder: Path, count: int, *, size: int = 40_000) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(1, count + 1):
        path = folder / f"ct{index:04d}.dcm"
        path.write_bytes(ct_instance(index, size=size).file_bytes())
        paths.append(path)
    return paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tool(name: str) -> str:
    """A dcmtk program from Debian's package (not pynetdicom's same-named scripts on PATH)."""
    path = f"/usr/bin/{name}"
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: .ci/install installs Debian's dcmtk")
    return path


async def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)


def which(name: str) -> str:
    found = shutil.which(name)
    assert found, name
    return found
