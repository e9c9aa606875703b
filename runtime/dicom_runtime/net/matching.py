"""PS3.4 C.2.2.2 attribute matching, and the C-FIND answers built from matched instances.

Shared by the storage SCP's query index (:mod:`.index`) and by :class:`ScanningQuery`,
the former implementation that reads the header of every file of a folder for each
query. The index must give the same results as the scan; the property tests hold it to
that (``tests/runtime/net/test_index_property.py``).

Matching is per instance: an instance matches when every key of the identifier (other
than Query/Retrieve Level, Specific Character Set and the computed keys of
:data:`COMPUTED_KEYS`) matches its attribute; a sequence key by the keys of its item
(:func:`sequence_matches`, PS3.4 C.2.2.2.6). The matched instances are grouped by the
unique key of the level; each group gives one answer, whose values are those of the
group's first instance in file name order.
"""

from __future__ import annotations

import datetime
import fnmatch
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from ..dataset import DataElement, Dataset, Value
from ..dictionary import keyword_of
from ..errors import DicomEncodeError, DicomError
from ..fileformat import read_file
from ..reader import Encoding
from ..tag_text import tag_text
from ..writer import encode_dataset
from .dt_matching import DateTimeError, dt_matches, key_interval, zone_minutes

log = logging.getLogger("dicom_runtime.net")

LEVEL_KEYS = {"PATIENT": 0x00100020, "STUDY": 0x0020000D, "SERIES": 0x0020000E, "IMAGE": 0x00080018}
LEVELS = ("PATIENT", "STUDY", "SERIES", "IMAGE")
RANGE_VRS = frozenset({"DA", "TM", "DT"})
SPECIFIC_CHARACTER_SET = 0x00080005
NOT_KEYS = frozenset({0x00080052, SPECIFIC_CHARACTER_SET})
"""Query/Retrieve Level and Specific Character Set: in an identifier, but never matched."""
TIMEZONE_OFFSET = 0x00080201
"""Timezone Offset From UTC: in an identifier, not matched but the offset of its DT keys
that have none of their own (PS3.4 C.2.2.2.1.3, C.2.2.2.5.1; :mod:`.dt_matching`); in an
instance, that of its DT values without one. Returned as the instance has it."""

COMPUTED_KEYS: dict[int, tuple[str, str, str]] = {
    0x00201200: ("PATIENT", "IS", "studies"),    # Number of Patient Related Studies
    0x00201202: ("PATIENT", "IS", "series"),     # Number of Patient Related Series
    0x00201204: ("PATIENT", "IS", "instances"),  # Number of Patient Related Instances
    0x00201206: ("STUDY", "IS", "series"),       # Number of Study Related Series
    0x00201208: ("STUDY", "IS", "instances"),    # Number of Study Related Instances
    0x00080061: ("STUDY", "CS", "modalities"),   # Modalities in Study
    0x00080062: ("STUDY", "UI", "sop_classes"),  # SOP Classes in Study
    0x00201209: ("SERIES", "IS", "instances"),   # Number of Series Related Instances
}
"""Return keys of PS3.4 C.6.1.1 / C.6.2.1 that no instance holds: computed by the SCP over the
matched instances of each entity (``level``, VR, what is counted or collected). As matching
keys, Modalities in Study and SOP Classes in Study match a study with any such series or instance."""


class Header(Protocol):
    """What matching reads of an instance: its elements by tag (a :class:`Dataset` is one)."""

    def get(self, key: int, /) -> DataElement | None: ...

    def value(self, key: int) -> Value: ...


def check_level(level: str) -> None:
    if level not in LEVEL_KEYS:
        raise DicomError(f"Query/Retrieve Level {level!r} is not one of {', '.join(LEVELS)}")


STUDY_ROOT = frozenset({"1.2.840.10008.5.1.4.1.2.2.1", "1.2.840.10008.5.1.4.1.2.2.2", "1.2.840.10008.5.1.4.1.2.2.3"})
"""The Study Root Query/Retrieve Information Model's FIND, MOVE and GET SOP classes: no PATIENT level."""


