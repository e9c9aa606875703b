"""Instances for File-set tests: copies of pydicom's CT_small.dcm with new UIDs, written by
this runtime's writer, spread over patients, studies and series."""

from __future__ import annotations

from pathlib import Path

import pydicom.data
from dicom_runtime.dataset import DataElement
from dicom_runtime.fileformat import encode_file, read_file
from dicom_runtime.uid import generate_uid

TEST_FILES = Path(pydicom.data.__file__).parent / "test_files"
CT_SMALL = TEST_FILES / "CT_small.dcm"
MR_SMALL = TEST_FILES / "MR_small.dcm"
DICOMDIR_TESTS = TEST_FILES / "dicomdirtests"


def make_instances(folder: Path, count: int, *, patients: int = 2, series_per_patient: int = 2, source: Path = CT_SMALL) -> list[Path]:
    """``count`` instances in ``folder`` (named ``inst0000.dcm``...), each with its own SOP
    Instance UID, round-robin over ``patients`` patients of one study each, with
    ``series_per_patient`` series each."""
    folder.mkdir(parents=True, exist_ok=True)
    read = read_file(source)
    dataset = read.dataset
    studies = [generate_uid() for _ in range(patients)]
    series = [[generate_uid() for _ in range(series_per_patient)] for _ in range(patients)]
    out = []
    for i in range(count):
        p, s = i % patients, (i // patients) % series_per_patient
        dataset[0x00100020] = DataElement(0x00100020, "LO", f"PAT{p}")
        dataset[0x00100010] = DataElement(0x00100010, "PN", f"Doe^Patient{p}")
        dataset[0x0020000D] = DataElement(0x0020000D, "UI", studies[p])
        dataset[0x0020000E] = DataElement(0x0020000E, "UI", series[p][s])
        dataset[0x00200011] = DataElement(0x00200011, "IS", str(s + 1))
        dataset[0x00200013] = DataElement(0x00200013, "IS", str(i + 1))
        dataset[0x00080018] = DataElement(0x00080018, "UI", generate_uid())
        path = folder / f"inst{i:04d}.dcm"
        path.write_bytes(encode_file(dataset, read.transfer_syntax, meta=read.meta))
        out.append(path)
    return out
