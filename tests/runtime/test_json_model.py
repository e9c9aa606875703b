"""The DICOM JSON Model (PS3.18 Annex F), checked against pydicom's to_json_dict."""

from __future__ import annotations

import json
from pathlib import Path

import pydicom
import pydicom.data
import pytest

from dicom_runtime.errors import DicomDecodeError
from dicom_runtime.fileformat import read_file
from dicom_runtime.json_model import from_json, to_json

BASE = Path(pydicom.data.__file__).parent / "test_files"


@pytest.mark.parametrize("name", ["CT_small.dcm", "rtplan.dcm", "MR_small.dcm"])
def test_agrees_with_pydicom_and_round_trips(name: str) -> None:
    ours = read_file(BASE / name).dataset
    encoded = to_json(ours)
    theirs = pydicom.dcmread(BASE / name).to_json_dict(bulk_data_threshold=10**9)
    assert set(encoded) == set(theirs)
    for key, entry in theirs.items():
        assert encoded[key]["vr"] == entry["vr"], key
        if "Value" in entry and entry["vr"] not in ("SQ",):
            assert encoded[key]["Value"] == entry["Value"], key
        if "InlineBinary" in entry:
            assert encoded[key]["InlineBinary"] == entry["InlineBinary"], key
    again = from_json(json.loads(json.dumps(encoded)))
    assert to_json(again) == encoded


def test_a_malformed_attribute_is_a_documented_error() -> None:
    with pytest.raises(DicomDecodeError, match="'00100010'"):
        from_json({"00100010": {"Value": ["x"]}})


@pytest.mark.parametrize("name", ["JPEG2000.dcm", "SC_rgb_jpeg.dcm", "MR_small_RLE.dcm", "JPEG-lossy.dcm"])
def test_encapsulated_pixel_data_is_inline_binary(name: str) -> None:
    """PS3.18 F.2.7: InlineBinary is the base64 of the Value Field, for encapsulated Pixel Data
    its items with their item tags (the Basic Offset Table, the fragments), as pydicom's
    to_json_dict gives it; pydicom's from_json reads it back to the bytes it reads from the file."""
    encoded = to_json(read_file(BASE / name).dataset)
    original = pydicom.dcmread(BASE / name)
    theirs = original.to_json_dict(bulk_data_threshold=10**9)
    assert encoded["7FE00010"] == theirs["7FE00010"] == {"vr": "OB", "InlineBinary": encoded["7FE00010"]["InlineBinary"]}
    back = pydicom.Dataset.from_json(json.dumps(encoded))
    assert back.PixelData == original.PixelData and back.PixelData[:4] == b"\xfe\xff\x00\xe0"  # the Basic Offset Table item first
