"""How many condition sentences of the full standard the generator compiles.

The sentences come from the innolitics transcription of PS3.3 (the ``dicom-standard``
0.1.0 wheel: ``pip install dicom-standard==0.1.0``, whose data files are installed
under ``<sys.prefix>/standard``; ``--data`` or ``$DICOM_STANDARD_JSON`` name
another folder). Each Type 1C/2C row of ``module_to_attributes.json`` and
``macro_to_attributes.json`` gives its description as the generator sees a
DocBook cell: the plain text of its paragraphs joined with spaces; each C module
of ``ciod_to_modules.json`` gives "Required if ..." from its usage. Every text goes
through :func:`dicom_codegen.conditions.compile_condition`, with attribute names
and tags resolved from ``attributes.json`` the way the generator resolves them
from PS3.6.

Two counts are printed: every occurrence (a macro's row once for every module or
macro that includes it, as the generated classes carry it), and every distinct
condition (an attribute's or a C module's sentence once, wherever it is included:
the transcription does not say which table a macro's row comes from). ``python3 -m benchmarks.condition_coverage``.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dicom_codegen.conditions import CompiledCondition, compile_condition, condition_sentence

_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]+>")
_ATTRIBUTE_TAG = re.compile(r"\([0-9A-Fa-fx]{4},[0-9A-Fa-fx]{4}\)")


def data_folder(given: str | None = None) -> Path:
    """The folder of the transcription's JSON files."""
    candidates = [given, os.environ.get("DICOM_STANDARD_JSON"), str(Path(sys.prefix) / "standard")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "module_to_attributes.json").is_file():
            return Path(candidate)
    raise FileNotFoundError(
        "the dicom-standard 0.1.0 data files were not found (pip install dicom-standard==0.1.0, "
        "or name their folder with --data or DICOM_STANDARD_JSON)"
    )


def plain_text(description: str) -> str:
    """A description cell as the generator reads it: its paragraphs' text, joined with spaces."""
    paragraphs = _PARAGRAPH.findall(description) or [description]
    text = " ".join(html.unescape(_TAG.sub(" ", p)) for p in paragraphs)
    return " ".join(text.replace("\u00a0", " ").replace("\u200b", "").split())


@dataclass(frozen=True)
class Sample:
    """One condition of the transcription: where it stands and its text."""

    source: str  # the anchor of the module's or macro's table (or the IOD) the row is shown in
    what: str  # the attribute's tag, or the C module
    text: str


class Names:
    """Attribute keywords by tag and by name, as ``keyword_of`` of the generator."""

    def __init__(self, folder: Path) -> None:
        rows = json.loads((folder / "attributes.json").read_text(encoding="utf-8"))
        self.by_tag: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        for row in rows:
            keyword = row.get("keyword") or ""
            if not keyword:
                continue
            self.by_tag[row["tag"].strip("()").upper()] = keyword
            self.by_name.setdefault(row["name"].lower(), keyword)
        # names of two words or more, as they are capitalised in the standard
        self.titled = re.compile(
            r"\b(?:"
            + "|".join(sorted((re.escape(r["name"]) for r in rows if " " in r.get("name", "") and r.get("keyword")), key=len, reverse=True))
            + r")\b"
        )

    def keyword_of(self, tag: str, name: str) -> str:
        if tag:
            return self.by_tag.get(tag.upper(), "") or self.by_name.get(name.lower(), "")
        return self.by_name.get(name.lower(), "")

    def names_an_attribute(self, sentence: str) -> bool:
        """Whether the sentence names an attribute: by its tag, or by its name as the standard writes it."""
        return bool(_ATTRIBUTE_TAG.search(sentence) or self.titled.search(sentence))


def samples(folder: Path) -> Iterator[Sample]:
    """Every condition of the transcription, once per occurrence."""
    for file, key in (("module_to_attributes.json", "moduleId"), ("macro_to_attributes.json", "macroId")):
        for row in json.loads((folder / file).read_text(encoding="utf-8")):
            if row.get("type") in ("1C", "2C"):
                anchor = row.get("linkToStandard", "").rsplit("#", 1)[-1] or row[key]
                yield Sample(anchor, row["tag"], plain_text(row.get("description", "")))
    for usage in json.loads((folder / "ciod_to_modules.json").read_text(encoding="utf-8")):
        if usage.get("usage") == "C":
            statement = plain_text(usage.get("conditionalStatement") or "")
            yield Sample(usage["ciodId"], usage["moduleId"], "Required if " + statement.removeprefix("Required if "))


