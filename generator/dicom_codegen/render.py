"""Rendering: the model into files. Only templates and filters know Python syntax.

:func:`render` returns ``{relative path: text}``; Python files are formatted as
black formats them (by ruff's formatter, in a scratch folder) and compiled as a smoke
check. Nothing here touches the output folder.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import jinja2
from ruff.__main__ import find_ruff_bin

from . import __version__
from .conditions import listing, runtime_names
from .dataset_class import dataset_fields
from .errors import OutputError
from .filters import FILTERS, attribute_line
from .model import ClassField, GeneratedClass, Model, Source, to_jsonable
from .passes import constant_elements
from .item_counts import listing as item_count_listing
from .passes_objects import condition_entries
from .passes_services import service_class_name

PACKAGE = "dicom_model"
#: The packages whose files get a stub (``.pyi``) beside them, which type checkers and IDEs
#: read instead: every object file. Their ``.py`` then carries no per-field docstrings
#: (invisible at run time); the stub has them, and declares the classes without their
#: tables and conditions, which a checker has no use for (issue #13: pyright reads the
#: module and macro files of every item class an IOD holds).
STUBBED = ("iods", "modules", "macros")
#: The line length of the generated code (black and ruff both format to it).
LINE_LENGTH = 100


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dicom_codegen", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    return env


def format_python(sources: Mapping[str, str]) -> dict[str, str]:
    """Every source formatted as black formats it (line length 100, Python 3.11; a ``.pyi``
    as black formats stubs).

    The formatting is done by ruff's formatter, which gives black's output for the
    constructs the templates emit and is about thirty times faster; a test holds the
    output to ``black.format_str`` byte for byte (tests/generator/test_format.py, the stubs
    in tests/test_stubs.py). Each formatted file is compiled as a smoke check of the
    templates.
    """
    try:
        scratch_folder = tempfile.TemporaryDirectory(prefix="dicom-codegen-format-")
    except OSError as exc:
        raise OutputError(tempfile.gettempdir(), f"no folder for formatting the generated Python: {exc.strerror or exc}") from None
    with scratch_folder as scratch:
        folder = Path(scratch)
        try:
            for name, text in sources.items():
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise OutputError(folder, f"the generated Python could not be written there for formatting: {exc.strerror or exc}") from None
        command = [
            str(find_ruff_bin()), "format", "--isolated", "--no-cache",
            "--line-length", str(LINE_LENGTH), "--target-version", "py311", ".",
        ]
        result = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
        if result.returncode != 0:  # a template bug, never an input problem
            problem = (result.stderr or result.stdout).strip()
            raise RuntimeError(f"generated Python is not valid: {problem}")
        formatted = {name: _long_alias_lines((folder / name).read_text(encoding="utf-8")) for name in sources}
    for name, text in formatted.items():
        compile(text, name, "exec", dont_inherit=True)
    return formatted


#: A module-level ``Name = OtherName`` (an item that is a macro's class) too long for a
#: line: black puts the right-hand side in parentheses on a line of its own even where
#: the name alone is too long, and ruff's formatter leaves such a line as it is.
_LONG_ALIAS = re.compile(rf"^(\w+) = (\w+)$(?<=.{{{LINE_LENGTH + 1}}})", re.MULTILINE)


def _long_alias_lines(text: str) -> str:
    """``text`` with its over-long alias lines split as black splits them."""
    return _LONG_ALIAS.sub(lambda m: f"{m[1]} = (\n    {m[2]}\n)", text)


def render(model: Model) -> dict[str, str]:
    """Every output file of the model, keyed by path relative to the output folder."""
    env = environment()
    sources = model.sources
    common = {"version": __version__, "sources": sources}
    python: dict[str, str] = {}
    python["__init__.py"] = env.get_template("__init__.py.j2").render(**common)
    source_of: dict[str, Source] = {}
    if model.dictionary is not None:
        for table, _ in model.dictionary.table_counts:
            source_of[table] = model.dictionary.source
    if model.commands is not None:
        for table, _ in model.commands.table_counts:
            source_of[table] = model.commands.source
    elements = model.all_elements()
    if elements:
        python["tags.py"] = env.get_template("tags.py.j2").render(
            **common, elements=constant_elements(model), source_of=source_of
        )
        python["dataset.py"] = env.get_template("dataset.py.j2").render(**common, fields=dataset_fields(model))
    uids = model.dictionary.uids if model.dictionary is not None else ()
    used = {e.table for e in elements}
    tables = sorted(used, key=lambda t: (source_of[t].part, t))
    python["_dictionary.py"] = env.get_template("_dictionary.py.j2").render(
        **common,
        elements=elements,
        uids=uids,
        tables=[f"{source_of[t].citation} Table {t.removeprefix('table_')}" for t in tables],
        table_index={t: i for i, t in enumerate(tables)},
    )
    if model.dictionary is not None:
        python["uids.py"] = env.get_template("uids.py.j2").render(
            **common,
            dictionary=model.dictionary,
            uids=uids,
            derived=any(u.keyword_derived for u in uids),
        )
        python["transfer_syntaxes.py"] = env.get_template("transfer_syntaxes.py.j2").render(
            **common, dictionary=model.dictionary, syntaxes=model.transfer_syntaxes
        )
    if model.services is not None:
        registry = model.services
        annexes = {
            s.annex: service_class_name(s.name)
            for s in registry.service_classes
            if any(c.annex == s.annex for c in registry.sop_classes)
        }
        python["sop_classes.py"] = env.get_template("sop_classes.py.j2").render(
            **common,
            registry=registry,
            dictionary=model.dictionary,
            sop_classes=registry.sop_classes,
            annexes=annexes,
        )
        python["queries.py"] = env.get_template("queries.py.j2").render(
            **common, registry=registry, classes=registry.query_classes, citation=registry.source.citation
        )
    if model.objects is not None:
        python.update(_render_objects(env, common, model))
    formatted = format_python(python)
    files = {f"{PACKAGE}/{name}": formatted[name] for name in sorted(python)}
    files[f"{PACKAGE}/py.typed"] = ""
    files["model.json"] = dump_json(model)
    if model.objects is not None:
        files["conditions.txt"] = _conditions_listing(model)
        files["item_counts.txt"] = item_count_listing(model.objects.source.edition, model.objects.tables)
    return files


def _render_objects(env: jinja2.Environment, common: Mapping[str, object], model: Model) -> dict[str, str]:
    """One file per module, macro and IOD (with its sequence items), and lazy packages."""
    assert model.objects is not None
    edition = model.objects.source.edition
    classes = model.objects.classes
    home = {c.name: (c.package, c.file) for c in classes}
    by_name = {c.name: c for c in classes}
    by_file: dict[tuple[str, str], list[GeneratedClass]] = {}
    for cls in classes:
        by_file.setdefault((cls.package, cls.file), []).append(cls)
    template = env.get_template("object_file.py.j2")
    stub_template = env.get_template("object_file.pyi.j2")
    files: dict[str, str] = {}
    for (package, file), members in sorted(by_file.items()):
        members.sort(key=lambda c: (c.kind != "item", c.name))
        main = next((c for c in members if c.kind != "item"), members[0])
        file_doc = f"{main.title}{' IOD' if main.kind == 'iod' else ''} and its sequence items."
        foreign = _item_imports(members, home)
        imported = {home[name] for name in _foreign_items(members, home)}
        compositions = {c.name: found for c in members if (found := composition(c, by_name, imported)) is not None}
        groups = {g for found in compositions.values() for g in found.groups if g not in found.by_name}
        files[f"{package}/{file}.py"] = template.render(
            **common,
            edition=edition,
            file=file,
            file_doc=file_doc,
            classes=members,
            compositions=compositions,
            stubbed=package in STUBBED,
            imports=_object_imports(members, compositions) + _item_imports(members, home, groups),
        )
        if package not in STUBBED:
            continue
        files[f"{package}/{file}.pyi"] = stub_template.render(
            **common,
            edition=edition,
            file=file,
            file_doc=file_doc,
            classes=members,
            imports=_stub_imports(members) + foreign,
        )
    package_template = env.get_template("object_package.py.j2")
    for package in ("modules", "macros", "iods"):
        listing = [
            (file, [c.name for c in members if not c.alias_of])
            for (owner, file), members in sorted(by_file.items())
            if owner == package
        ]
        example_file, example_names = listing[0] if listing else ("", [""])
        files[f"{package}/__init__.py"] = package_template.render(
            **common,
            edition=edition,
            package=package,
            files=listing,
            example_file=example_file,
            example_name=example_names[-1],
        )
    return files


def _conditions_listing(model: Model) -> str:
    entries = condition_entries(model)
    edition = model.objects.source.edition if model.objects else ""
    return listing(edition, [(f"{e.table} row {e.row}: {e.what}" if e.row else f"{e.table}: {e.what}", e.condition) for e in entries])


@dataclasses.dataclass(frozen=True)
class Composition:
    """How an IOD file's class gives its table: as its groups' tables (its modules', or a
    functional groups item's macros'), with only the lines that differ written out
    (``dicom_runtime.attribute_table.composed_table``)."""

    groups: tuple[str, ...]  # the module or macro classes, in order
    #: The groups given by name, their lines written: those whose files the IOD's file does
    #: not import for an item class (importing them would cost the IOD's import more than
    #: reading their lines).
    by_name: frozenset[str]
    written: frozenset[str]  # the keywords whose line is written: differing from their first group's, or of a group by_name
    #: The fields the ``.py`` does not declare, taken at import from their first group's
    #: class (``dicom_runtime.attribute_table.composed_fields``): those of a group given as a
    #: class, with its type and no default of their own, optional unless the group is M.
    taken: frozenset[str] = frozenset()


def composition(cls: GeneratedClass, by_name: Mapping[str, GeneratedClass], imported: set[tuple[str, str]]) -> Composition | None:
    """The composition of an IOD file's class, or None where its table is to be written
    whole: a class of another package, or one whose fields are not its groups' fields in
    the groups' order, each once, as the composition would give them. ``imported``: the
    files (package, file) that the class's file imports anyway."""
    if cls.package != "iods" or not cls.group_usage or not cls.fields or not all(f.modules for f in cls.fields):
        return None
    groups = tuple(dict.fromkeys(f.modules[0] for f in cls.fields))
    if any(g not in by_name or by_name[g].package == "iods" for g in groups):
        return None
    composed: list[tuple[str, ClassField]] = []
    seen: set[str] = set()
    for group in groups:
        for field in by_name[group].fields:
            if field.keyword not in seen:
                seen.add(field.keyword)
                composed.append((group, field))
    if [f.keyword for _, f in composed] != [f.keyword for f in cls.fields]:
        return None
    named = frozenset(g for g in groups if (by_name[g].package, by_name[g].file) not in imported)
    written = frozenset(
        field.keyword
        for (group, own), field in zip(composed, cls.fields)
        if group in named
        or attribute_line(field, True) != attribute_line(dataclasses.replace(own, modules=(group,)), True)
        or (field.condition, field.value_rules) != (own.condition, own.value_rules)
    )
    usage = dict(cls.group_usage)
    taken = frozenset(
        field.keyword
        for (group, own), field in zip(composed, cls.fields)
        if field.keyword not in written
        and (field.python_type, field.default, own.default) == (own.python_type, "", "")
        and own.nullable == (not own.required)
        and field.required == (own.required and usage.get(group) == "M")
        and field.nullable == (not field.required)
    )
    return Composition(groups, named, written, taken)


