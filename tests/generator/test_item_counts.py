"""A sequence's number of Items, read from its attribute description (dicom_codegen.item_counts):
each wording PS3.3 (the 2016c excerpt) and the full-scale reconstruction use, the sentences
that state a count only under a condition (not read, and listed, never dropped), and the
count carried from the parse through the model into the generated attribute table."""

from __future__ import annotations

import dataclasses

import pytest

from dicom_codegen import parse_ps3
from dicom_codegen.filters import attribute_line
from dicom_codegen.item_counts import item_count, listing
from dicom_codegen.model import AttributeRow, InformationObjects
from dicom_runtime.attribute_table import attribute_table
from tests.conftest import mirror_file

#: Every wording of the excerpt and of the reconstruction (tests.reconstruction innolitics):
#: the sentence and the (minimum, maximum) it states.
WORDINGS = [
    ("Only a single Item shall be included in this Sequence.", (1, 1)),
    ("Only a single Item is permitted in this Sequence.", (1, 1)),
    ("Only a single item is permitted in this sequence.", (1, 1)),
    ("Only a single Item is permitted in the Sequence.", (1, 1)),
    ("Only a single Item shall be present in the Sequence.", (1, 1)),
    ("Only a single Item shall be permitted in this Sequence.", (1, 1)),
    ("Only a single Item shall beincludedin this Sequence.", (1, 1)),
    ("Only one Item shall be included in this Sequence.", (1, 1)),
    ("Only one Item shall be present in this Sequence.", (1, 1)),
    ("Only one Item shall be permitted.", (1, 1)),
    ("Only one Item shall be present.", (1, 1)),
    ("One Item shall be included in this Sequence.", (1, 1)),
    ("A single Item shall be present.", (1, 1)),
    ("Shall consist of a single Item whose Attributes convey the cell value(s).", (1, 1)),
    ("One or more Items shall be included in this Sequence.", (1, None)),
    ("One or more Items shall be included in this Sequence", (1, None)),
    ("One or more Items are permitted in this Sequence.", (1, None)),
    ("One or more Items are permitted for this Sequence.", (1, None)),
    ("One or more Items are permiited in this Sequence.", (1, None)),
    ("One or more items may be present in this sequence.", (1, None)),
    ("One or more Items shall be present.", (1, None)),
    ("One or more Items shall be present in this Sequence.", (1, None)),
    ("One or more Items shall included in this Sequence.", (1, None)),
    ("One or more Items are allowed.", (1, None)),
    ("One or more Items are permitted in this Sequence, one Item for each nonconforming Attribute.", (1, None)),
    ("At least one item shall be included in this sequence.", (1, None)),
    ("Zero or more Items shall be included in this Sequence.", (0, None)),
    ("Zero or more Items shall be included in the Sequence.", (0, None)),
    ("Zero or more Items may be included in this Sequence.", (0, None)),
    ("Zero or more Items shall be present in this Sequence.", (0, None)),
    ("Zero or one Item shall be included in this Sequence.", (0, 1)),
    ("Zero or one Items shall be included in this Sequence.", (0, 1)),
    ("No more than one Item shall be included in this Sequence.", (0, 1)),
    ("One or two Items shall be included in this Sequence.", (1, 2)),
    ("Only one or two Items are permitted in this Sequence.", (1, 2)),
    ("One, two, or three Items shall be included in this Sequence.", (1, 3)),
    ("Two Items shall be included in this Sequence.", (2, 2)),
    ("Exactly two Items shall be included in this Sequence.", (2, 2)),
    ("Two or more Items shall be included in this Sequence.", (2, None)),
    ("Two or more Items are permittedin this Sequence.", (2, None)),
    ("Two or more Items shall be present.", (2, None)),
]


@pytest.mark.parametrize(("sentence", "count"), WORDINGS)
def test_each_wording_gives_its_count(sentence: str, count: tuple[int, int | None]) -> None:
    found = item_count(f"Sequence of Items that identify the thing. {sentence} See Section C.7.1.")
    assert (found.count, found.unread) == (count, ())
    assert found.read and found.read[0] in sentence


def test_a_sentence_run_on_to_the_previous_one_is_read() -> None:
    """The reconstruction joins paragraphs without a full stop: "... of this Instance One or more Items ..."."""
    found = item_count("Sequence of Items that modifies the anatomic region of interest of this Instance One or more Items are permitted in this Sequence.")
    assert found.count == (1, None)


