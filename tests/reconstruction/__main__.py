"""``python3 -m tests.reconstruction {innolitics|highdicom} OUTDIR``

Writes OUTDIR/EDITION/part03.xml and part06.xml (the reconstruction), links
OUTDIR/2020c/part04.xml and part07.xml to ../shared/dicom-standard/2020c (or
$DICOM_STANDARD_MIRROR), and writes OUTDIR/manifest.json whose defaults pick them,
so that ``python3 -m dicom_codegen generate --standard OUTDIR --out DIR`` runs the
whole generator at full scale.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .layout import SOURCES, build
from .sources import SourceMissing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tests.reconstruction", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", choices=sorted(SOURCES), help="which transcription to rebuild PS3.3/PS3.6 from")
    parser.add_argument("out", type=Path, help="output folder (a --standard folder for dicom_codegen)")
    parser.add_argument("--mirror", type=Path, default=None, help="folder with 2020c/part04.xml and part07.xml")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        written = build(args.source, args.out, args.mirror)
    except SourceMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    print(f"done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
