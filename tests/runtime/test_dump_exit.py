"""dicom-dump as the command sets what it made aside from the cyclic garbage collector before
the process ends (#19: the shutdown's walk over it cost about 5 ms a file); a program calling
``main`` with its arguments keeps its collector as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pydicom.data

CT_SMALL = Path(pydicom.data.__file__).parent / "test_files" / "CT_small.dcm"

CODE = """
import gc, sys
from dicom_runtime.dump import main
status = main({argv})
print(status, gc.get_freeze_count() > 0, file=sys.stderr)
"""


def _run(argv: str, *args: str) -> tuple[str, list[str]]:
    run = subprocess.run([sys.executable, "-c", CODE.format(argv=argv), *args], capture_output=True, text=True, timeout=60)
    return run.stdout, run.stderr.split()


def test_the_command_freezes_and_a_caller_does_not() -> None:
    out, (status, frozen) = _run("", str(CT_SMALL))
    assert status == "0" and frozen == "True" and "(0010,0010) PN" in out
    out_given, (status, frozen) = _run(repr([str(CT_SMALL)]))
    assert status == "0" and frozen == "False" and out_given == out  # the same dump either way