def hierarchy_problem(sop_class: str, identifier: Dataset, *, query: bool = True) -> str | None:
    """Why an identifier is not a hierarchical query of its information model (PS3.4
    C.4.1.2.1; relational queries are not negotiated): a level the model has not (Study Root
    has no PATIENT level, C.6.2), or a level above the Query/Retrieve Level whose Unique Key is
    absent or not a single value. ``query`` False (C-MOVE, C-GET): the level, and the level's
    own Unique Key (:func:`retrieve_key_problem`) - a retrieval names the entities it wants by
    their Unique Keys, and is served without the higher levels' ones, as a relational retrieval
    would be. A C-FIND below the model's top level whose own level's Unique Key is one UID or
    a list of UIDs (as a retrieval names them) is answered without the higher levels' keys:
    the unique keys decide it (a lenient extension, so that ``dicom-net get`` of SOP Instance
    UIDs alone can learn their SOP classes and propose their own transfer syntaxes). None if
    nothing is wrong."""
    level = identifier.value(0x00080052)
    if isinstance(level, list):  # its VM is 1 (PS3.6); a list was reported as ''
        return f"Query/Retrieve Level has {len(level)} values ({', '.join(str(v) for v in level)}), not one"
    level = level.strip() if isinstance(level, str) else ""
    if level not in LEVEL_KEYS:
        return f"Query/Retrieve Level {level!r} is not one of {', '.join(LEVELS)}"
    study_root = sop_class in STUDY_ROOT
    if study_root and level == "PATIENT":
        return "the Study Root model has no PATIENT level (PS3.4 C.6.2)"
    if not query:
        return retrieve_key_problem(identifier, level)
    above = LEVELS[1 if study_root else 0 : LEVELS.index(level)]
    if above and retrieve_key_problem(identifier, level) is None:
        return None
    for higher in above:
        tag = LEVEL_KEYS[higher]
        value = identifier.value(tag)
        text = value.strip("\0 ") if isinstance(value, str) else ""
        if not text or "\\" in text or (tag == 0x00100020 and any(c in text for c in "*?")):
            name = _KEY_NAMES[tag]
            # the Error Comment (LO) holds 64 characters: the longest, IMAGE and Series, fits them
            return f"{level} query needs one {name}: no relational queries"
    return None


_KEY_NAMES = {0x00100020: "Patient ID", 0x0020000D: "Study Instance UID", 0x0020000E: "Series Instance UID", 0x00080018: "SOP Instance UID"}


def retrieve_key_problem(identifier: Dataset, level: str) -> str | None:
    """Why a C-MOVE or C-GET identifier does not name the entities of its Query/Retrieve Level
    ``level`` (PS3.4 C.4.2.2.1, C.4.3.2.1: "the SCU shall supply a single value for one unique
    key if the level of retrieve is above the STUDY level and shall supply one UID, or a list of
    UIDs if ... the retrieve level is STUDY, SERIES or IMAGE"): the level's Unique Key absent,
    empty, with a wild card (``*`` or ``?``, universal matching included), with an empty UID in
    its list, or, at the PATIENT level, more than one Patient ID. Without it the retrieval would
    send every instance the other keys match (the whole archive, for an identifier of the level
    alone). None if nothing is wrong."""
    tag = LEVEL_KEYS[level]
    name = f"{_KEY_NAMES[tag]} {tag_text(tag)}"
    needs = "a single value" if level == "PATIENT" else "one UID or a list of UIDs"
    element = identifier.get(tag)
    value = None if element is None else element.value
    values = [str(v) for v in value] if isinstance(value, list) else [] if value is None else [str(value)]
    values = [v for part in values for v in part.split("\\")]  # a value read as one text with its backslashes
    stripped = [v.strip("\0 ") for v in values]
    shown = "\\".join(values)
    if element is None:
        what = "no"
    elif not any(stripped):
        what = "empty"
    elif any(c in v for v in stripped for c in "*?"):
        what = "wild card in"
    elif level == "PATIENT" and len(stripped) > 1:
        what = f"{len(stripped)} values in"
    elif not all(stripped):
        what = "empty value in"
    else:
        return None
    # Within an Error Comment's 64 characters, what is said first: the key wanted.
    core = f"{level} retrieval: {what} {name}"
    for more in (f" '{shown}'" if what not in ("no", "empty") else "", f", needs {needs}"):
        if more and len(core + more) <= 64:
            core += more
    return core


def matching_keys(identifier: Dataset) -> list[DataElement]:
    """The keys of ``identifier`` each instance is matched against."""
    return [e for e in identifier.elements()
            if e.tag not in NOT_KEYS and e.tag != TIMEZONE_OFFSET and e.tag not in COMPUTED_KEYS]


def _joined(value: Value | None) -> str | None:
    """A text value as one text, its values joined by backslashes (None for none)."""
    if value is None:
        return None
    return "\\".join(str(v) for v in value) if isinstance(value, list) else str(value)


