"""Creating and reading a File-set of 10,000 instances, against pydicom's FileSet and dcmtk's dcmmkdir.

Run: ``python -m benchmarks.bench_media [--instances N] [--rounds R] [--scratch DIR]``.

The instances are pydicom's CT_small.dcm cut down to 8 x 8 pixels (about 2.5 KB each), with
new UIDs, written by this runtime's writer: 20 patients, one study each, 5 series per
study. Each round, best of R, interleaved:

* **create, copying**: from a folder of ``instNNNNN.dcm`` files to a new File-set (every
  file copied under a new File ID, and a DICOMDIR): our ``FileSet.add`` for each file and
  ``write()`` against pydicom's ``FileSet.add`` for each and ``write(root)``. Ours is
  timed as it runs by default (one syncfs for the files, the DICOMDIR fsynced) and with
  ``durable=False`` (pydicom does not flush);
* **create, in place**: a DICOMDIR over files already under conformant File IDs: ours
  (``add`` of the files under the root, nothing copied) against ``dcmmkdir +r`` (its
  process start included: a few milliseconds);
* **read**: opening the DICOMDIR and getting every instance's path: ours
  (``FileSet.open``, ``path_of`` of each instance: checked against the root, symbolic
  links resolved) against pydicom's ``FileSet(path)`` and each instance's ``path``.

Ratios are ours / theirs: below 1 is faster.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pydicom
import pydicom.data
from dicom_runtime.dataset import DataElement
from dicom_runtime.fileformat import encode_file, read_file, write_bytes_atomic
from dicom_runtime.media import FileSet
from dicom_runtime.uid import generate_uid
from pydicom.fileset import FileSet as PydicomFileSet

CT_SMALL = Path(pydicom.data.__file__).parent / "test_files" / "CT_small.dcm"


def make_instances(folder: Path, count: int, patients: int = 20, series: int = 5) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    read = read_file(CT_SMALL)
    dataset = read.dataset
    dataset[0x00280010] = DataElement(0x00280010, "US", 8)
    dataset[0x00280011] = DataElement(0x00280011, "US", 8)
    dataset[0x7FE00010] = DataElement(0x7FE00010, "OW", bytes(128))
    studies = [generate_uid() for _ in range(patients)]
    series_uids = [[generate_uid() for _ in range(series)] for _ in range(patients)]
    out = []
    for i in range(count):
        p, s = i % patients, (i // patients) % series
        dataset[0x00100020] = DataElement(0x00100020, "LO", f"PAT{p:03d}")
        dataset[0x0020000D] = DataElement(0x0020000D, "UI", studies[p])
        dataset[0x0020000E] = DataElement(0x0020000E, "UI", series_uids[p][s])
        dataset[0x00200011] = DataElement(0x00200011, "IS", str(s + 1))
        dataset[0x00200013] = DataElement(0x00200013, "IS", str(i + 1))
        dataset[0x00080018] = DataElement(0x00080018, "UI", generate_uid())
        path = folder / f"inst{i:05d}.dcm"
        write_bytes_atomic(path, encode_file(dataset, read.transfer_syntax, meta=read.meta), durable=False)
        out.append(path)
    return out


def _timed(function: Callable[[], object], before: Callable[[], object] | None = None) -> float:
    if before is not None:
        before()
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scratch", type=Path, default=None, help="folder for the files (default: a temporary one)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory(dir=args.scratch) as scratch_name:
        scratch = Path(scratch_name)
        files = make_instances(scratch / "src", args.instances)
        in_place = scratch / "inplace"
        (in_place / "IMAGES").mkdir(parents=True)
        placed = []
        for i, f in enumerate(files):
            # conformant File IDs: IMAGES\Dnnn\Innnnn, at most 100 files a folder
            target = in_place / "IMAGES" / f"D{i // 100:03d}" / f"I{i:05d}"
            target.parent.mkdir(exist_ok=True)
            shutil.copyfile(f, target)
            placed.append(target)
        ours_root, ours_fast_root, theirs_root = scratch / "ours", scratch / "ours_fast", scratch / "theirs"

        def clear(*roots: Path) -> Callable[[], None]:
            def run() -> None:
                for root in roots:
                    shutil.rmtree(root, ignore_errors=True)
                (in_place / "DICOMDIR").unlink(missing_ok=True)

            return run

        def ours_create(root: Path, durable: bool) -> Callable[[], None]:
            def run() -> None:
                fileset = FileSet(root)
                for f in files:
                    fileset.add(f)
                fileset.write(durable=durable)

            return run

        def theirs_create() -> None:
            fileset = PydicomFileSet()
            for f in files:
                fileset.add(f)
            fileset.write(theirs_root)

        def ours_in_place() -> None:
            fileset = FileSet(in_place)
            for f in placed:
                fileset.add(f)
            fileset.write()

        def dcmmkdir() -> None:
            subprocess.run(["/usr/bin/dcmmkdir", "-q", "+r", "IMAGES"], cwd=in_place, check=True)

        def ours_read() -> None:
            fileset = FileSet.open(ours_root)
            paths = [fileset.path_of(r) for r in fileset.instances()]
            assert len(paths) == args.instances

        def theirs_read() -> None:
            fileset = PydicomFileSet(theirs_root / "DICOMDIR")
            paths = [i.path for i in fileset]
            assert len(paths) == args.instances

        best: dict[str, float] = {}
        for _ in range(args.rounds):
            reset = clear(ours_root, ours_fast_root, theirs_root)
            for name, function in (
                ("ours create", ours_create(ours_root, True)),
                ("ours create durable=False", ours_create(ours_fast_root, False)),
                ("pydicom create", theirs_create),
            ):
                root = {"ours create": ours_root, "ours create durable=False": ours_fast_root}.get(name, theirs_root)
                best[name] = min(best.get(name, float("inf")), _timed(function, clear(root)))
            (in_place / "DICOMDIR").unlink(missing_ok=True)
            best["ours in place"] = min(best.get("ours in place", float("inf")), _timed(ours_in_place))
            (in_place / "DICOMDIR").unlink(missing_ok=True)
            best["dcmmkdir in place"] = min(best.get("dcmmkdir in place", float("inf")), _timed(dcmmkdir))
            best["ours read"] = min(best.get("ours read", float("inf")), _timed(ours_read))
            best["pydicom read"] = min(best.get("pydicom read", float("inf")), _timed(theirs_read))
            del reset
        same = {r.sop_instance_uid for r in FileSet.open(ours_root).instances()} == {
            i.SOPInstanceUID for i in PydicomFileSet(theirs_root / "DICOMDIR")
        }
    rows = [
        ("create, copying", "ours", "pydicom FileSet", best["ours create"], best["pydicom create"]),
        ("create, copying", "ours durable=False", "pydicom FileSet", best["ours create durable=False"], best["pydicom create"]),
        ("create, in place", "ours", "dcmmkdir +r", best["ours in place"], best["dcmmkdir in place"]),
        ("read", "ours", "pydicom FileSet", best["ours read"], best["pydicom read"]),
    ]
    print(f"File-set of {args.instances} instances, best of {args.rounds} (same instances in both File-sets: {same})")
    print(f"{'step':18} {'ours':20} {'ours s':>8} {'reference':16} {'theirs s':>9} {'ratio':>6}")
    for step, mine, reference, t_ours, t_theirs in rows:
        print(f"{step:18} {mine:20} {t_ours:8.2f} {reference:16} {t_theirs:9.2f} {t_ours / t_theirs:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
