"""Rendering: the model into files. Only templates and filters know Python syntax.

:func:`render` returns ``{relative path: text}``; Python files are formatted with
black in-process and compiled as a smoke check. Nothing here touches the disk.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor

import black
import jinja2
from black.mode import TargetVersion
from black.parsing import InvalidInput

from . import __version__
from .filters import FILTERS
from .model import Model, Source, to_jsonable
from .passes import constant_elements
from .passes_services import service_class_name

PACKAGE = "dicom_model"
_BLACK_MODE = black.Mode(line_length=100, target_versions={TargetVersion.PY311})


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


def _format(path: str, source: str) -> str:
    try:
        formatted = black.format_str(source, mode=_BLACK_MODE)
    except InvalidInput as exc:  # a template bug, never an input problem
        raise RuntimeError(f"generated {path} is not valid Python: {exc}") from exc
    compile(formatted, path, "exec", dont_inherit=True)
    return formatted


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
    names = sorted(python)
    with ProcessPoolExecutor(max_workers=min(len(names), os.cpu_count() or 1)) as pool:
        formatted = pool.map(_format, names, [python[n] for n in names])
        files = {f"{PACKAGE}/{name}": text for name, text in zip(names, formatted)}
    files[f"{PACKAGE}/py.typed"] = ""
    files["model.json"] = dump_json(model)
    return files


def dump_json(model: Model) -> str:
    """The intermediate model as sorted, indented JSON (one trailing newline)."""
    return json.dumps(to_jsonable(model), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
