"""Compiling the condition sentences of Type 1C/2C attributes and C modules.

A description's condition sentence ("Required if ...", "Shall be present if ...",
"Required when ...") is cut from the text around it (notes, "May be present
otherwise", Enumerated Values that follow it) and compiled in three steps:

1. attribute references are found: a name followed by its tag, or a name of two
   words or more that PS3.6 knows (``keyword_of(tag, name)`` resolves both);
   parentheses and quoted strings are set aside so that their "and"/"or" do not count;
2. the sentence is split into clauses at "and"/"or" (also ", and", "and/or",
   "and if", "or if") where a new clause starts; a clause of subjects only ("A or
   B is present") lends its subjects to the next; ", and" / ", or" bind looser
   than a bare "and" / "or" where the sentence mixes both;
3. each clause is matched against the patterns below.

Patterns (subjects: ``X``, ``X Value n``, ``Value n of X``, ``the value of X``,
``X value``, lists of them joined by "," / "or" / "and", "either", "any of";
qualifiers "in this Sequence Item", "of this frame", "at the image level",
"in the ... Module" are accepted: the attribute is looked up on the object the
condition is evaluated on):

* presence: ``is present`` / ``is sent`` / ``is included`` / ``exists``, ``is not
  present`` / ``is absent`` (:class:`Present`), ``has a value`` / ``is present with
  a value`` / ``is not empty`` / ``is empty`` (``with_value``);
* values: ``is`` / ``equals`` / ``=`` / ``has a value of`` / ``is present with a
  value of`` / ``is either ... or`` ``V1, V2 or V3``, negated by ``is not`` / ``is
  other than`` / ``has a value other than`` / ``does not equal`` (:class:`Equals`);
* numbers: ``is greater than N`` / ``has a value greater than N`` / ``less than`` /
  ``is non-zero`` / ``is zero`` (:class:`Compare`);
* ``is a URN or URL`` (:class:`IsUri`);
* code items: ``contains an Item with the value (C, S, "M")`` (:class:`ContainsCode`);
* tags: ``includes the Tag for X (gggg,eeee)``, ``points to X``, ``is the Data
  Element Tag of a Private Attribute`` (:class:`IncludesTag`).

"A or B is not present" reads as neither being present ("either A or B is not
present": one of them missing). In "X is not present and X is a URN", the value
tested is not in the data set: that part is not checked.

A clause that fits no pattern is kept as :class:`NotChecked`, with its cause:
``outside`` when it states a fact outside the data set (it names no attribute, or
speaks of the referenced instance, the equipment, "if known" ...), ``pattern``
when it names attributes in words the compiler does not know. A sentence with
some clauses compiled is *partly* compiled: its predicate evaluates what it can
(three-valued: a false conjunct makes the whole false) and the unchecked parts are
listed. A sentence with none compiled has no predicate; validation reports it as
not checked, never as met. A sentence whose unchecked part holds clauses run
together (a list's items without and/or between them) is not compiled either: the
grouping around that part may not be the sentence's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

KeywordOf = Callable[[str, str], str]

# -- the compiled form (mirrors dicom_runtime.conditions) ---------------------------


@dataclass(frozen=True)
class Present:
    """``X is present`` (``negate``: not present); ``with_value``: present with a value."""

    keyword: str
    negate: bool = False
    with_value: bool = False


@dataclass(frozen=True)
class Equals:
    keyword: str
    values: tuple[str, ...]
    index: int  # 1-based value number; 0 for any value
    negate: bool = False


@dataclass(frozen=True)
class Compare:
    """``X [Value n] is greater than N`` and the like; ``op`` one of ``> >= < <= != ==``."""

    keyword: str
    op: str
    number: float
    index: int = 0


@dataclass(frozen=True)
class IsUri:
    """``X is a URN or URL`` (``negate``: is not)."""

    keyword: str
    negate: bool = False


@dataclass(frozen=True)
class ContainsCode:
    """``X contains an Item with the value (code value, coding scheme designator, "meaning")``."""

    keyword: str
    codes: tuple[tuple[str, str], ...]  # (code value, coding scheme designator)
    negate: bool = False


@dataclass(frozen=True)
class IncludesTag:
    """``X includes the Tag for Y (gggg,eeee)``; ``private``: a private attribute's tag."""

    keyword: str
    tags: tuple[int, ...]
    private: bool = False


@dataclass(frozen=True)
class NotChecked:
    """A part of a sentence that is not compiled; ``cause`` is ``outside`` or ``pattern``."""

    text: str
    cause: str


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]


