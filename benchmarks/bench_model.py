"""The generated model's costs: import time, mypy time, and generation at scale.

Run: ``python -m benchmarks.bench_model [--standard DIR] [--scales 1,2,4]``.

* Import: a fresh interpreter importing one IOD class (``from dicom_model.iods
  import CTImage``) against a fresh interpreter running ``import pydicom``; best of
  N, printed as a ratio (target: at most 1.0x).
* mypy: ``mypy --strict`` with an empty cache on a program that builds a CT Image
  with our classes, against the same program written with pydicom's ``Dataset``
  (target: at most 1.5x).
* Scale: the PS3.3 excerpt's sections and tables replicated k times under new
  ids (a full PS3.3 is about 20 times the excerpt); generation time and output
  size per k, and the time per copy, which stays flat when the cost is linear.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from dicom_codegen.generate import Selection, generate
from dicom_codegen.report import Report

OURS = textwrap.dedent(
    """
    from dicom_model.iods.ct_image import CTImage

    image = CTImage(
        PatientName="Doe^Jane", PatientID="P1", PatientBirthDate=None, PatientSex="F",
        StudyInstanceUID="1.2.3", StudyDate="20240101", StudyTime=None, ReferringPhysicianName=None,
        StudyID="S1", AccessionNumber=None, Modality="CT", SeriesInstanceUID="1.2.3.4", SeriesNumber=1,
        FrameOfReferenceUID="1.2.3.5", PositionReferenceIndicator=None, Manufacturer=None, InstanceNumber=1,
        ImageType=["ORIGINAL", "PRIMARY", "AXIAL"], AcquisitionNumber=None, PixelSpacing=[0.5, 0.5],
        ImageOrientationPatient=[1.0, 0.0, 0.0, 0.0, 1.0, 0.0], ImagePositionPatient=[0.0, 0.0, 0.0],
        SliceThickness=1.0, SamplesPerPixel=1, PhotometricInterpretation="MONOCHROME2", Rows=512,
        Columns=512, BitsAllocated=16, BitsStored=12, HighBit=11, PixelRepresentation=0,
        RescaleIntercept=-1024.0, RescaleSlope=1.0, KVP=120.0, SOPClassUID="1.2.840.10008.5.1.4.1.1.2",
        SOPInstanceUID="1.2.3.6",
    )
    """
)
THEIRS = textwrap.dedent(
    """
    from pydicom.dataset import Dataset

    image = Dataset()
    image.PatientName = "Doe^Jane"
    image.PatientID = "P1"
    image.PatientBirthDate = None
    image.PatientSex = "F"
    image.StudyInstanceUID = "1.2.3"
    image.StudyDate = "20240101"
    image.StudyTime = None
    image.ReferringPhysicianName = None
    image.StudyID = "S1"
    image.AccessionNumber = None
    image.Modality = "CT"
    image.SeriesInstanceUID = "1.2.3.4"
    image.SeriesNumber = 1
    image.FrameOfReferenceUID = "1.2.3.5"
    image.PositionReferenceIndicator = None
    image.Manufacturer = None
    image.InstanceNumber = 1
    image.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    image.AcquisitionNumber = None
    image.PixelSpacing = [0.5, 0.5]
    image.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    image.ImagePositionPatient = [0.0, 0.0, 0.0]
    image.SliceThickness = 1.0
    image.SamplesPerPixel = 1
    image.PhotometricInterpretation = "MONOCHROME2"
    image.Rows = 512
    image.Columns = 512
    image.BitsAllocated = 16
    image.BitsStored = 12
    image.HighBit = 11
    image.PixelRepresentation = 0
    image.RescaleIntercept = -1024.0
    image.RescaleSlope = 1.0
    image.KVP = 120.0
    image.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    image.SOPInstanceUID = "1.2.3.6"
    """
)


def _best(command: list[str], rounds: int, cwd: Path | None = None) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=cwd)
        best = min(best, time.perf_counter() - start)
    return best


def import_ratio(rounds: int) -> None:
    baseline = _best([sys.executable, "-c", "pass"], rounds)
    ours = _best([sys.executable, "-c", "from dicom_model.iods.ct_image import CTImage"], rounds)
    theirs = _best([sys.executable, "-c", "import pydicom"], rounds)
    print(
        f"import one IOD class: {1000 * (ours - baseline):.1f} ms; import pydicom: "
        f"{1000 * (theirs - baseline):.1f} ms (interpreter start {1000 * baseline:.1f} ms subtracted); "
        f"ratio {(ours - baseline) / (theirs - baseline):.2f}x (target <= 1.00x)"
    )


def mypy_ratio(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "ours.py").write_text(OURS, encoding="utf-8")
        (folder / "theirs.py").write_text(THEIRS, encoding="utf-8")
        times = {}
        for name in ("ours", "theirs"):
            command = [
                sys.executable, "-m", "mypy", "--strict", "--ignore-missing-imports",
                "--cache-dir", str(folder / f"cache-{name}"), "--no-incremental", f"{name}.py",
            ]
            times[name] = _best(command, rounds, cwd=folder)
        print(
            f"mypy --strict, empty cache: ours {times['ours']:.2f} s, pydicom program {times['theirs']:.2f} s; "
            f"ratio {times['ours'] / times['theirs']:.2f}x (target <= 1.50x)"
        )


def scaled_part3(source: Path, copies: int) -> str:
    """The excerpt with its sections and tables replicated under new ids."""
    text = source.read_text(encoding="utf-8")
    start = text.index("<chapter")
    end = text.rindex("</book>")
    body = text[start:end]
    parts = [text[:end]]
    for k in range(1, copies):
        copy = re.sub(r'(xml:id|linkend|targetptr)="(table|sect)_', rf'\1="\2_k{k}_', body)
        copy = copy.replace("IOD Modules</caption>", f"K{k} IOD Modules</caption>")
        parts.append(copy)
    parts.append(text[end:])
    return "".join(parts)


def scale(standard: Path, scales: list[int]) -> None:
    from dicom_codegen.manifest import load_manifest

    manifest = load_manifest(standard / "manifest.json")
    ps3 = standard / manifest.defaults[3] / "part03.xml"
    base = None
    for copies in scales:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            (folder / "scaled").mkdir()
            (folder / "scaled" / "part03.xml").write_text(scaled_part3(ps3, copies), encoding="utf-8")
            selection = Selection({3: "scaled"})
            start = time.perf_counter()
            model = generate(folder, folder / "out", selection, Report(quiet=True))
            elapsed = time.perf_counter() - start
            files = [p for p in (folder / "out").rglob("*") if p.is_file()]
            size = sum(p.stat().st_size for p in files)
            assert model.objects is not None
            per_copy = elapsed / copies
            base = base or per_copy
            print(
                f"PS3.3 x{copies}: {len(model.objects.iods)} IODs, {len(model.objects.tables)} tables -> "
                f"{len(files)} files, {size / 1e6:.1f} MB in {elapsed:.1f} s; {per_copy:.2f} s per copy "
                f"({per_copy / base:.2f}x of x{scales[0]})"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Costs of the generated model.")
    parser.add_argument("--standard", type=Path, default=Path("standard_xml"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scales", default="1,2,4")
    args = parser.parse_args(argv)
    import_ratio(args.rounds)
    mypy_ratio(max(1, args.rounds // 2))
    scale(args.standard, [int(s) for s in args.scales.split(",")])
    return 0


if __name__ == "__main__":
    sys.exit(main())
