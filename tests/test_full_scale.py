"""The whole generator at full scale: both reconstructions of PS3.3 (tests/reconstruction),
generated once each, then held to what the transcriptions list, to mypy --strict, to
black's formatting, to generate --check, and each IOD's stub to its runtime class.

Slow (about a minute each): CI runs them once. Speed and memory are measured in
benchmarks/bench_model.py, never here.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from dicom_codegen.passes_objects import file_name
from tests.conftest import REPO
from tests.generator.test_format import unformatted_by_black
from tests.test_stubs import unformatted_stubs
from tests.reconstruction import layout
from tests.reconstruction.sources import highdicom_dir, innolitics_dir, load_json

pytestmark = pytest.mark.slow


def _iods_in_transcription(source: str) -> int:
    if source == "innolitics":
        return len(load_json(innolitics_dir() / "ciods.json"))
    return len(load_json(highdicom_dir() / "iod_module_map.json"))


def _modules_and_macros_in_transcription(source: str) -> tuple[int, int]:
    """How many modules and macros the transcription has (highdicom expands its macros)."""
    if source == "innolitics":
        return len(load_json(innolitics_dir() / "modules.json")), len(load_json(innolitics_dir() / "macros.json"))
    return len(load_json(highdicom_dir() / "module_attribute_map.json")), 0


@pytest.fixture(scope="module", params=["innolitics", "highdicom"])
def full_scale(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    source = str(request.param)
    folder = tmp_path_factory.mktemp(source)
    layout.build(source, folder / "standard")
    out = folder / "generated"
    command = [sys.executable, "-m", "dicom_codegen", "generate", "--standard", str(folder / "standard"), "--out", str(out)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return source, folder, out


def _classes(out: Path, package: str) -> dict[str, str]:
    """Class name -> file, read from the generated package's CLASSES table."""
    tree = ast.parse((out / "dicom_model" / package / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "CLASSES":
            value = ast.literal_eval(node.value) if node.value is not None else {}
            assert isinstance(value, dict)
            return {str(k): str(v) for k, v in value.items()}
    raise AssertionError(f"{package}/__init__.py has no CLASSES")


def test_every_iod_of_the_transcription_is_a_class(full_scale: tuple[str, Path, Path]) -> None:
    source, _, out = full_scale
    iods = _classes(out, "iods")
    main_classes = {name for name in iods if not name.endswith("Item")}
    assert len(main_classes) == _iods_in_transcription(source)
    files = [p.stem for p in (out / "dicom_model" / "iods").glob("*.py") if p.stem != "__init__"]
    assert sorted(files) == sorted(set(iods.values()))


def test_every_module_and_macro_of_the_transcription_is_a_class(full_scale: tuple[str, Path, Path]) -> None:
    """Issue #13: the modules no IOD lists and the macros nothing includes are generated
    too, each a file of its own; the counts are the transcription's."""
    source, _, out = full_scale
    expected = dict(zip(("modules", "macros"), _modules_and_macros_in_transcription(source)))
    for package, count in expected.items():
        classes = _classes(out, package)
        main = {name for name, file in classes.items() if file_name(name) == file}  # not sequence items
        assert len(main) == count, package
        assert {file_name(name) for name in main} == set(classes.values()), package
        files = {p.stem for p in (out / "dicom_model" / package).glob("*.py")} - {"__init__"}
        assert files == set(classes.values()), package


#: Storage SOP classes of the innolitics transcription (sops.json) whose IOD it has but
#: whose IOD section the reconstruction cannot place where PS3.4 cites it: the module
#: table of CT Performed Procedure Protocol is table_A.82.1.3-1 on the page of A.82, and
#: A.82.1.3 is then taken for the IOD's section, as A.86.1.3 (an IOD of its own: RT
#: Segment Annotation) rightly is; PS3.4 cites sect_A.82.1.
UNPLACED_IODS = {"CT Performed Procedure Protocol Storage"}

_LINKS = """
import json, sys
from dicom_model import iods, sop_classes
found = [getattr(sop_classes, n) for n in dir(sop_classes)]
print(json.dumps({s.uid: s.iod_class for s in found if hasattr(s, "iod_class") and hasattr(s, "uid")}))
"""


def test_every_storage_sop_class_is_linked_to_its_iod_class(full_scale: tuple[str, Path, Path]) -> None:
    """Reading a file gives the IOD class of its SOP Class UID (dicom_runtime.typed.read):
    each SOP class of the transcription whose IOD it has (sops.json, ciods.json) has that
    class as ``iod_class``, so that an RT Dose or a PET image is read typed, not as a
    Dataset (27 of them were not when the reconstruction put the RT, PET, Ophthalmic Tomography and
    other IODs whose module table is in an "IOD Module Table" subsection in that subsection)."""
    source, _, out = full_scale
    if source != "innolitics":
        pytest.skip("highdicom's transcription numbers its IOD sections itself: PS3.4's references cannot lead to them")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(out), str(REPO / "runtime")])}
    result = subprocess.run([sys.executable, "-c", _LINKS], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    links = json.loads(result.stdout)
    iods = _classes(out, "iods")
    names = {c["name"] for c in load_json(innolitics_dir() / "ciods.json")}
    sops = [s for s in load_json(innolitics_dir() / "sops.json") if s["ciod"] in names]
    assert len(sops) == 140
    unlinked = {s["name"] for s in sops if links.get(s["id"]) not in iods}
    assert unlinked == UNPLACED_IODS


def test_class_names_are_unique_and_carry_no_section_numbers_where_titles_are(full_scale: tuple[str, Path, Path]) -> None:
    _, _, out = full_scale
    names: Counter[str] = Counter()
    for package in ("iods", "modules", "macros"):
        names.update(list(_classes(out, package)))
    assert [n for n, count in names.items() if count > 1] == []
    assert all(n.isidentifier() and n[0].isupper() for n in names)
    # The disambiguation rule (passes_objects): a name is suffixed with its table's label
    # (A.108-1 -> A1081) only when the plain name is taken by another class.
    for name in names:
        match = re.fullmatch(r"(.+?[a-z])((?:[A-F])\d+)", name)
        if match and not name.endswith("Item"):
            assert match.group(1) in names, f"{name} carries a table label but {match.group(1)} is free"


def test_mypy_strict_is_clean_on_the_whole_model(full_scale: tuple[str, Path, Path]) -> None:
    """The package as type checkers see it (the stubs in place of their .py), then the
    object files' .py, which the stubs shadow, named one by one."""
    _, folder, out = full_scale
    env = {**os.environ, "MYPYPATH": f"{out}{os.pathsep}{REPO / 'runtime'}"}
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(folder / "mypy-cache"), "-p", "dicom_model"]
    result = subprocess.run(command, cwd=out, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Success: no issues found" in result.stdout
    shadowed = sorted(str(p.relative_to(out)) for p in (out / "dicom_model").glob("*/*.py") if p.name != "__init__.py")
    assert len(shadowed) > 600
    result = subprocess.run(command[:-2] + shadowed, cwd=out, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Success: no issues found" in result.stdout


def test_every_iod_stub_agrees_with_its_runtime_class(full_scale: tuple[str, Path, Path]) -> None:
    """tests/stub_agreement.py over the whole package, in a process that imports this
    generated dicom_model: every object file (IOD, module, macro) has a stub, its classes'
    constructors (names, required, defaults, annotations), ClassVars and docstrings are
    the runtime's."""
    source, _, out = full_scale
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(out), str(REPO), str(REPO / "runtime")])}
    command = [sys.executable, "-m", "tests.stub_agreement", str(out / "dicom_model")]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    object_files = [p for p in (out / "dicom_model").glob("*/*.py") if p.name != "__init__.py"]
    assert len([p for p in object_files if p.parent.name == "iods"]) == _iods_in_transcription(source)
    assert f"{len(object_files)} stubs, 0 problem(s)" in result.stdout


