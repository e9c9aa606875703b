"""The reader's bounds (issue #20 item 3): memory taken by reading stays near what is asked for.

Each read runs in a fresh Python process, which prints its peak resident size
(resource.getrusage ru_maxrss) before and after the read; the bounds are generous
(tens of MiB over a value of hundreds), and nothing is timed.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from dicom_runtime.dataset import DeferredValue
from dicom_runtime.errors import DicomDecodeError
from dicom_runtime.fileformat import DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, file_header, read_file

MiB = 1 << 20
CT = "1.2.840.10008.5.1.4.1.1.2"


def _explicit(tag: int, vr: bytes, value: bytes) -> bytes:
    if vr in (b"OB", b"OW", b"UN", b"SQ", b"UT"):
        return struct.pack("<HH2sHI", tag >> 16, tag & 0xFFFF, vr, 0, len(value)) + value
    return struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr, len(value)) + value


def _deflated_file(path: Path, pixels: int) -> None:
    """A Deflated Explicit VR Little Endian file whose Pixel Data has ``pixels`` zero bytes,
    written a piece at a time (the inflated data set is never in memory here)."""
    head = b"".join(
        (
            _explicit(0x00080016, b"UI", CT.encode() + b"\0"),
            _explicit(0x00080018, b"UI", b"1.2.3.4"),
            _explicit(0x00100010, b"PN", b"Doe^Jane"),
            _explicit(0x00280010, b"US", struct.pack("<H", 512)),
        )
    )
    compressor = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
    with open(path, "wb") as out:
        out.write(file_header(CT, "1.2.3.4", DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN))
        out.write(compressor.compress(head + struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, pixels)))
        chunk = bytes(MiB)
        for _ in range(pixels // MiB):
            out.write(compressor.compress(chunk))
        out.write(compressor.flush())


def _peak(code: str) -> dict[str, Any]:
    """Run ``code`` (which sets ``result``) in a new interpreter; its peak RSS in MiB before and after."""
    script = (
        "import json, resource\n"
        "from dicom_runtime.fileformat import read_file\n"
        "from dicom_runtime.errors import DicomDecodeError\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"{code}\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'before': before / 1024, 'after': after / 1024, 'result': result}))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    found: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return found


@pytest.fixture(scope="module")
def deflated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bounds") / "deflated.dcm"
    _deflated_file(path, 256 * MiB)
    assert path.stat().st_size < 2 * MiB  # small on disk, 256 MiB inflated
    return path


def test_a_header_read_of_a_deflated_file_inflates_only_the_header(deflated: Path) -> None:
    peak = _peak(
        f"file = read_file({str(deflated)!r}, stop_before_pixels=True)\n"
        "result = [file.dataset.value(0x00100010), 0x7FE00010 in file.dataset]"
    )
    assert peak["result"] == ["Doe^Jane", False]
    assert float(peak["after"]) - float(peak["before"]) < 40  # MiB, for 256 MiB inflated


def test_inflating_past_the_limit_is_one_error_naming_the_file_and_the_limit(deflated: Path) -> None:
    peak = _peak(
        "try:\n"
        f"    read_file({str(deflated)!r}, max_inflated=16 << 20)\n"
        "    result = 'read'\n"
        "except DicomDecodeError as exc:\n"
        "    result = str(exc)"
    )
    message = str(peak["result"])
    assert "deflated.dcm" in message and str(16 << 20) in message and "max_inflated" in message
    assert float(peak["after"]) - float(peak["before"]) < 60


def test_a_full_read_of_a_deflated_file_stays_near_its_inflated_size(deflated: Path) -> None:
    peak = _peak(
        f"file = read_file({str(deflated)!r}, defer_size=1 << 16)\n"
        "value = file.dataset[0x7FE00010].value\n"
        "result = [type(value).__name__, value.length]"
    )
    assert peak["result"] == ["DeferredValue", 256 * MiB]
    # the inflated buffer, once: not a second copy for the deferred Pixel Data
    assert float(peak["after"]) - float(peak["before"]) < 256 + 80


def test_defer_size_defers_a_large_value_of_any_vr(tmp_path: Path) -> None:
    path = tmp_path / "us.dcm"
    count = 10 * MiB  # US values: 20 MiB
    body = b"".join(
        (
            struct.pack("<HHI", 0x0008, 0x0016, len(CT) + 1) + CT.encode() + b"\0",
            struct.pack("<HHI", 0x0008, 0x0018, 8) + b"1.2.3.4\0",
            struct.pack("<HHI", 0x0018, 0x1310, 2 * count),  # Acquisition Matrix, US
        )
    )
    with open(path, "wb") as out:
        out.write(file_header(CT, "1.2.3.4", IMPLICIT_VR_LITTLE_ENDIAN) + body)
        out.write(struct.pack("<H", 7) * count)
    peak = _peak(
        f"file = read_file({str(path)!r}, defer_size=1 << 16)\n"
        "value = file.dataset[0x00181310].value\n"
        "result = [type(value).__name__, value.vr, value.length]"
    )
    assert peak["result"] == ["DeferredValue", "US", 2 * count]
    assert float(peak["after"]) - float(peak["before"]) < 40  # MiB, for a 20 MiB US value
    deferred = read_file(path, defer_size=1 << 16).dataset[0x00181310].value
    assert isinstance(deferred, DeferredValue) and deferred.read()[:4] == b"\x07\x00\x07\x00"
    assert deferred.decode() == [7] * count


def test_sequences_nested_deeper_than_the_limit_are_refused(tmp_path: Path) -> None:
    item = b""
    for _ in range(70):
        item = struct.pack("<HH2sHI", 0x0040, 0xA730, b"SQ", 0, len(item) + 8) + struct.pack("<HHI", 0xFFFE, 0xE000, len(item)) + item
    path = tmp_path / "deep.dcm"
    path.write_bytes(file_header(CT, "1.2.3.4", "1.2.840.10008.1.2.1") + item)
    with pytest.raises(DicomDecodeError, match="nested deeper than 64") as refused:
        read_file(path)
    assert "deep.dcm" in str(refused.value)


def test_a_deferred_value_of_numbers_is_numbers_in_the_json_model(tmp_path: Path) -> None:
    from dicom_runtime.json_model import to_json

    path = tmp_path / "us.dcm"
    body = struct.pack("<HHI", 0x0008, 0x0016, len(CT) + 1) + CT.encode() + b"\0"
    body += struct.pack("<HHI", 0x0018, 0x1310, 8) + struct.pack("<4H", 1, 2, 3, 4)
    path.write_bytes(file_header(CT, "1.2.3.4", IMPLICIT_VR_LITTLE_ENDIAN) + body)
    deferred = read_file(path, defer_size=4).dataset
    assert isinstance(deferred[0x00181310].value, DeferredValue)
    assert to_json(deferred)["00181310"] == {"vr": "US", "Value": [1, 2, 3, 4]} == to_json(read_file(path).dataset)["00181310"]


def test_a_header_read_of_a_deflated_file_nested_without_end_is_one_error(tmp_path: Path) -> None:
    nested = struct.pack("<HH2sHI", 0x0040, 0xA730, b"SQ", 0, 0xFFFFFFFF) + struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    path = tmp_path / "deep.dcm"
    path.write_bytes(
        file_header(CT, "1.2.3.4", DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) + compressor.compress(nested * 5000) + compressor.flush()
    )
    with pytest.raises(DicomDecodeError, match="nested deeper than 64") as refused:
        read_file(path, stop_before_pixels=True)
    assert "deep.dcm" in str(refused.value)
