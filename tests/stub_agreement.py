"""Whether the stubs beside generated files (``dicom_model/iods/*.pyi``) say what the runtime does.

Type checkers and IDEs read a stub in place of its ``.py``, so a stub that drifted from
the runtime would type-check programs that fail, or refuse programs that run. For each
stub, :func:`stub_problems` compares, class by class, with the classes the ``.py``
defines when imported:

* the same classes, each a ``@dataclass(kw_only=True, slots=True)`` subclass of
  ``DicomObject`` in both;
* the constructor the stub's fields give a type checker (all keyword-only: names in
  order, which are required, each default, each annotation) against
  ``inspect.signature`` of the runtime class;
* every ClassVar the stub declares exists on the runtime class with a value of that kind;
* every field of the stub has a docstring (what the IDE shows);
* the other names of classes (``PatientModuleStrainCodeSequenceItem = CodeSequenceMacro``,
  an item that is exactly a macro) are the same in both, each naming the same class.

``python -m tests.stub_agreement PACKAGE_DIR`` (with the generated package first on
``sys.path``) prints the problems, one a line, and exits 1 if there are any.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

KEYWORD_ONLY_DATACLASS = "dataclass(kw_only=True, slots=True)"


@dataclass(frozen=True)
class StubField:
    name: str
    annotation: str
    default: str | None  # the default's source text; None: required
    documented: bool


@dataclass(frozen=True)
class StubClass:
    name: str
    decorators: tuple[str, ...]
    bases: tuple[str, ...]
    fields: tuple[StubField, ...]
    class_vars: Mapping[str, str]  # name -> annotation inside ClassVar[...]


def read_stub(path: Path) -> dict[str, StubClass]:
    """The classes of a stub as its text declares them."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    classes: dict[str, StubClass] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        fields: list[StubField] = []
        class_vars: dict[str, str] = {}
        body = node.body
        for index, item in enumerate(body):
            if not isinstance(item, ast.AnnAssign) or not isinstance(item.target, ast.Name):
                continue
            annotation = item.annotation
            if isinstance(annotation, ast.Subscript) and ast.unparse(annotation.value) == "ClassVar":
                class_vars[item.target.id] = ast.unparse(annotation.slice)
                continue
            following = body[index + 1] if index + 1 < len(body) else None
            documented = (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
                and bool(following.value.value.strip())
            )
            default = ast.unparse(item.value) if item.value is not None else None
            fields.append(StubField(item.target.id, ast.unparse(annotation), default, documented))
        classes[node.name] = StubClass(
            node.name,
            tuple(ast.unparse(d) for d in node.decorator_list),
            tuple(ast.unparse(b) for b in node.bases),
            tuple(fields),
            class_vars,
        )
    return classes


