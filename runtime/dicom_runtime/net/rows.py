"""The query index's rows (:mod:`.index`): what a row of a stored instance holds, made from
its stored attributes' bytes alone.

A row is the file's name, the indexed columns (:data:`COLUMNS`) and the attributes of
:data:`STORED_TAGS` as JSON (:func:`row_of`). Their bytes are found by a walk over the
element headers of the file's first 64 KiB (:func:`stored_header`), or of the same bytes
still in memory, as the storage SCP received them (:func:`row_head`, :func:`row_from_head`).
:class:`RowMaker` makes a row element by element, keeping what each element contributes
(its column's value, its JSON member) by the element's bytes: the instances of a stream
share most of them (one patient, study, series), which are then decoded once.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from ..dataset import Dataset, Value
from ..errors import DicomError
from ..fileformat import DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, encoding_of, split_file
from ..reader import EXPLICIT_LE, IMPLICIT_LE, Encoding, read_dataset
from .checks import top_level_elements
from .matching import ACR_NEMA_DATE, read_header

UNSURE = "\\"
"""A column value every condition lets through: the attribute has a value the column does
not state exactly (a backslash cannot be a single value)."""

COLUMNS: dict[int, str] = {
    0x00100020: "patient_id",
    0x00100010: "patient_name",
    0x0020000D: "study_uid",
    0x0020000E: "series_uid",
    0x00080018: "sop_uid",
    0x00080016: "sop_class",
    0x00080020: "study_date",
    0x00080050: "accession",
    0x00200010: "study_id",
    0x00080060: "modality",
}
"""Attributes with an indexed column of their own, for the first step of a query."""

STORED_TAGS: frozenset[int] = frozenset({
    # Patient level (PS3.4 C.6.1.1.2)
    0x00100010, 0x00100020, 0x00100021, 0x00100030, 0x00100032, 0x00100040, 0x00101000, 0x00101001,
    0x00101010, 0x00101020, 0x00101030, 0x00102160, 0x00102180, 0x001021B0, 0x00104000,
    # Study level (C.6.1.1.3)
    0x0020000D, 0x00080020, 0x00080030, 0x00080050, 0x00200010, 0x00080090, 0x00081030, 0x00081048,
    0x00081060, 0x00081080,
    # Series level (C.6.1.1.4)
    0x0020000E, 0x00080060, 0x00200011, 0x00080021, 0x00080031, 0x0008103E, 0x00180015, 0x00081050,
    0x00400244, 0x00400245, 0x00080070, 0x00080080, 0x00081010, 0x00185100,
    # Composite object instance level (C.6.1.1.5)
    0x00080018, 0x00080016, 0x00200013, 0x00080023, 0x00080033, 0x00080022, 0x00080032, 0x0008002A,
    0x00080012, 0x00080013, 0x00080008, 0x00200012, 0x00280008, 0x00280010, 0x00280011,
    0x00080005, 0x00080201,
})
"""Attributes kept in each row (as JSON), so matching and answers need not read the file."""

_SCALARS = (str, int, float)
_KEYS = {tag: f"{tag:08X}" for tag in STORED_TAGS}
"""Each kept attribute's key in a row's JSON."""


def _column_value(value: Value) -> str | None:
    """What an indexed column holds for an attribute's value (None: absent, or no value):
    NULL where matching can only fail, the value where it is one string without surrounding
    whitespace, :data:`UNSURE` otherwise, and for a value of the ACR-NEMA date form
    (``2010.05.05``, which a date key matches as 20100505)."""
    if value is None:
        return None
    single: object = value
    if isinstance(value, list):
        if len(value) != 1:
            return UNSURE if value else None
        single = value[0]
    if isinstance(single, str) and single == single.strip() and "\\" not in single and not ACR_NEMA_DATE.fullmatch(single):
        return single
    return UNSURE


def _storable(value: Value) -> bool:
    if value is None or isinstance(value, _SCALARS):
        return True
    return isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value)


def row_of(name: str, header: Dataset) -> tuple[object, ...]:
    """The index row of the file ``name`` whose header is ``header``."""
    attrs: dict[str, object] = {}
    unstored: list[int] = []
    columns: dict[int, Value] = {}
    keys, indexed = _KEYS, COLUMNS
    for element in header.elements():  # one pass over what the header has (most kept tags are absent)
        tag = element.tag
        key = keys.get(tag)
        if key is None:
            continue
        value = element.value  # decoded once (the property decodes on first use)
        if tag in indexed:
            columns[tag] = value
        if _storable(value):
            attrs[key] = [element.vr, value]
        else:
            unstored.append(tag)
    if unstored:
        attrs["unstored"] = unstored
    return (name, *[_column_value(columns.get(tag)) for tag in indexed], json.dumps(attrs, separators=(",", ":")))


_HEAD = 64 * 1024
"""Bytes of a file :func:`stored_header` reads at first."""
ROW_TAGS: frozenset[int] = STORED_TAGS | {0x00080005}
"""The attributes a row is made from: :data:`STORED_TAGS` and Specific Character Set, which
their values are decoded by."""
_KEPT = ROW_TAGS
_PIXEL_DATA_TAG = b"\xe0\x7f\x10\x00"
"""(7FE0,0010) as a little endian data set encodes it."""
_CHARSET_TAG = b"\x08\x00\x05\x00"
"""(0008,0005), Specific Character Set, little endian."""


def stored_header(path: Path) -> Dataset:
    """The attributes of :data:`STORED_TAGS` (and Specific Character Set) of a file: the
    elements and values :func:`.matching.read_header` has for them, decoded alone. Their
    bytes are found by a walk over the element headers up to the Pixel Data
    (:func:`.checks.top_level_elements`, beside the walk of a received data set), in
    the file's first 64 KiB, and only they are decoded: several times faster than reading
    the whole header, which is read instead (and raises what it raises) where the walk does
    not apply: no File Meta Information, a big endian or deflated syntax, a header longer
    than 64 KiB, anything the walk finds out of the ordinary."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    try:
        found = _stored_elements(head, complete=len(head) < _HEAD, source=str(path))
    except DicomError:
        found = None
    return read_header(path) if found is None else found


