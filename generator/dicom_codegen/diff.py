"""A semantic diff of two intermediate models: what changed in the standard, and what
changes for code written against the generated package.

:func:`diff_models` compares two :class:`~dicom_codegen.model.Model` objects (each
from one edition, or from a set of parts of different editions) kind by kind:
data elements, UIDs, SOP classes, IODs and their modules, attributes of modules and
macros, query keys. :class:`EditionDiff` renders as text, JSON and a self-contained
HTML page. Its ``api`` lists the symbols of ``dicom_model`` that disappear, are
renamed, or whose type narrows: the places where ``mypy`` will complain after
regenerating.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Protocol, TypeVar

from .model import AttributeTable, DataElement, Model, QueryClass, Source
from .passes import constant_elements

KINDS = ("data element", "UID", "SOP class", "IOD", "module usage", "attribute", "query key")
BASE_URL = "https://dicom.nema.org/medical/dicom/{edition}/output/html/part{part:02d}.html#{anchor}"


@dataclass(frozen=True)
class Change:
    """One difference: its kind, what happened, the item and the values before and after."""

    kind: str
    change: str
    key: str
    name: str
    old: str = ""
    new: str = ""
    link: str = ""


@dataclass(frozen=True)
class ApiChange:
    """A symbol of the generated package that changes; ``breaks``: mypy reports code that uses it."""

    symbol: str
    effect: str  # "removed", "renamed", "narrowed", "now required", "type changed", "added"
    detail: str
    breaks: bool


@dataclass(frozen=True)
class EditionDiff:
    old: str
    new: str
    changes: tuple[Change, ...]
    api: tuple[ApiChange, ...]
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.changes and not self.api

    def counts(self) -> dict[str, dict[str, int]]:
        """Per kind, per change: how many."""
        found: dict[str, Counter[str]] = {}
        for change in self.changes:
            found.setdefault(change.kind, Counter())[change.change] += 1
        return {kind: dict(sorted(found[kind].items())) for kind in KINDS if kind in found}

    def to_json(self) -> str:
        data = {
            "old": self.old,
            "new": self.new,
            "counts": self.counts(),
            "changes": [asdict(c) for c in self.changes],
            "api": [asdict(a) for a in self.api],
            "notes": list(self.notes),
        }
        return json.dumps(data, indent=1, sort_keys=False) + "\n"

    def to_text(self) -> str:
        lines = [f"{self.old} -> {self.new}"]
        lines += [f"note: {note}" for note in self.notes]
        if self.empty:
            return "\n".join(lines + ["no differences"]) + "\n"
        for kind, counts in self.counts().items():
            lines.append(f"{kind}: " + ", ".join(f"{n} {c}" for c, n in counts.items()))
        breaking = [a for a in self.api if a.breaks]
        lines.append(f"Python API: {len(breaking)} breaking, {len(self.api) - len(breaking)} other")
        for kind in KINDS:
            selected = [c for c in self.changes if c.kind == kind]
            if not selected:
                continue
            lines.append("")
            lines.append(f"== {kind} ({len(selected)})")
            for change in selected:
                values = f": {change.old} -> {change.new}" if change.old or change.new else ""
                lines.append(f"  {change.change:<26} {change.key}  {change.name}{values}")
        if self.api:
            lines.append("")
            lines.append("== Python API (what mypy will report after regenerating)")
            for api in sorted(self.api, key=lambda a: (not a.breaks, a.symbol)):
                mark = "BREAKS" if api.breaks else "      "
                lines.append(f"  {mark} {api.effect:<13} {api.symbol}  {api.detail}")
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        return _html(self)


# Comparing ----------------------------------------------------------------------------


def _link(source: Source | None, anchor: str) -> str:
    if source is None or not anchor or source.edition in ("", "unknown"):
        return ""
    return BASE_URL.format(edition=source.edition, part=source.part, anchor=anchor)


def _label(model: Model) -> str:
    return ", ".join(f"PS3.{s.part} {s.edition}" for s in model.sources) or "(no parts)"


def _elements(model: Model, compared: set[int]) -> tuple[dict[str, DataElement], dict[str, Source]]:
    """The data elements of the parts ``compared`` (6: the dictionary, 7: the command elements;
    both: :meth:`.Model.all_elements`, PS3.7 winning a shared tag), with their sources."""
    dictionary = model.dictionary if 6 in compared else None
    commands = model.commands if 7 in compared else None
    chosen: Iterable[DataElement] = ()
    if dictionary is not None and commands is not None:
        chosen = model.all_elements()
    elif dictionary is not None:
        chosen = dictionary.elements
    elif commands is not None:
        chosen = commands.elements
    elements = {e.tag: e for e in chosen}
    sources: dict[str, Source] = {}
    if dictionary is not None:
        sources.update({e.tag: dictionary.source for e in dictionary.elements})
    if commands is not None:
        sources.update({e.tag: commands.source for e in commands.elements})
    return elements, sources


def _compare_fields(
    kind: str, key: str, name: str, link: str, pairs: Iterable[tuple[str, object, object]]
) -> list[Change]:
    return [
        Change(kind, f"{label} changed", key, name, _show(old), _show(new), link)
        for label, old, new in pairs
        if old != new
    ]


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return " or ".join(str(v) for v in value) if value else "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class _Named(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def keyword(self) -> str: ...
    @property
    def retired(self) -> bool: ...


N = TypeVar("N", bound=_Named)


def _diff_named(
    kind: str,
    before: Mapping[str, N],
    after: Mapping[str, N],
    link: Callable[[N, bool], str],
    fields: Callable[[N], tuple[tuple[str, object], ...]],
) -> list[Change]:
    """Added, removed, retired (or un-retired) items and changed fields, by key.
    ``link(item, new)`` is the item's address in the new (or old) edition."""
    changes: list[Change] = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a is None and b is not None:
            changes.append(Change(kind, "added", key, b.name, "", b.keyword, link(b, True)))
        elif b is None and a is not None:
            changes.append(Change(kind, "removed", key, a.name, a.keyword, "", link(a, False)))
        elif a is not None and b is not None:
            url = link(b, True)
            if a.retired != b.retired:
                changes.append(Change(kind, "retired" if b.retired else "un-retired", key, b.name, "", "", url))
            pairs = ((label, x, y) for (label, x), (_, y) in zip(fields(a), fields(b)))
            changes += _compare_fields(kind, key, b.name, url, pairs)
    return changes


