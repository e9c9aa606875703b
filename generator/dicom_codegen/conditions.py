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

Step 1 is condition_text's :class:`Sentence`, step 3 condition_predicates'
:class:`Predicates`; the compiled forms and the conditions.txt report are
condition_forms'. This module finds the sentence, does step 2 and exports them all.

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
when it names attributes in words the compiler does not know. A clause of
:data:`FACT_PHRASES` (a fact in words, such as "the body part examined is a paired
structure") is :class:`Fact` instead: a rule of the runtime decides it where the data
set tells, and the condition is not checked where it does not. A sentence with
some clauses compiled is *partly* compiled: its predicate evaluates what it can
(three-valued: a false conjunct makes the whole false) and the unchecked parts are
listed. A sentence with none compiled has no predicate; validation reports it as
not checked, never as met. A sentence whose unchecked part holds clauses run
together (a list's items without and/or between them) is not compiled either: the
grouping around that part may not be the sentence's.
"""

from __future__ import annotations

import re

from .condition_forms import (
    CAUSES,
    RUNTIME_NAMES,
    AllOf,
    AnyOf,
    Compare,
    CompiledCondition,
    Condition,
    ContainsCode,
    Equals,
    Fact,
    IncludesTag,
    IsUri,
    NotChecked,
    Present,
    expression,
    leaves,
    listing,
    listing_line,
    runtime_names,
    summary,
)
from .condition_predicates import SUBJECT, Predicates
from .condition_text import KeywordOf, Sentence

#: What the compiler gives: the compiled form and its report are condition_forms'.
__all__ = [
    "CAUSES",
    "RUNTIME_NAMES",
    "AllOf",
    "AnyOf",
    "Compare",
    "CompiledCondition",
    "Condition",
    "ContainsCode",
    "Equals",
    "FACT_PHRASES",
    "Fact",
    "IncludesTag",
    "IsUri",
    "KeywordOf",
    "NotChecked",
    "Present",
    "compile_condition",
    "condition_sentence",
    "expression",
    "leaves",
    "listing",
    "listing_line",
    "runtime_names",
    "summary",
]


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

#: Clauses that name no attribute but state a fact the data set may tell, each with the
#: name of the hand-written rule of the runtime that decides it (dicom_runtime.condition_facts:
#: True or False where the data set tells, not checked where it does not).
FACT_PHRASES = {
    # General Series Module (Table C.7-5a), Laterality (0020,0060): from Body Part Examined (0018,0015)
    "the body part examined is a paired structure": "paired_body_part",
}

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



_REF_NUMBER = re.compile(r"@(\d+)")
#: An unchecked part with two predicates, or a list's colon: clauses run together.
_GLUED = re.compile(r"\b(?:is|are|equals|has)\b.*\b(?:is|are|equals|has)\b|:\s|\b(?:either|one of the following)\b")
#: A piece cut at "and"/"or" without any of these is not a clause of its own.
_VERB = re.compile(
    r"\b(?:is|are|was|were|has|have|had|does|do|did|equals|contains|includes|exists|points|appl(?:y|ies)|uses?|used|"
    r"requires?|specif(?:y|ies)|describes?|corresponds?|changes?|references?|satisfied|present|absent|not)\b|="
)


class _Compiler:
    def __init__(self, body: str, keyword_of: KeywordOf) -> None:
        self.sentence = Sentence(body, keyword_of)
        self.predicates = Predicates(self.sentence)
        self.spoken: dict[Condition, str] = {}  # a compiled clause -> its words

    # -- the structure

    def compile(self) -> Condition:
        clauses = self._split(self.sentence.text)
        condition = self._unknowable(self._combine(clauses))
        parts = list(leaves(condition))
        glued = [p for p in parts if isinstance(p, NotChecked) and _GLUED.search(p.text)]
        if glued and not all(isinstance(p, NotChecked) for p in parts):
            # a part that holds more than one clause ("either: A is X B is Y", items of a list run
            # together): the and/or around it may not be the sentence's, so nothing is checked
            return NotChecked(self._original_words(self.sentence.text), glued[0].cause)
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
        return NotChecked(self._original_words(self.sentence.text), "pattern")  # "and" and "or" without commas: the grouping is the reader's

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
        compiled = [self.predicates.predicate(s, predicate) for s in subjects]
        return _join(kind if kind != "nor" else "and", [c if c is not None else self._unchecked(f"{s} {predicate}") for s, c in zip(subjects, compiled)])

    def _subjects(self, text: str) -> list[str] | None:
        """The subjects of ``A, B or C`` (no predicate), or None."""
        text = re.sub(r"^(?:either|both|neither|any of|none of|one of) ", "", text.strip())
        items = [s.strip() for s in re.split(r",? (?:or|and|nor) |, ", text) if s.strip()]
        if items and all(SUBJECT.match(s) for s in items):
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
        compiled = [self.predicates.predicate(s, predicate) for s in subjects]
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

    # -- what is left

    def _unchecked(self, clause: str) -> NotChecked | Fact:
        named = "@" in clause or re.search(r"\[[0-9A-F]{4},[0-9A-F]{4}\]", clause)  # a tag PS3.6 does not know is named too
        words = self._original_words(clause)
        fact = FACT_PHRASES.get(" ".join(words.lower().split()))
        if fact is not None:
            return Fact(fact, words)
        if not named or _OUTSIDE.search(self.sentence.unmask(clause)):
            return NotChecked(self._original_words(clause), "outside")
        return NotChecked(self._original_words(clause), "pattern")

    def _original_words(self, clause: str) -> str:
        """The clause as the sentence says it (attribute names, not keywords)."""
        text = self.sentence.unmask(clause).replace("_or_more", " or more")
        text = re.sub(r"\[([0-9A-F]{4},[0-9A-F]{4})\]", r"(\1)", text)
        return re.sub(r"@(\d+)", lambda m: self._ref_words(int(m.group(1))), text)

    def _ref_words(self, n: int) -> str:
        return self.sentence.refs[n].words.strip()


def _join(kind: str, parts: list[Condition]) -> Condition:
    flat: list[Condition] = []
    cls = AllOf if kind in ("and", "nor") else AnyOf
    for part in parts:
        flat.extend(part.parts if isinstance(part, cls) else (part,))
    if len(flat) == 1:
        return flat[0]
    return cls(tuple(flat))
