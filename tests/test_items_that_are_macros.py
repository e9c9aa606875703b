"""A sequence item whose attributes are exactly a macro's is that macro's class
(``passes_objects.ItemsThatAreMacros``): every Code Sequence item that only includes
Table 8.8-1 is a ``CodeSequenceMacro``; the item's own name stays as another name of it.
Held here on the committed model: the classes, a file written and read back (and
dciodvfy's word on it), and the pass itself, which must leave an item with one attribute
more than the macro a class of its own."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from dicom_codegen.passes_objects import BuildObjectClasses, ItemsThatAreMacros
from dicom_codegen.update import load_model
from dicom_model.iods.ct_image import CTImage
from dicom_model.macros import CLASSES as MACROS
from dicom_model.macros.code_sequence_macro import CodeSequenceMacro
from dicom_model.macros.general_anatomy_mandatory_macro import GeneralAnatomyMandatoryMacroAnatomicRegionSequenceItem
from dicom_model.modules import CLASSES as MODULES
from dicom_model.modules import general_study_module
from dicom_model.modules.general_study_module import GeneralStudyModuleProcedureCodeSequenceItem
from dicom_runtime.typed import read, write
from tests.conftest import REPO
from tests.test_iod_classes import _ct


def test_a_code_sequence_item_is_the_code_sequence_macro() -> None:
    assert GeneralStudyModuleProcedureCodeSequenceItem is CodeSequenceMacro
    assert general_study_module.GeneralStudyModule.__annotations__["ProcedureCodeSequence"] == "list[CodeSequenceMacro] | None"
    # CLASSES lists classes: the other name is not one of them, the macro is
    assert "GeneralStudyModuleProcedureCodeSequenceItem" not in MODULES
    assert MACROS["CodeSequenceMacro"] == "code_sequence_macro"


def test_an_item_with_an_attribute_more_keeps_its_class() -> None:
    own = {f.name for f in dataclasses.fields(GeneralAnatomyMandatoryMacroAnatomicRegionSequenceItem)}
    macro = {f.name for f in dataclasses.fields(CodeSequenceMacro)}
    assert GeneralAnatomyMandatoryMacroAnatomicRegionSequenceItem.__name__ == "GeneralAnatomyMandatoryMacroAnatomicRegionSequenceItem"
    assert macro < own and "AnatomicRegionModifierSequence" in own


def _coded() -> CodeSequenceMacro:
    return CodeSequenceMacro(CodeValue="77477000", CodingSchemeDesignator="SCT", CodeMeaning="CT of chest")


def test_one_code_item_goes_into_every_code_sequence_and_reads_back(tmp_path: Path) -> None:
    code = _coded()
    image = _ct(ProcedureCodeSequence=[code], DerivationCodeSequence=[code])
    assert image.errors() == []
    path = tmp_path / "ct.dcm"
    write(image, path)
    again = read(path, CTImage)
    assert again.ProcedureCodeSequence is not None and again.DerivationCodeSequence is not None
    for items in (again.ProcedureCodeSequence, again.DerivationCodeSequence):
        assert len(items) == 1 and type(items[0]) is CodeSequenceMacro
        assert (items[0].CodeValue, items[0].CodingSchemeDesignator, items[0].CodeMeaning) == ("77477000", "SCT", "CT of chest")
    # a Type 1 attribute of the macro missing in an item is still found, at its path
    broken = _ct(ProcedureCodeSequence=[dataclasses.replace(code, CodeMeaning="")])
    assert any(f.path == "ProcedureCodeSequence[0].CodeMeaning" for f in broken.errors())
    tool = shutil.which("dciodvfy")
    if tool is None:
        pytest.fail("dciodvfy is missing: bash .ci/install installs dicom3tools")
    # dciodvfy finds nothing in the code items: its errors are those of the image without them
    plain = tmp_path / "plain.dcm"
    write(_ct(), plain)
    found = {}
    for name, file in (("with", path), ("without", plain)):
        result = subprocess.run([tool, str(file)], capture_output=True, text=True, timeout=120)
        found[name] = sorted(line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error"))
    assert found["with"] == found["without"]


def test_the_pass_aliases_only_items_that_are_exactly_a_macro() -> None:
    """The check can fail: a code item given one attribute fewer stays a class of its own,
    and the field holding it keeps naming it."""
    model = load_model(REPO / "generated" / "model.json")
    assert model.objects is not None
    aliased = {c.name: c.alias_of for c in model.objects.classes if c.alias_of}
    assert aliased["GeneralStudyModuleProcedureCodeSequenceItem"] == "CodeSequenceMacro"
    built = BuildObjectClasses().process(dataclasses.replace(model, objects=dataclasses.replace(model.objects, classes=())))
    assert built.objects is not None
    name = "GeneralStudyModuleProcedureCodeSequenceItem"
    classes = tuple(
        dataclasses.replace(c, fields=c.fields[1:]) if c.name == name else c for c in built.objects.classes
    )
    result = ItemsThatAreMacros().process(dataclasses.replace(built, objects=dataclasses.replace(built.objects, classes=classes)))
    assert result.objects is not None
    by_name = {c.name: c for c in result.objects.classes}
    assert by_name[name].alias_of == "" and by_name[name].fields
    study = next(f for f in by_name["GeneralStudyModule"].fields if f.keyword == "ProcedureCodeSequence")
    assert (study.item_class, study.python_type) == (name, f"list[{name}]")
    # every other alias is as before
    assert {c.name: c.alias_of for c in result.objects.classes if c.alias_of} == {k: v for k, v in aliased.items() if k != name}