def query_zone(identifier: Dataset) -> int | None:
    """The identifier's Timezone Offset From UTC in minutes (None: absent or empty), the
    offset of its DT keys without one; :class:`.dt_matching.DateTimeError` if it is no offset."""
    return zone_minutes(identifier.value(TIMEZONE_OFFSET))


def _name(tag: int) -> str:
    keyword = keyword_of(tag)
    return f"{keyword + ' ' if keyword else ''}{tag_text(tag)}"


def key_problem(identifier: Dataset) -> str | None:
    """Why the identifier's matching keys cannot be matched, the attribute and its value
    named: a Timezone Offset From UTC that is no offset, or a DT key that is no DT value or
    range of them (:mod:`.dt_matching`); None if nothing is wrong. (A DA or TM key that is no
    date or time matches nothing, or its own text, as :func:`matches` says.)"""
    try:
        zone = query_zone(identifier)
    except DateTimeError as exc:
        return f"{_name(TIMEZONE_OFFSET)}: {exc}"
    return _keys_problem(matching_keys(identifier), zone)


def _keys_problem(keys: Sequence[DataElement], zone: int | None) -> str | None:
    """:func:`key_problem` of some keys (an identifier's, or a sequence key's item's): a
    sequence key has one item (PS3.4 C.2.2.2.6), whose keys are checked alike."""
    for key in keys:
        if key.vr == "SQ" and isinstance(key.value, list):
            if len(key.value) > 1:
                return f"{_name(key.tag)}: {len(key.value)} items, a sequence key has one (PS3.4 C.2.2.2.6)"
            if key.value:
                problem = _keys_problem(_key_item(key), zone)
                if problem is not None:
                    return problem
            continue
        if key.vr != "DT" or is_universal(key):
            continue
        try:
            key_interval(str(_joined(key.value)), zone)
        except DateTimeError as exc:
            return f"{_name(key.tag)}: {exc}"
    return None


def instance_matches(keys: Sequence[DataElement], header: Header, zone: int | None) -> bool:
    """Whether an instance matches every key of ``keys`` (:func:`matching_keys`), those of
    VR DT in the identifier's offset ``zone`` (:func:`query_zone`) and the instance's
    Timezone Offset From UTC; DateTimeError for a DT key that is none (:func:`key_problem`)."""
    stored: str | None = None
    if any(k.vr == "DT" for k in keys):
        stored = _joined(header.value(TIMEZONE_OFFSET))
    return all(matches(k, header.get(k.tag), key_zone=zone, value_zone=stored) for k in keys)


WILDCARD_EXCLUDED = frozenset({"UI", "DA", "TM", "DT"})
"""VRs whose ``*`` and ``?`` are no wild cards (PS3.4 C.2.2.2.4)."""


def is_universal(key: DataElement) -> bool:
    """Whether every entity matches ``key``, the attribute absent or empty included: a zero
    length value (PS3.4 C.2.2.2.3), or a wild card of ``*`` alone, which matches any
    sequence of characters, none included (C.2.2.2.4: "equivalent to Universal Matching");
    a sequence key of no item, of an empty item (C.2.2.2.6: "all entities shall match"), or
    whose item's keys are all universal (an entity without the sequence matches them too,
    as one without an attribute matches its universal key)."""
    value = key.value
    if value is None or value == "" or value == []:
        return True
    if key.vr == "SQ" and isinstance(value, list):
        return all(is_universal(k) for item in value[:1] if isinstance(item, Dataset) for k in _item_keys(item))
    if not isinstance(value, str) or key.vr in WILDCARD_EXCLUDED:
        return False
    text = value.strip(" ")  # a key's surrounding spaces are padding (PS3.5 6.2); one inside (``* *``) is a character
    return text != "" and not text.strip("*")


def range_bounds(text: str) -> tuple[str, str]:
    """The low and high ends of a range key ``a-b`` (``a-``, ``-b``; empty: open), their
    spaces dropped: a DA, TM or DT value has no leading or embedded spaces, only trailing
    padding (PS3.5 6.2), so ``20200101 - 20201231`` is the range its form in PS3.4
    C.2.2.2.5 spells, and `` 1200-`` starts at 1200."""
    low, high = text.split("-", 1)
    return low.strip(" "), high.strip(" ")


