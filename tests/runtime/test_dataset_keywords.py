"""Dataset by keyword (#15 item 3): get, set, ``in``, delete at run time; typed by PS3.6 for mypy."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pydicom
import pydicom.data
import pytest

from dicom_codegen.dataset_class import annotation
from dicom_model import tags
from dicom_model.dataset import Dataset
from dicom_runtime.dataset import DataElement
from dicom_runtime.dataset import Dataset as RuntimeDataset
from dicom_runtime.dictionary import _index, lookup
from dicom_runtime.errors import DicomError, DicomTypeError
from dicom_runtime.fileformat import read_file
from dicom_runtime.typed import read, write
from dicom_runtime.values import PersonName
from tests.conftest import REPO
from tests.runtime.test_corpus import BROKEN, FILES


def _corpus(name: str) -> str:
    found = pydicom.data.get_testdata_file(name)
    assert isinstance(found, str), name
    return found


MR = _corpus("MR_small.dcm")
GENERATED = REPO / "generated" / "dicom_model" / "dataset.py"


def test_the_typed_class_is_the_runtime_class_at_run_time() -> None:
    assert Dataset is RuntimeDataset
    dataset = read(MR)
    assert isinstance(dataset, Dataset)  # a SOP class without a generated IOD
    assert dataset.Modality == "MR"  # narrowed by isinstance to the typed class


def test_get_by_keyword_gives_the_vr_s_type() -> None:
    dataset = read(MR, Dataset)
    theirs = pydicom.dcmread(MR)
    assert isinstance(dataset.PatientName, PersonName) and dataset.PatientName == str(theirs.PatientName)
    assert dataset.Rows == theirs.Rows and isinstance(dataset.Rows, int)
    assert dataset.PixelSpacing == [float(v) for v in theirs.PixelSpacing]  # DS, VM 2
    assert dataset.ImageType == list(theirs.ImageType)  # CS, VM 2-n
    assert dataset.StudyDate == datetime.date(2004, 8, 26) == datetime.datetime.strptime(theirs.StudyDate, "%Y%m%d").date()
    assert isinstance(dataset.SliceThickness, float)
    assert dataset.PatientAge is None if "PatientAge" not in theirs else dataset.PatientAge == theirs.PatientAge
    assert dataset.ReferencedSOPClassUID is None  # a keyword absent from the data set
    assert dataset["PatientName"] is dataset[0x00100010]
    # ``in`` by keyword works at run time; to mypy --strict (strict equality) a Dataset is a
    # mapping of int tags, so a str is flagged there: dicom_model.tags.PatientName is the typed form.
    assert "PatientName" in dataset and 0x00100010 in dataset  # type: ignore[comparison-overlap]
    assert "ReferencedSOPClassUID" not in dataset and "NotAKeyword" not in dataset  # type: ignore[comparison-overlap]
    assert tags.PatientName in dataset and tags.ReferencedSOPClassUID not in dataset


def test_a_sequence_is_a_list_of_data_sets() -> None:
    dataset = read(_corpus("rtplan.dcm"), Dataset)
    beams = dataset.BeamSequence
    assert isinstance(beams, list) and beams and all(isinstance(b, Dataset) for b in beams)
    theirs = pydicom.dcmread(_corpus("rtplan.dcm"))
    assert [b.BeamName for b in beams] == [b.BeamName for b in theirs.BeamSequence]
    points = beams[0].ControlPointSequence
    assert points is not None
    assert points[0].GantryAngle == float(theirs.BeamSequence[0].ControlPointSequence[0].GantryAngle)


def test_set_converts_to_the_dictionary_s_vr_and_writes(tmp_path: Path) -> None:
    dataset = read(MR, Dataset)
    dataset.PatientName = PersonName.from_components("Doe", "Jane")
    dataset.SliceThickness = 2.5
    dataset.StudyDate = datetime.date(2020, 1, 31)
    dataset.PixelSpacing = (0.5, Decimal("0.25"))
    dataset.Laterality = None  # present and empty
    assert dataset[0x00100010] == DataElement(0x00100010, "PN", "Doe^Jane")
    assert dataset["SliceThickness"].vr == "DS" and dataset["SliceThickness"].value == "2.5"
    assert dataset["StudyDate"].value == "20200131"
    assert dataset["PixelSpacing"].value == ["0.5", "0.25"]
    assert dataset["Laterality"].value is None and dataset.Laterality is None and "Laterality" in dataset  # type: ignore[comparison-overlap]
    path = tmp_path / "copy.dcm"
    write(dataset, path)
    theirs = pydicom.dcmread(path)
    assert (str(theirs.PatientName), theirs.SliceThickness, theirs.StudyDate) == ("Doe^Jane", 2.5, "20200131")
    assert list(theirs.PixelSpacing) == [0.5, 0.25] and theirs.Laterality in (None, "")
    new = Dataset()
    new.ReferencedImageSequence = [Dataset()]
    items = new.ReferencedImageSequence
    assert items is not None
    items[0].ReferencedSOPInstanceUID = "1.2.3"
    assert new[0x00081140].vr == "SQ" and new[0x00081140].value == items
    assert items[0]["ReferencedSOPInstanceUID"].value == "1.2.3"


def test_a_value_the_vr_does_not_take_is_refused() -> None:
    dataset = Dataset()
    with pytest.raises(DicomTypeError, match=r"Rows \(0028,0010\): '512' is a str; VR US takes int"):
        dataset.Rows = "512"  # type: ignore[assignment]
    with pytest.raises(DicomTypeError, match="a sequence takes a list of data sets"):
        dataset.ReferencedImageSequence = ["1.2.3"]  # type: ignore[list-item]
    assert "Rows" not in dataset  # type: ignore[comparison-overlap]


def test_delete_by_keyword() -> None:
    dataset = read(MR, Dataset)
    del dataset.PatientName
    assert "PatientName" not in dataset and dataset.PatientName is None  # type: ignore[comparison-overlap]
    with pytest.raises(AttributeError, match="PatientName is not in the data set"):
        del dataset.PatientName
    del dataset["Rows"]
    assert 0x00280010 not in dataset


def test_unknown_keywords_are_attribute_and_key_errors() -> None:
    dataset = read(MR, Dataset)
    with pytest.raises(AttributeError, match="PatientNmae"):
        dataset.PatientNmae  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(AttributeError, match="not a keyword of the data dictionary"):
        dataset.PatientNmae = "x"  # type: ignore[attr-defined]
    with pytest.raises(KeyError, match="PatientNmae"):
        dataset["PatientNmae"]
    with pytest.raises(KeyError):
        Dataset()["PatientName"]  # a keyword, absent
    dataset.file_meta = None  # the dataclass's own fields are ordinary attributes
    assert dataset.file_meta is None


def test_a_value_its_annotation_cannot_describe_raises() -> None:
    dataset = Dataset()
    dataset[0x00281053] = DataElement(0x00281053, "DS", "1A")
    with pytest.raises(DicomTypeError, match=r"RescaleSlope \(0028,1053\): '1A' is not a number.*\['RescaleSlope'\]\.value"):
        dataset.RescaleSlope  # noqa: B018
    dataset[0x00100010] = DataElement(0x00100010, "PN", ["A^B", "C^D"])
    with pytest.raises(DicomTypeError, match="2 values, VM is 1"):
        dataset.PatientName  # noqa: B018


_NAMESPACE = {"PersonName": PersonName, "datetime": datetime, "Decimal": Decimal, "Sequence": Sequence, "Dataset": Dataset}


def _holds(value: object, text: str) -> bool:
    """Whether ``value`` is of the annotation ``text`` (its run-time part)."""
    text = text.removesuffix(" | None")
    if value is None:
        return True
    inner = re.fullmatch(r"(?:Sequence|list)\[(.*)\]", text)
    if inner:
        kinds = eval(inner.group(1), _NAMESPACE)  # noqa: S307 - an annotation of the generator
        return isinstance(value, list) and all(isinstance(v, kinds) for v in value)
    return isinstance(value, eval(text, _NAMESPACE))  # noqa: S307


def test_every_value_read_is_of_its_annotation() -> None:
    """Each keyword element of every readable file of pydicom's corpus, sequences' items
    included, gives a value of the type the generated annotation says (the generator's
    function, evaluated), or a DicomTypeError where the annotation cannot describe it."""
    checked = 0
    refused: list[str] = []
    for path in FILES:
        if path.name in BROKEN:
            continue
        try:
            pending = [d for d in [read_file(path).dataset] if isinstance(d, Dataset)]
        except DicomError:
            continue  # what reads is checked (the damaged files of the corpus are tested elsewhere)
        while pending:
            dataset = pending.pop()
            for element in dataset.elements():
                if not element.keyword:
                    continue
                entry = lookup(element.tag)
                try:
                    value = getattr(dataset, entry.keyword)
                except DicomTypeError as exc:
                    refused.append(f"{path.name}: {exc}")
                    continue
                assert _holds(value, annotation(entry.vrs, entry.vm)), (path.name, entry.keyword, value)
                checked += 1
                if element.vr == "SQ" and isinstance(element.value, list):
                    pending.extend(d for d in element.value if isinstance(d, Dataset))
    assert checked > 10000
    # what the annotations cannot describe is rare and each one is a value outside PS3.6's VR or VM
    assert len(refused) < checked / 100, refused[:20]
    assert all("is not a number of VR" in r or "values, VM is" in r for r in refused), refused


def test_the_generated_class_declares_every_keyword() -> None:
    text = GENERATED.read_text(encoding="utf-8")
    declared = dict(re.findall(r"^        ([A-Za-z0-9]+): (.+?)(?: = field\(|$)", text, flags=re.M))
    keywords = {e.keyword for e in _index().by_keyword.values() if e.vrs}
    assert set(declared) == keywords
    assert declared["PatientName"] == "PersonName | str | None"
    assert declared["SliceThickness"] == "float | Decimal | None"
    assert declared["PixelSpacing"] == "Sequence[float | Decimal] | None"
    assert declared["ReferencedImageSequence"] == "list[Dataset] | None"
    assert declared["StudyDate"] == "datetime.date | str | None"
    assert declared["Rows"] == "int | None"


def _mypy(tmp_path: Path, source: str) -> tuple[subprocess.CompletedProcess[str], float]:
    import time

    program = tmp_path / "example.py"
    program.write_text(source, encoding="utf-8")
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--no-error-summary",
         "--cache-dir", str(tmp_path / "cache"), str(program)],
        cwd=REPO, capture_output=True, text=True,
    )
    return result, time.perf_counter() - start


def test_mypy_types_dataset_attributes_by_vr(tmp_path: Path) -> None:
    source = (
        "from dicom_model.dataset import Dataset\n"
        "from dicom_runtime.typed import read\n\n"
        "reveal_type(Dataset().PatientName)\n"
        "d = read('mr.dcm', Dataset)\n"
        "reveal_type(d.PixelSpacing)\n"
        "reveal_type(d.ReferencedImageSequence)\n"
        "d.Rows = 512\n"
        "x = read('mr.dcm')\n"
        "if isinstance(x, Dataset):\n"
        "    reveal_type(x.StudyDate)\n"
    )
    result, seconds = _mypy(tmp_path, source)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == [
        f'{tmp_path / "example.py"}:4: note: Revealed type is "dicom_runtime.values.PersonName | str | None"',
        f'{tmp_path / "example.py"}:6: note: Revealed type is "typing.Sequence[float | decimal.Decimal] | None"',
        f'{tmp_path / "example.py"}:7: note: Revealed type is "list[dicom_model.dataset.Dataset] | None"',
        f'{tmp_path / "example.py"}:11: note: Revealed type is "datetime.date | str | None"',
    ]
    print(f"mypy --strict --no-incremental on the program: {seconds:.2f} s")  # measured, not asserted


def test_mypy_rejects_a_misspelt_keyword_and_a_wrong_type(tmp_path: Path) -> None:
    source = "from dicom_model.dataset import Dataset\n\nx = Dataset().PatientNmae\nd = Dataset()\nd.Rows = '512'\n"
    result, _ = _mypy(tmp_path, source)
    assert result.returncode == 1
    assert '"Dataset" has no attribute "PatientNmae"' in result.stdout
    assert 'Incompatible types in assignment (expression has type "str", variable has type "int | None")' in result.stdout


def test_jedi_completes_keywords_of_the_typed_dataset(tmp_path: Path) -> None:
    import jedi

    source = "from dicom_model.dataset import Dataset\nfrom dicom_runtime.typed import read\nread('mr.dcm', Dataset).PatientNa"
    line = source.splitlines()[-1]
    names = {c.name for c in jedi.Script(source, path=tmp_path / "a.py").complete(3, len(line))}
    assert names == {"PatientName"}


def test_write_checks_the_forms_of_the_values_set_in_a_plain_dataset(tmp_path: Path) -> None:
    """A Dataset has no IOD: write() checks the form and length (PS3.5 Table 6.2-1) of the AE,
    AS, CS, DA, DS, DT, IS, TM, UI and UR values set or changed, and refuses as it refuses an
    invalid instance (StudyDate '2024-01-01' was written as it was)."""
    from dicom_runtime.typed import ValidationFailed

    d = read(MR, Dataset)
    d.StudyDate = "2024-01-01"
    d.ImageType = ["ORIGINAL", "primary"]
    path = tmp_path / "dd.dcm"
    with pytest.raises(ValidationFailed) as refused:
        write(d, path)
    assert not path.exists()
    assert [(f.path, f.rule) for f in refused.value.findings] == [
        ("ImageType", "vr-format"), ("StudyDate", "vr-format")
    ]
    assert str(refused.value).startswith(f"{path}: not written: 2 validation error(s): ImageType: character 'p'")
    write(d, path, validate=False)  # as for an instance: written as it is
    assert read_file(path).dataset.value(0x00080020) == "2024-01-01"
    # set through the element, and in an item: the same
    d = read(MR, Dataset)
    d["StudyTime"].value = "25:00"
    item = Dataset()
    item.ReferencedSOPInstanceUID = "1.02.3"
    d.ReferencedImageSequence = [item]
    with pytest.raises(ValidationFailed) as refused:
        write(d, path)
    assert [(f.path, f.rule) for f in refused.value.findings] == [
        ("StudyTime", "vr-format"), ("ReferencedImageSequence[0].ReferencedSOPInstanceUID", "vr-format")
    ]
    # a backslash separates values, as written: two CS values of 16 characters are not one of 33
    d = read(MR, Dataset)
    d.ImageType = "ORIGINAL\\PRIMARY"
    d.SeriesInstanceUID = "1." + "2" * 63
    with pytest.raises(ValidationFailed, match="VR UI allows 64"):
        write(d, path)
    d.SeriesInstanceUID = "1.2.3"
    d.SeriesDate = datetime.date(1, 1, 1)
    write(d, path)
    assert read(path, Dataset).ImageType == ["ORIGINAL", "PRIMARY"]


def test_write_takes_back_a_plain_dataset_read_non_conformant(tmp_path: Path) -> None:
    """A value read and not changed is not judged: a file that came in non-conformant is
    written back as it was read, its values asked for or not, other values changed."""
    d = read(MR, Dataset)
    d.StudyDate = "2024-01-01"
    item = Dataset()
    item.ReferencedSOPInstanceUID = "1.02.3"
    d.ReferencedImageSequence = [item]
    d.ImageType = ["ORIGINAL", "primary"]
    bad = tmp_path / "bad.dcm"
    write(d, bad, validate=False)
    again = read(bad, Dataset)
    write(again, tmp_path / "untouched.dcm")
    assert (tmp_path / "untouched.dcm").read_bytes() == bad.read_bytes()
    assert (again.StudyDate, again.ImageType) == ("2024-01-01", ["ORIGINAL", "primary"])  # asked for
    assert again.ReferencedImageSequence is not None and again.ReferencedImageSequence[0].ReferencedSOPInstanceUID == "1.02.3"
    again.PatientID = "P2"  # another value changed: the one read is still not judged
    write(again, tmp_path / "changed.dcm")
    assert read_file(tmp_path / "changed.dcm").dataset.value(0x00080020) == "2024-01-01"


def test_write_takes_a_non_conformant_data_set_from_pydicom(tmp_path: Path) -> None:
    """from_pydicom reads pydicom's bytes: its values are read values, written back unjudged
    (rtdose.dcm's Referenced SOP Instance UID has a component '0123'), as are the JSON
    model's (a data set read in another form); a value set on either is judged."""
    from dicom_runtime.json_model import from_json, to_json
    from dicom_runtime.pydicom_bridge import from_pydicom
    from dicom_runtime.typed import ValidationFailed, dataset_problems

    ours = from_pydicom(pydicom.dcmread(_corpus("rtdose.dcm")))
    write(ours, tmp_path / "rtdose.dcm")
    assert dataset_problems(ours) == []
    from_model = from_json(to_json(ours))
    assert dataset_problems(from_model) == []
    write(from_model, tmp_path / "json.dcm")
    plan = read_file(tmp_path / "json.dcm").dataset.value(0x300C0002)  # Referenced RT Plan Sequence
    assert isinstance(plan, list) and isinstance(plan[0], RuntimeDataset)
    assert plan[0].value(0x00081155) == "1.2.123.456.78.9.0123.4567.89012345678901"
    from_model[0x00080020] = DataElement(0x00080020, "DA", "2024-01-01")  # Study Date
    with pytest.raises(ValidationFailed, match="StudyDate"):
        write(from_model, tmp_path / "set.dcm")