def _object_imports(members: list[GeneratedClass], compositions: Mapping[str, Composition]) -> list[str]:
    """The imports of an object file (its runtime's names; the item classes of other files
    follow, :func:`_item_imports`)."""
    types = " ".join(f.python_type for c in members for f in c.fields)
    typing_names = ["ClassVar"] + (["Literal"] if "Literal[" in types else [])
    lines = []
    if "datetime." in types:
        lines.append("import datetime")
    if "Sequence[" in types or any(c.kind == "iod" for c in members):
        names = [n for n, used in (("Mapping", any(c.kind == "iod" for c in members)), ("Sequence", "Sequence[" in types)) if used]
        lines.append(f"from collections.abc import {', '.join(names)}")
    lines.append("from dataclasses import dataclass, field")
    if "Decimal" in types:
        lines.append("from decimal import Decimal")
    lines.append(f"from typing import {', '.join(typing_names)}")
    lines.append("")
    written = [f for c in members for f in c.fields if c.name not in compositions or f.keyword in compositions[c.name].written]
    conditions = [f.condition.predicate for f in written if f.condition]
    conditions += [rule.predicate for f in written for rule, _ in f.value_rules]
    conditions += [g.predicate for c in members for _, g in c.group_conditions]
    conditions += [g.or_not_checked for c in members for _, g in c.functional_group_conditions]
    lines.append(f"from dicom_runtime.conditions import {', '.join(runtime_names(conditions))}")
    table_names = ["attribute_table"] + (["composed_fields"] if any(c.taken for c in compositions.values()) else [])
    table_names += ["composed_table"] if compositions else []
    table_names += ["modules_of"] if any(c.kind == "iod" for c in members) else []
    lines.append(f"from dicom_runtime.attribute_table import {', '.join(table_names)}")
    lines.append("from dicom_runtime.dataset import Dataset")
    lines.append("from dicom_runtime.objects import AttributeSpec, DicomObject")
    values_names = [n for n in ("MultiValued", "PersonName") if f"{n}" in types]
    if values_names:
        lines.append(f"from dicom_runtime.values import {', '.join(values_names)}")
    return lines


