"""Laterality (0020,0060), Type 2C of the General Series Module (PS3.3 Table C.7-5a row 4):
"Required if the body part examined is a paired structure and Image Laterality (0020,0062)
or Frame Laterality (0020,9072) or Measurement Laterality (0024,0113) are not sent".

The clause "the body part examined is a paired structure" names no attribute; it is
compiled to the fact ``paired_body_part`` (dicom_runtime.condition_facts), decided from
Body Part Examined (0018,0015) where its term is on the paired or the unpaired list, and
not checked where the data set does not tell (absent, empty, a term on neither list).
dciodvfy reports the same missing Laterality where the term is paired, and none where it
is unpaired; where the data set does not tell, it takes the part as paired and we report
the condition as not checked.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pydicom
import pydicom.data
import pytest

from dicom_codegen.conditions import Fact as CompiledFact
from dicom_codegen.conditions import compile_condition
from dicom_runtime import condition_facts
from dicom_runtime.conditions import Fact
from dicom_runtime.validate import validate_file
from tests.conftest import REPO

DCIODVFY = shutil.which("dciodvfy")
CT = Path(str(pydicom.data.get_testdata_file("CT_small.dcm")))
SENTENCE = (
    "Laterality of (paired) body part examined. Required if the body part examined is a paired structure and "
    "Image Laterality (0020,0062) or Frame Laterality (0020,9072) or Measurement Laterality (0024,0113) are not sent."
)
REQUIRED = (
    "Type 2C attribute is required: the body part examined is a paired structure and Image Laterality (0020,0062) "
    "or Frame Laterality (0020,9072) or Measurement Laterality (0024,0113) are not sent"
)


def _ct(tmp_path: Path, body_part: str | None, **more: str) -> Path:
    """CT_small.dcm without Laterality, with this Body Part Examined (None: absent)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(CT)
        for keyword in ("Laterality", "ImageLaterality", "BodyPartExamined"):
            if keyword in dataset:
                delattr(dataset, keyword)
        if body_part is not None:
            dataset.BodyPartExamined = body_part
        for keyword, value in more.items():
            setattr(dataset, keyword, value)
        path = tmp_path / f"ct_{body_part}_{'_'.join(more)}.dcm"
        dataset.save_as(path)
    return path


def _laterality(path: Path) -> list[tuple[str, str]]:
    return [(f.rule, f.message) for f in validate_file(str(path)).findings if f.path == "Laterality"]


def test_the_sentence_compiles_its_paired_structure_clause_to_a_fact() -> None:
    keywords = {"0020,0062": "ImageLaterality", "0020,9072": "FrameLaterality", "0024,0113": "MeasurementLaterality"}
    result = compile_condition(SENTENCE, lambda tag, name: keywords.get(tag, ""))
    assert result.predicate is not None and result.unchecked == ()
    assert result.facts == (CompiledFact("paired_body_part", "the body part examined is a paired structure"),)
    assert result.status == "partial"  # decided only where the data set tells


def test_the_generated_module_and_conditions_txt_carry_the_fact() -> None:
    from dicom_model.iods.ct_image import CTImage

    (spec,) = [s for s in CTImage.ATTRIBUTES if s.keyword == "Laterality"]
    assert spec.condition is not None and Fact("paired_body_part", "the body part examined is a paired structure") in spec.condition.parts  # type: ignore[union-attr]
    listing = (REPO / "generated" / "conditions.txt").read_text()
    (line,) = [line for line in listing.splitlines() if line.startswith("table_C.7-5a row 4: Laterality")]
    assert line.endswith("not checked otherwise: [fact paired_body_part] the body part examined is a paired structure")
    assert "[outside] the body part examined" not in listing