@pytest.mark.parametrize(
    "sentence",
    [
        # a count under a condition: after a clause, or going on with one
        "Only a single Item shall be included in this Sequence, unless Dose Summation Type (3004,000A) is MULTI_PLAN, in which case two or more Items shall be included in this Sequence.",
        "If Multi-energy CT Acquisition (0018,9361) is YES, one or more Items shall be included in this Sequence.",
        "One Item shall be present in this Sequence if Component Type (0070,1802) has a value of ONE_TO_RGBA.",
        "Only a single Item shall be included in this Sequence unless Image Box Layout Type (0072,0304) is TILED, in which case one or more Items shall be included in this Sequence.",
        # a count given by another attribute's value
        "The number of Items shall be identical to the value of Number of Wedges (300A,00D0).",
        # a wording no pattern knows
        "Only a single Item single Item is permitted in this Sequence.",
    ],
)
def test_a_sentence_not_read_is_reported_not_dropped(sentence: str) -> None:
    found = item_count(f"Identifies the thing. {sentence}")
    assert found.count is None
    assert found.unread == (sentence,)


def test_two_sentences_stating_different_counts_are_both_left_unread() -> None:
    text = "Only a single Item is permitted in this Sequence. One or more Items are permitted in this Sequence."
    found = item_count(text)
    assert found.count is None and len(found.unread) == 2


def test_a_description_without_a_count_has_none() -> None:
    assert item_count("Sequence that identifies the contrast agent.") == item_count("")
    assert item_count("").count is None


@pytest.fixture(scope="module")
def excerpt() -> InformationObjects:
    return parse_ps3.parse(mirror_file("2016c", 3))


def _row(excerpt: InformationObjects, table: str, name: str) -> AttributeRow:
    found = next(t for t in excerpt.tables if t.table == table)
    return next(r for r in found.rows if r.name == name)


def test_the_parse_puts_the_count_on_the_sequence_row(excerpt: InformationObjects) -> None:
    assert _row(excerpt, "table_C.7-1", "Strain Code Sequence").item_count == (1, None)  # "... are permitted ..."
    assert _row(excerpt, "table_C.7-1", "Referenced Patient Sequence").item_count == (1, 1)
    assert _row(excerpt, "table_C.7-1", "Patient Breed Code Sequence").item_count == (0, None)
    assert _row(excerpt, "table_C.7.6.22-2", "Container Type Code Sequence").item_count == (0, 1)
    assert _row(excerpt, "table_C.7.6.16-1", "Shared Functional Groups Sequence").item_count == (1, 1)
    assert _row(excerpt, "table_C.7-1", "Patient's Name").item_count is None  # not a sequence
    plan = _row(excerpt, "table_C.8-39", "Referenced RT Plan Sequence")
    assert plan.item_count is None and "unless Dose Summation Type" in plan.item_sentences_unread[0]


def test_the_listing_counts_the_wordings_and_lists_what_is_not_read(excerpt: InformationObjects) -> None:
    text = listing("2016c", excerpt.tables)
    rows = [r for t in excerpt.tables for r in t.rows if r.tag and r.name.endswith("Sequence")]
    counted = sum(1 for r in rows if r.item_count is not None)
    assert f"{counted} of {len(rows)} sequence attribute rows state one" in text
    assert counted > 250  # every sequence of the excerpt but a few states its count
    assert "\t1-1\tonly a single item shall be included in this sequence\n" in text
    assert "table_C.8-39 row 16: Referenced RT Plan Sequence: Only a single Item shall be included in this Sequence, unless" in text


def test_the_count_goes_into_the_attribute_table_and_back() -> None:
    from dicom_codegen.model import ClassField

    field = ClassField(
        keyword="StrainCodeSequence", tag="(0010,0219)", vr="SQ", vm="1", name="Strain Code Sequence", type="3",
        required=False, nullable=True, python_type="list[X]", enumerated=(), defined_terms=(), item_class="X",
        table="table_C.7-1", row=35, description="", item_count=(1, None),
    )
    line = attribute_line(field, with_groups=False)
    assert line.endswith("\t#1-n")
    (spec,) = attribute_table(line, "PS3.3 2016c Table ")
    assert spec.item_count == (1, None)
    (single,) = attribute_table(attribute_line(dataclasses.replace(field, item_count=(1, 1)), False), "")
    assert single.item_count == (1, 1)
    without = attribute_line(dataclasses.replace(field, item_count=None), False)
    assert "#" not in without and attribute_table(without, "")[0].item_count is None


def test_the_generated_model_carries_the_counts() -> None:
    from dicom_model.iods.ct_image import CTImage
    from dicom_model.iods.enhanced_ct_image import EnhancedCTImage

    specs = {s.keyword: s for s in CTImage.ATTRIBUTES}
    assert specs["StrainCodeSequence"].item_count == (1, None)
    assert specs["ReferencedPatientSequence"].item_count == (1, 1)
    assert specs["IssuerOfTheContainerIdentifierSequence"].item_count == (0, 1)
    assert specs["PatientName"].item_count is None
    shared = next(s for s in EnhancedCTImage.ATTRIBUTES if s.keyword == "SharedFunctionalGroupsSequence")
    assert shared.item_count == (1, 1)

