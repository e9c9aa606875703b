"""The predicate of one clause of a condition sentence ("@3 is present", "Value 1 of
@2 is ORIGINAL or MIXED", "@5 is greater than 1"): the patterns of conditions.py's
step 3, each giving one compiled form of condition_forms, or None where none fits.
"""

from __future__ import annotations

import re

from .condition_forms import (
    AnyOf,
    Compare,
    Condition,
    ContainsCode,
    Equals,
    IncludesTag,
    IsUri,
    Present,
)
from .condition_text import Ref, Sentence

_NUMBERS = {"zero": 0.0, "one": 1.0, "two": 2.0, "three": 3.0}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_SCHEMES = {"DCM", "SCT", "SRT", "LN", "UCUM", "NCIt", "FMA", "RADLEX", "99SDM", "SNM3", "ACR", "NEU", "I10", "I9C"}

#: A clause's subject: an attribute reference (``@n``), with the Value it names.
SUBJECT = re.compile(
    r"^(?:if |that |whether )?(?:either |both |any of |one of |all of )?"
    r"(?:the |a |an |any |one |one_or_more of the )?"
    r"(?:(?P<ord>first|second|third|fourth) values? of |(?:Value|value) (?P<n1>\d+) of |values? (?:of |for |in )?)?"
    r"(?:the )?@(?P<ref>\d+)"
    r"(?:,? [Vv]alue (?P<n2>\d+)| values?)?"
    r"(?: (?:of this frame|at the image level|in this (?:Sequence )?Item|in the same (?:Sequence )?Item|within this (?:Sequence )?Item|"
    r"of this Item|in this Sequence|in the [A-Z][\w -]*? Module|in this Module|of the image))?"
    r"(?: [Ii]tems?)?(?: value)?$"
)
_VALUE_TOKEN = re.compile(
    r"^(?:\$(?P<quoted>\d+)|(?P<number>-?\d+(?:\.\d+)*)|(?P<term>[A-Z0-9][A-Z0-9_]*(?: [A-Z0-9][A-Z0-9_]*)*)|(?P<lower>[a-z][a-z0-9_]*))"
    r"(?: #\d+)?$"
)


