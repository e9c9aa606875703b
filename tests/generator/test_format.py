"""The generated code is formatted exactly as black formats it.

``render.format_python`` uses ruff's formatter for speed; black (pinned in
pyproject.toml) is the reference. These tests run black over every committed
generated file and over sources built to hit the constructs the templates emit.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import black
import pytest
from black.mode import TargetVersion

from dicom_codegen.render import LINE_LENGTH, format_python
from tests.conftest import REPO

MODE = black.Mode(line_length=LINE_LENGTH, target_versions={TargetVersion.PY311})


def black_differs(path: str) -> str:
    """``""`` when black leaves the file as it is, else the path."""
    text = Path(path).read_text(encoding="utf-8")
    return "" if black.format_str(text, mode=MODE) == text else path


def unformatted_by_black(paths: list[Path]) -> list[str]:
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return [p for p in pool.map(black_differs, [str(p) for p in paths], chunksize=8) if p]


def test_committed_output_is_blacks_formatting() -> None:
    paths = sorted((REPO / "generated").rglob("*.py"))
    assert len(paths) > 50
    assert unformatted_by_black(paths) == []


def test_formatter_agrees_with_black_on_long_constructs() -> None:
    long_name = "A" * 90
    source = (
        f"from x.y import {', '.join(f'{long_name}{i}' for i in range(4))}\n"
        f"T = ({', '.join(repr(str(i) * 30) for i in range(6))})\n"
        "M = {" + ", ".join(f"'k{i}': ('v{i}',)" for i in range(30)) + "}\n"
        "class C:\n"
        f"    f: list[{long_name}] | None = None\n"
        '    """' + "word " * 40 + '"""\n'
        f"    S = X('{long_name}', 1, AllOf(Equals('{long_name}', ('A', 'B')), Present('{long_name}')), t='{long_name}')\n"
    )
    formatted = format_python({"sample.py": source})["sample.py"]
    assert formatted != source  # it was reformatted
    assert black.format_str(source, mode=MODE) == formatted


def test_invalid_python_is_a_template_error() -> None:
    with pytest.raises(RuntimeError, match="not valid"):
        format_python({"broken.py": "def f(:\n"})
