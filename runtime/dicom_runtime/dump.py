"""``dicom-dump FILE...``: print data sets the way dcmtk's ``dcmdump -Un`` does.

One line per element: tag, VR, value (strings in brackets, ``(no value available)``
when empty), then ``# length, VM Keyword``, the length being the value's length in
the file (padding included; ``u/l`` for undefined); sequences, items and their
delimitation items as dcmdump shows them, items indented. Long values are shortened
with ``...`` (``--max-value-length``). A file that fails part way prints every
element read, then its error on standard error, and the exit status is 1.

Differences from dcmdump, on purpose: UIDs are printed as numbers (dcmdump's
``-Un``; dcmdump's default maps them to names of its own); the transfer syntax in
the header comments is named by PS3.6; private elements read in Implicit VR are
``UN`` (dcmdump has a private dictionary); a text value is shown in Unicode
(dcmdump shows the bytes), and what the terminal cannot show is escaped.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true), without importing typing for --help

if TYPE_CHECKING:  # the heavy modules are imported when a file is read, not for --help
    from typing import Literal, TextIO

    from .dataset import DataElement, Dataset
    from .reader import Encoding

from .version import version_action  # noqa: E402

#: dcmdump's shortening: a value shown longer than 70 characters is cut to 70, "..." included.
DEFAULT_MAX_VALUE_LENGTH = 70
#: Directory Record Types of PS3.3 F.5 (Table F.4-1); dcmdump shows any other as PRIVATE.
_RECORD_TYPES = frozenset(
    (
        "PATIENT|STUDY|SERIES|IMAGE|OVERLAY|MODALITY LUT|VOI LUT|CURVE|STORED PRINT|RT DOSE|"
        "RT STRUCTURE SET|RT PLAN|RT TREAT RECORD|PRESENTATION|WAVEFORM|SR DOCUMENT|KEY OBJECT DOC|"
        "SPECTROSCOPY|RAW DATA|REGISTRATION|FIDUCIAL|HANGING PROTOCOL|ENCAP DOC|HL7 STRUC DOC|VALUE MAP|"
        "STEREOMETRIC|PALETTE|IMPLANT|IMPLANT ASSY|IMPLANT GROUP|PLAN|MEASUREMENT|SURFACE|SURFACE SCAN|"
        "TRACT|ASSESSMENT|RADIOTHERAPY|ANNOTATION|PRIVATE|MRDR|TOPIC|VISIT|RESULTS|INTERPRETATION|STUDY COMPONENT"
    ).split("|")
)
#: The offsets of a DICOMDIR (PS3.3 F.3), which dcmdump shows with its VR "up".
_OFFSETS = frozenset({0x00041200, 0x00041202, 0x00041400, 0x00041420, 0x00041504})


class _Options:
    def __init__(self, max_length: int, tags: set[int], keywords: set[str]) -> None:
        self.max_length = max_length
        self.tags = tags
        self.keywords = keywords

    @property
    def filtered(self) -> bool:
        return bool(self.tags or self.keywords)


def _shorten(text: str, options: _Options) -> str:
    """A text value shown as dcmdump shows it: ``[text]``, and when that is longer than
    the limit its first characters up to the limit with "..." at the end."""
    shown = f"[{text}]"
    limit = options.max_length
    if limit and len(shown) > limit:
        return shown[: max(1, limit - 3)] + "..."
    return shown


def _values(values: Iterator[str], options: _Options) -> str:
    """Numbers or bytes shown as dcmdump shows them: joined by backslashes, and when that
    is longer than the limit, as many whole values as fit with "..." after them."""
    limit = options.max_length
    shown: list[str] = []
    width = -1
    for value in values:
        if limit and width + 1 + len(value) + 3 > limit:
            following = next(values, None)
            if following is None and width + 1 + len(value) <= limit:
                shown.append(value)  # the last value: it fits without "..."
                break
            return "\\".join(shown) + "..."
        shown.append(value)
        width += 1 + len(value)
    return "\\".join(shown)


def _hex(raw: bytes, vr: str, little: bool, options: _Options) -> str:
    size = {"OW": 2, "OL": 4, "OV": 8}.get(vr, 1)
    order: Literal["little", "big"] = "little" if little else "big"
    count = len(raw) // size
    words = (format(int.from_bytes(raw[i * size : (i + 1) * size], order), f"0{2 * size}x") for i in range(count))
    return _values(words, options)


def _floats(raw: bytes, vr: str, little: bool, options: _Options) -> str:
    import struct

    code, digits = ("f", 9) if vr == "OF" else ("d", 17)
    size = struct.calcsize(code)
    values = struct.unpack(("<" if little else ">") + code * (len(raw) // size), raw[: len(raw) - len(raw) % size])
    return _values((f"{v:.{digits}g}" for v in values), options)


def _text_of(element: DataElement, codec: str) -> str:
    """A text element's value as dcmdump shows it: the value field as read (its
    characters, backslashes included), without the trailing padding."""
    from .codec import raw_text

    raw = element.raw
    if raw is None:
        value = element.value
        values = value if isinstance(value, list) else [value]
        return "\\".join(str(v) for v in values)
    text = raw_text(raw, element.vr, codec)
    return text.rstrip("\0 ") if element.vr == "UI" else text.rstrip(" ")


def _numbers(element: DataElement) -> Iterator[str]:
    value = element.value
    values = value if isinstance(value, list) else [value]
    for v in values:
        if element.vr == "AT" and isinstance(v, int):
            yield f"({v >> 16:04x},{v & 0xFFFF:04x})"
        elif element.vr in ("FL", "FD") and isinstance(v, (int, float)):
            yield "0" if v == 0 else f"{v:.{9 if element.vr == 'FL' else 17}g}"  # -0 is shown 0, as dcmdump does
        else:
            yield str(v)


class _Printer:
    def __init__(
        self, out: TextIO, encoding: Encoding, options: _Options, directory: bool = False, first_record: int | None = None
    ) -> None:
        self.directory = directory
        #: A DICOMDIR's first directory record's byte offset in the file: each record's is shown
        #: (``#  offset=$N``), as dcmdump does
        self.first_record = first_record
        self.out = out
        self.encoding = encoding
        self.options = options

    def line(self, depth: int, tag: int, vr: str, value: str, length: int | None, vm: int, name: str) -> None:
        head = f"{'  ' * depth}({tag >> 16:04x},{tag & 0xFFFF:04x}) {vr} {value}"
        shown = "u/l" if length is None else str(length)
        width = 2 * depth + 55
        self.out.write(f"{head:<{width}} # {shown:>3},{vm:>2} {name}\n")

    def record_offset(self, depth: int, offset: int, record: Dataset) -> None:
        """dcmdump's line after a directory record's item: its offset, and its Referenced File ID."""
        text = f"{'  ' * depth}#  offset=${offset}"
        file_id = record.value(0x00041500)
        if file_id:
            parts = file_id if isinstance(file_id, list) else [file_id]
            text += '  refFileID="' + "\\".join(str(p).strip() for p in parts) + '"'
        self.out.write(text + "\n")

    def dataset(self, dataset: Dataset, depth: int, codec: str) -> None:
        from .codec import python_codec

        charset = dataset.get(0x00080005)
        if charset is not None and isinstance(charset.value, (str, list)):
            terms = [charset.value] if isinstance(charset.value, str) else [v for v in charset.value if isinstance(v, str)]
            codec = python_codec(terms)
        for element in dataset.elements():
            if self.options.filtered and not self._wanted(element):
                continue
            self.element(element, depth, codec)

    def _wanted(self, element: DataElement) -> bool:
        """An element asked for (--tag, --keyword), or a sequence holding one."""
        if element.tag in self.options.tags or (element.keyword and element.keyword in self.options.keywords):
            return True
        if element.vr == "SQ" and isinstance(element.value, list):
            from .dataset import Dataset

            return any(self._wanted(e) for item in element.value if isinstance(item, Dataset) for e in item.elements())
        return False

    def element(self, element: DataElement, depth: int, codec: str) -> None:
        from .codec import BYTES_VRS, STRING_VRS, SINGLE_VALUE_TEXT
        from .dataset import Dataset, DeferredValue, EncapsulatedPixelData
        from .dictionary import get_entry
        from .writer import encode_element, encode_value

        entry = get_entry(element.tag)
        group, number = element.tag >> 16, element.tag & 0xFFFF
        if entry is not None and entry.keyword:
            name = entry.keyword
        elif group % 2 and 0x0010 <= number <= 0x00FF:
            name = "PrivateCreator"
        elif number == 0:
            name = "GenericGroupLength"
        else:
            name = "Unknown Tag & Data"
        value = element.value
        little = self.encoding.little_endian
        if element.read_as_un and self.encoding.explicit_vr and not (element.vr == "SQ" and element.undefined_length):
            # shown as read, UN (dcmdump does; an UN of undefined length it shows as a sequence)
            encoded = encode_element(element, self.encoding, codec)
            raw = encoded[12:]
            text = _hex(raw, "UN", True, self.options) if raw else "(no value available)"
            self.line(depth, element.tag, "UN", text, len(raw), 1, name)
            return
        if element.vr == "SQ" and isinstance(value, list):
            items = [item for item in value if isinstance(item, Dataset)]
            undefined = element.undefined_length
            length = None
            if not undefined:
                length = len(encode_element(element, self.encoding, codec)) - (12 if self.encoding.explicit_vr else 8)
            kind = "undefined" if undefined else "explicit"
            self.line(depth, element.tag, "SQ", f"(Sequence with {kind} length #={len(items)})", length, 1, name)
            position = self.first_record if element.tag == 0x00041220 and depth == 0 else None
            for item in items:
                item_undefined = item.undefined_length if item.undefined_length is not None else undefined
                content = len(_encode_item(item, self.encoding, codec))
                item_length = None if item_undefined else content
                kind = "undefined" if item_undefined else "explicit"
                shown = f"(Item with {kind} length #={len(item)})"
                if element.tag == 0x00041220:  # Directory Record Sequence: dcmdump names the record
                    record = item.value(0x00041430)
                    kind = record if isinstance(record, str) and record in _RECORD_TYPES else "PRIVATE"
                    shown = f'"Directory Record" {kind} #={len(item)}'
                self.line(depth + 1, 0xFFFEE000, "na", shown, item_length, 1, "Item")
                if position is not None:
                    self.record_offset(depth + 1, position, item)
                    position += 8 + content + (8 if item_undefined else 0)
                self.dataset(item, depth + 2, codec)
                end = "(ItemDelimitationItem)" if item_undefined else "(ItemDelimitationItem for re-encoding)"
                if element.tag == 0x00041220:
                    end = f'"{end[1:-1]}"'  # dcmdump quotes them in a DICOMDIR
                self.line(depth + 1, 0xFFFEE00D, "na", end, 0, 0, "ItemDelimitationItem")
            end = "(SequenceDelimitationItem)" if undefined else "(SequenceDelimitationItem for re-encod.)"
            self.line(depth, 0xFFFEE0DD, "na", end, 0, 0, "SequenceDelimitationItem")
            return
        if isinstance(value, EncapsulatedPixelData):
            fragments = [value.offsets, *value.fragments]
            self.line(depth, element.tag, "OB", f"(PixelSequence #={len(fragments)})", None, 1, name)
            for fragment in fragments:
                text = _hex(fragment, "OB", True, self.options) if fragment else "(no value available)"
                self.line(depth + 1, 0xFFFEE000, "pi", text, len(fragment), 1, "Item")
            self.line(depth, 0xFFFEE0DD, "na", "(SequenceDelimitationItem)", 0, 0, "SequenceDelimitationItem")
            return
        if isinstance(value, DeferredValue):
            self.line(depth, element.tag, element.vr, f"(not loaded, {value.length} bytes)", value.length, 1, name)
            return
        raw = element.raw if element.raw is not None else encode_value(element, self.encoding, codec)
        length = len(raw)
        vr = element.vr
        if element.tag in _OFFSETS and self.directory:
            vr = "up"  # dcmdump's VR of the offsets of a DICOMDIR (UL in the file)
        if not raw:
            self.line(depth, element.tag, vr, "(no value available)", 0, 1 if vr in BYTES_VRS else 0, name)
            return
        if vr in STRING_VRS:
            text = _text_of(element, codec)
            vm = 1 if vr in SINGLE_VALUE_TEXT else text.count("\\") + 1
            if not text:  # padding only
                self.line(depth, element.tag, vr, "(no value available)", length, 0, name)
                return
            shown = _shorten(text, self.options)
        elif vr in ("OF", "OD"):
            shown, vm = _floats(raw, vr, little, self.options), 1
        elif vr in BYTES_VRS:
            shown, vm = _hex(raw, vr, little, self.options), 1
        else:
            shown = _values(_numbers(element), self.options)
            count = value if isinstance(value, list) else [value]
            vm = len(count)
        self.line(depth, element.tag, vr, shown, length, vm, name)


def _encode_item(item: Dataset, encoding: Encoding, codec: str) -> bytes:
    from .writer import encode_dataset

    return encode_dataset(item, encoding, codec)


def _parse_tag(text: str) -> int:
    digits = text.strip("()").replace(",", "")
    if len(digits) != 8:
        raise argparse.ArgumentTypeError(f"{text!r} is not a tag: (gggg,eeee) or ggggeeee")
    try:
        return int(digits, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a tag: (gggg,eeee) or ggggeeee") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dicom-dump", description="Print DICOM files' data sets as dcmdump does.")
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--stop-before-pixels", action="store_true", help="do not read Pixel Data and what follows")
    parser.add_argument("--tag", action="append", type=_parse_tag, default=[], help="only this tag, (gggg,eeee) (repeatable)")
    parser.add_argument("--keyword", action="append", default=[], help="only the element of this keyword (repeatable)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text (dcmdump's) or the DICOM JSON model")
    parser.add_argument(
        "--max-value-length",
        type=int,
        default=DEFAULT_MAX_VALUE_LENGTH,
        metavar="N",
        help=f"shorten values shown longer than N characters, as dcmdump does (default {DEFAULT_MAX_VALUE_LENGTH}; 0: never)",
    )
    parser.add_argument("--version", action=version_action("dicom-dump"))
    return parser


def _dump(path: str, args: argparse.Namespace, out: TextIO, before: str = "") -> tuple[int, bool]:
    """Dump one file: (exit status, whether anything was written); ``before`` is written
    first if anything is (the separator of an array of JSON data sets)."""
    from .fileformat import encoding_of, read_file_partial

    file, error = read_file_partial(path, stop_before_pixels=args.stop_before_pixels)
    if error is not None and not file.meta and not file.dataset:
        print(f"dicom-dump: {error}", file=sys.stderr)  # nothing read: "not a DICOM file", ...
        return 1, False
    out.write(before)
    options = _Options(args.max_value_length, set(args.tag), set(args.keyword))
    if args.format == "json":
        import json

        from .json_model import to_json

        dataset = file.dataset
        if options.filtered:
            from .dataset import Dataset

            dataset = Dataset({t: e for t, e in file.dataset.items() if t in options.tags or e.keyword in options.keywords})
        json.dump(to_json(dataset), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        from .fileformat import EXPLICIT_VR_LITTLE_ENDIAN
        from .reader import EXPLICIT_LE

        out.write("\n# Dicom-File-Format\n\n# Dicom-Meta-Information-Header\n")
        out.write(f"# Used TransferSyntax: {_syntax_name(EXPLICIT_VR_LITTLE_ENDIAN) if len(file.meta) else 'Unknown Transfer Syntax'}\n")
        _Printer(out, EXPLICIT_LE, options).dataset(file.meta, 0, "ascii")
        out.write(f"\n# Dicom-Data-Set\n# Used TransferSyntax: {_syntax_name(file.transfer_syntax)}\n")
        directory = file.meta.value(0x00020002) == "1.2.840.10008.1.3.10"
        encoding = encoding_of(file.transfer_syntax)
        first = _first_record_offset(path, encoding) if directory else None
        _Printer(out, encoding, options, directory, first).dataset(file.dataset, 0, "ascii")
    out.flush()
    if error is not None:
        print(f"dicom-dump: {error}", file=sys.stderr)
        return 1, True
    return 0, True


def _first_record_offset(path: str, encoding: Encoding) -> int | None:
    """The byte offset, from the file's first byte, of a DICOMDIR's first directory record: the
    value of its Directory Record Sequence (0004,1220), the first one found in the file."""
    import struct

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    order = "<" if encoding.little_endian else ">"
    tag = struct.pack(f"{order}HH", 0x0004, 0x1220)
    found = data.find(tag + b"SQ\0\0" if encoding.explicit_vr else tag)
    if found < 0:
        return None
    return found + (12 if encoding.explicit_vr else 8)


def _syntax_name(uid: str) -> str:
    from .dictionary import uid_info
    from .errors import UnknownUIDError

    try:
        return uid_info(uid).name
    except UnknownUIDError:
        return uid or "Unknown Transfer Syntax"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.keyword:
        from .dictionary import get_entry

        unknown = [k for k in args.keyword if get_entry(k) is None]
        if unknown:
            parser.error(f"unknown keyword {unknown[0]!r}")  # exit status 2, before any file is read
    out = sys.stdout
    if isinstance(out, __import__("io").TextIOWrapper):
        out.reconfigure(errors="backslashreplace")  # what the terminal's encoding cannot show is escaped
    status = 0
    several = len(args.files) > 1
    try:
        if several and args.format == "json":
            out.write("[\n")  # several files: an array of data sets
        written = 0  # JSON data sets written: the next one is preceded by a comma
        for index, path in enumerate(args.files):
            if several and args.format == "text":
                out.write(f"# dicom-dump ({index + 1}/{len(args.files)}): {path}\n")
            try:
                result, wrote = _dump(path, args, out, ",\n" if several and args.format == "json" and written else "")
            except BrokenPipeError:
                raise
            except OSError as exc:
                out.flush()
                print(f"dicom-dump: {path}: {exc.strerror or exc}", file=sys.stderr)
                result, wrote = 1, False
            written += wrote
            status = max(status, result)
        if several and args.format == "json":
            out.write("]\n")
            out.flush()
    except BrokenPipeError:
        # the reader stopped (``| head``): no traceback; standard output goes nowhere from now on
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return status


def dump_lines(dataset: Dataset, depth: int = 0) -> Iterator[str]:
    """The lines :func:`main` prints for a data set (Explicit VR Little Endian lengths)."""
    import io

    from .reader import EXPLICIT_LE

    buffer = io.StringIO()
    _Printer(buffer, EXPLICIT_LE, _Options(DEFAULT_MAX_VALUE_LENGTH, set(), set())).dataset(dataset, depth, "ascii")
    yield from buffer.getvalue().splitlines()


if __name__ == "__main__":
    sys.exit(main())