def _diff_elements(old: Model, new: Model) -> list[Change]:
    # A part on one side only is not compared (the notes say so): PS3.7's command elements
    # (group 0000) are no "data elements added" when the old side has no PS3.7.
    compared = {part for part, a, b in ((6, old.dictionary, new.dictionary), (7, old.commands, new.commands)) if a is not None and b is not None}
    if not compared:
        return []
    before, old_sources = _elements(old, compared)
    after, new_sources = _elements(new, compared)
    return _diff_named(
        "data element", before, after,
        lambda e, is_new: _link((new_sources if is_new else old_sources).get(e.tag), e.table),
        lambda e: (("VR", e.vrs), ("VM", e.vm.text if e.vm else ""), ("name", e.name), ("keyword", e.keyword)),
    )


def _diff_uids(old: Model, new: Model) -> list[Change]:
    if old.dictionary is None or new.dictionary is None:
        return []
    sources = {True: new.dictionary.source, False: old.dictionary.source}
    return _diff_named(
        "UID", {u.value: u for u in old.dictionary.uids}, {u.value: u for u in new.dictionary.uids},
        lambda u, is_new: _link(sources[is_new], u.table),
        lambda u: (("name", u.name), ("keyword", u.keyword), ("type", u.type)),
    )


def _diff_sop_classes(old: Model, new: Model) -> list[Change]:
    if old.services is None or new.services is None:
        return []
    sources = {True: new.services.source, False: old.services.source}
    return _diff_named(
        "SOP class", {s.uid: s for s in old.services.sop_classes}, {s.uid: s for s in new.services.sop_classes},
        lambda s, is_new: _link(sources[is_new], s.source),
        lambda s: (("IOD", s.iod_reference), ("service class", s.service_class), ("DIMSE", s.dimse),
                   ("name", s.name), ("keyword", s.keyword)),
    )