def _stored_elements(head: bytes, *, complete: bool, source: str) -> Dataset | None:
    found = _stored_parts(head, complete=complete, source=source)
    return None if found is None else read_dataset(b"".join(found[0]), found[1], source=source)


def _stored_parts(head: bytes, *, complete: bool, source: str) -> tuple[list[bytes], Encoding] | None:
    """The encoded elements of :data:`ROW_TAGS` in a file's first bytes ``head`` (each one
    element, in ascending order) and the data set's encoding; None where the walk does not
    apply (:func:`stored_header`). ``complete``: ``head`` is the whole file."""
    meta, offset = split_file(head, source=source)
    syntax = meta.value(0x00020010)
    if not isinstance(syntax, str) or syntax in (DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, "1.2.840.10008.1.2.4.95"):
        return None
    encoding = encoding_of(syntax.rstrip("\0 "))
    if encoding is not EXPLICIT_LE and encoding is not IMPLICIT_LE:
        return None
    parts = top_level_elements(head, offset, encoding is EXPLICIT_LE, _KEPT, complete=complete)
    return None if parts is None else (parts, encoding)


_JSON = json.JSONEncoder(separators=(",", ":"))
"""What :func:`row_of` writes a row's attributes with (``json.dumps`` with these separators)."""
_COLUMN_AT = {tag: position for position, tag in enumerate(COLUMNS)}
_Piece = tuple[int, int, "str | None", "str | None"]
"""What one element contributes to a row: its tag, its column's position (-1: none), that
column's value, and its member of the attributes' JSON (None: the value is not storable)."""


