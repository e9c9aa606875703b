"""dicom_runtime.attribute_table: the text form of a generated class's ATTRIBUTES."""

from __future__ import annotations

import dataclasses
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

from dicom_runtime.attribute_table import attribute_table, composed_table, modules_of
from dicom_runtime.conditions import Equals
from dicom_runtime.objects import AttributeSpec, DicomObject

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


# -- composed tables and fields (an IOD's, of its modules') ------------------------------

_SOURCE = "PS3.3 2016c Table "


@pytest.fixture
def home() -> Iterator[types.ModuleType]:
    """A module holding two group classes, as an IOD's file imports its modules."""
    home = types.ModuleType("composed_home")
    sys.modules["composed_home"] = home
    exec(
        "from __future__ import annotations\n"
        "from dataclasses import dataclass\n"
        "from typing import ClassVar\n"
        "from dicom_runtime.attribute_table import attribute_table\n"
        "from dicom_runtime.objects import AttributeSpec, DicomObject\n"
        "@dataclass(kw_only=True, slots=True)\n"
        "class PatientModule(DicomObject):\n"
        "    ATTRIBUTES: ClassVar[tuple[AttributeSpec, ...]] = attribute_table(\n"
        "        'PatientName\\t00100010\\tPN\\t1\\t1\\t\\tC.7-1 row 1\\t\\t\\n'\n"
        "        'PatientSex\\t00100040\\tCS\\t1\\t2\\tM\\\\F\\\\O\\tC.7-1 row 3\\t\\t\\n', 'PS3.3 2016c Table ')\n"
        "    PatientName: str\n"
        "    PatientSex: str | None = None\n"
        "@dataclass(kw_only=True, slots=True)\n"
        "class ImagePixelModule(DicomObject):\n"
        "    ATTRIBUTES: ClassVar[tuple[AttributeSpec, ...]] = attribute_table(\n"
        "        'Rows\\t00280010\\tUS\\t1\\t1\\t\\tC.7-11 row 2\\t\\t\\n'\n"
        "        'PatientSex\\t00100040\\tCS\\t1\\t1\\tM\\tC.7-11 row 9\\t\\t\\n', 'PS3.3 2016c Table ')\n"
        "    Rows: int\n"
        "    PatientSex: str\n",
        home.__dict__,
    )
    yield home
    del sys.modules["composed_home"]


def test_a_composed_table_is_its_groups_tables_each_attribute_once_where_first_given(home: types.ModuleType) -> None:
    written = "Columns\t00280011\tUS\t1\t1\t\tC.7-11 row 3\tOverlayModule\t\n"
    specs = composed_table((home.PatientModule, home.ImagePixelModule, "OverlayModule"), written, _SOURCE)
    assert [(s.keyword, s.groups) for s in specs] == [
        ("PatientName", ("PatientModule",)),
        ("PatientSex", ("PatientModule",)),  # first given by PatientModule: ImagePixelModule's row is not used
        ("Rows", ("ImagePixelModule",)),
        ("Columns", ("OverlayModule",)),  # a group given by name has its lines written
    ]
    own = home.PatientModule.ATTRIBUTES[1]
    assert specs[1] == dataclasses.replace(own, groups=("PatientModule",))
    # a written line takes the place of the group's row
    merged = "PatientSex\t00100040\tCS\t1\t1\tM\tC.7-11 row 9\tPatientModule,ImagePixelModule\t\n"
    specs = composed_table((home.PatientModule, home.ImagePixelModule), merged, _SOURCE)
    assert [s.keyword for s in specs] == ["PatientName", "PatientSex", "Rows"]
    assert (specs[1].type, specs[1].groups) == ("1", ("PatientModule", "ImagePixelModule"))


def test_a_written_line_for_no_group_is_refused(home: types.ModuleType) -> None:
    with pytest.raises(ValueError, match="attributes of no group: Columns"):
        composed_table((home.PatientModule,), "Columns\t00280011\tUS\t1\t1\t\tC.7-11 row 3\tOverlayModule\t\n", _SOURCE)


def _iod(home: types.ModuleType, body: str) -> type[DicomObject]:
    exec(
        "from __future__ import annotations\n"
        "from dataclasses import dataclass, field\n"
        "from typing import ClassVar, Mapping\n"
        "from dicom_runtime.attribute_table import composed_fields, composed_table\n"
        "from dicom_runtime.dataset import Dataset\n"
        "from dicom_runtime.objects import AttributeSpec, DicomObject\n"
        "@dataclass(kw_only=True, slots=True)\n"
        "@composed_fields\n"
        "class Image(DicomObject):\n"
        "    GROUP_USAGE: ClassVar[Mapping[str, str]] = {'PatientModule': 'M', 'ImagePixelModule': 'U'}\n"
        "    ATTRIBUTES: ClassVar[tuple[AttributeSpec, ...]] = composed_table((PatientModule, ImagePixelModule), '', 'PS3.3 2016c Table ')\n"
        + body
        + "    extra_elements: Dataset | None = field(default=None, repr=False)\n",
        home.__dict__,
    )
    found: type[DicomObject] = home.Image
    return found


def test_composed_fields_take_each_group_field_optional_unless_the_group_is_mandatory(home: types.ModuleType) -> None:
    image = _iod(home, "    PatientName: str | None = None\n")  # written: taken as the body gives it
    fields = [(f.name, f.type, f.default) for f in dataclasses.fields(image)]  # type: ignore[arg-type]
    assert fields == [
        ("PatientName", "str | None", None),
        ("PatientSex", "str | None", None),  # optional in its mandatory module
        ("Rows", "int | None", None),  # required in ImagePixelModule, which is U here
        ("extra_elements", "Dataset | None", None),
    ]
    image = _iod(home, "")
    assert dataclasses.fields(image)[0].default is dataclasses.MISSING  # type: ignore[arg-type]  # required in an M module
    with pytest.raises(TypeError, match="PatientName"):
        image()
    made: Any = image  # the type checker sees DicomObject's constructor, the fields are made at run time
    assert made(PatientName="X", Rows=1).Rows == 1


def test_a_composed_field_without_its_group_is_named(home: types.ModuleType) -> None:
    del home.ImagePixelModule.__dataclass_fields__["Rows"]
    with pytest.raises(ValueError, match=r"composed_home.Image.Rows: no field of \('ImagePixelModule',\)"):
        _iod(home, "")
