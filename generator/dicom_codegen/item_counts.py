"""How many Items a sequence attribute's description says its Sequence holds.

PS3.3 states it in a sentence of its own: "One or more Items shall be included in this
Sequence.", "Only a single Item is permitted in this Sequence.", "Zero or one Item shall
be included in this Sequence.", "One, two, or three Items shall be included in this
Sequence.", "A single Item shall be present.", "No more than one Item shall be included in
this Sequence.", "Shall consist of a single Item whose Attributes convey ...". Such a
sentence gives (minimum, maximum), maximum ``None`` for "or more" and "at least". It must
start a sentence and end it ("... in this Sequence.", or a comma that goes on without a
condition: "..., one Item for each nonconforming Attribute."): one that begins after a
clause ("If Multi-energy CT Acquisition (0018,9361) is YES, one or more Items ...") or
goes on with one ("..., unless Dose Summation Type (3004,000A) is MULTI_PLAN, in which
case two or more Items ...", "... in this Sequence if ...") states a count under a
condition, which is not read.

"If more than one Item, the number and order shall correspond to the value of Operators'
Name (0008,1070), if present." (and "The number and order of Items shall correspond to
the number and order of values of ..., if present.") ties the number of Items to the
number of values of another attribute (:attr:`ItemCount.values_of`).

Every other sentence of a sequence's description that speaks of a number of Items
("The number of Items shall be identical to the value of Number of Wedges (300A,00D0).",
"If more than one Item, the number and order shall correspond to ...") is kept as not
read (:attr:`ItemCount.unread`), for the generation report and ``item_counts.txt``, so
that no count is dropped unseen.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from .model import AttributeRow, AttributeTable

_NUMBERS = {"zero": 0, "a single": 1, "one": 1, "two": 2, "three": 3, "four": 4}
_NUMBER = r"(?:a single|zero|one|two|three|four)"
#: "Only a single Item shall be included in this Sequence.", "One, two, or three Items
#: ...", "At least one item ...", "Only one Item shall be permitted."; also the
#: reconstruction's run-together words ("shall beincludedin this Sequence"). It must end
#: the sentence: a full stop, the end, a next sentence run on without one (a capital), or
#: a comma that no condition follows.
_STATEMENT = re.compile(
    rf"\b(?P<quantity>(?:only |exactly |at least |no more than )?{_NUMBER}(?:(?:,| or|, or) (?:{_NUMBER}|more))*)"
    r"\s+items?\s+(?:shall|is|are|may)\s*(?:be\s*)?(?:included|permi+t+ed|allowed|present)"
    r"(?:\s*(?:in|for)\s*(?:this|the)\s*sequence)?"
    r'(?=\s*(?:\.|$)|\s+(?-i:["A-Z])|,(?![^.]*\b(?:unless|if|except|when|in which case)\b))',
    re.I,
)
#: "Shall consist of a single Item whose Attributes convey the cell value(s) ...".
_CONSISTS = re.compile(r"\b(?P<quantity>Shall consist of (?:a single|one)) Item\b")
#: "If more than one Item, the number and order shall correspond to the value of Operators'
#: Name (0008,1070), if present.", "The number and order of Items shall correspond to the
#: number and order of values of Operators' Name (0008,1070), if present.": as many Items as
#: the attribute has values, once there are more than one Item (the first) or at all.
_CORRESPONDS = re.compile(
    r"^(?P<more>If more than one Item, )?the number and order (?:of Items )?shall correspond to the "
    r"(?:number and order of )?values? of (?P<name>.+?) \((?P<tag>[0-9A-F]{4},[0-9A-F]{4})\), if present\.$",
    re.I,
)
#: A sentence about how many Items there are that neither pattern reads.
_ABOUT_COUNT = re.compile(
    r"\bitems?\b.*\b(?:single|zero|one|two|three|more|number|exactly|only|least|multiple)\b"
    r"|\b(?:single|zero|one|two|three|more|number|exactly|only|least|multiple)\b.*\bitems?\b",
    re.I,
)


@dataclass(frozen=True)
class ItemCount:
    """What a description says of its Sequence's number of Items."""

    count: tuple[int, int | None] | None  # (minimum, maximum); None where no sentence was read
    read: tuple[str, ...]  # the sentences read
    unread: tuple[str, ...]  # the sentences about a number of Items that were not
    #: As many Items as another attribute of the table has values, if it is present: (its tag
    #: "gggg,eeee", the fewest Items the rule applies to: 2 for "If more than one Item, ...").
    values_of: tuple[str, int] | None = None
    values_read: str = ""  # the sentence that says so


def quantity(words: str) -> tuple[int, int | None]:
    """"One or more" -> (1, None); "Only a single" -> (1, 1); "One, two, or three" -> (1, 3);
    "At least one" -> (1, None); "Zero or one" and "No more than one" -> (0, 1)."""
    text = words.lower()
    numbers = [_NUMBERS[n] for n in re.findall(rf"\b{_NUMBER}\b", text)]
    if text.startswith("no more than"):
        return 0, max(numbers)
    unbounded = "more" in text.split() or text.startswith("at least")
    return min(numbers), None if unbounded else max(numbers)


