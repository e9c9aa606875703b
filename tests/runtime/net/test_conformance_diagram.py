"""The HTML statement's data-flow diagram (PS3.2 A.2): every line joins a side box to the AE's box."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

from dicom_runtime.net.config import load
from dicom_runtime.net.conformance import statement

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "archive.toml"
SVG = "{http://www.w3.org/2000/svg}"


def _inside(x: float, y: float, box: tuple[float, float, float, float]) -> bool:
    left, top, width, height = box
    return left - 0.5 <= x <= left + width + 0.5 and top - 0.5 <= y <= top + height + 0.5


def _box(rect: ElementTree.Element) -> tuple[float, float, float, float]:
    x, y, width, height = (float(rect.get(k, "0")) for k in ("x", "y", "width", "height"))
    return x, y, width, height


def test_every_line_runs_from_a_side_box_to_the_application_entity() -> None:
    page = statement(load(EXAMPLE)).to_html()
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    assert svgs, "the statement has no diagram"
    for svg in svgs:
        root = ElementTree.fromstring(svg)
        boxes = [_box(r) for r in root.iter(f"{SVG}rect")]
        ae = max(boxes, key=lambda b: b[3])  # the AE's box is the tallest
        sides = [b for b in boxes if b != ae]
        lines = list(root.iter(f"{SVG}line"))
        assert len(lines) == len(sides) > 0
        for line in lines:
            a = (float(line.get("x1", "0")), float(line.get("y1", "0")))
            b = (float(line.get("x2", "0")), float(line.get("y2", "0")))
            touched = [box for box in sides if _inside(*a, box) or _inside(*b, box)]
            assert len(touched) == 1, f"line {a} -> {b} touches {len(touched)} side boxes"
            assert _inside(*a, ae) or _inside(*b, ae), f"line {a} -> {b} does not reach the AE's box {ae}"
