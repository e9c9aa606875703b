"""net.checks.scan, the storage SCP's walk of a C-STORE data set before Success, against
the full reader: the same verdict and the same UIDs, on the corpus and on damaged copies."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pydicom.data
import pytest

from dicom_runtime.errors import DicomError
from dicom_runtime.fileformat import decode_body, read_file
from dicom_runtime.net.checks import ScanError, scan

EXPLICIT = "1.2.840.10008.1.2.1"
IMPLICIT = "1.2.840.10008.1.2"


def _bodies() -> list[tuple[str, bytes, str]]:
    """(name, data set bytes as in the file, transfer syntax) of the corpus files with a
    preamble and a meta group length, in a Little Endian syntax."""
    found = []
    # the files pydicom ships (get_testdata_files would try to download its external data)
    for path in sorted(str(p) for p in (Path(pydicom.data.__file__).parent / "test_files").glob("*.dcm")):
        data = open(path, "rb").read()
        if data[128:132] != b"DICM" or data[132:136] != b"\x02\x00\x00\x00" or data[136:138] != b"UL":
            continue
        body = data[144 + struct.unpack_from("<I", data, 140)[0] :]
        try:
            syntax = read_file(path).transfer_syntax
        except DicomError:
            continue
        if syntax in (EXPLICIT, IMPLICIT):
            found.append((path.rsplit("/", 1)[-1], body, syntax))
    return found


BODIES = _bodies()


def test_the_corpus_is_walked() -> None:
    assert len(BODIES) > 20


@pytest.mark.parametrize(("name", "body", "syntax"), BODIES, ids=[b[0] for b in BODIES])
def test_scan_agrees_with_the_reader(name: str, body: bytes, syntax: str) -> None:
    dataset = decode_body(body, syntax, source=name)
    sop_class, sop_instance = scan(body, explicit=syntax == EXPLICIT)
    expected = tuple(str(dataset.value(t) or "").strip("\0 ") for t in (0x00080016, 0x00080018))
    assert (sop_class, sop_instance) == expected


def test_damaged_copies_get_the_same_verdict_as_the_reader() -> None:
    """Truncated and byte-flipped data sets: scan refuses what the reader refuses."""
    rng = random.Random(20261201)
    disagreements = []
    for name, body, syntax in BODIES[:20]:
        for _ in range(40):
            damaged = bytearray(body)
            if rng.random() < 0.5:
                damaged = damaged[: rng.randrange(1, len(damaged))]
            else:
                for _ in range(rng.randint(1, 4)):
                    damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            try:
                decode_body(bytes(damaged), syntax, source=name)
                reader_ok = True
            except DicomError:
                reader_ok = False
            try:
                scan(bytes(damaged), explicit=syntax == EXPLICIT)
                scan_ok = True
            except ScanError:
                scan_ok = False
            if scan_ok and not reader_ok:
                disagreements.append(name)
    assert disagreements == []  # never accepted by the SCP's walk and refused by the reader