class Predicates:
    """The patterns a clause's predicate is matched against, for the clauses of one
    prepared sentence (its references, quoted strings and groups)."""

    def __init__(self, sentence: Sentence) -> None:
        self.sentence = sentence

    def _subject(self, text: str) -> tuple[Ref, int] | None:
        match = SUBJECT.match(re.sub(r"^(?:either|both|neither|any of|none of|one of) ", "", text.strip()))
        if match is None:
            return None
        index = int(match.group("n1") or match.group("n2") or _ORDINALS.get(match.group("ord") or "", 0))
        return self.sentence.refs[int(match.group("ref"))], index

    def predicate(self, subject_text: str, predicate: str) -> Condition | None:
        subject = self._subject(subject_text)
        if subject is None:
            return None
        ref, index = subject
        keyword = ref.keyword
        p = predicate.strip().rstrip(",:").strip()
        p = re.sub(
            r" (?:in this (?:Sequence )?Item|in the same (?:Sequence )?Item|within this (?:Sequence )?Item|in the Data Set|in this Sequence"
            r"|in the [A-Z][\w/ -]*? Module(?: or (?:in )?(?:the )?[A-Z][\w/ -]*? Module)*|in this Item of (?:the )?@\d+)$",
            "",
            p,
        )
        p = re.sub(r"^(?:value is|values are|the value is|is present and the value is|is present and is|is present and)(?= |$)", lambda m: "is" if m.group(0) != "is present and" else "is present and", p)
        # presence
        if re.fullmatch(r"(?:is|are) (?:present|sent|included|used|given|provided)|exists?|is present and (?:is )?not empty", p):
            return None if index else Present(keyword)
        if re.fullmatch(r"(?:is|are) (?:not present|absent|not sent|not included|omitted)|(?:does|do) not exist|(?:is|are) not present or (?:is|are) empty", p):
            return Present(keyword, negate=True)
        if re.fullmatch(
            r"has a value|(?:is|are) present (?:with|and has) an? (?:value|item|Item)s?|(?:is|are) not empty|(?:is|are) non-empty|"
            r"(?:is|are) (?:of )?non-zero length|(?:is|are) not zero[ -]length|has a non-zero length|contains (?:one_or_more|at least one|an) [Ii]tems?|"
            r"(?:is|are) present and (?:has|have) (?:a )?values?|(?:is|are) present with (?:a )?values?|is non-null|"
            r"(?:contains|has) (?:one_or_more )?[Ii]tems",
            p,
        ):
            return Present(keyword, with_value=True)
        if re.fullmatch(r"(?:is|are) empty|(?:is|are) zero[ -]length|has no value|(?:is|are) present with(?:out a| no) value", p):
            return Present(keyword, negate=True, with_value=True)
        # "is either absent or NO": absent, or that value
        absent_or = re.fullmatch(r"(?:is|are) (?:either )?(?:absent|not present) or (?:is |has a value of )?(?P<rest>[^,]+)", p)
        if absent_or:
            value = self.predicate(subject_text, "is " + absent_or.group("rest"))
            return None if value is None else AnyOf((Present(keyword, negate=True), value))
        # URN or URL
        uri = re.fullmatch(r"(?:is|has a value that is) (?P<neg>not )?an? (?:URN|URL|URI)(?: or (?:an? )?(?:URN|URL|URI))?", p)
        if uri:
            return IsUri(keyword, bool(uri.group("neg")))
        # numbers
        number = self._number(keyword, index, p)
        if number is not None:
            return number
        # tags
        tag = self._tag(keyword, p)
        if tag is not None:
            return tag
        # code items
        code = self._code(keyword, p)
        if code is not None:
            return code
        # values
        return self._equals(keyword, index, p)

    _COMPARATORS = (
        ("greater than or equal to", ">="),
        ("less than or equal to", "<="),
        ("greater than", ">"),
        ("more than", ">"),
        ("less than", "<"),
        ("fewer than", "<"),
    )

    def _number(self, keyword: str, index: int, p: str) -> Condition | None:
        if re.fullmatch(
            r"(?:is|are) (?:non-zero|not zero|nonzero|other than zero|not equal to zero|not 0)|(?:is present and )?(?:has|have) a (?:non-zero|nonzero) value|is present and (?:is )?non-zero",
            p,
        ):
            return Compare(keyword, "!=", 0.0, index)
        if re.fullmatch(r"(?:is|equals|has a value of|is present and (?:is|has a value of)) zero", p):
            return Compare(keyword, "==", 0.0, index)
        match = re.fullmatch(
            r"(?:is present and )?(?:is|are|has a value(?: of)?|has values?|has a value that is|with a value|value is|is present with a value)? ?"
            r"(?P<cmp>greater than or equal to|less than or equal to|greater than|more than|less than|fewer than) (?P<n>-?\d+(?:\.\d+)?|zero|one|two|three)",
            p,
        )
        if match is None:
            return None
        op = dict(self._COMPARATORS)[match.group("cmp")]
        value = match.group("n")
        return Compare(keyword, op, _NUMBERS[value] if value in _NUMBERS else float(value), index)

    def _tag(self, keyword: str, p: str) -> Condition | None:
        if re.fullmatch(r"(?:value )?(?:is|contains|includes) (?:the|a) (?:Data Element )?[Tt]ag of a [Pp]rivate (?:Attribute|Data Element)", p):
            return IncludesTag(keyword, (), private=True)
        match = re.fullmatch(
            r"(?:includes|contains|points to|is|has a value of|equals)(?: the)?(?: (?:Data Element )?[Tt]ag (?:for|of))?(?: the)? (?P<refs>@\d+(?:(?:,| or|, or) (?:the )?@\d+)*)(?: #\d+)?",
            p,
        )
        if match is None:
            return None
        tags = tuple(self.sentence.refs[int(n)].tag for n in re.findall(r"@(\d+)", match.group("refs")))
        if not all(tags):
            return None
        return IncludesTag(keyword, tags)

    def _code(self, keyword: str, p: str) -> Condition | None:
        match = re.fullmatch(
            r"(?P<neg>does not contain|is not|not)?(?:contains|includes|equals|has|is|is present with|has an Item (?:with )?(?:the )?value)?"
            r"(?: (?:an?|one|any|at least one) [Ii]tems?(?: (?:with|of|whose value is|that has))?(?: the)?(?: (?:value|code))?s?(?: of)?)?(?: either)? ?"
            r"(?P<codes>#\d+(?:(?:,| or|, or) #\d+)*)",
            p,
        )
        if match is None:
            return None
        codes: list[tuple[str, str]] = []
        for n in re.findall(r"#(\d+)", match.group("codes")):
            parts = [self.sentence.unmask(x).strip().strip('"') for x in self.sentence.groups[int(n)].split(",")]
            if len(parts) < 3:
                return None
            value, scheme = parts[0], parts[1]
            if value in _SCHEMES and scheme not in _SCHEMES:
                value, scheme = scheme, value
            codes.append((value, scheme))
        return ContainsCode(keyword, tuple(codes), bool(match.group("neg")))

    _EQUALS = re.compile(
        r"^(?P<op>equals other than|is other than|has a value other than|has values other than|is present with a value other than|"
        r"is present and has a value other than|is present and has a value of other than|is not equal to|does not equal|is not any of|"
        r"is not one of|is not|not|is neither"
        r"|is present with a value of|is present with value|is present with values? of|is present and has a value of|is present and equals|"
        r"is present with|is present and has value|has a value of|has the values?|has values? of|has value|has values|has|is set to|is equal to|is EQUAL to|"
        r"equals|is one of|is any of|is of [Vv]alue|contains the values?|contains|includes|is|=|are)(?: either| one of| any of| a value of| the value| the values?| value| values)?:? (?P<values>.+)$"
    )
    _NEGATIVE = frozenset({
        "equals other than", "is other than", "has a value other than", "has values other than", "is present with a value other than",
        "is present and has a value other than", "is present and has a value of other than", "is not equal to", "does not equal",
        "is not any of", "is not one of", "is not", "not", "is neither",
    })

    def _equals(self, keyword: str, index: int, p: str) -> Condition | None:
        match = self._EQUALS.match(p)
        if match is None:
            return None
        values: list[str] = []
        if re.search(r"\band\b", match.group("values")):
            return None  # "is A and B": not a list of alternatives
        for token in re.split(r",? (?:or|nor) |, ", match.group("values")):
            token = token.strip().removeprefix("not ").strip()
            value = self._value(token)
            if value is None:
                return None
            values.append(value)
        if not values:
            return None
        return Equals(keyword, tuple(values), index, match.group("op") in self._NEGATIVE)

    def _value(self, token: str) -> str | None:
        group = re.fullmatch(r"(?:[A-Z][\w -]*? )?#(\d+)", token)
        if group:  # RT Structure Set Storage ("1.2.840...")
            inner = self.sentence.groups[int(group.group(1))].strip()
            quoted = re.fullmatch(r"\$(\d+)", inner)
            if quoted:
                return self.sentence.quoted[int(quoted.group(1))]
            if re.fullmatch(r"\d+(?:\.\d+)+", inner):
                return inner
        match = _VALUE_TOKEN.match(token)
        if match is None:
            return None
        if match.group("quoted") is not None:
            return self.sentence.quoted[int(match.group("quoted"))]
        if match.group("lower") is not None:
            return None  # prose, not a value
        return match.group("number") or match.group("term")