Condition = Present | Equals | Compare | IsUri | ContainsCode | IncludesTag | NotChecked | AllOf | AnyOf

#: The runtime names every generated object file imports (the first kinds there were).
RUNTIME_NAMES = ("AllOf", "AnyOf", "Condition", "Equals", "Present")


def runtime_names(conditions: Iterable[Condition | None]) -> list[str]:
    """The names of ``dicom_runtime.conditions`` a generated file needs for these conditions."""
    used = set(RUNTIME_NAMES)
    for condition in conditions:
        if condition is not None:
            used.update(type(part).__name__ for part in _nodes(condition))
    return sorted(used)


def _nodes(condition: Condition) -> Iterator[Condition]:
    yield condition
    if isinstance(condition, (AllOf, AnyOf)):
        for part in condition.parts:
            yield from _nodes(part)

CAUSES = {"outside": "facts outside the data set", "pattern": "an unrecognised pattern"}


@dataclass(frozen=True)
class CompiledCondition:
    """A condition sentence and, where some of it follows a known pattern, its predicate.

    ``unchecked`` lists the parts not compiled (the whole sentence when ``predicate``
    is None).
    """

    text: str
    predicate: Condition | None
    unchecked: tuple[NotChecked, ...] = field(default=())

    @property
    def status(self) -> str:
        """``full``, ``partial`` (some parts not checked), or the cause of an uncompiled one."""
        if self.predicate is not None:
            return "partial" if self.unchecked else "full"
        return "pattern" if not self.unchecked or any(p.cause == "pattern" for p in self.unchecked) else "outside"

    @property
    def or_not_checked(self) -> Condition:
        """The predicate, or, where nothing of the sentence compiled, the sentence as one
        part not checked (with its cause): what validation evaluates to say "not checked"."""
        return self.predicate if self.predicate is not None else NotChecked(self.text, self.status)


def leaves(condition: Condition) -> Iterator[Condition]:
    if isinstance(condition, (AllOf, AnyOf)):
        for part in condition.parts:
            yield from leaves(part)
    else:
        yield condition


def expression(condition: Condition | None) -> str:
    """A compiled condition as the runtime's constructor expression (``None`` if not compiled)."""
    if condition is None:
        return "None"
    if isinstance(condition, (AllOf, AnyOf)):
        parts = ", ".join(expression(p) for p in condition.parts)
        return f"{type(condition).__name__}(({parts},))"
    if isinstance(condition, Present):
        flags = (", negate=True" if condition.negate else "") + (", with_value=True" if condition.with_value else "")
        return f"Present({_py(condition.keyword)}{flags})"
    if isinstance(condition, Equals):
        return (
            f"Equals({_py(condition.keyword)}, {_py_tuple(condition.values)}, {condition.index}"
            f"{', negate=True' if condition.negate else ''})"
        )
    if isinstance(condition, Compare):
        number = int(condition.number) if condition.number.is_integer() else condition.number
        return f"Compare({_py(condition.keyword)}, {_py(condition.op)}, {number}, {condition.index})"
    if isinstance(condition, IsUri):
        return f"IsUri({_py(condition.keyword)}{', negate=True' if condition.negate else ''})"
    if isinstance(condition, ContainsCode):
        codes = ", ".join(f"({_py(v)}, {_py(s)})" for v, s in condition.codes)
        return f"ContainsCode({_py(condition.keyword)}, ({codes},){', negate=True' if condition.negate else ''})"
    if isinstance(condition, IncludesTag):
        tags = "".join(f"0x{t:08X}, " for t in condition.tags).rstrip(" ")
        return f"IncludesTag({_py(condition.keyword)}, ({tags}){', private=True' if condition.private else ''})"
    return f"NotChecked({_py(condition.text)}, {_py(condition.cause)})"