def test_generate_check_agrees_and_the_output_is_blacks(full_scale: tuple[str, Path, Path]) -> None:
    _, folder, out = full_scale
    command = [sys.executable, "-m", "dicom_codegen", "generate", "--check", "-q", "--standard", str(folder / "standard"), "--out", str(out)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    files = sorted((out / "dicom_model").rglob("*.py"))
    # every IOD and package file, and every 8th module and macro file: black at full
    # scale takes minutes on two cores; the committed model is checked whole
    sample = [p for i, p in enumerate(files) if p.parent.name == "iods" or p.name == "__init__.py" or i % 8 == 0]
    assert len(sample) > 150
    assert unformatted_by_black(sample) == []
    stubs = sorted((out / "dicom_model").glob("*/*.pyi"))
    assert len(stubs) > 600
    assert unformatted_stubs(stubs[::8]) == []


_SR_CONTENT = """
import inspect, json
from dicom_model.iods.comprehensive_sr import ComprehensiveSR
required = [n for n, p in inspect.signature(ComprehensiveSR).parameters.items() if p.default is inspect.Parameter.empty]
given = {n: "1.2.3" for n in required}
given.update(Modality="SR", CompletionFlag="PARTIAL", VerificationFlag="UNVERIFIED", SeriesNumber=1,
             InstanceNumber=1, ContentDate="20240101", ContentTime="120000")
if "SOPClassUID" in given:
    given["SOPClassUID"] = "1.2.840.10008.5.1.4.1.1.88.33"
found = {}
for value_type in ("TEXT", "CONTAINER", "SCOORD3D", "NUM"):
    sr = ComprehensiveSR(**{**given, "ValueType": value_type})
    found[value_type] = sorted(f.path for f in sr.errors() if f.rule == "condition")
print(json.dumps({"required": required, "missing": found}))
"""


def test_an_sr_content_item_needs_only_its_value_types_attributes(full_scale: tuple[str, Path, Path]) -> None:
    """Both transcriptions expand the Document Content Macro's per-value-type macros
    (PS3.3 Table C.17-5: "Include ... if and only if Value Type (0040,A040) is NUM") and
    drop the Include rows' conditions; the reconstructions restore them. Without that,
    Graphic Data, Continuity of Content, Referenced SOP Sequence, ... were required of
    every Comprehensive SR: no document could be built without giving every value type."""
    _, _, out = full_scale
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(out), str(REPO / "runtime")])}
    result = subprocess.run([sys.executable, "-c", _SR_CONTENT], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout)
    per_value_type = {"ReferencedSOPSequence", "GraphicData", "GraphicType", "ReferencedFrameOfReferenceUID",
                      "TemporalRangeType", "ContinuityOfContent", "ConceptCodeSequence", "TabulatedValuesSequence"}
    assert per_value_type.isdisjoint(found["required"]), found["required"]
    assert "ValueType" in found["required"]
    missing = found["missing"]
    assert "ContinuityOfContent" in missing["CONTAINER"] and "GraphicData" not in missing["CONTAINER"]
    assert {"GraphicData", "GraphicType", "ReferencedFrameOfReferenceUID"} <= set(missing["SCOORD3D"])
    assert "ContinuityOfContent" not in missing["SCOORD3D"] and "GraphicData" not in missing["TEXT"]
