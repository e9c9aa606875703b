"""Diffing two editions against parsing them, printed as a ratio (issue #7: target <= 0.2x).

The two largest comparable inputs of the local mirror are diffed: PS3.4 2019a and
2020c (resolved with PS3.6 2015b), and PS3.6 2014a and 2015b. For each pair the
reference is the time to parse both files and run the passes; the measured time is
``diff_models`` on the two models (all of it: every kind, the API impact). Rounds
are interleaved and the best of each is kept.

    python3 -m benchmarks.bench_diff [--mirror DIR] [--rounds N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from dicom_codegen import parse_ps4, parse_ps6, passes
from dicom_codegen.diff import diff_models
from dicom_codegen.model import Model

DEFAULT_MIRROR = Path(__file__).resolve().parent.parent.parent / "shared" / "dicom-standard"


def _ps4(mirror: Path, edition: str, dictionary: Model) -> Model:
    return passes.run(Model(dictionary=dictionary.dictionary, services=parse_ps4.parse(mirror / edition / "part04.xml")))


def _ps6(mirror: Path, edition: str) -> Model:
    return passes.run(Model(dictionary=parse_ps6.parse(mirror / edition / "part06.xml")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    mirror: Path = args.mirror
    base = _ps6(mirror, "2015b")
    pairs: dict[str, Callable[[], tuple[Model, Model]]] = {
        "PS3.4 2019a -> 2020c": lambda: (_ps4(mirror, "2019a", base), _ps4(mirror, "2020c", base)),
        "PS3.6 2014a -> 2015b": lambda: (_ps6(mirror, "2014a"), _ps6(mirror, "2015b")),
    }
    best: dict[tuple[str, str], float] = {}
    sizes: dict[str, int] = {}
    for _ in range(args.rounds):
        for name, load in pairs.items():
            started = time.perf_counter()
            old, new = load()
            parsed = time.perf_counter() - started
            started = time.perf_counter()
            diff = diff_models(old, new)
            diffed = time.perf_counter() - started
            sizes[name] = len(diff.changes)
            best[(name, "parse")] = min(best.get((name, "parse"), float("inf")), parsed)
            best[(name, "diff")] = min(best.get((name, "diff"), float("inf")), diffed)
    for name in pairs:
        parse, diff_time = best[(name, "parse")], best[(name, "diff")]
        print(
            f"{name}: parse both {parse * 1000:8.1f} ms, diff {diff_time * 1000:7.1f} ms "
            f"({sizes[name]} changes): diff / parse = {diff_time / parse:.3f}x (target <= 0.2x)"
        )


if __name__ == "__main__":
    main()