def _diff_iods(old: Model, new: Model) -> list[Change]:
    if old.objects is None or new.objects is None:
        return []
    source_old, source_new = old.objects.source, new.objects.source
    before = {i.name: i for i in old.objects.iods}
    after = {i.name: i for i in new.objects.iods}
    changes: list[Change] = []
    for name in sorted(before.keys() | after.keys()):
        a, b = before.get(name), after.get(name)
        if a is None and b is not None:
            changes.append(Change("IOD", "added", b.section, name, "", b.title, _link(source_new, b.section)))
            continue
        if b is None and a is not None:
            changes.append(Change("IOD", "removed", a.section, name, a.title, "", _link(source_old, a.section)))
            continue
        assert a is not None and b is not None
        link = _link(source_new, b.table)
        modules_a = {m.name: m for m in a.modules + a.functional_groups}
        modules_b = {m.name: m for m in b.modules + b.functional_groups}
        for module in sorted(modules_a.keys() | modules_b.keys()):
            x, y = modules_a.get(module), modules_b.get(module)
            key = f"{name} / {module}"
            if x is None and y is not None:
                changes.append(Change("module usage", "module added", key, module, "", y.usage, link))
            elif y is None and x is not None:
                changes.append(Change("module usage", "module removed", key, module, x.usage, "", link))
            elif x is not None and y is not None:
                changes += _compare_fields("module usage", key, module, link, (("usage", x.usage, y.usage), ("condition", x.condition, y.condition)))
    return changes


_CONDITION = re.compile(r"(Required (?:if|when|only if)\b.*?)(?:\.(?:\s|$)|$)", re.S)


def condition_of(description: str) -> str:
    """The "Required if ..." sentences of an attribute's description."""
    return " ".join(" ".join(m.group(1).split()) for m in _CONDITION.finditer(description))


def _rows(table: AttributeTable) -> dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...], str]]:
    """Rows by path ("(0008,1140)>(0008,1150)", or ">include table_10-11"): (name, Type, enumerated, defined, condition)."""
    found: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...], str]] = {}
    stack: list[str] = []
    for row in table.rows:
        step = row.tag or f"include {row.include}"
        del stack[row.depth :]
        path = ">".join(stack + [step])
        if row.tag:
            stack.append(row.tag)
        found.setdefault(path, (row.name, row.type, row.enumerated_values, row.defined_terms, condition_of(row.description)))
    return found


def _diff_attributes(old: Model, new: Model) -> list[Change]:
    if old.objects is None or new.objects is None:
        return []
    before = {t.title: t for t in old.objects.tables}
    after = {t.title: t for t in new.objects.tables}
    changes: list[Change] = []
    for title in sorted(before.keys() & after.keys()):
        rows_a, rows_b = _rows(before[title]), _rows(after[title])
        link = _link(new.objects.source, after[title].table)
        for path in sorted(rows_a.keys() | rows_b.keys()):
            x, y = rows_a.get(path), rows_b.get(path)
            key = f"{title} {path}"
            if x is None and y is not None:
                changes.append(Change("attribute", "added", key, y[0], "", f"Type {y[1]}" if y[1] else "", link))
            elif y is None and x is not None:
                changes.append(Change("attribute", "removed", key, x[0], f"Type {x[1]}" if x[1] else "", "", link))
            elif x is not None and y is not None:
                changes += _compare_fields(
                    "attribute", key, y[0], link,
                    (("Type", x[1], y[1]), ("enumerated values", x[2], y[2]), ("defined terms", x[3], y[3]), ("condition", x[4], y[4])),
                )
    for title in sorted(before.keys() - after.keys()):
        changes.append(Change("attribute", "table removed", before[title].table, title, "", "", _link(old.objects.source, before[title].table)))
    for title in sorted(after.keys() - before.keys()):
        changes.append(Change("attribute", "table added", after[title].table, title, "", "", _link(new.objects.source, after[title].table)))
    return changes


