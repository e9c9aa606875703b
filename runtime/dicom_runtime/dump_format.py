"""The printer of ``dicom-dump`` (:mod:`dicom_runtime.dump`): a data set's lines as dcmtk's
``dcmdump -Un`` prints them. Imported when a file is dumped, not for ``--help``."""

from __future__ import annotations

import io
import struct

from .codec import BYTES_VRS, SINGLE_VALUE_TEXT, STRING_VRS, python_codec, raw_text
from .dataset import DataElement, Dataset, DeferredValue, EncapsulatedPixelData
from .dictionary import keyword_of, uid_info
from .dump import DEFAULT_MAX_VALUE_LENGTH, _Options
from .errors import UnknownUIDError
from .fileformat import EXPLICIT_VR_LITTLE_ENDIAN, FileDataset, encoding_of
from .reader import EXPLICIT_LE
from .writer import encode_dataset, encode_element, encode_value

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true), without importing typing

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Literal, TextIO

    from .reader import Encoding

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
    code, digits = ("f", 9) if vr == "OF" else ("d", 17)
    size = struct.calcsize(code)
    values = struct.unpack(("<" if little else ">") + code * (len(raw) // size), raw[: len(raw) - len(raw) % size])
    return _values((f"{v:.{digits}g}" for v in values), options)


def _text_of(element: DataElement, codec: str) -> str:
    """A text element's value as dcmdump shows it: the value field as read (its
    characters, backslashes included), without the trailing padding."""
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


def asked(element: DataElement, options: _Options) -> bool:
    """An element asked for by its tag (--tag) or keyword (--keyword)."""
    return element.tag in options.tags or bool(element.keyword and element.keyword in options.keywords)


def holds_asked(element: DataElement, options: _Options) -> bool:
    """A sequence with an element asked for in its items, at any depth."""
    if element.vr != "SQ" or not isinstance(element.value, list):
        return False
    return any(asked(e, options) or holds_asked(e, options) for item in element.value if isinstance(item, Dataset) for e in item.elements())


def filtered(dataset: Dataset, options: _Options) -> Dataset:
    """What the dump shows of ``dataset`` under --tag and --keyword: the elements asked for,
    whole, and the sequences holding one, their items so filtered (the JSON output's data set)."""
    kept = Dataset()
    for element in dataset.elements():
        if asked(element, options):
            kept[element.tag] = element
        elif holds_asked(element, options):
            assert isinstance(element.value, list)
            items = [filtered(item, options) for item in element.value if isinstance(item, Dataset)]
            kept[element.tag] = DataElement(element.tag, "SQ", items)
    return kept


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
        self._whole = 0  # within an element asked for (--tag, --keyword): nothing is left out

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
        charset = dataset.get(0x00080005)
        if charset is not None and isinstance(charset.value, (str, list)):
            terms = [charset.value] if isinstance(charset.value, str) else [v for v in charset.value if isinstance(v, str)]
            codec = python_codec(terms)
        for element in dataset.elements():
            if not self.options.filtered or self._whole:
                self.element(element, depth, codec)
            elif asked(element, self.options):
                self._whole += 1  # what is asked for is shown whole, a sequence's items included
                try:
                    self.element(element, depth, codec)
                finally:
                    self._whole -= 1
            elif holds_asked(element, self.options):
                self.element(element, depth, codec)  # around the match: its items filtered

    def element(self, element: DataElement, depth: int, codec: str) -> None:
        group, number = element.tag >> 16, element.tag & 0xFFFF
        name = keyword_of(element.tag)
        if not name:
            if group % 2 and 0x0010 <= number <= 0x00FF:
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
                # the item's encoded length: shown when it is defined, and where a DICOMDIR's
                # record offsets are counted (encoding an item of undefined length only to
                # throw the length away cost most of a sequence-rich file's dump)
                content = len(_encode_item(item, self.encoding, codec)) if not item_undefined or position is not None else 0
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
    return encode_dataset(item, encoding, codec)


def _first_record_offset(path: str, encoding: Encoding) -> int | None:
    """The byte offset, from the file's first byte, of a DICOMDIR's first directory record: the
    value of its Directory Record Sequence (0004,1220), the first one found in the file."""
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
    try:
        return uid_info(uid).name
    except UnknownUIDError:
        return uid or "Unknown Transfer Syntax"


def dump_file(file: FileDataset, path: str, options: _Options) -> str:
    """A file's text as ``dicom-dump`` prints it: the header comments, the File Meta
    Information, the data set."""
    out = io.StringIO()
    out.write("\n# Dicom-File-Format\n\n# Dicom-Meta-Information-Header\n")
    out.write(f"# Used TransferSyntax: {_syntax_name(EXPLICIT_VR_LITTLE_ENDIAN) if len(file.meta) else 'Unknown Transfer Syntax'}\n")
    _Printer(out, EXPLICIT_LE, options).dataset(file.meta, 0, "ascii")
    out.write(f"\n# Dicom-Data-Set\n# Used TransferSyntax: {_syntax_name(file.transfer_syntax)}\n")
    directory = file.meta.value(0x00020002) == "1.2.840.10008.1.3.10"
    encoding = encoding_of(file.transfer_syntax)
    first = _first_record_offset(path, encoding) if directory else None
    _Printer(out, encoding, options, directory, first).dataset(file.dataset, 0, "ascii")
    return out.getvalue()


def dataset_text(dataset: Dataset, depth: int = 0) -> str:
    """A data set's lines (Explicit VR Little Endian lengths), as :func:`dump_file` prints them."""
    out = io.StringIO()
    _Printer(out, EXPLICIT_LE, _Options(DEFAULT_MAX_VALUE_LENGTH, set(), set())).dataset(dataset, depth, "ascii")
    return out.getvalue()
