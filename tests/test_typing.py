"""Static tools see the three packages: mypy --strict, jedi, and the editable install."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jedi
import pytest

from tests.conftest import REPO


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
    )


def test_mypy_strict_is_clean_on_the_whole_tree() -> None:
    result = _mypy("generator", "runtime", "generated", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_sees_the_generated_constants(tmp_path: Path) -> None:
    program = tmp_path / "example.py"
    program.write_text(
        textwrap.dedent(
            """
            from typing import Literal
            from dicom_model import tags, uids, transfer_syntaxes
            from dicom_runtime import TransferSyntax

            tag: int = tags.PatientName
            ct: Literal["1.2.840.10008.5.1.4.1.1.2"] = uids.CTImageStorage
            ts: TransferSyntax = transfer_syntaxes.ExplicitVRLittleEndian
            little: bool = ts.little_endian
            reveal_type(tags.PatientName)
            """
        ),
        encoding="utf-8",
    )
    result = _mypy(str(program))
    assert result.returncode == 0 or "note: Revealed type" in result.stdout, result.stdout
    assert 'Revealed type is "dicom_runtime.dictionary.DataElementTag"' in result.stdout
    assert "error" not in result.stdout, result.stdout


def test_mypy_rejects_a_misspelled_keyword_and_a_wrong_uid(tmp_path: Path) -> None:
    program = tmp_path / "wrong.py"
    program.write_text(
        textwrap.dedent(
            """
            from typing import Literal
            from dicom_model import tags, uids

            tag: int = tags.PatientNmae
            ct: Literal["1.2.840.10008.5.1.4.1.1.2"] = uids.MRImageStorage
            """
        ),
        encoding="utf-8",
    )
    result = _mypy(str(program))
    assert result.returncode == 1
    assert 'Module has no attribute "PatientNmae"' in result.stdout
    assert "Incompatible types in assignment" in result.stdout


def test_jedi_completes_keywords_and_shows_the_docstring(tmp_path: Path) -> None:
    source = "from dicom_model import tags\ntags.PatientNa"
    script = jedi.Script(source, path=tmp_path / "example.py")
    completions = {c.name: c for c in script.complete(2, len("tags.PatientNa"))}
    assert "PatientName" in completions
    assert "(0010,0010) PN 1, Patient's Name - PS3.6 2015b Table 6-1" in completions["PatientName"].docstring()
    definitions = jedi.Script("from dicom_model.tags import PatientName", path=tmp_path / "e.py").goto(
        1, 35, follow_imports=True
    )
    assert definitions and Path(str(definitions[0].module_path)).is_relative_to(REPO / "generated")


def test_packages_resolve_from_the_source_folders_without_import_hooks(tmp_path: Path) -> None:
    """Run from an unrelated folder, so only the installed environment is seen."""
    code = textwrap.dedent(
        """
        import importlib.util, json, sys
        found = {}
        for name in ("dicom_codegen", "dicom_runtime", "dicom_model", "generator", "runtime", "generated"):
            spec = importlib.util.find_spec(name)
            found[name] = spec.origin if spec is not None else None
        found["hooks"] = [type(f).__name__ for f in sys.meta_path]
        print(json.dumps(found))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    found = json.loads(result.stdout)
    for package, folder in (
        ("dicom_codegen", "generator"),
        ("dicom_runtime", "runtime"),
        ("dicom_model", "generated"),
    ):
        assert found[package] is not None
        assert Path(found[package]).resolve().is_relative_to(REPO / folder), found[package]
        assert (REPO / folder / package / "py.typed").is_file()
    for name in ("generator", "runtime", "generated"):
        assert found[name] is None, f"a top-level package {name!r} exists"
    assert not any("editable" in hook.lower() for hook in found["hooks"]), found["hooks"]


QUERY_PROGRAM = '''
from dicom_model.queries import StudyRootSeriesQuery, StudyRootStudyQuery, StudyRootStudyProcedureCodeSequenceItem
from dicom_runtime.services import QueryIdentifier


def find(identifier: QueryIdentifier) -> None:
    """Stands for the C-FIND SCU of the networking runtime: it takes any typed identifier."""


find(StudyRootSeriesQuery(StudyInstanceUID="1.2.3", Modality="CT", SeriesNumber="*"))
find(
    StudyRootStudyQuery(
        PatientName="DOE^J*",
        StudyDate="20200101-20201231",
        ProcedureCodeSequence=[StudyRootStudyProcedureCodeSequenceItem(CodeValue="X")],
    )
)
'''


def test_mypy_accepts_a_correct_query_identifier(tmp_path: Path) -> None:
    program = tmp_path / "query_ok.py"
    program.write_text(QUERY_PROGRAM, encoding="utf-8")
    result = _mypy(str(program))
    assert result.returncode == 0, result.stdout


def test_mypy_rejects_a_key_not_allowed_at_the_level(tmp_path: Path) -> None:
    program = tmp_path / "query_wrong.py"
    program.write_text(
        QUERY_PROGRAM
        + 'find(StudyRootSeriesQuery(StudyInstanceUID="1.2.3", PatientName="DOE^J"))\n'
        + "find(StudyRootSeriesQuery(Modality=3))\n",
        encoding="utf-8",
    )
    result = _mypy(str(program))
    assert result.returncode == 1
    assert 'Unexpected keyword argument "PatientName" for "StudyRootSeriesQuery"' in result.stdout
    assert 'Argument "Modality" to "StudyRootSeriesQuery" has incompatible type "int"' in result.stdout


def _pyright() -> str:
    local = REPO / ".tools" / "node_modules" / ".bin" / "pyright"
    found = str(local) if local.is_file() else shutil.which("pyright")
    if found is None:
        pytest.fail("pyright is missing: npm install --prefix .tools pyright@1.1.414 (README, command 1)")
    return found


def test_pyright_resolves_the_three_packages(tmp_path: Path) -> None:
    """An IDE's checker, run from outside the repository, sees the editable install."""
    program = tmp_path / "ide.py"
    program.write_text(
        textwrap.dedent(
            """
            from dicom_codegen.cli import main
            from dicom_model import tags, uids
            from dicom_model.queries import StudyRootSeriesQuery
            from dicom_runtime import lookup

            tag: int = tags.PatientName
            reveal_type(uids.CTImageStorage)
            StudyRootSeriesQuery(PatientName="x")
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
    assert "Import" not in output and "could not be resolved" not in output, output
    assert "\"Literal['1.2.840.10008.5.1.4.1.1.2']\"" in output, output
    assert 'No parameter named "PatientName"' in output, output
    assert "1 error" in output, output
