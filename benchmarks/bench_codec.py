"""Reading and writing files, side by side with pydicom and dicomsdl (C++), and dcmdump.

Run: ``python -m benchmarks.bench_codec [--rounds N] [--size-mb 200]``.

Every row is a same-run ratio, best of N interleaved rounds (CPU time of the process:
the machine is shared), over every file of pydicom's corpus that all three read:

* Plain read call (``read_file``, pydicom's ``dcmread``, dicomsdl's ``open``: each
  its own lazy default): targets at most 3x dicomsdl and at most 0.5x pydicom (#19).
* Read and decode every value, items included (sequences walked, encapsulated
  frames fetched): target at most 1.0x dicomsdl (#19).
* Write: the same data sets encoded to bytes in their own transfer syntax;
  target at most 0.5x pydicom.
* Header-only read of a multi-frame file of ``--size-mb`` megabytes built here:
  peak memory of a fresh process over its baseline; target under 50 MB.
* Full read of that file, a fresh process per read (best of 3): the read call and
  a CRC-32 over every byte of its Pixel Data (ours through ``DataElement.view()``,
  the view on the mapped file, and through ``.value``, bytes; pydicom's ``PixelData``);
  time at most 1.0x pydicom, whole-process peak resident memory at most 1.2x the
  file's size (#19).
* dcmdump (dcmtk) over the same corpus, a process per file, as a reference.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import dicomsdl  # type: ignore[import-untyped]
import pydicom
import pydicom.data

from dicom_runtime.dataset import Dataset
from dicom_runtime.errors import DicomError
from dicom_runtime.fileformat import encode_file, read_file, write_file

SKIPPED_SUFFIXES = (".py", ".json", ".txt", ".gz", ".bz2", ".zip", ".dump", ".icc")


def corpus() -> list[Path]:
    base = Path(pydicom.data.__file__).parent
    found = []
    for folder in ("test_files", "charset_files"):
        for root, _, names in os.walk(base / folder):
            for name in names:
                path = Path(root) / name
                if name.endswith(SKIPPED_SUFFIXES) or name == "README":
                    continue
                try:
                    read_file(path)
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        pydicom.dcmread(path)
                    _walk_dicomsdl(dicomsdl.open(str(path)))
                except (DicomError, Exception):
                    continue
                found.append(path)
    return sorted(found)


def _walk(dataset: Any) -> None:
    """pydicom: every value decoded, items included."""
    for element in dataset:
        if element.VR == "SQ":
            for item in element.value:
                _walk(item)
        else:
            element.value  # noqa: B018 - decode it


def _walk_ours(dataset: Dataset) -> None:
    """Ours: every value decoded, items included."""
    for element in dataset.elements():
        value = element.value
        if element.vr == "SQ" and isinstance(value, list):
            for item in value:
                if isinstance(item, Dataset):
                    _walk_ours(item)


def _walk_dicomsdl(dataset: Any) -> None:
    """dicomsdl: every value decoded, items included, encapsulated frames fetched."""
    for element in dataset:
        vr = element.vr()
        if vr == dicomsdl.VR.SQ:
            sequence = element.toSequence()
            for index in range(len(sequence)):
                _walk_dicomsdl(sequence.getDataSet(index))
        elif vr == dicomsdl.VR.PIXSEQ:
            frames = element.toPixelSequence()
            for index in range(frames.numberOfFrames()):
                frames.encodedFrameData(index)
        else:
            element.value()


def _ratio(ours: float, theirs: float, target: float | None) -> str:
    mark = "" if target is None else (" ok" if ours / theirs <= target else " MISSED")
    return f"{ours / theirs:6.2f}x" + (f" (target <= {target:.2f}x){mark}" if target is not None else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reading and writing files vs pydicom.")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--size-mb", type=int, default=200)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    files = corpus()
    size = sum(p.stat().st_size for p in files)

    def ours_read() -> None:
        for path in files:
            read_file(path)

    def theirs_read() -> None:
        for path in files:
            pydicom.dcmread(path)

    def sdl_read() -> None:
        for path in names:
            dicomsdl.open(path)

    def ours_decode() -> None:
        for path in files:
            _walk_ours(read_file(path).dataset)

    def theirs_decode() -> None:
        for path in files:
            _walk(pydicom.dcmread(path))

    def sdl_decode() -> None:
        for path in names:
            _walk_dicomsdl(dicomsdl.open(path))

    names = [str(p) for p in files]
    ours_sets = [read_file(p) for p in files]
    theirs_sets = [pydicom.dcmread(p) for p in files]
    for ds in theirs_sets:
        _walk(ds)
    writable = [(f.dataset, f.transfer_syntax) for f in ours_sets if 0x00080016 in f.dataset and 0x00080018 in f.dataset]

    def ours_write() -> None:
        for dataset, syntax in writable:
            try:
                encode_file(dataset, syntax)
            except DicomError:
                pass  # ISO 2022 text: not written yet (the tests pin which)

    def theirs_write() -> None:
        for ds in theirs_sets:
            try:
                ds.save_as(io.BytesIO())
            except Exception:
                pass

    functions = {
        "ours_read": ours_read, "theirs_read": theirs_read, "sdl_read": sdl_read,
        "ours_decode": ours_decode, "theirs_decode": theirs_decode, "sdl_decode": sdl_decode,
        "ours_write": ours_write, "theirs_write": theirs_write,
    }
    best = {name: float("inf") for name in functions}
    for _ in range(args.rounds):
        for name, function in functions.items():
            start = time.process_time()
            function()
            best[name] = min(best[name], time.process_time() - start)
    ms = {name: value * 1000 for name, value in best.items()}
    print(f"corpus: {len(files)} files, {size / 1e6:.1f} MB; best of {args.rounds} interleaved rounds; "
          "CPU time of this process (all three read in it, one thread each; robust to a shared machine's load)")
    print(f"{'row':<34}{'ours':>9}{'pydicom':>9}{'dicomsdl':>9}   ratios")
    print(f"{'plain read call':<34}{ms['ours_read']:7.1f}ms{ms['theirs_read']:7.1f}ms{ms['sdl_read']:7.1f}ms   "
          f"vs dicomsdl {_ratio(ms['ours_read'], ms['sdl_read'], 3.0)}; vs pydicom {_ratio(ms['ours_read'], ms['theirs_read'], 0.5)}")
    print(f"{'read and decode every value':<34}{ms['ours_decode']:7.1f}ms{ms['theirs_decode']:7.1f}ms{ms['sdl_decode']:7.1f}ms   "
          f"vs dicomsdl {_ratio(ms['ours_decode'], ms['sdl_decode'], 1.0)}; vs pydicom {_ratio(ms['ours_decode'], ms['theirs_decode'], None)}")
    print(f"{'write':<34}{ms['ours_write']:7.1f}ms{ms['theirs_write']:7.1f}ms{'':>9}   "
          f"vs pydicom {_ratio(ms['ours_write'], ms['theirs_write'], 0.5)}")
    if shutil.which("dcmdump"):
        start = time.perf_counter()
        for path in files:
            subprocess.run(["dcmdump", str(path)], capture_output=True)
        print(f"dcmdump over the corpus (a process per file): {(time.perf_counter() - start) * 1000:.0f} ms")
    big_file(args.size_mb)
    return 0


PEAK = """
def peak_kb():
    # VmHWM: this process's peak resident set (ru_maxrss would carry the parent's over exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0
{imports}
before = peak_kb()
{read}
after = peak_kb()
print((after - before) / 1024, after / 1024)
"""


FULL = """
import time, zlib
def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0
{imports}
start = time.perf_counter()
{read}
elapsed = time.perf_counter() - start
print(elapsed, peak_kb() / 1024, crc)
"""


def big_file(size_mb: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "big.dcm"
        dataset = Dataset()
        dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7.2")
        dataset.add(0x00080018, "UI", "1.2.3.4.5")
        dataset.add(0x00100010, "PN", "Big^File")
        dataset.add(0x00280008, "IS", str(size_mb * 2))
        dataset.add(0x00280010, "US", 512)
        dataset.add(0x00280011, "US", 1024)
        dataset.add(0x7FE00010, "OW", bytes(range(256)) * (size_mb * 4096))
        write_file(path, dataset)
        del dataset
        header_only(path)
        full_read(path)


def _fresh(imports: str, read: str, template: str = PEAK) -> str:
    return subprocess.run(
        [sys.executable, "-c", template.format(imports=imports, read=read)], capture_output=True, text=True, check=True
    ).stdout


def header_only(path: Path) -> None:
    results = {}
    for name, imports, read in (
        ("ours", "from dicom_runtime.fileformat import read_file", f"f = read_file({str(path)!r}, stop_before_pixels=True)"),
        ("pydicom", "import pydicom", f"f = pydicom.dcmread({str(path)!r}, stop_before_pixels=True)"),
    ):
        added, total = (float(x) for x in _fresh(imports, read).split())
        results[name] = added
        results[name + " total"] = total
    print(f"header-only read of a {path.stat().st_size / 1e6:.0f} MB file: peak memory added by the read "
          f"ours {results['ours']:.1f} MB, pydicom {results['pydicom']:.1f} MB; whole process peak "
          f"ours {results['ours total']:.1f} MB, pydicom {results['pydicom total']:.1f} MB (target < 50 MB)")


def full_read(path: Path, rounds: int = 3) -> None:
    size = path.stat().st_size / (1024 * 1024)
    readers = {
        "ours": ("from dicom_runtime.fileformat import read_file",
                 f"f = read_file({str(path)!r}); crc = zlib.crc32(f.dataset[0x7FE00010].view())"),
        "pydicom": ("import pydicom", f"ds = pydicom.dcmread({str(path)!r}); crc = zlib.crc32(ds.PixelData)"),
        # the value asked for as bytes: read from the file (os.pread), not through the map
        "ours .value": ("from dicom_runtime.fileformat import read_file",
                        f"f = read_file({str(path)!r}); crc = zlib.crc32(f.dataset[0x7FE00010].value)"),
    }
    best = {name: (float("inf"), float("inf")) for name in readers}
    crcs = set()
    for _ in range(rounds):
        for name, (imports, read) in readers.items():
            elapsed, peak, crc = _fresh(imports, read, FULL).split()
            crcs.add(crc)
            best[name] = (min(best[name][0], float(elapsed)), min(best[name][1], float(peak)))
    assert len(crcs) == 1, "the readers disagree on the pixel data"
    theirs_time, theirs_peak = best["pydicom"]
    print(f"full read of the {size * 1.048576:.0f} MB file (read + CRC-32 of every pixel byte, a fresh process each, "
          f"best of {rounds}): pydicom {theirs_time * 1000:.0f} ms, peak {theirs_peak:.0f} MiB = {theirs_peak / size:.2f}x the file's size")
    for name, how in (("ours", "through view(), the view on the map"), ("ours .value", "through .value, bytes read from the file")):
        ours_time, ours_peak = best[name]
        print(f"  ours {how}: {ours_time * 1000:.0f} ms, time vs pydicom {_ratio(ours_time, theirs_time, 1.0)}; "
              f"peak {ours_peak:.0f} MiB = {_ratio(ours_peak, size, 1.2)} the file's size")


if __name__ == "__main__":
    sys.exit(main())
