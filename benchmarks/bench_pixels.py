"""Decoding pixel data, side by side with pydicom's ``pixel_array`` and dicomsdl (C++).

Run: ``python -m benchmarks.bench_pixels [--rounds N] [--size-mb 200] [--skip-corpus] [--skip-frame]
[--syntax UID ...]``.

Two tables, every ratio ours / theirs from the same run (below 1 is faster):

* **Corpus**: each file of pydicom's bundled corpus that pydicom decodes
  (tests/runtime/test_pixels_corpus.py's EXACT, LOSSY_JPEG and BIG_ENDIAN_32 lists), read once (not timed),
  its pixel data decoded, every frame: ``pixels.array(dataset)`` against pydicom's
  ``ds.pixel_array`` (its cache cleared each time, ``as_rgb=False``; its pylibjpeg, pyjpegls
  and numpy RLE decoders) and dicomsdl's ``pixelData(i, storedvalue=True)`` for each frame
  (its bundled libjpeg-turbo, CharLS, OpenJPEG), where a probe in a process of its own shows it
  decodes the file (on one it aborts the process); best of N interleaved rounds, per file and
  per transfer syntax. Target (#17): at most 1.0x pydicom. Beside the wall-clock ratio, the CPU
  time ratio (``time.process_time``, every thread of the process): a large JPEG 2000 frame is
  decoded here with OpenJPEG's own threads (:data:`dicom_runtime.pixels.codecs.J2K_THREADED_BYTES`),
  which pylibjpeg-openjpeg does not offer, so its wall-clock gain costs CPU time, not saves it;
  on a loaded machine the threads gain little.
* **One frame of a multi-frame file** of ``--size-mb`` megabytes built here (random 12-bit
  samples, 1024 x 512 frames), native Explicit VR Little Endian and JPEG-LS lossless with a
  Basic Offset Table: a fresh process per run (best of 3) opens the file and decodes its
  middle frame - ours ``pixels.array_from_file(path, i)`` (the header read, the file mapped,
  the frame's fragments found by the offset table), pydicom's
  ``pydicom.pixels.pixel_array(path, index=i)`` (it reads only that frame), dicomsdl's
  ``open(path).pixelData(i)``; the time, and the peak resident memory the process added
  over its baseline after the imports (VmHWM, reset before the work where Linux allows).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dicomsdl  # type: ignore[import-untyped]
import numpy as np
import pydicom
from rich.console import Console
from rich.table import Table

from dicom_runtime import pixels
from dicom_runtime.dataset import Dataset
from dicom_runtime.fileformat import read_file, write_file
from tests.runtime.test_pixels_corpus import BIG_ENDIAN_32, CORPUS, EXACT, LOSSY_JPEG, PYDICOM_FAILS

JPEG_LS = "1.2.840.10008.1.2.4.80"
EXPLICIT = "1.2.840.10008.1.2.1"


def _best(function: Callable[[], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _timed(function: Callable[[], object]) -> tuple[float, float]:
    """The wall-clock and the CPU time (every thread of the process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def _ratio(ours: float, theirs: float | None) -> str:
    return "-" if theirs is None or theirs == 0 else f"{ours / theirs:.2f}"


SDL_PROBE = """
import sys, dicomsdl
ds = dicomsdl.open(sys.argv[1])
for i in range(int(sys.argv[2])):
    ds.pixelData(i, storedvalue=True)
"""


def _dicomsdl_decodes(path: Path, count: int) -> bool:
    """Whether dicomsdl decodes every frame, asked in a process of its own: on some files it
    raises, on one it aborts the process ("double free or corruption")."""
    done = subprocess.run([sys.executable, "-c", SDL_PROBE, str(path), str(count)], capture_output=True, timeout=120)
    return done.returncode == 0


def corpus(rounds: int, console: Console, syntaxes: frozenset[str] = frozenset()) -> None:
    warnings.simplefilter("ignore")
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    sdl_missing: set[str] = set()
    table = Table(title=f"Decoding pydicom's corpus, every frame (best of {rounds}, ms; CPU: every thread's)")
    for column in ("file", "syntax", "ours", "pydicom", "dicomsdl", "ours/pydicom", "ours/dicomsdl", "CPU ours/pydicom"):
        table.add_column(column, justify="left" if column in ("file", "syntax") else "right")
    for name in sorted(set(EXACT + LOSSY_JPEG + BIG_ENDIAN_32) - PYDICOM_FAILS):
        file = read_file(CORPUS / name)
        if syntaxes and file.transfer_syntax not in syntaxes:
            continue
        theirs = pydicom.dcmread(CORPUS / name)
        theirs.pixel_array_options(as_rgb=False)
        count = pixels.pixel_info(file.dataset, transfer_syntax=file.transfer_syntax).number_of_frames
        sdl: Any = dicomsdl.open(str(CORPUS / name)) if _dicomsdl_decodes(CORPUS / name, count) else None

        def ours_decode() -> object:
            return pixels.array(file.dataset, transfer_syntax=file.transfer_syntax)

        def pydicom_decode() -> object:
            theirs._pixel_array = None  # pydicom caches the array: decode again
            theirs._pixel_id = {}
            return theirs.pixel_array

        def dicomsdl_decode() -> object:
            return [sdl.pixelData(i, storedvalue=True) for i in range(count)]

        ours_time = pydicom_time = sdl_time = ours_cpu = pydicom_cpu = float("inf")
        for _ in range(rounds):  # interleaved
            wall, cpu = _timed(ours_decode)
            ours_time, ours_cpu = min(ours_time, wall), min(ours_cpu, cpu)
            wall, cpu = _timed(pydicom_decode)
            pydicom_time, pydicom_cpu = min(pydicom_time, wall), min(pydicom_cpu, cpu)
            if sdl is not None:
                sdl_time = min(sdl_time, _best(dicomsdl_decode, 1))
        syntax = file.transfer_syntax
        totals[syntax][0] += ours_time
        totals[syntax][1] += pydicom_time
        if sdl is None:
            sdl_missing.add(syntax)
        else:
            totals[syntax][2] += sdl_time
        sdl_ms = None if sdl is None else sdl_time * 1e3
        table.add_row(
            name, syntax, f"{ours_time * 1e3:.3f}", f"{pydicom_time * 1e3:.3f}", "-" if sdl_ms is None else f"{sdl_ms:.3f}",
            _ratio(ours_time, pydicom_time), _ratio(ours_time, None if sdl is None else sdl_time), _ratio(ours_cpu, pydicom_cpu),
        )
    console.print(table)
    summary = Table(title="Per transfer syntax (sums, ms; dicomsdl over the files it decodes, * where it fails some)")
    for column in ("transfer syntax", "ours", "pydicom", "dicomsdl", "ours/pydicom", "ours/dicomsdl"):
        summary.add_column(column, justify="left" if column == "transfer syntax" else "right")
    grand = [0.0, 0.0]
    for syntax, (ours_total, pydicom_total, sdl_total) in sorted(totals.items()):
        grand[0] += ours_total
        grand[1] += pydicom_total
        star = "*" if syntax in sdl_missing else ""
        summary.add_row(
            syntax, f"{ours_total * 1e3:.3f}", f"{pydicom_total * 1e3:.3f}", f"{sdl_total * 1e3:.3f}{star}" if sdl_total else "-",
            _ratio(ours_total, pydicom_total), "-" if star or not sdl_total else _ratio(ours_total, sdl_total),
        )
    summary.add_row("all", f"{grand[0] * 1e3:.3f}", f"{grand[1] * 1e3:.3f}", "", _ratio(grand[0], grand[1]), "")
    console.print(summary)


# -- one frame of a big multi-frame file -----------------------------------------------------------

CHILD = """
import json, sys, time, zlib
{imports}

def status(key):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(key):
                return int(line.split()[1])
    return 0

path, frame = sys.argv[1], int(sys.argv[2])
try:
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # peak resident set reset to the current one
except OSError:
    pass
baseline = status("VmRSS:")
start = time.perf_counter()
{decode}
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed, "added_kib": status("VmHWM:") - baseline, "crc": zlib.crc32(arr.tobytes())}}))
"""

TOOLS = {
    "ours": ("from dicom_runtime import pixels", "arr = pixels.array_from_file(path, frame)"),
    "pydicom": (
        "import warnings\nwarnings.simplefilter('ignore')\nfrom pydicom.pixels import pixel_array",
        "arr = pixel_array(path, index=frame, as_rgb=False)",
    ),
    "dicomsdl": ("import dicomsdl", "arr = dicomsdl.open(path).pixelData(frame, storedvalue=True)"),
}


def _one_frame(tool: str, path: Path, frame: int) -> dict[str, Any]:
    imports, decode = TOOLS[tool]
    code = CHILD.format(imports=imports, decode=decode)
    done = subprocess.run([sys.executable, "-c", code, str(path), str(frame)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} on {path.name}: {done.stderr.strip().splitlines()[-1] if done.stderr else done.returncode}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _big_files(folder: Path, size_mb: int) -> list[tuple[str, Path, int]]:
    rows, columns = 1024, 512
    count = max(2, size_mb * 1_000_000 // (rows * columns * 2))
    rng = np.random.default_rng(17)
    values = rng.integers(0, 4096, size=(count, rows, columns), dtype=np.uint16)
    dataset = Dataset()
    dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7.3")  # Multi-frame Grayscale Word SC
    dataset.add(0x00080018, "UI", "1.2.826.0.1.3680043.10.1017.17")
    pixels.set_array(dataset, values, bits_stored=12)
    native = folder / "native.dcm"
    write_file(native, dataset, EXPLICIT)
    pixels.encode(dataset, JPEG_LS)
    jls = folder / "jpeg-ls.dcm"
    write_file(jls, dataset, JPEG_LS)
    return [("Explicit VR LE", native, count), ("JPEG-LS lossless", jls, count)]


def one_frame(size_mb: int, console: Console) -> None:
    with tempfile.TemporaryDirectory(prefix="bench_pixels_") as scratch:
        files = _big_files(Path(scratch), size_mb)
        table = Table(title="One frame (the middle one) of a multi-frame file: a fresh process, best of 3")
        for column in ("file", "MB", "tool", "ms", "added MiB", "time / pydicom", "memory / pydicom"):
            table.add_column(column, justify="left" if column in ("file", "tool") else "right")
        for label, path, count in files:
            frame = count // 2
            best: dict[str, dict[str, Any]] = {}
            for _ in range(3):  # interleaved
                for tool in TOOLS:
                    try:
                        run = _one_frame(tool, path, frame)
                    except RuntimeError as exc:
                        best.setdefault(tool, {"error": str(exc)})
                        continue
                    if tool not in best or "error" in best[tool] or run["seconds"] < best[tool]["seconds"]:
                        best[tool] = run
            crcs = {r["crc"] for r in best.values() if "crc" in r}
            reference = best.get("pydicom", {})
            for tool, run in best.items():
                if "error" in run:
                    table.add_row(label, f"{path.stat().st_size / 1e6:.0f}", tool, run["error"], "", "", "")
                    continue
                table.add_row(
                    label, f"{path.stat().st_size / 1e6:.0f}", tool, f"{run['seconds'] * 1e3:.1f}", f"{run['added_kib'] / 1024:.1f}",
                    _ratio(run["seconds"], reference.get("seconds")), _ratio(run["added_kib"], reference.get("added_kib")),
                )
            if len(crcs) > 1:
                console.print(f"[red]{label}: the tools decoded different pixels (CRC-32 {sorted(crcs)})[/red]")
        console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument("--skip-frame", action="store_true")
    parser.add_argument("--syntax", action="append", default=[], help="only the corpus files of this transfer syntax UID (repeatable)")
    args = parser.parse_args()
    console = Console(width=170)
    if not args.skip_corpus:
        corpus(args.rounds, console, frozenset(args.syntax))
    if not args.skip_frame:
        one_frame(args.size_mb, console)


if __name__ == "__main__":
    main()
