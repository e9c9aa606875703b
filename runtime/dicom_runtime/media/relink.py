"""A DICOMDIR data set written again as a file, its record links kept true.

The links of a DICOMDIR (PS3.3 F.3.2.1: the root's first and last record, each record's
next and lower-level record, an MRDR's) are byte offsets from the first byte of the
file. A DICOMDIR read and written back gets this implementation's File Meta Information,
of another length than the one it was read with (and another transfer syntax may
change the records' lengths too), so every record moves: written as read, the links
pointed before or into the records (pydicom's dicomdirtests/DICOMDIR written back: every
record 14 bytes further on, its links not). :func:`relinked` gives the data set with
each link moved to where its record now is.

Each record's position is counted as the writer lays it out (the elements before the
Directory Record Sequence, its header, each item's header, body and delimiter), once in
the syntax the data set was read in and once in the one it is written in. Where the file
was read from is found from its File Meta Information's length, or else from the root
link (a file without a preamble, or with bytes between meta and data set); links that
lead to no record under either (a damaged DICOMDIR) are left as they were read.
"""

from __future__ import annotations

from ..dataset import DataElement, Dataset
from ..encoding import Encoding
from ..writer import encode_dataset
from .records import DIRECTORY_RECORD_SEQUENCE, FIRST_ROOT_RECORD, LAST_ROOT_RECORD, LOWER_LEVEL, NEXT_RECORD

#: Offset of Referenced Lower-Level... is LOWER_LEVEL; an MRDR's (0004,1504) also points at a record.
MRDR_LINK = 0x00041504
_RECORD_LINKS = (NEXT_RECORD, LOWER_LEVEL, MRDR_LINK)
_ROOT_LINKS = (FIRST_ROOT_RECORD, LAST_ROOT_RECORD)
#: The preamble and "DICM" before the File Meta Information (PS3.10 7.1).
_PREAMBLE = 132


def record_positions(dataset: Dataset, encoding: Encoding) -> list[int] | None:
    """Each record's byte offset in the data set's encoding in ``encoding`` (from the data
    set's first byte), in the sequence's order; None without a Directory Record Sequence."""
    sequence = dataset.get(DIRECTORY_RECORD_SEQUENCE)
    if sequence is None or not isinstance(sequence.value, list):
        return None
    before = Dataset()
    for element in dataset.elements():
        if element.tag < DIRECTORY_RECORD_SEQUENCE:
            before[element.tag] = element
    position = len(encode_dataset(before, encoding)) + (12 if encoding.explicit_vr else 8)
    positions = []
    for item in sequence.value:
        if not isinstance(item, Dataset):
            return None
        undefined = item.undefined_length if item.undefined_length is not None else sequence.undefined_length
        positions.append(position)
        position += 8 + len(encode_dataset(item, encoding)) + (8 if undefined else 0)
    return positions


def _links(dataset: Dataset) -> list[int]:
    """Every nonzero link value of the data set and its records."""
    found = [dataset.value(tag) for tag in _ROOT_LINKS]
    sequence = dataset.get(DIRECTORY_RECORD_SEQUENCE)
    for item in sequence.value if sequence is not None and isinstance(sequence.value, list) else []:
        if isinstance(item, Dataset):
            found.extend(item.value(tag) for tag in _RECORD_LINKS)
    return [v for v in found if isinstance(v, int) and v]


def _base_read(dataset: Dataset, positions: list[int], links: list[int]) -> int | None:
    """Where the data set began in the file it was read from: the one base under which
    every link is a record's start (the meta's length first, then each record as the root's)."""
    starts = set(positions)
    candidates = []
    meta = dataset.file_meta
    length = meta.value(0x00020000) if meta is not None else None
    if isinstance(length, int):
        candidates.append(_PREAMBLE + 12 + length)
    root = dataset.value(FIRST_ROOT_RECORD)
    if isinstance(root, int) and root:
        candidates.extend(root - p for p in positions)
    for base in candidates:
        if base >= 0 and all(link - base in starts for link in links):
            return base
    return None


def relinked(dataset: Dataset, read_in: Encoding, written_in: Encoding, data_set_offset: int) -> Dataset:
    """``dataset`` (a DICOMDIR read in ``read_in``) with its links moved to where its records
    are when it is written in ``written_in`` starting at byte ``data_set_offset`` of the file
    (the length of the preamble and File Meta Information written). A data set that is no
    DICOMDIR, or whose links lead to no record (damaged), is given back as it is."""
    old = record_positions(dataset, read_in)
    links = _links(dataset)
    if not old or not links:
        return dataset
    base = _base_read(dataset, old, links)
    new = record_positions(dataset, written_in)
    if base is None or new is None:
        return dataset
    moved = {base + before: data_set_offset + after for before, after in zip(old, new)}
    if all(moved.get(link) == link for link in links):
        return dataset  # nothing moved

    def relink(data: Dataset, tags: tuple[int, ...]) -> Dataset:
        copy = Dataset()
        copy.file_meta = data.file_meta
        copy.undefined_length = data.undefined_length
        for element in data.elements():
            value = element.value
            if element.tag in tags and isinstance(value, int) and value in moved:
                element = DataElement(element.tag, element.vr, moved[value])
            copy[element.tag] = element
        return copy

    top = relink(dataset, _ROOT_LINKS)
    sequence = dataset[DIRECTORY_RECORD_SEQUENCE]
    records = sequence.value
    assert isinstance(records, list)  # record_positions gave positions: a list of data sets
    items = [relink(item, _RECORD_LINKS) for item in records if isinstance(item, Dataset)]
    top[DIRECTORY_RECORD_SEQUENCE] = DataElement(
        DIRECTORY_RECORD_SEQUENCE, "SQ", items, undefined_length=sequence.undefined_length
    )
    return top

