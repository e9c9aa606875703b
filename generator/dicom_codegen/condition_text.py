"""The text of a condition sentence, prepared for the compiler (conditions.py's step 1).

Attribute references become ``@n`` (:attr:`Sentence.refs`): a name followed by its tag,
or a name of two words or more that PS3.6 knows (``keyword_of(tag, name)`` resolves
both); quoted strings become ``$n`` and parenthesised groups ``#n``, so that the "and" /
"or" inside them do not cut the sentence; spellings that say the same are made one
("and/or" is "or", "Required if" and an "either if" are dropped, a list of SOP Classes
is the SOP Class UID's values).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

KeywordOf = Callable[[str, str], str]

_TAG = r"\((?P<tag>[0-9A-Fa-f]{4})[,.](?P<el>[0-9A-Fa-f]{4})\)"
_NAME_WORD = re.compile(r"^(?:[A-Z0-9][\w'/+-]*|\([A-Za-z][\w ,'-]*\)|of|per|in|for|to|on|at|by|with|from|the|a|an|and|or|vs)$")
_CONNECTOR = {"of", "per", "in", "for", "to", "on", "at", "by", "with", "from", "the", "a", "an", "and", "or", "vs"}

#: "(whose) SOP Class is one of the following: CT ("1.2...") or MR ("1.2...") Storage SOP
#: Classes": a list of the SOP Class UID's values, as the sentence gives each in quotes.
_SOP_CLASS_LIST = re.compile(
    r"\b(?:whose |the )?SOP Class (?:UID )?is one of the following:? (?P<list>.*?\"[0-9.]+\"\)?)(?: Storage)?(?: SOP Class(?:es)?)?(?=[.;]|$)"
)


def _sop_class_uids(match: re.Match[str]) -> str:
    uids = re.findall(r'"([0-9]+(?:\.[0-9]+)+)"', match.group("list"))
    return "SOP Class UID (0008,0016) is " + " or ".join(f'"{uid}"' for uid in uids)


@dataclass(frozen=True)
class Ref:
    keyword: str
    tag: int  # 0 when the sentence gives no tag
    words: str  # as the sentence says it


class Sentence:
    """A condition sentence's text with its references, quotes and groups set aside."""

    def __init__(self, body: str, keyword_of: KeywordOf) -> None:
        self.keyword_of = keyword_of
        self.refs: list[Ref] = []
        self.quoted: list[str] = []
        self.groups: list[str] = []
        self.text = self._tidy(self._mask(self._references(self._normalise(body))))

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
                self.refs.append(Ref(keyword, int(tag.replace(",", ""), 16), " ".join(words[start:]) + " " + match.group(0)))
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
                        self.refs.append(Ref(keyword, 0, " ".join(words[index:end])))
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