@dataclass
class Tally:
    total: int = 0
    naming: int = 0  # of them, naming an attribute
    full: int = 0
    partial: int = 0
    outside: int = 0  # not compiled: facts outside the data set
    pattern: int = 0  # not compiled: a pattern the compiler does not know
    naming_compiled: int = 0  # full or partial, among those naming an attribute
    naming_full: int = 0  # full, among those naming an attribute

    def add(self, compiled: CompiledCondition, naming: bool) -> None:
        self.total += 1
        self.naming += naming
        status = compiled.status
        if status == "full":
            self.full += 1
        elif status == "partial":
            self.partial += 1
        elif status == "outside":
            self.outside += 1
        else:
            self.pattern += 1
        if naming and status in ("full", "partial"):
            self.naming_compiled += 1
        if naming and status == "full":
            self.naming_full += 1

    @property
    def share(self) -> float:
        """Compiled (fully or partly) among the conditions naming an attribute."""
        return self.naming_compiled / self.naming if self.naming else 1.0

    def lines(self, title: str) -> list[str]:
        return [
            f"{title}:",
            f"  total                      {self.total:6d}",
            f"  naming an attribute        {self.naming:6d}",
            f"  compiled fully             {self.full:6d}",
            f"  compiled partly            {self.partial:6d}",
            f"  not compiled: outside data {self.outside:6d}  (facts outside the data set)",
            f"  not compiled: pattern      {self.pattern:6d}  (a sentence the compiler does not know)",
            f"  compiled among naming      {self.naming_compiled:6d}  = {100 * self.share:.1f}% (fully or partly)",
            f"  fully among naming         {self.naming_full:6d}  = {100 * self.naming_full / max(self.naming, 1):.1f}%",
        ]


@dataclass
class Coverage:
    occurrences: Tally
    rows: Tally
    uncompiled: Counter[str]  # sentence (of a condition naming an attribute) -> occurrences
    unchecked: Counter[str]  # the parts of partly compiled sentences left unchecked -> occurrences


def measure(folder: Path) -> Coverage:
    names = Names(folder)
    occurrences, rows = Tally(), Tally()
    uncompiled: Counter[str] = Counter()
    unchecked: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    cache: dict[str, tuple[CompiledCondition, bool]] = {}
    for sample in samples(folder):
        if sample.text not in cache:
            compiled = compile_condition(sample.text, names.keyword_of)
            cache[sample.text] = (compiled, names.names_an_attribute(condition_sentence(sample.text) or sample.text))
        compiled, naming = cache[sample.text]
        occurrences.add(compiled, naming)
        key = (sample.what, sample.text)
        if key not in seen:
            seen.add(key)
            rows.add(compiled, naming)
        if naming and compiled.predicate is None:
            uncompiled[compiled.text] += 1
        for part in compiled.unchecked:
            if compiled.predicate is not None:
                unchecked[f"[{part.cause}] {part.text}"] += 1
    return Coverage(occurrences, rows, uncompiled, unchecked)


def _patterns(sentences: Iterable[tuple[str, int]]) -> Counter[str]:
    """Sentences folded into patterns: attribute names and tags, and values, replaced."""
    folded: Counter[str] = Counter()
    for sentence, count in sentences:
        shape = re.sub(r"(?:[A-Z][\w'/-]*\s)*[A-Z][\w'/-]*\s\([0-9A-Fa-fx]{4},[0-9A-Fa-fx]{4}\)", "<attr>", sentence)
        shape = re.sub(r'"[^"]*"|\b[A-Z][A-Z0-9_]+\b|\b\d+(?:\.\d+)?\b', "<v>", shape)
        folded[shape] += count
    return folded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", help="folder of the dicom-standard JSON files")
    parser.add_argument("--top", type=int, default=25, help="how many uncompiled patterns to print")
    args = parser.parse_args(argv)
    coverage = measure(data_folder(args.data))
    print("\n".join(coverage.occurrences.lines("every occurrence (macros counted where included)")))
    print("\n".join(coverage.rows.lines("every distinct condition (an attribute's or a C module's sentence once)")))
    print("top uncompiled patterns (of conditions naming an attribute; occurrences):")
    for shape, count in _patterns(coverage.uncompiled.items()).most_common(args.top):
        print(f"  {count:6d}  {shape[:220]}")
    print("top parts left unchecked in partly compiled conditions (occurrences):")
    for part, count in coverage.unchecked.most_common(args.top):
        print(f"  {count:6d}  {part[:220]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