_TIME = re.compile(r"(\d\d)(\d\d)?(\d\d)?(?:\.(\d{1,6}))?")
_DATE = re.compile(r"\d{8}")
ACR_NEMA_DATE = re.compile(r"\d{4}\.\d\d\.\d\d")


def normal_time(value: str) -> str | None:
    """A TM value as ``HHMMSS.FFFFFF``, the components it leaves out zero (``0830`` is
    08:30:00, PS3.5 6.2), so that times compare by their meaning as strings of one length
    (the ACR-NEMA form ``08:30:00``, colons dropped, is this form); None if it is no time,
    an hour above 23, a minute above 59 or a second above 60 included, as for DT values."""
    found = _TIME.fullmatch(value.strip(" ").replace(":", ""))
    if found is None:
        return None
    hours, minutes, seconds, fraction = found.groups()
    if int(hours) > 23 or int(minutes or 0) > 59 or int(seconds or 0) > 60:  # 60: a leap second (PS3.5 6.2)
        return None
    return f"{hours}{minutes or '00'}{seconds or '00'}.{(fraction or '').ljust(6, '0')}"


def normal_date(value: str) -> str | None:
    """A DA value as ``YYYYMMDD``, the ACR-NEMA form ``YYYY.MM.DD`` included (PS3.5 6.2
    recommends reading it); None if it is no date, a day that no calendar has included
    (``20041301``, ``20040230``, ``20049999``: PS3.5 6.2's dates are the Gregorian
    calendar's, years 0001 to 9999, as for DT values)."""
    text = value.strip(" ")
    if ACR_NEMA_DATE.fullmatch(text):
        text = text.replace(".", "")
    if not _DATE.fullmatch(text):
        return None
    try:
        datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
    return text


def _by_meaning(vr: str, text: str, haves: list[str]) -> bool:
    """DA and TM matching by the values' meaning (C.2.2.2.1.3, C.2.2.2.5). A range whose end
    is no date or time (``2010-2011``, ``0830-0900-1000``, ``20041301-``, ``-20049999``,
    ``2500-``: :func:`normal_date`, :func:`normal_time`) matches nothing, nor a stored value
    that is none; a single value that is none matches the same text only."""
    meaning = normal_date if vr == "DA" else normal_time
    values = [meaning(h) for h in haves]
    if "-" in text:
        ends = range_bounds(text)
        low, high = (meaning(end) if end else "" for end in ends)
        if low is None or high is None:
            return False
        # an empty value is in no range, open at either end or not (PS3.4 C.2.2.2.5)
        return any(v is not None and (not low or v >= low) and (not high or v <= high) for v in values)
    wanted = meaning(text)
    if wanted is None:
        return any(h.strip(" ") == text.strip(" ") for h in haves)
    return wanted in values


def wildcard_pattern(text: str) -> str:
    """A wild card key as an ``fnmatch``/``GLOB`` pattern: its surrounding spaces dropped, as
    single value matching drops them (PS3.5 6.2: not significant in an AE, CS, LO, PN or SH
    value), so `` D*`` is ``D*``; ``[`` escaped, a character like any other."""
    return text.strip(" ").replace("[", "[[]")


def matches(key: DataElement, element: DataElement | None, *, key_zone: int | None = None, value_zone: str | None = None) -> bool:
    """PS3.4 C.2.2.2: universal, single value, wildcard, UID list and range matching. A DT
    key matches by the moments it and the values name (:func:`.dt_matching.dt_matches`):
    ``key_zone`` is the identifier's Timezone Offset From UTC in minutes, ``value_zone`` the
    instance's (its text), each for the DT values without an offset (None: UTC).
    DateTimeError if a DT key is no DT value or range of them."""
    if is_universal(key):
        return True
    if key.vr == "SQ":
        return sequence_matches(key, element, key_zone=key_zone, value_zone=value_zone)
    wanted = key.value
    if element is None or element.value is None:
        return False
    have = element.value
    haves = [str(v) for v in have] if isinstance(have, list) else [str(have)]
    if isinstance(wanted, list):
        if key.vr == "UI":
            return any(h in [str(w) for w in wanted] for h in haves)
        wanted = "\\".join(str(w) for w in wanted)
    text = str(wanted)
    if key.vr in ("DA", "TM"):  # by their meaning: 0830 is 083000
        return _by_meaning(key.vr, text, haves)
    if key.vr == "DT":  # by the moments named: 2020 is the whole year, offsets applied
        return dt_matches(text, haves, key_zone, value_zone)
    if key.vr == "UI" and "\\" in text:
        return any(h in text.split("\\") for h in haves)
    if ("*" in text or "?" in text) and key.vr not in WILDCARD_EXCLUDED:
        pattern = wildcard_pattern(text)
        return any(fnmatch.fnmatchcase(h.strip(), pattern) for h in haves)
    return any(h.strip() == text.strip() for h in haves)


