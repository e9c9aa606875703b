"""What of the generated model costs pyright its time on the five-IOD program (issue #13).

Run: ``python -m benchmarks.bench_pyright_parts --generated innolitics=DIR [--rounds 5]``
(``DIR``: a model generated from a full-scale reconstruction, as bench_model's
``--generated``; repeatable).

bench_model measures pyright on the five-IOD program against a one-line file (target
1.5x). This takes the same program and the same one-line file to copies of the model,
each changed by one more step, so that the ratio of each says what that step's part of
the model costs:

* ``as generated`` (every object file has a stub: the IODs', modules' and macros'
  declarations with their field docstrings);
* ``IOD stubs with an explicit __init__``: the IOD stubs' classes not decorated as
  dataclasses, each with a keyword-only ``def __init__`` of the same parameters - whether
  pyright's synthesis of a dataclass's ``__init__`` is the cost (a copy of the model, not
  a step on from the row before: the rows after it go on from the one above it);
* ``module and macro stubs declarations only``: their docstrings dropped - what reading
  the 40-odd module and macro stubs of the five IODs' item classes costs beyond their
  declarations;
* ``item classes typed object``: the IOD stubs' sequences hold ``object`` and import no
  item class (the module and macro files are then not read at all);
* ``+ Literal values typed object``: the enumerated values' ``Literal[...]`` too;
* ``+ no DicomObject base``: the IOD classes subclass nothing and import nothing of
  ``dicom_runtime`` (``PersonName``, ``Dataset`` unresolved);
* ``every field typed object``: what remains is the constructors' size alone (as
  bench_model's stand-ins).

A second table asks whether the IOD classes' repetition of their modules is the cost
(the same 1,463 fields, the same five modules' Patient, Study and Equipment fields in
every IOD): typing_programs' stand-ins, which import nothing and type every field
``object``, laid out three ways - flat, as generated; each module's fields declared once in
a base class the IODs share; and each IOD built of module objects (``CTImage(patientModule=
PatientModule(...), ...)``), the module classes declared once for the five.

Each copy is for measuring only: none of them is a model that runs. Times are pyright's
processor time (user + system of the process and its threads, from ``getrusage``), the
rounds interleaved and the order reversed every other round; each ratio is taken within
a round and the median printed.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.bench_model import FIVE, PYRIGHT, REPO, _environment, _load

#: The runtime names an object file imports that a declarations-only stub needs no more.
_RUNTIME_ONLY = {"attribute_table", "modules_of", "AttributeSpec", "field"}


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def declarations_only(source: str) -> str:
    """A stub of an object file's classes: fields and ClassVars by type, no docstrings,
    tables, conditions or the imports only they use."""
    tree = ast.parse(source)
    body: list[ast.stmt] = []
    for node in tree.body:
        if _is_docstring(node):
            continue
        if isinstance(node, ast.ImportFrom):
            if node.module == "__future__":
                continue
            node.names = [a for a in node.names if a.name not in _RUNTIME_ONLY]
            if node.module == "dicom_runtime.conditions":
                node.names = [a for a in node.names if a.name == "Condition"]
            if not node.names:
                continue
        if isinstance(node, ast.ClassDef):
            members: list[ast.stmt] = []
            for member in node.body:
                if _is_docstring(member) or not isinstance(member, ast.AnnAssign):
                    continue
                if ast.unparse(member.annotation).startswith("ClassVar"):
                    member.value = None
                elif isinstance(member.value, ast.Call):  # field(default=None, repr=False)
                    member.value = ast.Constant(None)
                members.append(member)
            node.body = members or [ast.Pass()]
        body.append(node)
    tree.body = body
    return ast.unparse(tree) + "\n"


def _stub_modules(package: Path) -> int:
    """Writes a declarations-only stub beside every module and macro file (in place of the
    generated one); their bytes."""
    written = 0
    for folder in ("modules", "macros"):
        for source in sorted((package / folder).glob("*.py")):
            if source.name != "__init__.py":
                text = declarations_only(source.read_text(encoding="utf-8"))
                source.with_suffix(".pyi").write_text(text, encoding="utf-8")
                written += len(text.encode())
    return written


def explicit_init(text: str) -> str:
    """An IOD stub's classes undecorated, each with a keyword-only ``__init__`` of its
    fields (their annotations, ``...`` for a default); the fields stay declared."""
    tree = ast.parse(text)
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        fields = [
            m for m in node.body
            if isinstance(m, ast.AnnAssign) and isinstance(m.target, ast.Name) and not ast.unparse(m.annotation).startswith("ClassVar")
        ]
        names = [f.target.id for f in fields if isinstance(f.target, ast.Name)]
        arguments = ast.arguments(
            posonlyargs=[], args=[ast.arg("self")], vararg=None,
            kwonlyargs=[ast.arg(name, f.annotation) for name, f in zip(names, fields)],
            kw_defaults=[None if f.value is None else ast.Constant(...) for f in fields], kwarg=None, defaults=[],
        )
        init = ast.FunctionDef("__init__", arguments, [ast.Expr(ast.Constant(...))], [], ast.Constant(None))
        node.body.append(init)
        node.decorator_list = []
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _rewrite_iod_stubs(package: Path, change: Callable[[str], str]) -> None:
    for stub in sorted((package / "iods").glob("*.pyi")):
        stub.write_text(change(stub.read_text(encoding="utf-8")), encoding="utf-8")


def _items_object(text: str) -> str:
    text = re.sub(r"^from dicom_model\.[^\n]*\((?:\n[^\n]*)*?\n\)\n|^from dicom_model\.[^\n]*\n", "", text, flags=re.MULTILINE)
    return re.sub(r"\b(Sequence|list)\[\s*[A-Za-z0-9_]+Item\s*\]", r"\1[object]", text)


def _literals_object(text: str) -> str:
    return re.sub(r"Literal\[[^\]]*\]", "object", text)


def _no_base(text: str) -> str:
    text = re.sub(r"^from dicom_runtime\.[^\n]*\n", "", text, flags=re.MULTILINE)
    return text.replace("(DicomObject):", ":").replace("Dataset | None", "object")


def _all_object(text: str) -> str:
    """Every field of the (already rewritten) IOD stubs typed ``object``, its default kept."""
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and not ast.unparse(node.annotation).startswith("ClassVar"):
            node.annotation = ast.Name("object")
    return ast.unparse(tree) + "\n"


#: The copies, each one step on from the one before, except where the second item says
#: which copy it starts from ("model": the model as generated).
STEPS: list[tuple[str, str, Callable[[Path], object]]] = [
    ("as generated", "model", lambda package: None),
    ("IOD stubs with an explicit __init__", "model", lambda package: _rewrite_iod_stubs(package, explicit_init)),
    ("module and macro stubs declarations only", "as generated", _stub_modules),
    # the module and macro files are never read from here on
    ("item classes typed object", "model", lambda package: _rewrite_iod_stubs(package, _items_object)),
    ("+ Literal values typed object", "", lambda package: _rewrite_iod_stubs(package, _literals_object)),
    ("+ no DicomObject base", "", lambda package: _rewrite_iod_stubs(package, _no_base)),
    ("every field typed object", "", lambda package: _rewrite_iod_stubs(package, _all_object)),
]


def _timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Processor and wall seconds of one pyright run (which must find no problem)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if "0 errors" not in result.stdout:
        raise SystemExit(f"pyright found problems in {cwd}:\n{result.stdout[-3000:]}")
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def measure(label: str, generated: Path, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-pyright-parts-") as scratch_name:
        scratch = Path(scratch_name)
        programs = scratch / "programs"
        programs.mkdir()
        written = subprocess.run(
            [sys.executable, "-m", "benchmarks.typing_programs", str(programs), *FIVE],
            env=_environment(generated), cwd=REPO, capture_output=True, text=True,
        )
        if written.returncode != 0:
            raise SystemExit(f"[{label}] typing programs: {written.stderr.strip()[-500:]}")
        folders: dict[str, Path] = {}
        stub_bytes = 0
        previous = generated / "dicom_model"
        for index, (name, start, step) in enumerate(STEPS):
            folder = scratch / f"copy{index}"
            origin = generated / "dicom_model" if start == "model" else folders[start] / "dicom_model" if start else previous
            shutil.copytree(origin, folder / "dicom_model", ignore=shutil.ignore_patterns("__pycache__"))
            result = step(folder / "dicom_model")
            if step is _stub_modules and isinstance(result, int):
                stub_bytes = result
            for program in ("ours_5.py",):
                shutil.copy(programs / program, folder / program)
            (folder / "trivial.py").write_text("x: int = 1\n", encoding="utf-8")
            config = {"extraPaths": [str(folder), str(REPO / "runtime")]}
            (folder / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
            folders[name] = folder
            previous = folder / "dicom_model"
        runs = [(name, program) for name in folders for program in ("trivial.py", "ours_5.py")]
        seconds: dict[tuple[str, str], list[tuple[float, float]]] = {run: [] for run in runs}
        for round_ in range(rounds):
            for name, program in runs if round_ % 2 == 0 else list(reversed(runs)):
                command = [str(PYRIGHT), "--pythonpath", sys.executable, program]
                seconds[(name, program)].append(_timed(command, folders[name]))
        print(f"[{label}] pyright, five-IOD program against the one-line file ({rounds} rounds, interleaved; processor time, wall beside):")
        print(f"    {'copy of the model':<42} {'one-line':>8} {'5 IODs':>7} {'ratio':>6}  {'wall ratio':>10}")
        for name in folders:
            trivial, ours = seconds[(name, "trivial.py")], seconds[(name, "ours_5.py")]
            cpu = statistics.median(o[0] / t[0] for o, t in zip(ours, trivial))
            wall = statistics.median(o[1] / t[1] for o, t in zip(ours, trivial))
            print(
                f"    {name:<42} {statistics.median(t[0] for t in trivial):>7.2f}s "
                f"{statistics.median(o[0] for o in ours):>6.2f}s {cpu:>5.2f}x  {wall:>9.2f}x"
            )
        _measure_layouts(label, programs, rounds)
        package = sum(p.stat().st_size for p in (generated / "dicom_model").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        shipped = sum(p.stat().st_size for folder in ("modules", "macros") for p in (generated / "dicom_model" / folder).glob("*.pyi"))
        print(
            f"[{label}] the package {package / 1e6:.1f} MB (limit 30), its module and macro stubs {shipped / 1e6:.2f} MB; "
            f"declarations only they would be {stub_bytes / 1e6:.2f} MB"
        )


#: typing_programs' stand-in programs of the five IODs, by layout of the stand-in classes.
LAYOUTS = {
    "flat (each IOD declares its fields)": "standin_5.py",
    "module fields in shared base classes": "shared_5.py",
    "IODs built of module objects": "composed_5.py",
}


def _measure_layouts(label: str, programs: Path, rounds: int) -> None:
    """pyright on the stand-in programs of each layout against the one-line file, in the
    folder where typing_programs wrote them."""
    (programs / "trivial.py").write_text("x: int = 1\n", encoding="utf-8")
    runs = ["trivial.py", *LAYOUTS.values()]
    seconds: dict[str, list[tuple[float, float]]] = {run: [] for run in runs}
    for round_ in range(rounds):
        for program in runs if round_ % 2 == 0 else list(reversed(runs)):
            seconds[program].append(_timed([str(PYRIGHT), "--pythonpath", sys.executable, program], programs))
    print(f"[{label}] stand-ins of the five IODs, every field object, importing nothing, by layout ({rounds} rounds):")
    trivial = seconds["trivial.py"]
    for name, program in LAYOUTS.items():
        runs_of = seconds[program]
        cpu = statistics.median(o[0] / t[0] for o, t in zip(runs_of, trivial))
        wall = statistics.median(o[1] / t[1] for o, t in zip(runs_of, trivial))
        print(f"    {name:<42} {statistics.median(t[0] for t in trivial):>7.2f}s {statistics.median(o[0] for o in runs_of):>6.2f}s {cpu:>5.2f}x  {wall:>9.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Where pyright's time on the five-IOD program goes, by part of the model.")
    parser.add_argument("--generated", action="append", default=[], metavar="SOURCE=DIR", required=True,
                        help="a model generated into DIR (its dicom_model folder) from SOURCE")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if not PYRIGHT.is_file():
        raise SystemExit(f"pyright is not installed at {PYRIGHT} (.ci/install)")
    print(f"{os.cpu_count()} CPUs; {_load()}")
    for item in args.generated:
        label, _, folder = item.partition("=")
        if not folder or not (Path(folder) / "dicom_model").is_dir():
            raise SystemExit(f"--generated {item!r}: expected SOURCE=DIR with DIR/dicom_model")
        measure(label, Path(folder), args.rounds)
    print(_load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
