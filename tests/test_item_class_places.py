"""A sequence keyword in two places of one table with other attributes gets two item
classes (passes_objects' item_class_name), so that each place is typed and validated by
its own rows.

PS3.3 Table C.8-39 (RT Dose Module) has Referenced Beam Sequence (300C,0004) in a
Referenced Fraction Group Sequence item (row 20: Referenced Beam Number, and Referenced
Control Point Sequence, 1C while Dose Summation Type is CONTROL_POINT) and in a Referenced
Treatment Record Sequence item (row 29: Referenced Beam Number alone, row 30). One class
for both gave the treatment record's beams the plan's Referenced Control Point Sequence
and its condition."""

from __future__ import annotations

import dataclasses

from dicom_model.modules import rt_dose_module as rt
from dicom_model.modules.general_image_module import GeneralImageModule


def _fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.name != "extra_elements"]


def _item_class(owner: type, keyword: str) -> type:
    annotation = owner.__dataclass_fields__[keyword].type  # type: ignore[attr-defined]
    name = str(annotation).removeprefix("list[").split("]")[0]
    found = getattr(rt, name)
    assert isinstance(found, type)
    return found


def test_each_place_of_a_sequence_keyword_has_the_attributes_of_its_rows() -> None:
    of_fraction_group = _item_class(rt.RTDoseModuleReferencedFractionGroupSequenceItem, "ReferencedBeamSequence")
    of_treatment_record = _item_class(rt.RTDoseModuleReferencedTreatmentRecordSequenceItem, "ReferencedBeamSequence")
    assert of_fraction_group is rt.RTDoseModuleReferencedBeamSequenceItem  # the first place keeps the plain name
    assert of_treatment_record is rt.RTDoseModuleReferencedTreatmentRecordSequenceReferencedBeamSequenceItem
    assert _fields(of_fraction_group) == ["ReferencedBeamNumber", "ReferencedControlPointSequence"]
    assert _fields(of_treatment_record) == ["ReferencedBeamNumber"]
    rows = {spec.keyword: spec for spec in of_treatment_record.ATTRIBUTES}
    assert rows["ReferencedBeamNumber"].source.endswith("row 30")


def test_a_treatment_record_beam_is_not_held_to_the_plan_beams_condition() -> None:
    beam = rt.RTDoseModuleReferencedTreatmentRecordSequenceReferencedBeamSequenceItem(ReferencedBeamNumber=1)
    assert [f.message for f in beam.validate() if f.severity == "error"] == []


def test_places_whose_items_are_one_macros_rows_keep_one_class() -> None:
    """Source Image Sequence and Referenced Instance Sequence items both hold a Purpose
    of Reference Code Sequence of Code Sequence Macro items: no second name."""
    for keyword in ("SourceImageSequence", "ReferencedInstanceSequence"):
        assert keyword in GeneralImageModule.__dataclass_fields__
    import dicom_model.modules.general_image_module as general_image

    assert not [n for n in dir(general_image) if n.endswith("SequencePurposeOfReferenceCodeSequenceItem")]
