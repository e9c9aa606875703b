"""The document model of a Conformance Statement (:mod:`.conformance`): sections of text
blocks, tables and the application data flow diagram, rendered as Markdown and as HTML
(the diagram as SVG). Split from :mod:`.conformance`, which fills it, as that was past 600
lines."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

__all__ = ["Block", "Diagram", "Section", "Statement", "Table"]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Diagram:
    """The application data flow: local AE, remote AEs, real-world activities."""

    ae: str
    left: tuple[str, ...]
    right: tuple[str, ...]


Block = str | Table | Diagram


@dataclass
class Section:
    number: str  # "A.4.2.1"
    title: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def level(self) -> int:
        """1 for A.4, 2 for A.4.1 ..."""
        return self.number.count(".")


@dataclass
class Statement:
    title: str
    sections: list[Section]

    def to_markdown(self) -> str:
        lines = [f"# {self.title}", ""]
        for section in self.sections:
            lines += [f"{'#' * min(section.level + 1, 6)} {section.number} {section.title}", ""]
            for block in section.blocks:
                lines += _markdown_block(block) + [""]
        return "\n".join(lines).rstrip() + "\n"

    def to_html(self) -> str:
        e = html.escape
        out = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{e(self.title)}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{e(self.title)}</h1>",
        ]
        for section in self.sections:
            level = min(section.level + 1, 6)
            anchor = "sect-" + section.number.replace(".", "-")
            out.append(f'<h{level} id="{anchor}"><span class="n">{e(section.number)}</span> {e(section.title)}</h{level}>')
            for block in section.blocks:
                out.append(_html_block(block))
        out.append("</body></html>")
        return "\n".join(out) + "\n"


_STYLE = """
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#1b2430}
h1{font-size:1.7rem} h2{border-bottom:2px solid #d3dbe4;padding-bottom:.2rem;margin-top:2.2rem}
h3,h4,h5,h6{margin-top:1.4rem} h3{font-size:1.25rem} h4{font-size:1.1rem} h5,h6{font-size:1rem}
.n{color:#5b6b7d;font-weight:500;margin-right:.3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem} caption{text-align:left;font-weight:600;padding:.2rem 0}
th,td{border:1px solid #d3dbe4;padding:.25rem .5rem;text-align:left;vertical-align:top} th{background:#edf2f7}
code{font:12px ui-monospace,monospace} svg{max-width:100%;height:auto}
"""


def _markdown_block(block: Block) -> list[str]:
    if isinstance(block, str):
        return [block]
    if isinstance(block, Diagram):
        width = max([len(x) for x in block.left + block.right] + [10])
        lines = ["```"]
        for index in range(max(len(block.left), len(block.right), 1)):
            left = block.left[index] if index < len(block.left) else ""
            right = block.right[index] if index < len(block.right) else ""
            middle = f"[ {block.ae} ]" if index == 0 else " " * (len(block.ae) + 4)
            arrows = "<-->" if left else "    "
            lines.append(f"{left:>{width}} {arrows} {middle} {'<-->' if right else ''} {right}".rstrip())
        return lines + ["```"]
    lines = [f"*{block.caption}*", ""] if block.caption else []
    def escape(text: str) -> str:
        return text.replace("|", "\\|")

    lines.append("| " + " | ".join(escape(h) for h in block.headers) + " |")
    lines.append("|" + "|".join("---" for _ in block.headers) + "|")
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in block.rows]
    return lines


def _html_block(block: Block) -> str:
    e = html.escape
    if isinstance(block, str):
        text = e(block)
        text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
        text = re.sub(r"`(.+?)`", r"<code>\1</code>", text)
        return f"<p>{text}</p>"
    if isinstance(block, Diagram):
        return _svg(block)
    caption = f"<caption>{e(block.caption)}</caption>" if block.caption else ""
    head = "".join(f"<th>{e(h)}</th>" for h in block.headers)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in block.rows)
    return f"<table>{caption}<tr>{head}</tr>{body}</table>"


def _svg(diagram: Diagram) -> str:
    e = html.escape
    rows = max(len(diagram.left), len(diagram.right), 1)
    height = 40 + rows * 56
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="{height}" role="img" aria-label="Application data flow">']
    middle_y = height / 2
    parts.append(f'<rect x="350" y="{middle_y - 30}" width="200" height="60" rx="8" fill="#dbe8f5" stroke="#2d5d8a"/>')
    parts.append(f'<text x="450" y="{middle_y + 5}" text-anchor="middle" font-size="15" font-weight="600">{e(diagram.ae)}</text>')
    for side, items, x in (("left", diagram.left, 20), ("right", diagram.right, 620)):
        for index, label in enumerate(items):
            y = 20 + index * 56
            parts.append(f'<rect x="{x}" y="{y}" width="260" height="40" rx="20" fill="#f3f6f9" stroke="#7b8a9a"/>')
            parts.append(f'<text x="{x + 130}" y="{y + 25}" text-anchor="middle" font-size="12">{e(label)}</text>')
            # from the box's inner edge, at its middle, to the AE's box
            if side == "left":
                x1, y1, x2, y2 = x + 260, y + 20.0, 350, middle_y
            else:
                x1, y1, x2, y2 = 550, middle_y, x, y + 20.0
            parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#2d5d8a" stroke-width="1.5"/>')
    parts.append("</svg>")
    return "".join(parts)