def _item_keys(item: Dataset) -> list[DataElement]:
    """The keys of a sequence key's item (Specific Character Set is never matched)."""
    return [e for e in item.elements() if e.tag != SPECIFIC_CHARACTER_SET]


def _key_item(key: DataElement) -> list[DataElement]:
    """The keys of a sequence key's (first) item; none for a key of no item."""
    items = _items(key)
    return _item_keys(items[0]) if items else []


def _items(element: DataElement | None) -> list[Dataset]:
    value = None if element is None else element.value
    return [item for item in value if isinstance(item, Dataset)] if isinstance(value, list) else []


def sequence_matches(key: DataElement, element: DataElement | None, *, key_zone: int | None = None, value_zone: str | None = None) -> bool:
    """PS3.4 C.2.2.2.6: a sequence key (one item of keys) matches an entity one of whose items
    matches every key of the item, each by its own kind of matching (sequences recursively).
    A key of no item, or of an empty item, is universal (:func:`is_universal`)."""
    if is_universal(key):
        return True
    keys = _key_item(key)
    return any(
        all(matches(k, item.get(k.tag), key_zone=key_zone, value_zone=value_zone) for k in keys) for item in _items(element)
    )


def answered_sequence(key: DataElement, element: DataElement | None, *, key_zone: int | None = None, value_zone: str | None = None) -> DataElement:
    """The sequence an answer returns for a sequence key (PS3.4 C.2.2.2.6): for a key of no
    item or an empty one, the entity's whole sequence ("the entire Sequence of Items"); else
    its items that match the key's item, each holding only the item's keys (zero length where
    the item lacks one; a nested sequence key returned so too). Empty where the entity has none."""
    keys = _key_item(key)
    if not keys:
        return element if element is not None and element.vr == "SQ" else DataElement(key.tag, "SQ", [])
    returned: list[Dataset] = []
    for item in _items(element):
        if not all(matches(k, item.get(k.tag), key_zone=key_zone, value_zone=value_zone) for k in keys):
            continue
        reduced = Dataset()
        charset = item.get(SPECIFIC_CHARACTER_SET)
        if charset is not None:
            reduced[SPECIFIC_CHARACTER_SET] = charset
        for k in keys:
            found = item.get(k.tag)
            if k.vr == "SQ":
                reduced[k.tag] = answered_sequence(k, found, key_zone=key_zone, value_zone=value_zone)
            else:
                reduced[k.tag] = found if found is not None else DataElement(k.tag, k.vr, None)
        returned.append(reduced)
    return DataElement(key.tag, "SQ", returned)


def matches_any(key: DataElement, computed: DataElement) -> bool:
    """A matching key on a computed attribute: several values (``CT\\MR``) match an entity
    with any of them (PS3.4 C.6.2.1.2 for Modalities in Study)."""
    if isinstance(key.value, list) and key.vr != "UI":
        return any(matches(DataElement(key.tag, key.vr, str(v)), computed) for v in key.value)
    return matches(key, computed)