def read_aliases(path: Path) -> dict[str, str]:
    """The other names of classes a stub declares (``Name = OtherName`` at module level)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return {
        node.targets[0].id: node.value.id
        for node in tree.body
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Name)
    }


def alias_problems(path: Path, module: object) -> list[str]:
    """How a stub's other names of classes differ from its module's at run time."""
    from dicom_runtime.objects import DicomObject

    declared = read_aliases(path)
    runtime = {
        name: value.__name__
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, DicomObject) and value.__name__ != name
    }
    problems = []
    if set(declared) != set(runtime):
        problems.append(
            f"{path}: other names of classes differ: only at run time {sorted(set(runtime) - set(declared))}, "
            f"only in the stub {sorted(set(declared) - set(runtime))}"
        )
    for name in sorted(set(declared) & set(runtime)):
        if declared[name] != runtime[name]:
            problems.append(f"{path}: {name} is {runtime[name]} at run time, {declared[name]} in the stub")
    return problems


def _normal(annotation: str) -> str:
    return ast.unparse(ast.parse(annotation, mode="eval"))


def _class_var_holds(annotation: str, value: object) -> bool:
    kinds = {"tuple": tuple, "Mapping": Mapping, "str": str}
    origin = annotation.split("[", 1)[0]
    return origin in kinds and isinstance(value, kinds[origin])


def class_problems(where: str, stub: StubClass, runtime: type) -> list[str]:
    """How the stub's class and the runtime class differ (empty: they agree)."""
    from dicom_runtime.objects import DicomObject

    problems: list[str] = []
    if stub.decorators != (KEYWORD_ONLY_DATACLASS,):
        problems.append(f"{where}: the stub's decorators are {stub.decorators}, not @{KEYWORD_ONLY_DATACLASS}")
    params = getattr(runtime, "__dataclass_params__", None)
    if params is None or not getattr(runtime, "__slots__", None) or params.init is not True:
        problems.append(f"{where}: the runtime class is not a dataclass with slots")
    if stub.bases != ("DicomObject",) or runtime.__bases__ != (DicomObject,):
        problems.append(f"{where}: bases differ: stub {stub.bases}, runtime {runtime.__bases__}")
    parameters = list(inspect.signature(runtime).parameters.values())
    runtime_names = [p.name for p in parameters]
    stub_names = [f.name for f in stub.fields]
    if runtime_names != stub_names:
        missing = sorted(set(runtime_names) - set(stub_names))
        extra = sorted(set(stub_names) - set(runtime_names))
        problems.append(f"{where}: parameters differ (order, or missing {missing}, not at run time {extra})")
        return problems
    for parameter, field in zip(parameters, stub.fields):
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            problems.append(f"{where}.{field.name}: {parameter.kind.description} at run time, keyword-only in the stub")
        required = parameter.default is inspect.Parameter.empty
        if required != (field.default is None):
            problems.append(f"{where}.{field.name}: required at run time {required}, in the stub {field.default is None}")
        elif field.default is not None and ast.literal_eval(field.default) != parameter.default:
            problems.append(f"{where}.{field.name}: default {parameter.default!r} at run time, {field.default} in the stub")
        annotation = parameter.annotation if isinstance(parameter.annotation, str) else inspect.formatannotation(parameter.annotation)
        if _normal(annotation) != _normal(field.annotation):
            problems.append(f"{where}.{field.name}: annotated {annotation!r} at run time, {field.annotation!r} in the stub")
        if not field.documented:
            problems.append(f"{where}.{field.name}: no docstring in the stub")
    for name, annotation in stub.class_vars.items():
        if not hasattr(runtime, name):
            problems.append(f"{where}.{name}: declared in the stub, missing at run time")
        elif not _class_var_holds(annotation, getattr(runtime, name)):
            problems.append(f"{where}.{name}: {type(getattr(runtime, name)).__name__} at run time, ClassVar[{annotation}] in the stub")
    return problems


def stub_problems(package_dir: Path) -> list[str]:
    """Every difference between the stubs of a generated package folder (``.../dicom_model``)
    and its imported runtime classes, and every ``.py`` of a stubbed package without a stub."""
    problems: list[str] = []
    stubs = sorted(package_dir.rglob("*.pyi"))
    for folder in sorted({p.parent for p in stubs}):
        for source in sorted(folder.glob("*.py")):
            if source.name != "__init__.py" and not source.with_suffix(".pyi").is_file():
                problems.append(f"{source}: no stub beside it")
    for path in stubs:
        module_name = ".".join(path.relative_to(package_dir.parent).with_suffix("").parts)
        module = importlib.import_module(module_name)
        runtime = {
            name: value
            for name, value in vars(module).items()
            if isinstance(value, type) and value.__module__ == module_name
        }
        declared = read_stub(path)
        if set(runtime) != set(declared):
            problems.append(
                f"{path}: classes differ: only at run time {sorted(set(runtime) - set(declared))}, "
                f"only in the stub {sorted(set(declared) - set(runtime))}"
            )
        for name in sorted(set(runtime) & set(declared)):
            problems.extend(class_problems(f"{module_name}.{name}", declared[name], runtime[name]))
        problems.extend(alias_problems(path, module))
    return problems


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    problems = stub_problems(folder)
    stubs = len(list(folder.rglob("*.pyi")))
    for problem in problems:
        print(problem)
    print(f"{stubs} stubs, {len(problems)} problem(s)")
    return 1 if problems or not stubs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
