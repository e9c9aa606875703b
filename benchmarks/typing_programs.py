"""Programs that build IOD instances, written against our model and against pydicom.

``python -m benchmarks.typing_programs OUT KEYWORD...`` (run with the generated
``dicom_model`` to measure on ``sys.path``) writes ``OUT/ours_N.py`` and
``OUT/theirs_N.py`` for the first 1 and all N SOP classes given, and prints the IOD
class names it used. Each program gives every required argument of the IOD class (the
Type 1 and 2 attributes of its mandatory modules) a value of its type, as a user
building an instance must; the pydicom program sets the same attributes on a
``pydicom.Dataset``. ``OUT/standin_N.py`` is the program of ``ours_N.py`` against
``OUT/standin_iods.py``: dataclasses of the same names and the same keyword parameters
(required where ours are), every one typed ``object``, importing nothing - what a type
checker spends on constructors of that size alone, whatever the model. ``OUT/typed_N.py``
is the program against ``OUT/typed_iods.py``, the same stand-ins typed as ours are (the
same unions, Literal values, dates and Decimal) except that an item class is ``object``,
a person name ``str`` and ``MultiValued`` ``list``: what the field types alone cost, with
no other file of ours read. Two more stand-ins
ask whether the IOD classes' repetition of their modules is the cost (issue #13): in
``OUT/shared_iods.py`` each module's fields are declared once, in a base class the IODs
that use the module alike share (``OUT/shared_N.py`` is the same program against it); in
``OUT/composed_iods.py`` an IOD is built of module objects, one keyword per module, and
``OUT/composed_N.py`` builds each module object with its arguments of the program.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

_SIMPLE = {
    "str": '"X"',
    "PersonName | str": '"Doe^Jane"',
    "int": "1",
    "float": "1.0",
    "float | Decimal": "1.0",
    "datetime.date | str": '"20240101"',
    "datetime.time | str": '"120000"',
    "datetime.datetime | str": '"20240101120000"',
    "bytes": 'b"\\x00\\x00"',
}


def value_for(annotation: str) -> str:
    """A Python expression of the annotation's type (the generated annotations' forms)."""
    text = annotation.strip()
    text = re.sub(r"\s*\|\s*None$", "", text)
    for generic in ("MultiValued[", "Sequence["):
        if text.startswith(generic) and text.endswith("]"):
            return f"[{value_for(text[len(generic):-1])}]"
    if text.startswith("list["):
        return "[]"
    if text.startswith("Literal["):
        inside = text[len("Literal[") : text.index("]")]
        return inside.split(", ")[0]
    return _SIMPLE.get(text, "None")


def programs(keywords: list[str]) -> tuple[list[str], dict[str, str]]:
    """The IOD classes of ``keywords`` (SOP class keywords) and the programs' texts."""
    from dicom_model import iods, sop_classes

    classes = []
    for keyword in keywords:
        sop = getattr(sop_classes, keyword)
        # Where PS3.4's IOD reference does not lead to a section of the PS3.3 in use (the
        # highdicom reconstruction numbers its sections itself), the class of the same name.
        name = sop.iod_class or keyword.removesuffix("Storage")
        if name not in iods.CLASSES:
            raise SystemExit(f"{keyword}: no generated IOD class")
        classes.append(iods.load(name))
    texts: dict[str, str] = {}
    for count in sorted({1, len(classes)}):
        ours = ["from __future__ import annotations", ""]
        theirs = ["from __future__ import annotations", "", "from pydicom.dataset import Dataset", ""]
        for cls in classes[:count]:
            ours.insert(1, f"from dicom_model.iods.{iods.CLASSES[cls.__name__]} import {cls.__name__}")
        for index, cls in enumerate(classes[:count]):
            fields = dataclasses.fields(cls)  # type: ignore[arg-type]
            required = [f for f in fields if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
            arguments = [(f.name, value_for(str(f.type))) for f in required]
            ours.append(f"image{index} = {cls.__name__}(")
            ours.extend(f"    {name}={value}," for name, value in arguments)
            ours.append(")")
            ours.append(f"print(image{index}.SOPInstanceUID)")
            theirs.append(f"image{index} = Dataset()")
            theirs.extend(f"image{index}.{name} = {value}" for name, value in arguments)
            theirs.append(f"print(image{index}.SOPInstanceUID)")
        texts[f"ours_{count}.py"] = "\n".join(ours) + "\n"
        standin = [line for line in ours if not line.startswith("from dicom_model.")]
        standin.insert(1, f"from standin_iods import {', '.join(sorted(c.__name__ for c in classes[:count]))}")
        texts[f"standin_{count}.py"] = "\n".join(standin) + "\n"
        texts[f"typed_{count}.py"] = texts[f"standin_{count}.py"].replace("from standin_iods import", "from typed_iods import")
        texts[f"theirs_{count}.py"] = "\n".join(theirs) + "\n"
    texts["standin_iods.py"] = standin_classes(classes)
    texts["typed_iods.py"] = standin_classes(classes, typed=True)
    for layout in ("shared", "composed"):
        stand_ins, calls = module_stand_ins(classes, composed=layout == "composed")
        texts[f"{layout}_iods.py"] = stand_ins
        for count in sorted({1, len(classes)}):
            names = sorted({name for cls in classes[:count] for name in calls[cls.__name__][1]} | {c.__name__ for c in classes[:count]})
            program = ["from __future__ import annotations", "", f"from {layout}_iods import {', '.join(names)}", ""]
            for index, cls in enumerate(classes[:count]):
                program.extend([f"image{index} = {cls.__name__}(", *calls[cls.__name__][0], ")", f"print(image{index})"])
            texts[f"{layout}_{count}.py"] = "\n".join(program) + "\n"
    return [c.__name__ for c in classes], texts


def module_stand_ins(classes: list[type], composed: bool) -> tuple[str, dict[str, tuple[list[str], list[str]]]]:
    """Stand-ins of ``classes`` whose fields (typed ``object``) are declared once per module
    and way of use (the same fields, required alike), in a class of their own: a base of
    the IOD class, or (``composed``) the type of one of its fields. With each IOD class, the
    lines of the program's call and the names it uses."""
    lines = ["from __future__ import annotations", "", "from dataclasses import dataclass"]
    groups: dict[tuple[str, tuple[tuple[str, bool], ...]], str] = {}
    iods: list[str] = []
    calls: dict[str, tuple[list[str], list[str]]] = {}
    for cls in classes:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        needed = {name: f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING for name, f in fields.items()}
        by_module: dict[str, list[str]] = {}
        for keyword, modules in cls.MODULES.items():  # type: ignore[attr-defined]
            if keyword in fields:
                by_module.setdefault(modules[0], []).append(keyword)
        own: list[tuple[str, str]] = []
        for module, keywords in by_module.items():
            signature = (module, tuple((k, needed[k]) for k in keywords))
            if signature not in groups:
                groups[signature] = f"{module}{len(groups)}"
                lines.extend(["", "", "@dataclass(kw_only=True)", f"class {groups[signature]}:"])
                lines.extend(f"    {k}: object" + ("" if required else " = None") for k, required in signature[1])
            own.append((module, groups[signature]))
        if composed:
            declared = [f"    {module[0].lower()}{module[1:]}: {group}" for module, group in own]
            iods.extend(["", "", "@dataclass(kw_only=True)", f"class {cls.__name__}:", *declared])
            call = [
                f"    {module[0].lower()}{module[1:]}={group}("
                + ", ".join(f"{k}={value_for(str(fields[k].type))}" for k in by_module[module] if needed[k])
                + "),"
                for module, group in own
            ]
            calls[cls.__name__] = (call, [group for _, group in own])
        else:
            bases = ", ".join(group for _, group in reversed(own))
            iods.extend(["", "", "@dataclass(kw_only=True)", f"class {cls.__name__}({bases}):", "    pass"])
            calls[cls.__name__] = ([f"    {k}={value_for(str(f.type))}," for k, f in fields.items() if needed[k]], [])
    return "\n".join(lines + iods) + "\n", calls


#: The names a ``typed`` stand-in keeps as ours write them, and what stands in for the
#: runtime's own.
_KEPT = {"str", "int", "float", "bytes", "None", "Literal", "list", "Decimal", "datetime.date", "datetime.time", "datetime.datetime"}
_RUNTIME = {"MultiValued": "list", "PersonName": "str"}


def typed_annotation(annotation: str) -> str:
    """``annotation`` with each name other than ``_KEPT`` (an item class, the runtime's
    types) replaced by ``object``, or by its ``_RUNTIME`` stand-in; Literal values kept."""
    parts = re.split(r"('[^']*'|\"[^\"]*\")", annotation)
    for index in range(0, len(parts), 2):
        parts[index] = re.sub(
            r"[A-Za-z_][\w.]*", lambda m: m[0] if m[0] in _KEPT else _RUNTIME.get(m[0], "object"), parts[index]
        )
    return "".join(parts)


def standin_classes(classes: list[type], typed: bool = False) -> str:
    """Dataclasses named as ``classes`` with their keyword parameters, each typed ``object``,
    or (``typed``) as ``typed_annotation`` writes ours."""
    lines = ["from __future__ import annotations", ""]
    if typed:
        lines.extend(["import datetime", "from decimal import Decimal", "from typing import Literal", ""])
    lines.append("from dataclasses import dataclass")
    for cls in classes:
        lines.extend(["", "", "@dataclass(kw_only=True, slots=True)", f"class {cls.__name__}:"])
        for f in dataclasses.fields(cls):
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if not typed:
                lines.append(f"    {f.name}: object" + ("" if required else " = None"))
                continue
            default = "" if required else f" = {f.default!r}" if f.default is not dataclasses.MISSING else " = None"
            lines.append(f"    {f.name}: {typed_annotation(str(f.type))}{default}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    names, texts = programs(argv[1:])
    for name, text in texts.items():
        (out / name).write_text(text, encoding="utf-8")
    print(" ".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