def computed(tag: int, members: Sequence[Header]) -> DataElement:
    """A :data:`COMPUTED_KEYS` attribute of the entity whose instances are ``members``."""
    _, vr, what = COMPUTED_KEYS[tag]

    def values(key: int) -> list[str]:
        found: list[str] = []
        for member in members:
            value = member.value(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and item.strip() and item.strip() not in found:
                    found.append(item.strip())
        return found

    if what == "modalities":
        return DataElement(tag, vr, sorted(values(0x00080060)) or None)
    if what == "sop_classes":
        return DataElement(tag, vr, sorted(values(0x00080016)) or None)
    key = {"studies": 0x0020000D, "series": 0x0020000E, "instances": 0x00080018}[what]
    return DataElement(tag, vr, str(len(values(key))))


def answers(identifier: Dataset, level: str, matched: Iterable[tuple[Path, Header]]) -> Iterator[Dataset]:
    """The C-FIND answers of the instances ``matched`` (in file name order): one per entity
    of ``level``, with the identifier's return keys filled in. An answer carries the
    Specific Character Set of the instance its values come from, whether the identifier
    asks for it or not, and none if the instance has none (PS3.4 C.4.1.1.3.2: it is in a
    Response Identifier where its attributes may use other character sets than the
    default repertoire; never matched, C.2.2.2)."""
    groups: dict[str, list[Header]] = {}
    for _, header in matched:
        unique = header.value(LEVEL_KEYS[level])
        if isinstance(unique, str):
            groups.setdefault(unique, []).append(header)
    computed_keys = [e for e in identifier.elements() if e.tag in COMPUTED_KEYS and COMPUTED_KEYS[e.tag][0] == level]
    try:
        zone = query_zone(identifier) if any(e.vr == "SQ" for e in identifier.elements()) else None
    except DateTimeError:  # refused before matching (key_problem); matched in UTC otherwise
        zone = None
    for members in groups.values():
        header = members[0]
        values = {e.tag: computed(e.tag, members) for e in computed_keys}
        if not all(matches_any(e, values[e.tag]) for e in computed_keys):
            continue
        answer = Dataset()
        answer.add(0x00080052, "CS", level)
        charset = header.get(SPECIFIC_CHARACTER_SET)
        if charset is not None and charset.value not in (None, "", []):
            answer[SPECIFIC_CHARACTER_SET] = DataElement(SPECIFIC_CHARACTER_SET, "CS", charset.value)
        for element in identifier.elements():
            if element.tag in NOT_KEYS:
                continue
            value = values.get(element.tag) or header.get(element.tag)
            if element.vr == "SQ":
                value = answered_sequence(element, value, key_zone=zone, value_zone=_joined(header.value(TIMEZONE_OFFSET)))
            if value is None and element.tag == TIMEZONE_OFFSET:
                continue  # "shall not be sent with a zero-length value" (PS3.4 C.4.1.1.3.2)
            if value is None:
                # absent from the entity: a zero-length value, for a sequence an empty one (PS3.4 C.2.2.2.6)
                value = DataElement(element.tag, element.vr, [] if element.vr == "SQ" else None)
            answer[element.tag] = value
        yield answer


def encode_answer(answer: Dataset, encoding: Encoding) -> bytes:
    """A C-FIND answer, encoded in the Specific Character Set it declares; where its values
    are not all in that set (an instance declaring none that holds other characters), in
    UTF-8, declared ISO_IR 192 (PS3.4 C.4.1.1.3.2: the SCP may answer in another character
    set than the one asked for). DicomEncodeError, that of the declared set, if neither
    encodes it."""
    try:
        return encode_dataset(answer, encoding)
    except DicomEncodeError as exc:
        if answer.value(SPECIFIC_CHARACTER_SET) == "ISO_IR 192":
            raise
        failure = exc
    utf8 = Dataset()
    for element in answer.elements():
        utf8[element.tag] = element
    utf8.add(SPECIFIC_CHARACTER_SET, "CS", "ISO_IR 192")
    try:
        data = encode_dataset(utf8, encoding)
    except DicomEncodeError:
        raise failure from None
    log.info("a C-FIND answer is sent in ISO_IR 192 (UTF-8), not in its own character set: %s", failure)
    return data


def read_header(path: Path) -> Dataset:
    """The data set of a stored file up to its pixel data, large values left in the file."""
    return read_file(path, stop_before_pixels=True, defer_size=1024).dataset


class ScanningQuery:
    """The reference implementation: every ``*.dcm`` file of ``root`` is listed, and its
    header read (cached while its modification time stays), on each query. Its cost grows
    with the folder; :class:`.index.Index` answers the same from its database."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._headers: dict[Path, tuple[float, Dataset]] = {}

    def entries(self) -> list[tuple[Path, Dataset]]:
        found: list[tuple[Path, Dataset]] = []
        for path in sorted(self.root.glob("*.dcm")):
            try:
                stamp = path.stat().st_mtime
                cached = self._headers.get(path)
                if cached is None or cached[0] != stamp:
                    cached = (stamp, read_header(path))
                    self._headers[path] = cached
            except (OSError, DicomError):
                continue
            found.append((path, cached[1]))
        return found

    def matching(self, identifier: Dataset, level: str) -> list[tuple[Path, Dataset]]:
        check_level(level)
        keys, zone = matching_keys(identifier), query_zone(identifier)
        return [(path, header) for path, header in self.entries() if instance_matches(keys, header, zone)]

    def find(self, identifier: Dataset, level: str) -> list[Dataset]:
        return list(answers(identifier, level, self.matching(identifier, level)))