def _stub_imports(members: list[GeneratedClass]) -> list[str]:
    """The imports of an object file's stub: only what its declarations name (no
    conditions or tables)."""
    types = " ".join(f.python_type for c in members for f in c.fields)
    iod = any(c.kind == "iod" for c in members)
    conditions = any(g.predicate for c in members for _, g in c.group_conditions) or any(c.functional_group_conditions for c in members)
    typing_names = [n for n, used in (("ClassVar", iod or conditions), ("Literal", "Literal[" in types)) if used]
    lines = []
    if "datetime." in types:
        lines.append("import datetime")
    abc = [n for n, used in (("Mapping", iod or conditions), ("Sequence", "Sequence[" in types)) if used]
    if abc:
        lines.append(f"from collections.abc import {', '.join(abc)}")
    lines.append("from dataclasses import dataclass")
    if "Decimal" in types:
        lines.append("from decimal import Decimal")
    if typing_names:
        lines.append(f"from typing import {', '.join(typing_names)}")
    lines.append("")
    if conditions:
        lines.append("from dicom_runtime.conditions import Condition")
    lines.append("from dicom_runtime.dataset import Dataset")
    lines.append("from dicom_runtime.objects import DicomObject")
    values_names = [n for n in ("MultiValued", "PersonName") if f"{n}" in types]
    if values_names:
        lines.append(f"from dicom_runtime.values import {', '.join(values_names)}")
    return lines


