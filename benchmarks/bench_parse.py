"""Parse stage and whole ``generate`` on the default inputs, against dicom-validator.

Run: ``python -m benchmarks.bench_parse [--standard DIR] [--rounds N]``.

Both sides run in this one process, interleaved round by round, on the same
files; the best round of each is compared, since these machines are shared and
noisy. The reference is dicom-validator's DocBook reader (``Part6Reader``), the
closest public equivalent of our PS3.6 parser. Two ratios are printed:

* full: our whole PS3.6 parse (Tables 6-1, 7-1, 8-1, A-1, A-2, A-3, with every
  check) against ``Part6Reader.data_elements()`` plus ``all_uids()``;
* like for like: only what ``Part6Reader`` reads (Table 6-1 and Table A-1).

For PS3.4 the reference is ``Part4Reader.iod_chapters()`` (Table B.5-1 only);
ours reads every SOP class table, the UIDs in the text, the DIMSE service groups
and the query key tables, so its ratio compares a far larger job. For PS3.3 it is
``Part3Reader.iod_descriptions()`` plus ``module_descriptions()``; lxml refuses the
excerpt's repeated ``xml:id`` values, so that reader is run on the standard
library's ElementTree, the fallback dicom-validator itself uses without lxml.

The parse stage is all four default inputs (PS3.3, PS3.4, PS3.6, PS3.7) against
the three readers on the same files.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from dicom_codegen import docbook, parse_elements, parse_ps3, parse_ps4, parse_ps6, parse_ps7
from dicom_codegen.generate import Selection, generate
from dicom_codegen.manifest import load_manifest
from dicom_codegen.report import Report

from . import references


def best_of(rounds: int, *functions: Callable[[], object]) -> list[float]:
    """The best time of each function over ``rounds`` interleaved rounds."""
    best = [float("inf")] * len(functions)
    for _ in range(rounds):
        for index, function in enumerate(functions):
            start = time.perf_counter()
            function()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--standard", type=Path, default=Path("standard_xml"))
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)

    manifest = load_manifest(args.standard / "manifest.json")
    ps6_path = args.standard / manifest.defaults[6] / "part06.xml"
    ps7_path = args.standard / manifest.defaults[7] / "part07.xml"
    ps4_path = args.standard / manifest.defaults[4] / "part04.xml"
    ps3_path = args.standard / manifest.defaults[3] / "part03.xml"
    with tempfile.TemporaryDirectory() as scratch:
        spec_dir = Path(scratch) / "spec"
        spec_dir.mkdir()
        shutil.copy(ps6_path, spec_dir / "part06.xml")  # their reader wants a folder of parts
        shutil.copy(ps4_path, spec_dir / "part04.xml")
        part3_dir = Path(scratch) / "spec3"
        part3_dir.mkdir()
        shutil.copy(ps3_path, part3_dir / "part03.xml")
        elements = references.part6_elements(spec_dir)

        def theirs() -> None:
            references.part6_read(spec_dir)

        def ours_full() -> None:
            parse_ps6.parse(ps6_path)

        def ours_like_for_like() -> None:
            doc = docbook.load(ps6_path, 6)
            parse_elements.parse_registry(doc, "table_6-1", parse_elements.REGISTRY)
            parse_ps6.parse_uids(doc)

        def ours_ps7() -> None:
            parse_ps7.parse(ps7_path)

        def theirs_ps4() -> None:
            references.part4_read(spec_dir)

        def ours_ps4() -> None:
            parse_ps4.parse(ps4_path)

        def theirs_ps3() -> None:
            references.part3_read(part3_dir, elements)

        def ours_ps3() -> None:
            parse_ps3.parse(ps3_path)

        t_theirs, t_full, t_like, t_ps7, t_theirs4, t_ps4 = best_of(
            args.rounds, theirs, ours_full, ours_like_for_like, ours_ps7, theirs_ps4, ours_ps4
        )
        t_theirs3, t_ps3 = best_of(max(2, args.rounds // 3), theirs_ps3, ours_ps3)

        out = Path(scratch) / "generated"
        selection = Selection.resolve(manifest, {3: None, 4: None, 6: None, 7: None})
        generate_times = []
        for _ in range(3):
            start = time.perf_counter()
            generate(args.standard, out, selection, Report(quiet=True))
            generate_times.append(time.perf_counter() - start)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())

    print(f"inputs: PS3.3 {manifest.defaults[3]} ({ps3_path.stat().st_size / 1e6:.1f} MB), "
          f"PS3.4 {manifest.defaults[4]} ({ps4_path.stat().st_size / 1e6:.1f} MB), "
          f"PS3.6 {manifest.defaults[6]} ({ps6_path.stat().st_size / 1e6:.1f} MB), "
          f"PS3.7 {manifest.defaults[7]}; best of {args.rounds} interleaved rounds")
    print(f"dicom-validator Part6Reader (elements + UIDs): {t_theirs * 1000:8.1f} ms")
    print(f"dicom-codegen PS3.6 parse, full:               {t_full * 1000:8.1f} ms  ratio {t_full / t_theirs:.2f}x")
    print(f"dicom-codegen PS3.6 parse, like for like:      {t_like * 1000:8.1f} ms  ratio {t_like / t_theirs:.2f}x")
    print(f"dicom-codegen PS3.7 parse:                     {t_ps7 * 1000:8.1f} ms")
    print(f"dicom-validator Part4Reader (Table B.5-1):     {t_theirs4 * 1000:8.1f} ms")
    print(f"dicom-codegen PS3.4 parse (all of the above):  {t_ps4 * 1000:8.1f} ms  ratio {t_ps4 / t_theirs4:.2f}x")
    print(f"dicom-validator Part3Reader (IODs + modules):  {t_theirs3 * 1000:8.1f} ms")
    print(f"dicom-codegen PS3.3 parse:                     {t_ps3 * 1000:8.1f} ms  ratio {t_ps3 / t_theirs3:.2f}x")
    ours_stage = t_ps3 + t_full + t_ps7 + t_ps4
    theirs_stage = t_theirs3 + t_theirs + t_theirs4
    print(f"parse stage, all default inputs: ours {ours_stage * 1000:.1f} ms vs dicom-validator "
          f"{theirs_stage * 1000:.1f} ms: ratio {ours_stage / theirs_stage:.2f}x (target <= 0.50x)")
    print(f"whole generate (best of 3):                    {min(generate_times) * 1000:8.1f} ms, "
          f"{size / 1e6:.2f} MB written; ratio {min(generate_times) / theirs_stage:.2f}x dicom-validator's "
          f"parse of the same XML (target <= 3.00x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
