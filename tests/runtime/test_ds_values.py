"""A DS value that cannot be written: named where it is set, and a Decimal is not rounded.

Setting NaN on a plain Dataset said "DS value nan is not a decimal string" without the
attribute; a Decimal of more than 16 characters was rounded through float with no finding
(``errors()`` was empty), although its digits are what was asked for.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pydicom
import pydicom.data
import pytest

from dicom_model.dataset import Dataset
from dicom_model.iods.ct_image import CTImage
from dicom_runtime.errors import DicomEncodeError
from dicom_runtime.typed import read, write

CT = Path(str(pydicom.data.get_testdata_file("CT_small.dcm")))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("1.23456789012345678")])
def test_a_value_set_on_a_dataset_is_refused_naming_the_attribute(value: float | Decimal) -> None:
    dataset = read(CT, Dataset)
    with pytest.raises(DicomEncodeError) as caught:
        dataset.SliceThickness = value
    assert str(caught.value).startswith("SliceThickness (0018,0050): DS value ")


def test_a_long_decimal_is_a_finding_and_is_not_rounded(tmp_path: Path) -> None:
    image = dataclasses.replace(read(CT, CTImage), RescaleIntercept=Decimal("1.23456789012345678"))
    [finding] = [f for f in image.errors() if f.path == "RescaleIntercept"]
    assert finding.rule == "vr-length" and "has 19 characters; VR DS allows 16" in finding.message
    target = tmp_path / "long.dcm"
    with pytest.raises(DicomEncodeError) as caught:
        write(image, target, validate=False)
    assert f"{target}: (0028,1052) RescaleIntercept: DS value 1.23456789012345678 has 19 characters" in str(caught.value)
    assert not target.exists()


def test_a_float_is_rounded_to_fit_and_a_short_decimal_kept(tmp_path: Path) -> None:
    image = dataclasses.replace(read(CT, CTImage), RescaleIntercept=1.23456789012345678, RescaleSlope=Decimal("1.2500"))
    assert not [f for f in image.errors() if f.path in ("RescaleIntercept", "RescaleSlope")]
    write(image, tmp_path / "ok.dcm")
    written = pydicom.dcmread(tmp_path / "ok.dcm")
    assert written.RescaleIntercept.original_string == "1.23456789012346"
    assert written.RescaleSlope.original_string == "1.2500"
