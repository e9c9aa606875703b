"""Decoding pixel data, side by side with pydicom's ``pixel_array``.

Run: ``python -m benchmarks.bench_pixels [--rounds N]``.

For each file of pydicom's bundled corpus that both decode (tests/runtime/test_pixels_corpus.py's
EXACT and LOSSY_JPEG lists), the data set is read once (not timed) and its pixel data decoded:
``pixels.array(dataset)`` against pydicom's ``ds.pixel_array`` (its cache cleared each time,
``as_rgb=False``); best of N interleaved rounds, then the ratio ours / pydicom, per file and for
each transfer syntax's total.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections import defaultdict
from collections.abc import Callable

import pydicom

from dicom_runtime import pixels
from dicom_runtime.fileformat import read_file
from tests.runtime.test_pixels_corpus import CORPUS, EXACT, LOSSY_JPEG, PYDICOM_FAILS


def _best(function: Callable[[], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    warnings.simplefilter("ignore")
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    print(f"{'file':42} {'syntax':24} {'ours ms':>9} {'pydicom ms':>11} {'ratio':>6}")
    for name in sorted(set(EXACT + LOSSY_JPEG) - PYDICOM_FAILS):
        file = read_file(CORPUS / name)
        theirs = pydicom.dcmread(CORPUS / name)
        theirs.pixel_array_options(as_rgb=False)

        def ours_decode() -> object:
            return pixels.array(file.dataset, transfer_syntax=file.transfer_syntax)

        def pydicom_decode() -> object:
            theirs._pixel_array = None  # pydicom caches the array: decode again
            theirs._pixel_id = {}
            return theirs.pixel_array

        ours_time = pydicom_time = float("inf")
        for _ in range(rounds):  # interleaved
            ours_time = min(ours_time, _best(ours_decode, 1))
            pydicom_time = min(pydicom_time, _best(pydicom_decode, 1))
        totals[file.transfer_syntax][0] += ours_time
        totals[file.transfer_syntax][1] += pydicom_time
        print(f"{name:42} {file.transfer_syntax:24} {ours_time * 1e3:9.3f} {pydicom_time * 1e3:11.3f} {ours_time / pydicom_time:6.2f}")
    print()
    print(f"{'transfer syntax':24} {'ours ms':>9} {'pydicom ms':>11} {'ratio':>6}")
    for syntax, (ours_total, pydicom_total) in sorted(totals.items()):
        print(f"{syntax:24} {ours_total * 1e3:9.3f} {pydicom_total * 1e3:11.3f} {ours_total / pydicom_total:6.2f}")


if __name__ == "__main__":
    main()