class RowMaker:
    """Rows as :func:`row_of` makes them of the data set of the elements ``parts`` (as
    :func:`_stored_parts` finds them: each one element, ascending), element by element. What
    an element contributes depends on its bytes and the character set's only (Explicit VR
    Little Endian: its VR is its own), so it is kept by them, at most :attr:`LIMIT` elements
    (then forgotten together). Anything out of the ordinary (another encoding, an element
    that does not decode) makes the row as :func:`row_of` does, raising what it raises."""

    LIMIT = 8192

    def __init__(self) -> None:
        self._pieces: dict[bytes, dict[bytes, _Piece]] = {}  # by the Specific Character Set element's bytes
        self._lock = threading.Lock()

    def row(self, name: str, parts: list[bytes], encoding: Encoding, source: str) -> tuple[object, ...] | None:
        """The row, or None where it is not made so (the caller makes it as :func:`row_of` does)."""
        if encoding is not EXPLICIT_LE or not parts:
            return None
        charset = parts[0] if parts[0][:4] == _CHARSET_TAG else b""
        with self._lock:
            pieces = self._pieces.get(charset)
            if pieces is None or len(pieces) > self.LIMIT:
                if len(self._pieces) > 16:
                    self._pieces.clear()
                pieces = self._pieces[charset] = {}
            missing = [part for part in parts if part not in pieces]
            if missing:
                try:
                    self._decode(pieces, charset, missing, source)
                except Exception:  # made as row_of makes it, which raises what it raises
                    return None
            columns: list[str | None] = [None] * len(_COLUMN_AT)
            members: list[str] = []
            unstored: list[int] = []
            for part in parts:
                tag, position, column, member = pieces[part]
                if position >= 0:
                    columns[position] = column
                if member is None:
                    unstored.append(tag)
                else:
                    members.append(member)
        if unstored:
            members.append(f'"unstored":{_JSON.encode(unstored)}')
        return (name, *columns, "{" + ",".join(members) + "}")

    @staticmethod
    def _decode(pieces: dict[bytes, _Piece], charset: bytes, missing: list[bytes], source: str) -> None:
        """The pieces of the elements ``missing``, decoded together (after the character set's)."""
        others = [part for part in missing if part != charset] if charset else missing
        decoded = read_dataset(charset + b"".join(others), EXPLICIT_LE, source=source).elements()
        ordered = ([charset] if charset else []) + others
        elements = list(decoded)
        if len(elements) != len(ordered):
            raise DicomError("an element gathered is not one element")
        made: dict[bytes, _Piece] = {}
        for part, element in zip(ordered, elements):
            tag = element.tag
            value = element.value
            position = _COLUMN_AT.get(tag, -1)
            member = _JSON.encode({_KEYS[tag]: [element.vr, value]})[1:-1] if _storable(value) else None
            made[part] = (tag, position, _column_value(value) if position >= 0 else None, member)
        pieces.update(made)


ROWS = RowMaker()
"""The rows made by the storage SCP's writer thread and the index's synchronisation."""


def row_head(data: bytes) -> tuple[bytes, bool]:
    """The first bytes of a file ``data`` (as it is written) that :func:`row_from_head` makes
    its row from, and whether they are all of it: its first 64 KiB, as :func:`stored_header`
    reads them, cut after the first (7FE0,0010) tag (most of a file is its Pixel Data, which
    the walk stops at): a copy of the header alone, to keep until the row is made."""
    end = min(len(data), _HEAD)
    found = data.find(_PIXEL_DATA_TAG, 132, end)
    if found >= 0 and found + 12 < end:
        end = found + 12
    return data[:end], end == len(data) and end < _HEAD


def row_from_head(path: Path, head: bytes, whole: bool) -> tuple[object, ...]:
    """The row :func:`row_of` makes of :func:`stored_header` of the file ``path`` whose first
    bytes are ``head`` (:func:`row_head`), without reading the file where the walk applies."""
    uncut = whole or len(head) == _HEAD  # what stored_header reads of the file
    source = str(path)
    try:
        found = _stored_parts(head, complete=whole, source=source)
    except DicomError:
        found = None
    if found is not None:
        row = ROWS.row(path.name, found[0], found[1], source)
        if row is not None:
            return row
        try:
            header: Dataset | None = read_dataset(b"".join(found[0]), found[1], source=source)
        except DicomError:
            header = None
        if header is not None:  # its values decoded by row_of, which raises what they raise
            return row_of(path.name, header)
    # Where the walk does not apply: the file's whole header (or, the head being cut, the file's walk).
    return row_of(path.name, read_header(path) if uncut else stored_header(path))


def row_for(path: Path) -> tuple[object, ...]:
    """The row of a stored file, from its header; DicomError/OSError if it cannot be read."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    return row_from_head(path, head, len(head) < _HEAD)
