"""The stubs of the generated object files (generated/dicom_model/{iods,modules,macros}/*.pyi):
what type checkers and IDEs read in place of the ``.py``. Held to the runtime classes (tests/stub_agreement.py),
to black's stub formatting, and seen through mypy, pyright and jedi; the ``.py`` files they
shadow are still type-checked on their own. The full-scale reconstructions' stubs are held
to the same agreement in tests/test_full_scale.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import black
import jedi
import pytest
from black.mode import TargetVersion

from dicom_codegen.render import LINE_LENGTH
from tests.conftest import REPO
from tests.stub_agreement import stub_problems

PACKAGE = REPO / "generated" / "dicom_model"
STUB_MODE = black.Mode(line_length=LINE_LENGTH, target_versions={TargetVersion.PY311}, is_pyi=True)


def _object_files() -> list[Path]:
    return sorted(p for folder in ("iods", "modules", "macros") for p in (PACKAGE / folder).glob("*.py") if p.name != "__init__.py")


def test_every_object_file_has_a_stub_that_agrees_with_the_runtime() -> None:
    files = _object_files()
    assert len([p for p in files if p.parent.name == "iods"]) == 4 and len(files) > 100
    assert all(p.with_suffix(".pyi").is_file() for p in files)
    assert stub_problems(PACKAGE) == []


def _agreement(tmp_path: Path, copy: Path) -> subprocess.CompletedProcess[str]:
    """tests/stub_agreement.py run on ``copy`` (a changed copy of the package in ``tmp_path``)."""
    script = "import sys; from tests.stub_agreement import main; sys.exit(main([sys.argv[1]]))"
    return subprocess.run(
        [sys.executable, "-c", script, str(copy)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO), str(REPO / "runtime")])},
        capture_output=True,
        text=True,
    )


def test_the_agreement_finds_a_drifted_stub(tmp_path: Path) -> None:
    """The check can fail: a field dropped from a copy of a stub is reported."""
    copy = tmp_path / "dicom_model"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    stub = copy / "iods" / "ct_image.pyi"
    text = stub.read_text(encoding="utf-8")
    changed = text.replace("    PatientID: str | None = None\n", "", 1)
    assert changed.count("\n") == text.count("\n") - 1
    stub.write_text(changed, encoding="utf-8")
    result = _agreement(tmp_path, copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "dicom_model.iods.ct_image.CTImage: parameters differ (order, or missing ['PatientID']" in result.stdout


def test_the_agreement_compares_defaults_and_requiredness(tmp_path: Path) -> None:
    copy = tmp_path / "dicom_model"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    stub = copy / "iods" / "ct_image.pyi"
    text = stub.read_text(encoding="utf-8")
    changed = text.replace('SOPClassUID: str = "1.2.840.10008.5.1.4.1.1.2"', 'SOPClassUID: str = "1.2.3"', 1)
    changed = changed.replace("    StudyInstanceUID: str\n", "    StudyInstanceUID: str | None = None\n", 1)
    assert changed != text
    stub.write_text(changed, encoding="utf-8")
    result = _agreement(tmp_path, copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CTImage.SOPClassUID: default '1.2.840.10008.5.1.4.1.1.2' at run time, '1.2.3' in the stub" in result.stdout
    assert "CTImage.StudyInstanceUID: required at run time True, in the stub False" in result.stdout


def _stub_differs(path: str) -> str:
    """``""`` when black (in stub mode) leaves the file as it is, else the path."""
    text = Path(path).read_text(encoding="utf-8")
    return "" if black.format_str(text, mode=STUB_MODE) == text else path


def unformatted_stubs(paths: list[Path]) -> list[str]:
    """The stubs that black's stub formatting would change."""
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return [p for p in pool.map(_stub_differs, [str(p) for p in paths]) if p]


def test_stubs_are_blacks_stub_formatting() -> None:
    stubs = sorted(PACKAGE.rglob("*.pyi"))
    assert len(stubs) == len(_object_files())
    assert unformatted_stubs(stubs) == []