def _item_imports(members: list[GeneratedClass], home: dict[str, tuple[str, str]], groups: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The item classes of other files that the fields of ``members`` hold (and the
    ``groups`` whose tables theirs are composed of)."""
    foreign: dict[tuple[str, str], set[str]] = {}
    for name in _foreign_items(members, home) | (groups - {c.name for c in members}):
        foreign.setdefault(home[name], set()).add(name)
    return [
        f"from {PACKAGE}.{other_package}.{other_file} import {', '.join(sorted(imported))}"
        for (other_package, other_file), imported in sorted(foreign.items())
    ]


def _foreign_items(members: list[GeneratedClass], home: dict[str, tuple[str, str]]) -> set[str]:
    """The item classes of other files that the fields of ``members`` hold."""
    local = {c.name for c in members if not c.alias_of}
    held = {f.item_class for c in members for f in c.fields if f.item_class} | {c.alias_of for c in members if c.alias_of}
    return held - local


def dump_json(model: Model) -> str:
    """The intermediate model as sorted, indented JSON (one trailing newline).

    The rendered classes of PS3.3 are left out: they are derived from the tables
    that are in the dump, and the generated Python shows them.
    """
    if model.objects is not None:
        model = dataclasses.replace(model, objects=dataclasses.replace(model.objects, classes=()))
    return json.dumps(to_jsonable(model), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