def item_count(description: str) -> ItemCount:
    """The count the description states, with the sentences read and those not read.
    Two sentences that state different counts are both left unread (the description
    contradicts itself, or one of them is conditional in a way the patterns miss)."""
    text = " ".join(description.split())
    found: dict[str, tuple[int, int | None]] = {}
    for pattern in (_STATEMENT, _CONSISTS):
        for match in pattern.finditer(text):
            if not text[match.start()].isupper():
                continue  # within a sentence: "If ... is YES, one or more Items shall be ..."
            sentence = _sentence_at(text, match.start(), match.end())
            found.setdefault(sentence, quantity(match.group("quantity")))
    counts = set(found.values())
    read = tuple(found) if len(counts) == 1 else ()
    values_of: tuple[str, int] | None = None
    values_read = ""
    unread: list[str] = []
    for sentence in _sentences(text):
        if not _ABOUT_COUNT.search(sentence) or any(r in sentence or sentence in r for r in read):
            continue
        corresponds = _CORRESPONDS.match(sentence)
        if corresponds is not None and values_of is None:
            values_of, values_read = (corresponds.group("tag"), 2 if corresponds.group("more") else 1), sentence
            continue
        unread.append(sentence)
    return ItemCount(counts.pop() if len(counts) == 1 else None, read, tuple(dict.fromkeys(unread)), values_of, values_read)


def values_of_keyword(values_of: tuple[str, int] | None, keyword_of: Callable[[str, str], str]) -> tuple[str, int] | None:
    """:attr:`ItemCount.values_of` with the attribute's keyword for its tag (``keyword_of(tag,
    name)``); None where PS3.6 does not know the tag."""
    if values_of is None:
        return None
    tag, least = values_of
    keyword = keyword_of(tag, "")
    return (keyword, least) if keyword else None


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+", text) if s]


def _sentence_at(text: str, start: int, end: int) -> str:
    """The statement a match covers, up to its full stop."""
    stop = text.find(".", end)
    return text[start : stop + 1 if stop >= 0 and stop - end < 2 else end].strip()


def _sequence_rows(tables: tuple[AttributeTable, ...]) -> list[tuple[str, AttributeRow]]:
    return [(t.table, r) for t in tables for r in t.rows if r.tag and r.name.endswith("Sequence")]


def _wordings(rows: list[tuple[str, AttributeRow]]) -> Counter[tuple[str, str]]:
    """(wording, count) -> rows: each sentence read, with its case, spacing and full stop evened out."""
    found: Counter[tuple[str, str]] = Counter()
    for _, row in rows:
        if row.item_count is None:
            continue
        least, most = row.item_count
        for sentence in item_count(row.description).read:
            found[(" ".join(sentence.lower().rstrip(".").split()), f"{least}-{'n' if most is None else most}")] += 1
    return found


def summary(tables: tuple[AttributeTable, ...]) -> str:
    """The generation report's line: how many sequence rows state a count, in how many wordings."""
    rows = _sequence_rows(tables)
    return _summary(rows, _wordings(rows))


def _summary(rows: list[tuple[str, AttributeRow]], wordings: Counter[tuple[str, str]]) -> str:
    counted = sum(1 for _, r in rows if r.item_count is not None)
    unread = sum(len(r.item_sentences_unread) for _, r in rows)
    by_values = sum(1 for _, r in rows if r.item_values_of is not None)
    return (
        f"item counts: {counted} of {len(rows)} sequence attribute rows state one, in {len(wordings)} "
        f"wordings; {by_values} tie it to another attribute's number of values; {unread} sentences about "
        "a number of Items not read (listed in item_counts.txt)"
    )


def listing(edition: str, tables: tuple[AttributeTable, ...]) -> str:
    """item_counts.txt: the wordings read, with how many rows use each and the count they
    give, then every sentence about a number of Items that was not read, by row."""
    rows = _sequence_rows(tables)
    wordings = _wordings(rows)  # each description's sentences parsed once for both parts
    lines = [f"# PS3.3 {edition}: {_summary(rows, wordings)}.", "# Read (rows, count, wording):"]
    lines.extend(f"{n}\t{count}\t{wording}" for (wording, count), n in sorted(wordings.items(), key=lambda kv: (-kv[1], kv[0])))
    lines.append("# Read as the number of values of another attribute (the row, its attribute, that attribute, from how many Items):")
    lines.extend(
        f"{table} row {row.row}: {row.name}: ({row.item_values_of[0]}), from {row.item_values_of[1]} Item{'s' if row.item_values_of[1] > 1 else ''} on"
        for table, row in rows
        if row.item_values_of is not None
    )
    lines.append("# Not read (the row, its attribute, the sentence):")
    lines.extend(f"{table} row {row.row}: {row.name}: {s}" for table, row in rows for s in row.item_sentences_unread)
    return "\n".join(lines) + "\n"
