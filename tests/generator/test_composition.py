"""An IOD file's composed table and fields (render.composition): the classes it gives at
run time are those of the file written whole, which the generator wrote before.

The golden slice is generated twice, with compositions and with none, and the runtime
surface of every class of both outputs (table, fields, signature, evaluated annotations,
class attributes) compared in a fresh interpreter each.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dicom_codegen import cli, render
from tests.conftest import REPO
from tests.fixtures.docbook import SLICE_6_1, part03_slice, part06

_SURFACE = r'''
import dataclasses, inspect, typing
from dicom_model import iods, modules, macros
for package in (iods, modules, macros):
    for name in sorted(package.CLASSES):
        cls = package.load(name)
        print("==", name, cls.__module__, cls.__qualname__, cls.__bases__, cls.__dataclass_params__, cls.__doc__)
        print(inspect.signature(cls))
        for key in ("SOP_CLASSES", "GROUP_USAGE", "GROUP_CONDITIONS", "MODULES"):
            print(key, repr(getattr(cls, key, None)))
        print(*map(repr, cls.ATTRIBUTES), sep="\n")
        print(typing.get_type_hints(cls), cls.__slots__, list(cls.__dict__["__annotations__"].items()))
        for f in dataclasses.fields(cls):
            missing = f.default is dataclasses.MISSING
            print(f.name, f.type, "-" if missing else repr(f.default), f.repr, f.kw_only, f.init, f.compare)
        print(sorted(k for k in cls.__dict__ if not k.startswith("__")))
'''


def _generate(root: Path, out: Path) -> str:
    status = cli.main(["generate", "--standard", str(root / "standard"), "--ps3", "2099e", "--ps6", "2099e", "--out", str(out), "-q"])
    assert status == 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(out), str(REPO / "runtime")])}
    return subprocess.run([sys.executable, "-c", _SURFACE], env=env, cwd=out, capture_output=True, text=True, check=True).stdout


def test_composed_classes_are_the_classes_written_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "standard" / "2099e"
    folder.mkdir(parents=True)
    (folder / "part03.xml").write_text(part03_slice(), encoding="utf-8")
    (folder / "part06.xml").write_text(part06(rows_6_1=SLICE_6_1), encoding="utf-8")
    composed = _generate(tmp_path, tmp_path / "composed")
    iod = (tmp_path / "composed" / "dicom_model" / "iods" / "test_image.py").read_text(encoding="utf-8")
    assert "composed_table(" in iod and "@composed_fields" in iod  # the slice composes
    monkeypatch.setattr(render, "composition", lambda *args: None)
    whole = _generate(tmp_path, tmp_path / "whole")
    assert "composed_table(" not in (tmp_path / "whole" / "dicom_model" / "iods" / "test_image.py").read_text(encoding="utf-8")
    assert "== TestImage" in composed and "PatientSex" in composed
    assert composed == whole
