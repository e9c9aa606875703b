"""Reading and writing files, side by side with pydicom (and dcmdump as native reference).

Run: ``python -m benchmarks.bench_codec [--rounds N] [--size-mb 200]``.

* Read: every file of pydicom's corpus that both read, decoding every element
  value (pydicom decodes on access, so its data sets are walked); best of N
  interleaved rounds; target at most 0.5x pydicom.
* Write: the same data sets encoded to bytes in their own transfer syntax;
  target at most 0.5x pydicom.
* Header-only read of a multi-frame file of ``--size-mb`` megabytes built here:
  peak memory of a fresh process over its baseline; target under 50 MB.
* dcmdump (dcmtk) over the same corpus, as the native-code reference.
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
                except (DicomError, Exception):
                    continue
                found.append(path)
    return sorted(found)


def _walk(dataset: Any) -> None:
    for element in dataset:
        if element.VR == "SQ":
            for item in element.value:
                _walk(item)
        else:
            element.value  # noqa: B018 - decode it


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reading and writing files vs pydicom.")
    parser.add_argument("--rounds", type=int, default=5)
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
            _walk(pydicom.dcmread(path))

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

    best = {name: float("inf") for name in ("ours_read", "theirs_read", "ours_write", "theirs_write")}
    for _ in range(args.rounds):
        for name, function in (("ours_read", ours_read), ("theirs_read", theirs_read), ("ours_write", ours_write), ("theirs_write", theirs_write)):
            start = time.perf_counter()
            function()
            best[name] = min(best[name], time.perf_counter() - start)
    print(f"corpus: {len(files)} files, {size / 1e6:.1f} MB; best of {args.rounds} interleaved rounds")
    print(f"read, every value decoded: ours {best['ours_read'] * 1000:.0f} ms, pydicom {best['theirs_read'] * 1000:.0f} ms: "
          f"ratio {best['ours_read'] / best['theirs_read']:.2f}x (target <= 0.50x)")
    print(f"write: ours {best['ours_write'] * 1000:.0f} ms, pydicom {best['theirs_write'] * 1000:.0f} ms: "
          f"ratio {best['ours_write'] / best['theirs_write']:.2f}x (target <= 0.50x)")
    if shutil.which("dcmdump"):
        start = time.perf_counter()
        for path in files:
            subprocess.run(["dcmdump", str(path)], capture_output=True)
        print(f"dcmdump over the corpus (a process per file): {(time.perf_counter() - start) * 1000:.0f} ms")
    header_only(args.size_mb)
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


def header_only(size_mb: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "big.dcm"
        dataset = Dataset()
        dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7.2")
        dataset.add(0x00080018, "UI", "1.2.3.4.5")
        dataset.add(0x00100010, "PN", "Big^File")
        dataset.add(0x00280008, "IS", str(size_mb * 2))
        dataset.add(0x00280010, "US", 512)
        dataset.add(0x00280011, "US", 1024)
        dataset.add(0x7FE00010, "OW", bytes(size_mb * 1024 * 1024))
        write_file(path, dataset)
        del dataset
        results = {}
        for name, imports, read in (
            ("ours", "from dicom_runtime.fileformat import read_file", f"f = read_file({str(path)!r}, stop_before_pixels=True)"),
            ("pydicom", "import pydicom", f"f = pydicom.dcmread({str(path)!r}, stop_before_pixels=True)"),
        ):
            output = subprocess.run(
                [sys.executable, "-c", PEAK.format(imports=imports, read=read)], capture_output=True, text=True, check=True
            ).stdout
            added, total = (float(x) for x in output.split())
            results[name] = added
            results[name + " total"] = total
        print(f"header-only read of a {path.stat().st_size / 1e6:.0f} MB file: peak memory added by the read "
              f"ours {results['ours']:.1f} MB, pydicom {results['pydicom']:.1f} MB; whole process peak "
              f"ours {results['ours total']:.1f} MB, pydicom {results['pydicom total']:.1f} MB (target < 50 MB)")


if __name__ == "__main__":
    sys.exit(main())