def test_the_shadowed_py_files_are_clean_under_mypy_strict() -> None:
    """mypy reads a stub in place of its ``.py``: the ``.py`` files, named one by one, are
    checked as themselves."""
    sources = sorted(str(p.relative_to(REPO)) for p in _object_files())
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", *sources],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_reads_the_stub_and_checks_the_constructor(tmp_path: Path) -> None:
    program = tmp_path / "build.py"
    program.write_text(
        textwrap.dedent(
            """
            from dicom_model.iods.ct_image import CTImage

            CTImage(PatientNme="x")
            image = CTImage(PatientName="x")
            reveal_type(image.PatientSex)
            reveal_type(CTImage.SOP_CLASSES)
            """
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(program)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert 'Unexpected keyword argument "PatientNme" for "CTImage"' in result.stdout, result.stdout
    assert 'Missing named argument "StudyInstanceUID" for "CTImage"' in result.stdout, result.stdout
    assert "Revealed type is" in result.stdout and "Literal['O']" in result.stdout, result.stdout
    assert 'Revealed type is "tuple[str, ...]"' in result.stdout or 'Revealed type is "builtins.tuple[builtins.str, ...]"' in result.stdout, result.stdout


def test_pyright_reads_the_stub_and_checks_the_constructor(tmp_path: Path) -> None:
    from tests.test_typing import _pyright

    program = tmp_path / "ide.py"
    program.write_text(
        textwrap.dedent(
            """
            from dicom_model.iods.ct_image import CTImage

            CTImage(PatientNme="x")
            reveal_type(CTImage.__init__)
            """
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [_pyright(), "--pythonpath", sys.executable, str(program)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert 'No parameter named "PatientNme"' in output, output
    assert 'Arguments missing for parameters "StudyInstanceUID"' in output, output
    assert "PatientSex: Literal['M', 'F', 'O'] | None = None" in output, output


def test_jedi_completes_and_documents_a_field_of_a_stubbed_iod(tmp_path: Path) -> None:
    keyword = "from dicom_model.iods.ct_image import CTImage\nCTImage(PatientNa"
    offered = {c.name for c in jedi.Script(keyword, path=tmp_path / "a.py").complete(2, len("CTImage(PatientNa"))}
    assert "PatientName=" in offered
    attribute = "from dicom_model.iods.ct_image import CTImage\ndef f(image: CTImage) -> None:\n    image.PatientSe"
    found = {c.name: c for c in jedi.Script(attribute, path=tmp_path / "b.py").complete(3, len("    image.PatientSe"))}
    assert "PatientSex" in found
    assert "(0010,0040) CS 1 Type 2 (PatientModule). Sex of the named patient." in found["PatientSex"].docstring()
    # ct_image.py has no field docstrings: the text is the stub's
    assert '"""(0010,0040)' not in (PACKAGE / "iods" / "ct_image.py").read_text(encoding="utf-8")


def test_jedi_documents_a_module_field_from_the_module_stub(tmp_path: Path) -> None:
    source = "from dicom_model.modules.patient_module import PatientModule\ndef f(m: PatientModule) -> None:\n    m.PatientSe"
    found = {c.name: c for c in jedi.Script(source, path=tmp_path / "c.py").complete(3, len("    m.PatientSe"))}
    assert "(0010,0040) CS 1 Type 2, Patient's Sex." in found["PatientSex"].docstring()
    assert '"""(0010,0040)' not in (PACKAGE / "modules" / "patient_module.py").read_text(encoding="utf-8")


def test_the_agreement_compares_the_other_names_of_classes(tmp_path: Path) -> None:
    """The check can fail: a stub naming another class than the runtime for an item
    that is a macro's class is reported."""
    copy = tmp_path / "dicom_model"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    stub = copy / "modules" / "general_study_module.pyi"
    text = stub.read_text(encoding="utf-8")
    changed = text.replace(
        "GeneralStudyModuleProcedureCodeSequenceItem = CodeSequenceMacro\n",
        "GeneralStudyModuleProcedureCodeSequenceItem = SOPInstanceReferenceMacro\n",
        1,
    )
    assert changed != text
    stub.write_text(changed, encoding="utf-8")
    result = _agreement(tmp_path, copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "GeneralStudyModuleProcedureCodeSequenceItem is CodeSequenceMacro at run time, SOPInstanceReferenceMacro in the stub" in result.stdout
