"""Compiling the condition sentences of Type 1C/2C attributes and C modules.

A condition is compiled when its sentence follows one of these patterns, joined
by "and" or by "or" (not both):

* ``<Attribute> (gggg,eeee) is present`` / ``is sent`` / ``has a value`` /
  ``is not present`` / ``is absent``;
* ``<Attribute> (gggg,eeee) [Value n] is|equals|has a value of <V1> [or <V2> ...]``;
* ``<Attribute> (gggg,eeee) [Value n] is not|is other than|equals other than <V1> ...``;
* ``<A> (gggg,eeee) or <B> (gggg,eeee) is present``.

Values are upper-case terms, numbers or quoted strings. Anything else (prose such
as "Required if contrast media was used") is left uncompiled, counted in the
generation report, and reported by validation as not checked, never as met.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_SENTENCE = re.compile(
    r"(?:Required|Shall be present|Required only) if (?P<body>.+?)(?:,?\s+[Mm]ay be present otherwise|,?\s+[Oo]therwise|\.(?:\s|$)|$)",
    re.S,
)
_REFERENCE = (
    r"(?:the value of |the )?(?:Value (?P<index1>\d+) of )?(?P<name>[A-Z][\w'/\-]*(?: [\w'/\-()]+?)*?)"
    r"(?: \((?P<tag>[0-9A-Fa-f]{4},[0-9A-Fa-f]{4})\))?(?: Value (?P<index2>\d+))?(?: of this frame| at the image level)?"
)
_PRESENCE = re.compile(
    r"^(?P<subjects>.+?) (?P<op>is present and has a value|is present|is sent|is used|has a value|is not present|is not sent|is absent)$"
)
_COMPARISON = re.compile(
    r"^(?P<subject>.+?) (?:is present and )?(?P<op>equals other than|is other than|is not equal to|does not equal|is not|has a value of|is equal to|equals|is)(?: a value of)? (?P<values>.+)$"
)
_SUBJECT = re.compile("^" + _REFERENCE + "$")
_VALUE = re.compile(r'^(?:"(?P<quoted>[^"]*)"|(?P<term>[A-Z0-9_][A-Z0-9_ .]*[A-Z0-9_]|[A-Z0-9_]|-?\d+(?:\.\d+)?))$')


@dataclass(frozen=True)
class Present:
    keyword: str
    negate: bool = False


@dataclass(frozen=True)
class Equals:
    keyword: str
    values: tuple[str, ...]
    index: int  # 1-based value number; 0 for any value
    negate: bool = False


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


Condition = Present | Equals | AllOf | AnyOf


@dataclass(frozen=True)
class CompiledCondition:
    """A condition sentence and, where it follows a known pattern, its predicate."""

    text: str
    predicate: Condition | None


def condition_sentence(text: str) -> str:
    """The "Required if ..." part of a description or usage ("" if there is none)."""
    match = _SENTENCE.search(text)
    if match is None:
        return ""
    body = match.group("body").split(";", 1)[0]
    return " ".join(body.split()).rstrip(" ,")


def compile_condition(text: str, keyword_of: Callable[[str, str], str]) -> CompiledCondition:
    """Compile a condition sentence; ``keyword_of(tag, name)`` names an attribute."""
    body = condition_sentence(text)
    if not body:
        return CompiledCondition(" ".join(text.split()), None)
    return CompiledCondition(body, _compile(body, keyword_of))


def _split(body: str, word: str) -> list[str]:
    """Split at " and "/" or " where the right side starts a new attribute clause."""
    parts = re.split(
        rf",? {word} (?=(?:the value of |the |Value \d+ of )?[A-Z][\w'/\- ]*?(?:\([0-9A-Fa-f]{{4}},[0-9A-Fa-f]{{4}}\)| is | equals | has ))",
        body,
    )
    return [p.strip() for p in parts]


def _compile(body: str, keyword_of: Callable[[str, str], str]) -> Condition | None:
    body = body.replace(" and if ", " and ")
    ands = _split(body, "and")
    ors = _split(body, "or")
    if len(ands) > 1 and len(ors) > 1:
        return None  # "and" and "or" together: the precedence is the sentence's, not ours
    if len(ands) > 1:
        parts = [_clause(p, keyword_of) for p in ands]
        return AllOf(tuple(p for p in parts if p is not None)) if all(parts) else None
    if len(ors) > 1:
        # "A (x) or B (y) is present" is one clause with two subjects
        whole = _clause(body, keyword_of)
        if whole is not None:
            return whole
        parts = [_clause(p, keyword_of) for p in ors]
        return AnyOf(tuple(p for p in parts if p is not None)) if all(parts) else None
    return _clause(body, keyword_of)


def _subject(text: str, keyword_of: Callable[[str, str], str]) -> tuple[str, int] | None:
    match = _SUBJECT.match(text.strip())
    if match is None:
        return None
    index = match.group("index1") or match.group("index2") or "0"
    keyword = keyword_of((match.group("tag") or "").upper(), match.group("name"))
    return (keyword, int(index)) if keyword else None


def _clause(text: str, keyword_of: Callable[[str, str], str]) -> Condition | None:
    presence = _PRESENCE.match(text)
    if presence is not None:
        subjects = [_subject(s, keyword_of) for s in re.split(r",? or ", presence.group("subjects"))]
        if not subjects or any(s is None or s[1] for s in subjects):
            return None
        negate = presence.group("op") in ("is not present", "is not sent", "is absent")
        found = [Present(s[0], negate) for s in subjects if s is not None]
        return found[0] if len(found) == 1 else AnyOf(tuple(found))
    comparison = _COMPARISON.match(text)
    if comparison is None:
        return None
    subject = _subject(comparison.group("subject"), keyword_of)
    if subject is None:
        return None
    values = []
    for token in re.split(r",? or |, ", comparison.group("values")):
        match = _VALUE.match(token.strip())
        if match is None:
            return None
        values.append(match.group("quoted") if match.group("quoted") is not None else match.group("term"))
    negate = comparison.group("op") in ("equals other than", "is other than", "is not equal to", "does not equal", "is not")
    return Equals(subject[0], tuple(values), subject[1], negate)