def _py(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _py_tuple(values: tuple[str, ...]) -> str:
    return "(" + "".join(f"{_py(v)}, " for v in values).rstrip(" ") + ")"


# -- the sentence --------------------------------------------------------------------

_TRIGGER = re.compile(
    r"\b(?:Required|Shall be present|Type 1C|Is required)(?:,)?\s+(?:only\s+)?(?:if|when|where)\b\s*"
    r"|\bRequired\s+(?=for\s)"
    r"|\bRequired\s+(?=[A-Z][\w'/-]*(?:\s[\w'/-]+)*?\s\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\)\s(?:is|has|are)\b)",
)
#: Where a condition sentence ends: a full stop, a semicolon, "may be present otherwise",
#: or a note or list starting without a full stop before it.
_END = re.compile(
    r"\.(?=\s|$)"
    r"|;"
    r"|,?\s+(?:[Mm]ay|[Ss]hall|[Oo]ptional|[Ss]hould)\s+(?:be\s+)?(?:present|not\s+be\s+present|sent)\s+otherwise"
    r"|,?\s+[Oo]therwise\b"
    r"|,?\s+(?:[Mm]ay|[Ss]hall)\s+be\s+present\s+if\b"
    r"|,?\s+-\s+Optional\b"
    r"|\s*(?=(?:Notes?|The|This|These|See|Only a single|One or more|Zero or more)\b[\s:]|(?:Enumerated Values|Defined Terms)\b[^.:]{0,30}:)"
)


def condition_sentence(text: str) -> str:
    """The "Required if ..." part of a description or usage ("" if there is none)."""
    text = " ".join(text.split())
    match = _TRIGGER.search(text)
    if match is None:
        return ""
    body = text[match.end() :]
    depth, quoted, cut = 0, False, len(body)
    for end in _END.finditer(body):
        before = body[: end.start()]
        depth = before.count("(") - before.count(")")
        quoted = before.count('"') % 2 == 1
        if depth <= 0 and not quoted and not _inside_number(body, end.start()):
            cut = end.start()
            break
    return body[:cut].strip(" ,:.")


def _inside_number(body: str, at: int) -> bool:
    """A full stop of "1.2" or of "Section C.7.6" is not the end of a sentence."""
    return body[at : at + 1] == "." and at + 1 < len(body) and body[at + 1].isalnum()


def compile_condition(text: str, keyword_of: KeywordOf) -> CompiledCondition:
    """Compile a condition sentence; ``keyword_of(tag, name)`` names an attribute ("" if none)."""
    body = condition_sentence(text)
    if not body:
        whole = " ".join(text.split())
        return CompiledCondition(whole, None, (NotChecked(whole, "pattern"),))
    predicate = _Compiler(body, keyword_of).compile()
    unchecked = tuple(dict.fromkeys(p for p in leaves(predicate) if isinstance(p, NotChecked)))
    if all(isinstance(p, NotChecked) for p in leaves(predicate)):
        return CompiledCondition(body, None, unchecked)
    return CompiledCondition(body, predicate, unchecked)


# -- the compiler --------------------------------------------------------------------

_TAG = r"\((?P<tag>[0-9A-Fa-f]{4})[,.](?P<el>[0-9A-Fa-f]{4})\)"
_NAME_WORD = re.compile(r"^(?:[A-Z0-9][\w'/+-]*|\([A-Za-z][\w ,'-]*\)|of|per|in|for|to|on|at|by|with|from|the|a|an|and|or|vs)$")
_CONNECTOR = {"of", "per", "in", "for", "to", "on", "at", "by", "with", "from", "the", "a", "an", "and", "or", "vs"}
_NUMBERS = {"zero": 0.0, "one": 1.0, "two": 2.0, "three": 3.0}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_SCHEMES = {"DCM", "SCT", "SRT", "LN", "UCUM", "NCIt", "FMA", "RADLEX", "99SDM", "SNM3", "ACR", "NEU", "I10", "I9C"}

#: Phrases of facts the data set does not hold.
_OUTSIDE = re.compile(
    r"\b(?:known|sufficient|insufficient|precision|unambiguous(?:ly)?|equipment|system|device|supports?|capable|"
    r"applied|was used|were used|is used to|scheduled|conditions in Section|Section [A-Z]?\d|CID \d|the referenced\b|"
    r"of the referenced|referenced (?:image|instance|plan|SOP Instance)|in the RT|multi-frame image|"
    r"corresponds|nested|is transferred|transfer|converted|conversion|registered|"
    r"changes? during|first Item|last Item|Control Point 0|this (?:SOP )?[Ii]nstance|the (?:SOP )?[Ii]nstance|"
    r"the patient|the Patient|animal|contrast|paired|requires|implies|describe|the value that|"
    r"higher Items|the protocol|Information Model|the date and time|overriding|is to be|is a Code Sequence)\b"
)

_SUBJECT = re.compile(
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


_REF_NUMBER = re.compile(r"@(\d+)")
#: An unchecked part with two predicates, or a list's colon: clauses run together.
_GLUED = re.compile(r"\b(?:is|are|equals|has)\b.*\b(?:is|are|equals|has)\b|:\s|\b(?:either|one of the following)\b")
#: A piece cut at "and"/"or" without any of these is not a clause of its own.
_VERB = re.compile(
    r"\b(?:is|are|was|were|has|have|had|does|do|did|equals|contains|includes|exists|points|appl(?:y|ies)|uses?|used|"
    r"requires?|specif(?:y|ies)|describes?|corresponds?|changes?|references?|satisfied|present|absent|not)\b|="
)


#: "(whose) SOP Class is one of the following: CT ("1.2...") or MR ("1.2...") Storage SOP
#: Classes": a list of the SOP Class UID's values, as the sentence gives each in quotes.
_SOP_CLASS_LIST = re.compile(
    r"\b(?:whose |the )?SOP Class (?:UID )?is one of the following:? (?P<list>.*?\"[0-9.]+\"\)?)(?: Storage)?(?: SOP Class(?:es)?)?(?=[.;]|$)"
)


def _sop_class_uids(match: re.Match[str]) -> str:
    uids = re.findall(r'"([0-9]+(?:\.[0-9]+)+)"', match.group("list"))
    return "SOP Class UID (0008,0016) is " + " or ".join(f'"{uid}"' for uid in uids)


@dataclass(frozen=True)
class _Ref:
    keyword: str
    tag: int  # 0 when the sentence gives no tag
    words: str  # as the sentence says it


class _Compiler:
    def __init__(self, body: str, keyword_of: KeywordOf) -> None:
        self.keyword_of = keyword_of
        self.refs: list[_Ref] = []
        self.quoted: list[str] = []
        self.groups: list[str] = []
        self.spoken: dict[Condition, str] = {}  # a compiled clause -> its words
        self.text = self._tidy(self._mask(self._references(self._normalise(body))))

    # -- preparing the text

    @staticmethod
    def _normalise(body: str) -> str:
        body = body.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
        body = re.sub(r"\s+", " ", body)
        body = re.sub(r"\band/or\b", "or", body)
        body = re.sub(r"\b([Oo]ne|[Zz]ero) or more\b", r"\1_or_more", body)
        body = re.sub(r"\b(and|or),? if\b", r"\1", body)
        body = re.sub(r"\bsatisfiedand\b", "satisfied and", body)
        body = re.sub(r"(?<![(\w])([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\))", r"(\1", body)  # "0020,9167)"
        body = re.sub(r" in the (?=equals |is )", " ", body)  # "(0008,9205) in the equals COLOR"
        body = re.sub(r"^(?:either )?if ", "", body)
        body = re.sub(r"^(?:Required|Shall be present) (?:if|when) ", "", body)
        # "for images where X": the instance is an image (the IOD says so); X is the condition
        body = re.sub(r"^(?:Required )?for (?:images|instances) (?:where|in which) ", "", body)
        body = _SOP_CLASS_LIST.sub(_sop_class_uids, body)
        return body.strip()

    @staticmethod
    def _tidy(text: str) -> str:
        """Words around references that do not change their meaning."""
        text = re.sub(r"@(\d+),? ([Vv]alue \d+)\b", r"@\1 \2", text)
        text = re.sub(r"\b[Aa]ttributes? (?=@)", "", text)
        text = re.sub(r"(@\d+) [Aa]ttribute\b", r"\1", text)
        text = re.sub(r"(@\d+) [Ss]equence\b", r"\1", text)
        return text

    def _references(self, body: str) -> str:
        """Replace every attribute reference with ``@n``."""
        out: list[str] = []
        position = 0
        for match in re.finditer(_TAG, body):
            tag = f"{match.group('tag')},{match.group('el')}".upper()
            before = body[position : match.start()]
            words = before.rstrip().split(" ")
            keyword, start = self._name(words, tag)
            out.append(self._untagged(" ".join(words[:start])))
            if keyword:
                self.refs.append(_Ref(keyword, int(tag.replace(",", ""), 16), " ".join(words[start:]) + " " + match.group(0)))
                out.append(("" if not out or not out[-1] or out[-1].endswith(" ") else " ") + f"@{len(self.refs) - 1}")
            else:
                out.append(" ".join(words[start:]) + f" [{tag}]")
            position = match.end()
        out.append(self._untagged(body[position:]))
        text = "".join(out)
        return re.sub(r"\s+", " ", text).strip()

    def _name(self, words: list[str], tag: str) -> tuple[str, int]:
        """The keyword of ``name (tag)`` and the index in ``words`` where the name starts."""
        # the run of capitalised words before the tag, without "and"/"or"
        start = len(words)
        while start > 0 and _NAME_WORD.match(words[start - 1]) and words[start - 1] not in ("and", "or", "the", "a", "an"):
            start -= 1
        while start < len(words) and words[start] in _CONNECTOR:
            start += 1
        keyword = self.keyword_of(tag, " ".join(words[start:]).strip())
        # the name as PS3.6 has it, if the words before the tag end with it
        for exact in range(max(0, len(words) - 12), len(words)):
            if keyword and words[exact] and words[exact] not in _CONNECTOR and self.keyword_of("", " ".join(words[exact:])) == keyword:
                return keyword, exact
        return keyword, start

    def _untagged(self, text: str) -> str:
        """Names of two words or more, without a tag, that PS3.6 knows."""
        words = text.split(" ")
        out: list[str] = []
        index = 0
        while index < len(words):
            found = 0
            if words[index][:1].isupper():
                for end in range(min(len(words), index + 9), index + 1, -1):
                    if words[end - 1] in _CONNECTOR:
                        continue
                    keyword = self.keyword_of("", " ".join(words[index:end]))
                    if keyword:
                        self.refs.append(_Ref(keyword, 0, " ".join(words[index:end])))
                        out.append(f"@{len(self.refs) - 1}")
                        found = end
                        break
            if found:
                index = found
            else:
                out.append(words[index])
                index += 1
        return " ".join(out) + (" " if text.endswith(" ") else "")

    def _mask(self, text: str) -> str:
        """Quoted strings to ``$n``, parenthesised groups to ``#n``."""

        def quote(match: re.Match[str]) -> str:
            self.quoted.append(match.group(1))
            return f"${len(self.quoted) - 1}"

        text = re.sub(r'"([^"]*)"', quote, text)
        out: list[str] = []
        depth, start = 0, 0
        for index, char in enumerate(text):
            if char == "(":
                if depth == 0:
                    start = index
                depth += 1
            elif char == ")" and depth:
                depth -= 1
                if depth == 0:
                    self.groups.append(text[start + 1 : index])
                    out.append(f"#{len(self.groups) - 1}")
                continue
            if depth == 0:
                out.append(char)
        if depth:  # a parenthesis never closed: its words stay words
            out.append(text[start:])
        return re.sub(r"\s+", " ", "".join(out)).strip()

    def unmask(self, text: str) -> str:
        text = re.sub(r"#(\d+)", lambda m: f"({self.groups[int(m.group(1))]})", text)
        text = re.sub(r"\$(\d+)", lambda m: f'"{self.quoted[int(m.group(1))]}"', text)
        return text

    # -- the structure

    def compile(self) -> Condition:
        clauses = self._split(self.text)
        condition = self._unknowable(self._combine(clauses))
        parts = list(leaves(condition))
        glued = [p for p in parts if isinstance(p, NotChecked) and _GLUED.search(p.text)]
        if glued and not all(isinstance(p, NotChecked) for p in parts):
            # a part that holds more than one clause ("either: A is X B is Y", items of a list run
            # together): the and/or around it may not be the sentence's, so nothing is checked
            return NotChecked(self._original_words(self.text), glued[0].cause)
        return condition

    def _unknowable(self, condition: Condition) -> Condition:
        """In "X is not present and X is a URN", the value tested is not in the data set."""
        if isinstance(condition, AnyOf):
            return AnyOf(tuple(self._unknowable(p) for p in condition.parts))
        if not isinstance(condition, AllOf):
            return condition
        absent = {p.keyword for p in condition.parts if isinstance(p, Present) and p.negate}
        parts: list[Condition] = []
        for part in condition.parts:
            if isinstance(part, (Equals, Compare, IsUri, ContainsCode, IncludesTag)) and part.keyword in absent:
                words = self.spoken.get(part, part.keyword)
                part = NotChecked(words, "outside")  # the value meant is not one of the data set
            parts.append(self._unknowable(part))
        return AllOf(tuple(parts))

    _BOUNDARY = re.compile(r"(,? )\b(and|or|nor)\b ")
    _CLAUSE_START = re.compile(
        r"^(?:@\d|(?:the |a |an |any |one_or_more of the )?(?:(?:first|second|third|fourth) values? of |[Vv]alue \d+ of |values? (?:of|for|in) )?(?:the )?@\d"
        r"|(?:either|both|neither|any of|none of|if) "
        r"|(?:is|are|has|have|does|do|equals|contains|includes|exists|points)\b"
        r"|not\b|[Vv]alue \d+ (?:is|equals|has)\b"
        r"|(?:the|a|an|this|there|it|its|one|one_or_more|zero_or_more|no|all|every|accessory|dose|image|pixel|multi-frame|[a-z]+ [a-z]+ (?:is|are|was|were|has|have|do|does)\b)\b)"
    )

    def _split(self, text: str) -> list[tuple[str, str]]:
        """Clauses with the connective before each (``""`` for the first).

        A clause without its own subject ("... is present and has a value", "and the
        value is AE") takes the subject of the clause before it; a piece that is
        neither a clause nor a list of subjects ("... or @2 unambiguously") goes back
        to the clause it was cut from.
        """
        pieces: list[tuple[str, str, str]] = []  # (connective, the words of it, clause)
        position, connective, words = 0, "", ""
        for match in self._BOUNDARY.finditer(text):
            right = text[match.end() :]
            if not self._CLAUSE_START.match(right):
                continue
            pieces.append((connective, words, text[position : match.start()].strip()))
            comma = "," if match.group(1).startswith(",") else ""
            connective = comma + match.group(2)
            words = match.group(0)
            position = match.end()
        pieces.append((connective, words, text[position:].strip()))
        while len(pieces) > 1 and self._subjects(pieces[-1][2]) is not None:
            # "... is Frame Time (0018,1063) or Frame Time Vector (0018,1065)": a list of values
            last = pieces.pop()
            before = pieces.pop()
            pieces.append((before[0], before[1], before[2] + last[1] + last[2]))
        clauses: list[tuple[str, str]] = []
        subject = ""
        for connective, words, clause in pieces:
            elided = self._ELIDED.match(clause)
            value = re.match(r"^[Vv]alue (\d+) (?=is|equals|has)", clause)
            if elided and subject:
                rest = clause[elided.end() :].strip()
                clause = f"{subject} {'is ' if rest.startswith('not ') else ''}{rest}"
                connective = "~" + connective  # binds to the clause whose subject it takes
            elif value and subject and re.search(r"@\d+", subject):
                first = re.findall(_REF_NUMBER, subject)[0]
                clause = f"Value {value.group(1)} of @{first} {clause[value.end():]}"
                connective = "~" + connective
            elif clauses and self._subjects(clause) is None and (
                clause.startswith("@") and self._predicate_split(clause) is None or not _VERB.search(clause)
            ):
                previous = clauses.pop()
                clauses.append((previous[0], previous[1] + words + clause))
                continue
            split = self._predicate_split(clause)
            if split is not None:
                subject = split[0]
            clauses.append((connective, clause))
        return clauses

    _ELIDED = re.compile(r"^(?:the value|its value|the value of it|value)(?= is| equals)|^(?=(?:is|are|has|have|equals|contains|includes|does|not) )")

    def _combine(self, clauses: list[tuple[str, str]]) -> Condition:
        # subjects without a predicate lend themselves to the next clause: "A or B is present"
        merged: list[tuple[str, list[tuple[str, str]]]] = []  # (connective, [(subject connective, clause)])
        pending: list[tuple[str, str]] = []
        for connective, clause in clauses:
            pending.append((connective, clause))
            if self._subjects(clause) is None:
                merged.append((pending[0][0], pending))
                pending = []
        if pending:
            merged.append((pending[0][0], pending))
        parts = [(connective, self._group(group)) for connective, group in merged]
        return self._precedence(parts)

    def _precedence(self, parts: list[tuple[str, Condition]]) -> Condition:
        if len(parts) == 1:
            return parts[0][1]
        if any(c.startswith("~") for c, _ in parts):
            # a clause that took the subject of the one before binds to it first
            grouped: list[tuple[str, Condition]] = []
            run: list[tuple[str, Condition]] = []
            for connective, part in parts + [("", NotChecked("", ""))]:
                if connective.startswith("~") and run and {c.lstrip("~,") for c, _ in run[1:]} <= {connective.lstrip("~,")}:
                    run.append((connective, part))
                    continue
                if run:
                    kinds = {c.lstrip("~,") for c, _ in run[1:]}
                    grouped.append((run[0][0], _join(kinds.pop(), [p for _, p in run]) if kinds else run[0][1]))
                run = [(connective, part)]
            return self._precedence(grouped)
        kinds = {c.lstrip("~,") for c, _ in parts[1:]}
        if len(kinds) == 1:
            kind = kinds.pop()
            return _join(kind, [p for _, p in parts])
        # mixed: ", and"/", or" split first where the commas tell the grouping
        commas = {c for c, _ in parts[1:] if c.startswith(",")}
        bare = {c for c, _ in parts[1:] if not c.startswith(",")}
        if len(commas) == 1 and not commas & {"," + b for b in bare} and bare:
            outer = commas.pop()
            groups: list[list[tuple[str, Condition]]] = [[]]
            for connective, part in parts:
                if connective == outer:
                    groups.append([])
                groups[-1].append((connective if groups[-1] else "", part))
            return _join(outer.lstrip(","), [self._precedence(g) for g in groups])
        return NotChecked(self._original_words(self.text), "pattern")  # "and" and "or" without commas: the grouping is the reader's

    def _group(self, group: list[tuple[str, str]]) -> Condition:
        """One clause, or subjects sharing the predicate of the last clause."""
        if len(group) == 1:
            return self._clause(group[0][1])
        last = group[-1][1]
        match = self._predicate_split(last)
        if match is None:
            return self._unchecked(" ".join(c for _, c in group))
        subject_text, predicate = match
        subjects: list[str] = []
        for _, clause in group[:-1]:
            found = self._subjects(clause)
            subjects.extend(found or [])
        last_subjects = self._subjects(subject_text)
        if last_subjects is None:
            return self._unchecked(" ".join(c for _, c in group))
        subjects.extend(last_subjects)
        connectives = {c.lstrip("~,") for c, _ in group[1:]}
        if len(connectives) != 1:
            return self._unchecked(" ".join(c for _, c in group))
        kind = self._absent_kind(connectives.pop(), group[0][1], predicate)
        compiled = [self._predicate(s, predicate) for s in subjects]
        return _join(kind if kind != "nor" else "and", [c if c is not None else self._unchecked(f"{s} {predicate}") for s, c in zip(subjects, compiled)])

    def _subjects(self, text: str) -> list[str] | None:
        """The subjects of ``A, B or C`` (no predicate), or None."""
        text = re.sub(r"^(?:either|both|neither|any of|none of|one of) ", "", text.strip())
        items = [s.strip() for s in re.split(r",? (?:or|and|nor) |, ", text) if s.strip()]
        if items and all(_SUBJECT.match(s) for s in items):
            return items
        return None

    # -- a clause

    _PREDICATE_START = re.compile(
        r" (?=(?:is|are|has|have|does|do|equals|contains|includes|exists|points|=|value is|values are|the value is|is present)\b|=)"
    )

    def _predicate_split(self, clause: str) -> tuple[str, str] | None:
        for match in self._PREDICATE_START.finditer(clause):
            subject, predicate = clause[: match.start()].strip(), clause[match.end() :].strip()
            if self._subjects(subject) is not None:
                return subject, predicate
        return None

    def _clause(self, clause: str) -> Condition:
        clause = re.sub(r"^(?:if|that|whether) ", "", clause.strip())
        negated_list = re.match(r"^(?:none of|neither) (.*)$", clause)
        split = self._predicate_split(negated_list.group(1) if negated_list else clause)
        if split is None:
            return self._unchecked(clause)
        subject_text, predicate = split
        subjects = self._subjects(subject_text) or []
        kind = "or" if re.search(r"\bor\b|^either |^any of |^one of ", subject_text) else "and"
        if negated_list:
            kind = "and"
            negated = self._negate_presence(predicate)
            if negated is None:
                return self._unchecked(clause)
            predicate = negated
        kind = self._absent_kind(kind, subject_text, predicate)
        compiled = [self._predicate(s, predicate) for s in subjects]
        if any(c is None for c in compiled):
            return self._unchecked(clause)
        result = _join(kind, [c for c in compiled if c is not None])
        self.spoken.setdefault(result, self._original_words(clause))
        return result

    @staticmethod
    def _absent_kind(kind: str, subjects: str, predicate: str) -> str:
        """ "A or B is not present" is "neither A nor B is present"; "either A or B is not present" is not."""
        if kind == "or" and not subjects.startswith("either ") and re.match(r"(?:is|are) (?:not present|absent|not sent)$", predicate):
            return "and"
        return kind

    @staticmethod
    def _negate_presence(predicate: str) -> str | None:
        if re.match(r"^(?:is|are) present$", predicate):
            return "is not present"
        return None

    def _subject(self, text: str) -> tuple[_Ref, int] | None:
        match = _SUBJECT.match(re.sub(r"^(?:either|both|neither|any of|none of|one of) ", "", text.strip()))
        if match is None:
            return None
        index = int(match.group("n1") or match.group("n2") or _ORDINALS.get(match.group("ord") or "", 0))
        return self.refs[int(match.group("ref"))], index

    def _predicate(self, subject_text: str, predicate: str) -> Condition | None:
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
            value = self._predicate(subject_text, "is " + absent_or.group("rest"))
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
        tags = tuple(self.refs[int(n)].tag for n in re.findall(r"@(\d+)", match.group("refs")))
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
            parts = [self.unmask(x).strip().strip('"') for x in self.groups[int(n)].split(",")]
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
    _NEGATIVE = {
        "equals other than", "is other than", "has a value other than", "has values other than", "is present with a value other than",
        "is present and has a value other than", "is present and has a value of other than", "is not equal to", "does not equal",
        "is not any of", "is not one of", "is not", "not", "is neither",
    }

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
            inner = self.groups[int(group.group(1))].strip()
            quoted = re.fullmatch(r"\$(\d+)", inner)
            if quoted:
                return self.quoted[int(quoted.group(1))]
            if re.fullmatch(r"\d+(?:\.\d+)+", inner):
                return inner
        match = _VALUE_TOKEN.match(token)
        if match is None:
            return None
        if match.group("quoted") is not None:
            return self.quoted[int(match.group("quoted"))]
        if match.group("lower") is not None:
            return None  # prose, not a value
        return match.group("number") or match.group("term")

    # -- what is left

    def _unchecked(self, clause: str) -> NotChecked:
        named = "@" in clause or re.search(r"\[[0-9A-F]{4},[0-9A-F]{4}\]", clause)  # a tag PS3.6 does not know is named too
        if not named or _OUTSIDE.search(self.unmask(clause)):
            return NotChecked(self._original_words(clause), "outside")
        return NotChecked(self._original_words(clause), "pattern")

    def _original_words(self, clause: str) -> str:
        """The clause as the sentence says it (attribute names, not keywords)."""
        text = self.unmask(clause).replace("_or_more", " or more")
        text = re.sub(r"\[([0-9A-F]{4},[0-9A-F]{4})\]", r"(\1)", text)
        return re.sub(r"@(\d+)", lambda m: self._ref_words(int(m.group(1))), text)

    def _ref_words(self, n: int) -> str:
        return self.refs[n].words.strip()


def _join(kind: str, parts: list[Condition]) -> Condition:
    flat: list[Condition] = []
    cls = AllOf if kind in ("and", "nor") else AnyOf
    for part in parts:
        flat.extend(part.parts if isinstance(part, cls) else (part,))
    if len(flat) == 1:
        return flat[0]
    return cls(tuple(flat))


# -- the report ----------------------------------------------------------------------


def summary(conditions: list[CompiledCondition]) -> str:
    """``"N compiled (F fully, P partly), U not compiled (O facts outside the data set, R an unrecognised pattern)"``."""
    statuses = [c.status for c in conditions]
    full, partial = statuses.count("full"), statuses.count("partial")
    outside, pattern = statuses.count("outside"), statuses.count("pattern")
    return (
        f"{full + partial} compiled ({full} fully, {partial} partly), {outside + pattern} not compiled "
        f"({outside} {CAUSES['outside']}, {pattern} {CAUSES['pattern']})"
    )


def listing(edition: str, conditions: list[tuple[str, CompiledCondition]]) -> str:
    """conditions.txt: the counts by status and cause, then the conditions not compiled, then
    the partly compiled ones with the parts left unchecked; ``conditions``: (where, condition)."""
    lines = [
        f"# Conditions of PS3.3 {edition}: {summary([c for _, c in conditions])}.",
        "# Not compiled (validation reports them as not checked), with the cause:",
    ]
    lines.extend(listing_line(where, c) for where, c in conditions if c.predicate is None)
    lines.append("# Partly compiled (the parts not checked, with the cause):")
    lines.extend(listing_line(where, c) for where, c in conditions if c.predicate is not None and c.unchecked)
    return "\n".join(lines) + "\n"


def listing_line(where: str, condition: CompiledCondition) -> str:
    """One line of conditions.txt: the sentence, or for a partly compiled one the parts left unchecked, with their cause."""
    if condition.predicate is None:
        return f"{where}: [{condition.status}] {condition.text}"
    parts = "; ".join(f"[{p.cause}] {p.text}" for p in condition.unchecked)
    return f"{where}: {condition.text} -- not checked: {parts}"
