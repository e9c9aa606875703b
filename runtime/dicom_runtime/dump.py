"""``dicom-dump FILE``: print a data set the way dcmtk's dcmdump does.

One line per element: tag, VR, value (strings in brackets, ``(no value available)``
when empty), then ``# length, VM Keyword``; sequence items are indented. A file
that cannot be read gives its DicomError message on standard error and exit 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from .dataset import DataElement, Dataset, DeferredValue, EncapsulatedPixelData
from .dictionary import get_entry
from .errors import DicomError
from .fileformat import read_file


def _shown(element: DataElement) -> tuple[str, int, int]:
    """(value text, value length in bytes as written, VM)."""
    value = element.value
    if value is None or value == "" or value == []:
        return "(no value available)", 0, 0
    if isinstance(value, EncapsulatedPixelData):
        return f"(PixelSequence #={len(value.fragments) + 1})", -1, 1
    if isinstance(value, DeferredValue):
        return f"(not loaded, {value.length} bytes)", value.length, 1
    if isinstance(value, bytes):
        shown = "\\".join(f"{b:02x}" for b in value[:16]) + ("..." if len(value) > 16 else "")
        return shown, len(value), 1
    values = value if isinstance(value, list) else [value]
    if element.vr == "AT":
        text = "\\".join(f"({v >> 16:04x},{v & 0xFFFF:04x})" for v in values if isinstance(v, int))
        return text, 4 * len(values), len(values)
    if isinstance(values[0], str):
        text = "\\".join(str(v) for v in values)
        return f"[{text}]", len(text.encode("utf-8")), len(values)
    text = "\\".join(str(v) for v in values)
    return text, 0, len(values)


def dump_lines(dataset: Dataset, depth: int = 0) -> Iterator[str]:
    pad = "  " * depth
    for element in dataset.elements():
        entry = get_entry(element.tag)
        keyword = entry.keyword if entry is not None and entry.keyword else "Unknown"
        tag = f"({element.tag >> 16:04x},{element.tag & 0xFFFF:04x})"
        if element.vr == "SQ" and isinstance(element.value, list):
            yield f"{pad}{tag} SQ (Sequence with {len(element.value)} item(s)) # {keyword}"
            for index, item in enumerate(element.value):
                if isinstance(item, Dataset):
                    yield f"{pad}  (fffe,e000) na (Item #{index + 1})"
                    yield from dump_lines(item, depth + 2)
            continue
        text, length, vm = _shown(element)
        yield f"{pad}{tag} {element.vr} {text:<40} # {length:>4}, {vm} {keyword}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dicom-dump", description="Print a DICOM file's data set.")
    parser.add_argument("file")
    parser.add_argument("--stop-before-pixels", action="store_true")
    args = parser.parse_args(argv)
    try:
        file = read_file(args.file, stop_before_pixels=args.stop_before_pixels, defer_size=1 << 16)
    except (DicomError, OSError) as exc:
        print(f"dicom-dump: {exc}", file=sys.stderr)
        return 1
    out = sys.stdout
    out.write("# Dicom-File-Format\n\n# Dicom-Meta-Information-Header\n")
    for line in dump_lines(file.meta):
        out.write(line + "\n")
    out.write(f"\n# Dicom-Data-Set\n# Used TransferSyntax: {file.transfer_syntax}\n")
    for line in dump_lines(file.dataset):
        out.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
