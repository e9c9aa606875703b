"""dicom_runtime.attribute_table: the text form of a generated class's ATTRIBUTES."""

from __future__ import annotations

import pytest

from dicom_runtime.attribute_table import attribute_table, modules_of
from dicom_runtime.conditions import Equals
from dicom_runtime.objects import AttributeSpec

ROWS = (
    "PatientSex\t00100040\tCS\t1\t1\tM\\F\\O\tC.7-1 row 3\tPatientModule\t\n"
    "Rows\t00280010\tUS\t1\t1C\t\tC.7-11 row 2\tImagePixelModule,OtherModule\tRequired if Modality is OT.\n"
)


def test_lines_become_specs_with_their_source_and_conditions() -> None:
    condition = Equals("Modality", ("OT",), 0)
    sex, rows = attribute_table(ROWS, "PS3.3 2016c Table ", {"Rows": condition})
    assert sex == AttributeSpec("PatientSex", 0x00100040, "CS", "1", "1", ("M", "F", "O"), "PS3.3 2016c Table C.7-1 row 3", ("PatientModule",))
    assert rows.condition is condition
    assert rows.condition_text == "Required if Modality is OT."
    assert rows.groups == ("ImagePixelModule", "OtherModule")
    assert modules_of((sex, rows)) == {"PatientSex": ("PatientModule",), "Rows": ("ImagePixelModule", "OtherModule")}


def test_a_line_with_missing_fields_is_named() -> None:
    with pytest.raises(ValueError, match="line 2 has 3 fields"):
        attribute_table("\nRows\t00280010\tUS\n", "PS3.3 2016c Table ")


def test_a_condition_for_an_attribute_the_table_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="Columns"):
        attribute_table(ROWS, "x", {"Columns": Equals("Modality", ("OT",), 0)})


def test_a_tenth_field_gives_the_enumerated_values_of_single_values() -> None:
    line = "ImageType\t00080008\tCS\t2-n\t1\t\tC.8-3 row 1\t\t\t1=ORIGINAL\\DERIVED;3=AXIAL\\LOCALIZER\n"
    (spec,) = attribute_table(ROWS + line, "PS3.3 2016c Table ")[2:]
    assert spec.enumerated == ()
    assert spec.value_enumerated == ((1, ("ORIGINAL", "DERIVED")), (3, ("AXIAL", "LOCALIZER")))
    assert all(s.value_enumerated == () for s in attribute_table(ROWS, "x"))  # nine fields: none


def test_a_bad_value_number_is_named() -> None:
    line = "ImageType\t00080008\tCS\t2-n\t1\t\tC.8-3 row 1\t\t\tfirst=ORIGINAL\n"
    with pytest.raises(ValueError, match="line 1: 'first=ORIGINAL' is not value-number=values"):
        attribute_table(line, "x")
    with pytest.raises(ValueError, match="has 11 fields, not 9 or 10"):
        attribute_table(line.rstrip("\n") + "\textra\n", "x")
