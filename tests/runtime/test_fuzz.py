"""Mutated files raise only the documented DicomDecodeError: never a hang, an IndexError,
a struct.error, or an allocation as large as a bogus length field."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pydicom.data
import pytest

from dicom_runtime.errors import DicomDecodeError
from dicom_runtime.fileformat import read_bytes

SEED = int(os.environ.get("FUZZ_SEED", "20261122"))
COUNT = int(os.environ.get("FUZZ_COUNT", "100000"))
SECONDS = float(os.environ.get("FUZZ_SECONDS", "240"))
SEEDS = [
    "CT_small.dcm",
    "MR_small.dcm",
    "rtplan.dcm",
    "ExplVR_BigEnd.dcm",
    "image_dfl.dcm",
    "JPEG2000.dcm",
    "nested_priv_SQ.dcm",
    "SC_rgb_small_odd.dcm",
]


def _mutate(data: bytearray, rng: random.Random) -> bytes:
    kind = rng.randrange(5)
    if kind == 0:  # flip bytes
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == 1:  # truncate
        del data[rng.randrange(len(data)) :]
    elif kind == 2:  # a huge or odd length field
        at = rng.randrange(max(1, len(data) - 4))
        data[at : at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\xfe\xff\xff\x7f", b"\x01\x00\x00\x00", b"\xff\xff\x00\x00"])
    elif kind == 3:  # duplicate a slice
        start = rng.randrange(len(data))
        data[start:start] = data[start : start + rng.randint(1, 64)]
    else:  # delete a slice
        start = rng.randrange(len(data))
        del data[start : start + rng.randint(1, 64)]
    return bytes(data)


@pytest.mark.slow
def test_mutated_corpus_files_raise_only_the_documented_error() -> None:
    base = Path(pydicom.data.__file__).parent / "test_files"
    seeds = [(base / name).read_bytes() for name in SEEDS]
    seeds = [s[:65536] if len(s) > 65536 else s for s in seeds]  # headers and some pixel data
    rng = random.Random(SEED)
    start = time.monotonic()
    tried = decoded = refused = 0
    while tried < COUNT and time.monotonic() - start < SECONDS:
        data = _mutate(bytearray(rng.choice(seeds)), rng)
        tried += 1
        try:
            read_bytes(data)
            decoded += 1
        except DicomDecodeError as exc:
            assert "byte " in str(exc)
            refused += 1
    print(f"fuzz: seed {SEED}, {tried} mutated inputs, {decoded} decoded, {refused} refused, "
          f"{time.monotonic() - start:.1f} s")
    assert tried >= COUNT, f"only {tried} inputs in {SECONDS} s"


def test_mutated_files_that_read_are_written_back_and_dumped_as_read() -> None:
    """What reads from a mutated file writes back to bytes that read as the same data set
    (values and VRs), and dicom-dump's printer shows it, or what was read before the damage."""
    import io

    from dicom_runtime.dump import _Options
    from dicom_runtime.dump_format import _Printer
    from dicom_runtime.fileformat import encode_body, encoding_of
    from dicom_runtime.reader import read_dataset

    base = Path(pydicom.data.__file__).parent / "test_files"
    seeds = [(base / name).read_bytes()[:65536] for name in SEEDS]
    rng = random.Random(SEED + 1)
    checked = 0
    for _ in range(int(os.environ.get("FUZZ_ROUND_TRIPS", "1500"))):
        data = _mutate(bytearray(rng.choice(seeds)), rng)
        try:
            file = read_bytes(data)
        except DicomDecodeError:
            continue
        syntax = file.transfer_syntax
        if syntax == "1.2.840.10008.1.2.1.99":
            continue  # deflated: the inflated bytes are compared by test_corpus
        body = encode_body(file.dataset, syntax)
        again = read_dataset(body, encoding_of(syntax), source="copy")
        # the same elements, and the same bytes once more (== on values would fail for NaN)
        assert [(e.tag, e.vr) for e in again.elements()] == [(e.tag, e.vr) for e in file.dataset.elements()]
        assert encode_body(again, syntax) == body
        out = io.StringIO()
        _Printer(out, encoding_of(syntax), _Options(70, set(), set())).dataset(file.dataset, 0, "ascii")
        assert out.getvalue().count("\n") >= len(file.dataset)
        checked += 1
    assert checked > 100
