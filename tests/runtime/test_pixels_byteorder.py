"""pixels.transcode to and from Explicit VR Big Endian: every OW/OF/OD/OL/OV value (Pixel Data,
palette LUT Data, Overlay Data) swapped by the one mechanism the file writer uses, by VR (OW in
16-bit words whatever Bits Allocated says, PS3.5 6.2); there and back gives the same bytes, and
dcmtk (dcmdump, dcmconv) reads the big endian files written here to the values of the original."""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pydicom.data
import pytest

from dicom_runtime import pixels
from dicom_runtime.dataset import Dataset
from dicom_runtime.fileformat import encode_body, read_file, write_file

CORPUS = Path(pydicom.data.__file__).parent / "test_files"
LE = "1.2.840.10008.1.2.1"
BE = "1.2.840.10008.1.2.2"
#: palette LUT Data (OW) in the data set and in an item, Overlay Data (OW), 32-bit Pixel Data (OW)
FILES = ["examples_palette.dcm", "examples_overlay.dcm", "rtdose_1frame.dcm", "MR_small.dcm"]
#: the OW elements of each file whose values dcmtk is to read the same
WORD_TAGS = {
    "examples_palette.dcm": ["(0028,1201)", "(0028,1202)", "(0028,1203)", "(7fe0,0010)"],
    "examples_overlay.dcm": ["(6000,3000)", "(7fe0,0010)"],
    "rtdose_1frame.dcm": ["(7fe0,0010)"],
    "MR_small.dcm": ["(7fe0,0010)"],
}


def _tool(name: str) -> str:
    executable = shutil.which(name)
    assert executable is not None, f"{name} (dcmtk) is needed"
    return executable


def _dcmdump(path: Path, *, lengths: bool = True) -> list[str]:
    """dcmdump's line of every element (+L: long values whole; the File Meta Information, which
    names the transfer syntax, and the comments after the values left out). ``lengths=False``:
    without the lines of sequences, items and delimiters, which say how lengths are encoded."""
    run = subprocess.run([_tool("dcmdump"), "+L", "-q", str(path)], capture_output=True, encoding="latin-1")
    assert run.returncode == 0, run.stderr
    lines = []
    for line in run.stdout.splitlines():
        found = re.match(r"\s*\(([0-9a-f]{4}),[0-9a-f]{4}\) (..)", line)
        if found is None or found.group(1) == "0002":
            continue
        if not lengths and (found.group(1) == "fffe" or found.group(2) == "SQ"):
            continue
        lines.append(re.sub(r"\s+#\s*(\d+|u/l), \d+ \w+$", "", line.rstrip()))
    return lines


def _little(name: str) -> Dataset:
    return pixels.transcode(read_file(CORPUS / name).dataset, LE)


@pytest.mark.parametrize("name", FILES)
def test_big_endian_and_back_gives_the_same_bytes(name: str) -> None:
    source = read_file(CORPUS / name).dataset
    big = pixels.transcode(source, BE)
    back = pixels.transcode(big, LE)
    assert encode_body(back, LE) == encode_body(_little(name), LE)
    # the big endian data set holds its word values swapped: the palette LUT Data / Overlay Data too
    little = _little(name)
    for element in little.elements():
        if element.vr == "OW" and isinstance(element.value, bytes) and len(element.value) > 2:
            swapped = big[element.tag].value
            assert isinstance(swapped, bytes)
            assert swapped == np.frombuffer(element.value, "<u2").astype(">u2").tobytes(), f"{element.tag:08X}"


@pytest.mark.parametrize("name", FILES)
def test_dcmtk_reads_our_big_endian_to_the_same_values(name: str, tmp_path: Path) -> None:
    ours = tmp_path / "ours_be.dcm"
    write_file(ours, pixels.transcode(read_file(CORPUS / name).dataset, BE), BE)
    original = _dcmdump(CORPUS / name)
    dumped = _dcmdump(ours)
    assert dumped == original  # every value, OW as 16-bit numbers, the same
    assert all(any(line.lstrip().startswith(tag) for line in dumped) for tag in WORD_TAGS[name])
    # dcmtk's own big endian version holds the same bytes
    theirs = tmp_path / "dcmtk_be.dcm"
    run = subprocess.run([_tool("dcmconv"), "+tb", str(CORPUS / name), str(theirs)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    ours_read, theirs_read = read_file(ours).dataset, read_file(theirs).dataset
    for element in theirs_read.elements():
        if element.vr == "OW":
            assert ours_read[element.tag].value == element.value, f"{element.tag:08X}"
    # and dcmconv +te takes ours back to the original's little endian values
    back = tmp_path / "back_le.dcm"
    run = subprocess.run([_tool("dcmconv"), "+te", str(ours), str(back)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert _dcmdump(back, lengths=False) == _dcmdump(CORPUS / name, lengths=False)


def test_32_bit_pixels_in_big_endian_decode_to_the_original() -> None:
    source = read_file(CORPUS / "rtdose_1frame.dcm").dataset
    big = pixels.transcode(source, BE)
    assert np.array_equal(pixels.array(big), pixels.array(source))
    assert pixels.array(source).dtype == np.uint32
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert int(pydicom.dcmread(CORPUS / "rtdose_1frame.dcm").pixel_array.max()) == int(pixels.array(big).max())


def test_deferred_values_are_swapped_too() -> None:
    lazy = read_file(CORPUS / "examples_palette.dcm", defer_size=64).dataset
    eager = read_file(CORPUS / "examples_palette.dcm").dataset
    assert encode_body(pixels.transcode(lazy, BE), BE) == encode_body(pixels.transcode(eager, BE), BE)
    big = pixels.transcode(eager, BE)
    assert encode_body(pixels.transcode(big, LE), LE) == encode_body(_little("examples_palette.dcm"), LE)
