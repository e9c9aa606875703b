"""Two modules' Enumerated Values of a number are compared as numbers.

RT Dose's Pixel Representation is enumerated by the Image Pixel Module (``0000H``,
``0001H``, Table C.7-11c) and by the RT Dose Module: the IOD's field took the values
both allow as they were printed, and made them strings, ``Literal["0000H", "0001H"]``,
so mypy refused ``PixelRepresentation=0`` on an RTDose. At full scale, "0000H" against
a module's "0" had no value in common, and the wider Image Pixel values were kept
(Segmentation, the VL and ophthalmic images: ``Literal[0, 1]`` where their own modules
say 0).
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

from dicom_codegen.row_rules import common_values
from dicom_model.iods.rt_dose import RTDose
from tests.conftest import REPO


def test_numbers_are_compared_as_numbers() -> None:
    assert common_values("US", ("0000H", "0001H"), ("0",)) == ("0000H",)
    assert common_values("US", ("0000H", "0001H"), ("0001H", "0000H")) == ("0000H", "0001H")
    assert common_values("CS", ("0000H", "A"), ("0", "A")) == ("A",)  # text stays text


def test_rt_dose_pixel_representation_is_a_number() -> None:
    annotation = inspect.signature(RTDose).parameters["PixelRepresentation"].annotation
    assert annotation == "Literal[0, 1] | None"


def test_mypy_takes_a_number_for_it(tmp_path: Path) -> None:
    program = tmp_path / "dose.py"
    program.write_text(
        "from dicom_model.iods.rt_dose import RTDose\n\n\n"
        "def unsigned(dose: RTDose) -> None:\n"
        "    dose.PixelRepresentation = 0\n\n\n"
        "def text(dose: RTDose) -> None:\n"
        '    dose.PixelRepresentation = "0001H"\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(program)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and "dose.py:9:" in errors[0], result.stdout
