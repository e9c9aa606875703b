"""Validation of a sequence's number of Items against another attribute's number of values
(rule ``item-count``), the most common family of item-count sentences that were not read:
"If more than one Item, the number and order shall correspond to the value of Operators'
Name (0008,1070), if present." (six rows: the Identification Sequences of Consulting
Physician, Physician(s) of Record, Physician(s) Reading Study, Performing Physician and
Operators) and "The number and order of Items shall correspond to the number and order of
values of Operators' Name (0008,1070), if present." (Contributing Equipment, SOP Common).

The number is checked (from two Items on where the sentence starts "If more than one
Item", from one otherwise) where the named attribute has values; the order cannot be, the
Items not repeating the names. dciodvfy does not check either (a CT with three Operator
Identification Items and two Operators' Names: no finding of it).
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pydicom
import pydicom.data
import pytest
from pydicom.dataset import Dataset as PydicomDataset

from dicom_codegen.filters import attribute_line
from dicom_codegen.item_counts import item_count
from dicom_codegen.model import ClassField
from dicom_model.iods.ct_image import CTImage
from dicom_runtime.attribute_table import attribute_table
from dicom_runtime.objects import DicomObject, Finding
from dicom_runtime.typed import _item_classes
from dicom_runtime.validate import validate_file
from tests.conftest import REPO
from tests.test_iod_classes import _ct

OPERATORS = "If more than one Item, the number and order shall correspond to the value of Operators' Name (0008,1070), if present."
RECORD = (
    "If more than one Item, the number and order shall correspond to the value of Physician(s) of Record (0008,1048), if present."
)
CONTRIBUTING = (
    "The number and order of Items shall correspond to the number and order of values of Operators' Name (0008,1070), if present."
)


def _counts(image: DicomObject) -> list[Finding]:
    return [f for f in image.errors() if f.rule == "item-count"]


def _item(owner: type[DicomObject], keyword: str, **values: object) -> DicomObject:
    return _item_classes(owner)[keyword](**values)


def _person(owner: type[DicomObject], keyword: str) -> DicomObject:
    item_class = _item_classes(owner)[keyword]
    code = _item(item_class, "PersonIdentificationCodeSequence", CodeValue="1", CodingSchemeDesignator="L", CodeMeaning="x")
    return _item(owner, keyword, PersonIdentificationCodeSequence=[code], InstitutionName="Hospital")


@pytest.mark.parametrize(("sentence", "tag", "least"), [(OPERATORS, "0008,1070", 2), (RECORD, "0008,1048", 2), (CONTRIBUTING, "0008,1070", 1)])
def test_the_sentences_are_read_as_a_number_of_values(sentence: str, tag: str, least: int) -> None:
    found = item_count(f"Identification of the thing. One or more Items are permitted in this Sequence. {sentence}")
    assert found.count == (1, None)
    assert found.values_of == (tag, least) and found.values_read == sentence
    assert found.unread == ()


def test_other_sentences_about_items_stay_unread() -> None:
    found = item_count("More than one Item indicates that successive derivation steps have been applied.")
    assert found.values_of is None and found.unread


def test_the_attribute_line_carries_the_rule_and_the_runtime_reads_it() -> None:
    field = ClassField(
        keyword="OperatorIdentificationSequence", tag="(0008,1072)", vr="SQ", vm="1", name="Operator Identification Sequence",
        type="3", required=False, nullable=True, python_type="list[X]", enumerated=(), defined_terms=(), item_class="X",
        table="table_C.7-5a", row=15, description="",
        item_count=(1, None), item_values_of=("OperatorsName", 2),
    )  # fmt: skip
    line = attribute_line(field, False)
    assert line.endswith("\t#1-n;#>1=OperatorsName")
    (spec,) = attribute_table(line, "")
    assert spec.item_values == ("OperatorsName", 2) and spec.item_count == (1, None)
    (every,) = attribute_table(attribute_line(dataclasses.replace(field, item_values_of=("OperatorsName", 1)), False), "")
    assert every.item_values == ("OperatorsName", 1)
    (none,) = attribute_table(attribute_line(dataclasses.replace(field, item_values_of=None), False), "")
    assert none.item_values is None


def test_the_generated_model_and_item_counts_txt_have_the_seven_rows() -> None:
    specs = {s.keyword: s for s in CTImage.ATTRIBUTES}
    assert specs["OperatorIdentificationSequence"].item_values == ("OperatorsName", 2)
    assert specs["PerformingPhysicianIdentificationSequence"].item_values == ("PerformingPhysicianName", 2)
    assert specs["PhysiciansOfRecordIdentificationSequence"].item_values == ("PhysiciansOfRecord", 2)
    contributing = {s.keyword: s for s in _item_classes(CTImage)["ContributingEquipmentSequence"].ATTRIBUTES}
    assert contributing["OperatorIdentificationSequence"].item_values == ("OperatorsName", 1)
    listing = (REPO / "generated" / "item_counts.txt").read_text()
    read = listing.split("# Read as the number of values of another attribute")[1].split("\n# Not read")[0].splitlines()[1:]
    assert len(read) == 7 and "table_C.7-3 row 16: Physician(s) of Record Identification Sequence: (0008,1048), from 2 Items on" in read
    assert "shall correspond to the value of" not in listing.split("# Not read")[1]


def test_more_items_than_names_is_a_finding() -> None:
    three = [_person(CTImage, "OperatorIdentificationSequence")] * 3
    (finding,) = _counts(_ct(OperatorsName=["A^B", "C^D"], OperatorIdentificationSequence=three))
    assert finding.path == "OperatorIdentificationSequence"
    assert finding.message == (
        "OperatorIdentificationSequence (0008,1072) has 3 items; OperatorsName has 2 values, "
        "and the number of Items shall correspond to it"
    )
    assert finding.source == "PS3.3 2016c Table C.7-5a row 15"


def test_as_many_items_as_names_one_item_or_no_names_is_no_finding() -> None:
    item = _person(CTImage, "OperatorIdentificationSequence")
    assert _counts(_ct(OperatorsName=["A^B", "C^D"], OperatorIdentificationSequence=[item] * 2)) == []
    assert _counts(_ct(OperatorsName=["A^B", "C^D"], OperatorIdentificationSequence=[item])) == []  # "If more than one Item"
    assert _counts(_ct(OperatorIdentificationSequence=[item] * 3)) == []  # "if present"
    physicians = [_person(CTImage, "PhysiciansOfRecordIdentificationSequence")] * 2
    (finding,) = _counts(_ct(PhysiciansOfRecord=["A^B", "C^D", "E^F"], PhysiciansOfRecordIdentificationSequence=physicians))
    assert finding.path == "PhysiciansOfRecordIdentificationSequence" and "has 2 items; PhysiciansOfRecord has 3 values" in finding.message


def test_in_an_item_the_names_are_the_items_own_and_one_item_counts() -> None:
    equipment_class = _item_classes(CTImage)["ContributingEquipmentSequence"]
    purpose = _item(equipment_class, "PurposeOfReferenceCodeSequence", CodeValue="109101", CodingSchemeDesignator="DCM", CodeMeaning="Acquisition Equipment")
    operator = _person(equipment_class, "OperatorIdentificationSequence")

    def equipment(names: object) -> DicomObject:
        return _item(CTImage, "ContributingEquipmentSequence", PurposeOfReferenceCodeSequence=[purpose], Manufacturer="ACME",
                     OperatorsName=names, OperatorIdentificationSequence=[operator])  # fmt: skip

    (finding,) = _counts(_ct(ContributingEquipmentSequence=[equipment(["A^B", "C^D"])]))
    assert finding.path == "ContributingEquipmentSequence[0].OperatorIdentificationSequence"
    assert finding.source == "PS3.3 2016c Table C.12-1 row 37"
    assert "has 1 item; OperatorsName has 2 values" in finding.message  # from one Item on
    assert _counts(_ct(OperatorsName=["X^Y", "Z^W"], ContributingEquipmentSequence=[equipment("A^B")])) == []


def test_a_file_read_is_checked_the_same(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(str(pydicom.data.get_testdata_file("CT_small.dcm")))
        dataset.OperatorsName = ["A^B", "C^D"]
        items = []
        for _ in range(3):
            code = PydicomDataset()
            code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "1", "L", "x"
            item = PydicomDataset()
            item.PersonIdentificationCodeSequence = [code]
            item.InstitutionName = "Hospital"
            items.append(item)
        dataset.OperatorIdentificationSequence = items
        path = tmp_path / "operators.dcm"
        dataset.save_as(path)
    found = [f for f in validate_file(str(path)).findings if f.rule == "item-count"]
    assert [(f.path, f.message) for f in found] == [
        ("OperatorIdentificationSequence", "OperatorIdentificationSequence (0008,1072) has 3 items; OperatorsName has 2 values, "
         "and the number of Items shall correspond to it"),
    ]  # fmt: skip