def _query_fields(classes: Iterable[QueryClass]) -> dict[str, dict[str, tuple[str, str, str]]]:
    found: dict[str, dict[str, tuple[str, str, str]]] = {}
    for cls in classes:
        found[cls.name] = {f.keyword: (f.kind, f.matching, f.table) for f in cls.fields}
        found.update(_query_fields(cls.items))
    return found


def _diff_queries(old: Model, new: Model) -> list[Change]:
    if old.services is None or new.services is None:
        return []
    before, after = _query_fields(old.services.query_classes), _query_fields(new.services.query_classes)
    changes: list[Change] = []
    for name in sorted(before.keys() | after.keys()):
        a, b = before.get(name, {}), after.get(name, {})
        for keyword in sorted(a.keys() | b.keys()):
            x, y = a.get(keyword), b.get(keyword)
            key = f"{name}.{keyword}"
            link = _link(new.services.source if y else old.services.source, (y or x or ("", "", ""))[2])
            if x is None and y is not None:
                changes.append(Change("query key", "added", key, keyword, "", y[0], link))
            elif y is None and x is not None:
                changes.append(Change("query key", "removed", key, keyword, x[0], "", link))
            elif x is not None and y is not None:
                changes += _compare_fields("query key", key, keyword, link, (("kind", x[0], y[0]), ("matching", x[1], y[1])))
    return changes


# The generated package's symbols --------------------------------------------------------


def _compared(old: Model, new: Model) -> set[int]:
    """The parts on both sides: only they are compared (a part on one side only gets a note)."""
    pairs = ((6, old.dictionary, new.dictionary), (4, old.services, new.services), (3, old.objects, new.objects), (7, old.commands, new.commands))
    return {part for part, a, b in pairs if a is not None and b is not None}


def _symbols(model: Model, compared: set[int]) -> dict[str, dict[str, str]]:
    """Module -> symbol -> identity (tag, UID) of the constants the renderer emits from the
    parts ``compared``. ``tags`` holds the dictionary's and the command elements' constants,
    so with PS3.7 on one side only its command elements (CommandField (0000,0100), ...) would
    be "added" or, against a side with PS3.6 only, every dictionary constant "removed": the
    constants are the renderer's (:func:`.passes.constant_elements`) of the model with only
    the compared parts' elements, as :func:`_diff_elements` compares them."""
    symbols: dict[str, dict[str, str]] = {}
    if compared & {6, 7}:
        parts = replace(model, dictionary=model.dictionary if 6 in compared else None, commands=model.commands if 7 in compared else None)
        symbols["tags"] = {e.keyword: e.tag for e in constant_elements(parts)}
    if model.dictionary is not None and 6 in compared:
        symbols["uids"] = {u.keyword: u.value for u in model.dictionary.uids if u.keyword}
    if model.services is not None and 4 in compared:
        symbols["sop_classes"] = {s.keyword: s.uid for s in model.services.sop_classes if s.keyword}
    return symbols


