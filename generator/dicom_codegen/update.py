"""``dicom-codegen update [EDITION|current|defaults]``: the whole regeneration step.

1. fetch the edition's parts 3, 4, 6 and 7 (all of them, see :func:`fetch.fetch`);
2. diff the model ``generated/`` was made from (``generated/model.json``) against
   the new edition's: the ``diff`` report, with its "what mypy will report" part;
3. generate (the output folder is replaced only when complete);
4. a summary: editions before and after, changes per kind, breaking API changes,
   files added, removed and changed.

A failure at any step is one :class:`InputError`; what is already in place (the
previous ``standard_xml/`` before the fetch, the output folder before the write)
is left as it was.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any, TextIO, TypeVar

from rich.console import Console
from rich.markup import escape

from .diff import EditionDiff, diff_models, side_label
from .errors import InputError
from .fetch import describe, fetch, progress_bar, summary
from .generate import Selection, build_model, compare_tree, write_tree
from .manifest import PARTS, load_manifest
from .model import Model
from .passes_objects import build_classes
from . import render
from .report import Report

T = TypeVar("T")


def _convert(kind: Any, value: Any, where: str) -> Any:
    """``value`` (from JSON) as an instance of the annotation ``kind``."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None:
            if type(None) in options:
                return None
            raise ValueError(f"{where}: null where {kind} is expected")
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(option, value, where)
            except (ValueError, TypeError, KeyError) as exc:
                errors.append(str(exc))
        raise ValueError("; ".join(errors))
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise ValueError(f"{where}: expected {len(args)} items, got {len(value)}")
        return tuple(_convert(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _dataclass(kind, value, where)
    if kind is bool or kind is str:
        if not isinstance(value, kind):
            raise ValueError(f"{where}: expected {kind.__name__}, got {value!r}")
        return value
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{where}: expected int, got {value!r}")
        return value
    if kind is float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ValueError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if kind is Any:
        return value
    raise TypeError(f"{where}: cannot read a {kind!r} from JSON")


def _dataclass(kind: type[T], value: Any, where: str) -> T:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected an object for {kind.__name__}")
    hints = typing.get_type_hints(kind)
    arguments = {
        f.name: _convert(hints[f.name], value[f.name], f"{where}.{f.name}")
        for f in dataclasses.fields(kind)  # type: ignore[arg-type]
        if f.name in value
    }
    return kind(**arguments)


def load_model(path: Path) -> Model:
    """The intermediate model a ``model.json`` dump holds (``dump-model``, ``generated/model.json``).

    The dump leaves out PS3.3's rendered classes; they are derived again from its
    tables (as the generator does), so the "Python API" part of a diff sees them.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        model = _dataclass(Model, raw, "model")
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError(path, f"not a model dump: {exc}") from None
    # The classes are built again; the warnings building them gives are in the dump already.
    return dataclasses.replace(build_classes(model), warnings=model.warnings)


def _selection(which: str, resolved: str | None, defaults: dict[int, str]) -> Selection:
    if which == "defaults":
        return Selection({part: defaults.get(part) for part in PARTS})
    edition = resolved or which
    return Selection({part: edition for part in PARTS})


def run(
    *,
    which: str,
    standard: Path,
    out: Path,
    base: str | None,
    source_dir: Path | None,
    fallback_dir: Path | None,
    timeout: float,
    console: Console,
    report_format: str = "text",
    report_output: Path | None = None,
    stdout: TextIO,
) -> EditionDiff:
    """The four steps; returns the diff. Raises :class:`InputError`."""
    manifest = load_manifest(standard / "manifest.json")
    console.rule(f"1/4 fetch {which}")
    with progress_bar(console) as progress:
        result = fetch(
            manifest, standard, which, base=base, source_dir=source_dir, fallback_dir=fallback_dir,
            timeout=timeout, progress=progress, warn=lambda m: console.print(f"[yellow]warning:[/] {escape(m)}"),
            require_all=True,
        )
    for item in result.fetched:
        console.print(describe(item, result.record), markup=False)
    for line in summary(result):
        console.print(line, markup=False)
    selection = _selection(which, result.current, manifest.defaults)
    report = Report(console=console)

    console.rule(f"2/4 diff {out / 'model.json'} -> {side_label(selection.editions)}")
    old_path = out / "model.json"
    if old_path.is_file():
        with report.stage(f"read {old_path}"):
            old = load_model(old_path)
    else:
        report.notes.append(f"{old_path}: not there; everything counts as added")
        old = Model()
    new = build_model(standard, selection, report)
    old_label = side_label({s.part: s.edition for s in old.sources}) or "(nothing generated)"
    new_label = side_label(selection.editions)
    with report.stage("diff"):
        difference = diff_models(old, new, old_label=f"{out} ({old_label})", new_label=new_label)
    text = {"text": difference.to_text, "json": difference.to_json, "html": difference.to_html}[report_format]()
    if report_output is not None:
        report_output.write_text(text, encoding="utf-8")
        console.print(f"diff report: {report_output}")
    else:
        stdout.write(text)
        stdout.flush()

    console.rule(f"3/4 generate {out}")
    with report.stage("render"):
        files = render.render(new)
    changed = compare_tree(out, files)
    if changed:
        with report.stage("write"):
            write_tree(out, files)
    report.print_summary()

    console.rule("4/4 summary")
    added = sum(1 for line in changed if line.startswith("missing: "))
    removed = sum(1 for line in changed if line.startswith("not generated (stale): "))
    modified = sum(1 for line in changed if line.startswith("differs: "))
    breaking = sum(1 for a in difference.api if a.breaks)
    counts = difference.counts()
    console.print(f"editions: {old_label} -> {new_label}")
    if counts:
        for kind, by_change in counts.items():
            console.print(f"  {kind}: " + ", ".join(f"{n} {c}" for c, n in by_change.items()))
    else:
        console.print("  the standard: no differences")
    console.print(
        f"Python API: {breaking} breaking (mypy will report code that uses them), "
        f"{len(difference.api) - breaking} other"
    )
    if changed:
        console.print(
            f"{out}: {modified} file(s) changed, {added} added, {removed} removed, of {len(files)}; "
            "review with `git diff` and commit"
        )
    else:
        console.print(f"{out}: unchanged ({len(files)} files)")
    return difference