@pytest.mark.parametrize(
    ("value", "expected"),
    [("BREAST", True), ("KNEE", True), ("eye", True), ("HEAD", False), ("CHEST", False), ("WHOLEBODY", False),
     ("FOO", None), ("URETER", None), ("", None), (None, None)],
)
def test_the_paired_body_part_fact(value: str | None, expected: bool | None) -> None:
    class Series:
        BodyPartExamined = value

        @staticmethod
        def empty_attributes() -> set[str]:
            return {"BodyPartExamined"} if value == "" else set()

    decided, why = condition_facts.decide("paired_body_part", Series())
    assert decided is expected
    assert (why == "") == (expected is not None)


def test_the_lists_are_disjoint_and_an_unknown_rule_is_not_decided() -> None:
    assert not condition_facts.PAIRED_BODY_PARTS & condition_facts.UNPAIRED_BODY_PARTS
    assert condition_facts.decide("no_such_fact", object()) == (None, "no rule decides the fact 'no_such_fact'")


def test_a_paired_body_part_without_laterality_is_an_error(tmp_path: Path) -> None:
    assert _laterality(_ct(tmp_path, "BREAST")) == [("condition", REQUIRED)]
    assert _laterality(_ct(tmp_path, "KNEE")) == [("condition", REQUIRED)]


def test_image_laterality_or_an_unpaired_body_part_needs_no_laterality(tmp_path: Path) -> None:
    assert _laterality(_ct(tmp_path, "KNEE", ImageLaterality="R")) == []
    assert _laterality(_ct(tmp_path, "HEAD")) == []
    assert _laterality(_ct(tmp_path, "ABDOMEN")) == []


def test_what_the_data_set_does_not_tell_is_not_checked_and_says_why(tmp_path: Path) -> None:
    (absent,) = _laterality(_ct(tmp_path, None))
    assert absent[0] == "not-checked"
    assert "Body Part Examined (0018,0015) is absent: the data set does not say which body part" in absent[1]
    (unknown,) = _laterality(_ct(tmp_path, "FOO"))
    assert unknown[0] == "not-checked" and "'FOO' is on neither the paired nor the unpaired list" in unknown[1]


def _dciodvfy_missing_laterality(path: Path) -> bool:
    assert DCIODVFY is not None
    run = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True, errors="replace", timeout=120)
    return any(
        line.startswith("Error") and "Missing attribute Type 2C Conditional Element=<Laterality>" in line
        for line in (run.stdout + run.stderr).splitlines()
    )


@pytest.mark.skipif(DCIODVFY is None, reason="dciodvfy (dicom3tools) is needed: bash .ci/install")
@pytest.mark.parametrize("value", ["BREAST", "KNEE", "EYE", "LUNG", "HAND", "HEAD", "CHEST", "ABDOMEN", "BRAIN", "FOO", None])
def test_our_laterality_finding_agrees_with_dciodvfy(tmp_path: Path, value: str | None) -> None:
    path = _ct(tmp_path, value)
    theirs = _dciodvfy_missing_laterality(path)
    ours = _laterality(path)
    if value is None or value == "FOO":
        # dciodvfy takes a body part it cannot tell as paired; we do not decide it
        assert theirs and [rule for rule, _ in ours] == ["not-checked"]
    else:
        assert theirs == (ours == [("condition", REQUIRED)]), (value, theirs, ours)
        assert ours in ([], [("condition", REQUIRED)])


@pytest.mark.skipif(DCIODVFY is None, reason="dciodvfy (dicom3tools) is needed: bash .ci/install")
def test_every_listed_term_is_decided_as_dciodvfy_decides_it_but_the_documented_ones(tmp_path: Path) -> None:
    # condition_facts' docstring: dciodvfy requires Laterality for SACRUM, SELLA and MANDIBLE
    disagree = {
        term for term in sorted(condition_facts.PAIRED_BODY_PARTS | condition_facts.UNPAIRED_BODY_PARTS)
        if _dciodvfy_missing_laterality(_ct(tmp_path, term)) != (term in condition_facts.PAIRED_BODY_PARTS)
    }
    assert disagree == {"SACRUM", "SELLA", "MANDIBLE"}
    assert not _dciodvfy_missing_laterality(_ct(tmp_path, "URETER"))  # on neither of our lists