def _class_fields(model: Model, parts: set[int]) -> dict[str, dict[str, tuple[str, bool, bool, tuple[str, ...]]]]:
    """Class -> field -> (Python type, required, nullable, enumerated values), of the classes
    generated from ``parts``."""
    classes: dict[str, dict[str, tuple[str, bool, bool, tuple[str, ...]]]] = {}
    if model.objects is not None and 3 in parts:
        for cls in model.objects.classes:
            classes[f"dicom_model.{cls.package}.{cls.file}.{cls.name}"] = {
                f.keyword: (f.python_type, f.required, f.nullable, f.enumerated) for f in cls.fields
            }
    if model.services is not None and 4 in parts:

        def walk(items: Iterable[QueryClass]) -> None:
            for query in items:
                classes[f"dicom_model.queries.{query.name}"] = {f.keyword: ("str", False, True, ()) for f in query.fields}
                walk(query.items)

        walk(model.services.query_classes)
    return classes


def _api(old: Model, new: Model) -> list[ApiChange]:
    found: list[ApiChange] = []
    compared = _compared(old, new)
    before, after = _symbols(old, compared), _symbols(new, compared)
    for module in sorted(before.keys() & after.keys()):
        a, b = before[module], after[module]
        by_identity = {identity: symbol for symbol, identity in b.items()}
        for symbol in sorted(a.keys() - b.keys()):
            renamed = by_identity.get(a[symbol])
            if renamed:
                found.append(ApiChange(f"dicom_model.{module}.{symbol}", "renamed", f"now {module}.{renamed} ({a[symbol]})", True))
            else:
                found.append(ApiChange(f"dicom_model.{module}.{symbol}", "removed", a[symbol], True))
        renamed_to = {by_identity.get(a[s]) for s in a.keys() - b.keys()}
        for symbol in sorted(b.keys() - a.keys()):
            if symbol not in renamed_to:
                found.append(ApiChange(f"dicom_model.{module}.{symbol}", "added", b[symbol], False))
    both = {s.part for s in old.sources} & {s.part for s in new.sources}
    classes_a, classes_b = _class_fields(old, both), _class_fields(new, both)
    for name in sorted(classes_a.keys() | classes_b.keys()):
        if name not in classes_b:
            found.append(ApiChange(name, "removed", "class", True))
            continue
        if name not in classes_a:
            found.append(ApiChange(name, "added", "class", False))
            continue
        fields_a, fields_b = classes_a[name], classes_b[name]
        for field in sorted(fields_a.keys() - fields_b.keys()):
            found.append(ApiChange(f"{name}.{field}", "removed", "keyword argument and attribute", True))
        for field in sorted(fields_b.keys() - fields_a.keys()):
            required = fields_b[field][1]
            found.append(ApiChange(f"{name}.{field}", "now required" if required else "added", "new keyword argument", required))
        for field in sorted(fields_a.keys() & fields_b.keys()):
            (type_a, required_a, nullable_a, enum_a), (type_b, required_b, nullable_b, enum_b) = fields_a[field], fields_b[field]
            symbol = f"{name}.{field}"
            if required_b and not required_a:
                found.append(ApiChange(symbol, "now required", "the constructor needs it", True))
            if nullable_a and not nullable_b:
                found.append(ApiChange(symbol, "narrowed", "None no longer accepted", True))
            if enum_a and enum_b and set(enum_a) - set(enum_b):
                gone = ", ".join(sorted(set(enum_a) - set(enum_b)))
                found.append(ApiChange(symbol, "narrowed", f"values no longer allowed: {gone}", True))
            elif type_a != type_b and not (enum_a and enum_b and set(enum_a) <= set(enum_b)):
                found.append(ApiChange(symbol, "type changed", f"{type_a} -> {type_b}", True))
    return found


def diff_models(old: Model, new: Model, *, old_label: str = "", new_label: str = "") -> EditionDiff:
    """Everything that differs between two models, and the Python API it changes."""
    notes = []
    for part, a, b in (
        (6, old.dictionary, new.dictionary),
        (4, old.services, new.services),
        (3, old.objects, new.objects),
        (7, old.commands, new.commands),
    ):
        if (a is None) != (b is None):
            notes.append(f"PS3.{part} is on one side only; its differences are not compared")
    changes = (
        _diff_elements(old, new) + _diff_uids(old, new) + _diff_sop_classes(old, new) + _diff_iods(old, new)
        + _diff_attributes(old, new) + _diff_queries(old, new)
    )
    return EditionDiff(
        old_label or _label(old), new_label or _label(new), tuple(changes), tuple(_api(old, new)), tuple(notes)
    )


# HTML ----------------------------------------------------------------------------------


_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;color:#1d2733;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 .3rem} h2{margin-top:2rem;border-bottom:2px solid #d5dde6;padding-bottom:.2rem}
.sub{color:#5a6878} table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d5dde6;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef3f8} code{font:12px ui-monospace,monospace}
.counts td.n{text-align:right;font-variant-numeric:tabular-nums;width:5rem}
.breaks{color:#a4161a;font-weight:600} .ok{color:#2b7a3d}
.tag{display:inline-block;padding:0 .35rem;border-radius:.25rem;background:#e7edf4;font-size:12px}
.added{background:#dff3e4} .removed{background:#fbe2e2} .retired{background:#fdf0d5}
"""


def _html(diff: EditionDiff) -> str:
    e = html.escape
    counts = diff.counts()
    total = sum(sum(c.values()) for c in counts.values())
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>DICOM {e(diff.old)} → {e(diff.new)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>DICOM {e(diff.old)} → {e(diff.new)}</h1>",
        f'<p class="sub" id="summary">{total} changes; '
        f'{sum(1 for a in diff.api if a.breaks)} breaking Python API changes.</p>',
    ]
    out += [f'<p class="sub note">{e(note)}</p>' for note in diff.notes]
    out.append('<table class="counts" id="counts"><tr><th>kind</th><th>change</th><th>count</th></tr>')
    for kind, by_change in counts.items():
        for what, number in by_change.items():
            anchor = "k-" + re.sub(r"\W+", "-", kind)
            out.append(
                f'<tr data-kind="{e(kind)}" data-change="{e(what)}"><td><a href="#{anchor}">{e(kind)}</a></td>'
                f'<td>{e(what)}</td><td class="n">{number}</td></tr>'
            )
    out.append("</table>")
    if diff.api:
        out.append('<h2 id="api">Python API: what mypy will report after regenerating</h2>')
        out.append("<table><tr><th>symbol</th><th>effect</th><th>detail</th></tr>")
        for api in sorted(diff.api, key=lambda a: (not a.breaks, a.symbol)):
            css = "breaks" if api.breaks else "ok"
            out.append(
                f'<tr class="api"><td><code>{e(api.symbol)}</code></td><td class="{css}">{e(api.effect)}</td><td>{e(api.detail)}</td></tr>'
            )
        out.append("</table>")
    for kind in KINDS:
        selected = [c for c in diff.changes if c.kind == kind]
        if not selected:
            continue
        anchor = "k-" + re.sub(r"\W+", "-", kind)
        out.append(f'<h2 id="{anchor}">{e(kind)} ({len(selected)})</h2>')
        out.append("<table><tr><th>change</th><th>item</th><th>name</th><th>before</th><th>after</th></tr>")
        for change in selected:
            css = change.change.split()[0]
            item = f'<a href="{e(change.link)}">{e(change.key)}</a>' if change.link else e(change.key)
            out.append(
                f'<tr class="change" data-kind="{e(kind)}"><td><span class="tag {e(css)}">{e(change.change)}</span></td>'
                f"<td><code>{item}</code></td><td>{e(change.name)}</td><td>{e(change.old)}</td><td>{e(change.new)}</td></tr>"
            )
        out.append("</table>")
    if diff.empty:
        out.append('<p id="empty">No differences.</p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def side_label(selection: Mapping[int, str | None]) -> str:
    return ", ".join(f"PS3.{p} {e}" for p, e in sorted(selection.items()) if e)
