"""Round trip (issue #15): reading, constructing and writing keep a data set as it was.

Judged by tools that are not this project's: pydicom reads the original and the copy
without decoding values (its raw elements: tag, VR, value bytes), and every element
must be there in both, empty or not, with the same value bytes; dciodvfy must report
no error on the copy that it does not report on the original. This holds for every
file of pydicom 3.0.2's corpus that reads (at the Dataset level; the three that are data sets
without SOP Class and Instance UIDs, NOT_FILES, as data sets alone: writing them as files is
refused, and that is asserted), and through the
typed classes for every corpus file whose SOP class has an IOD in the model.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import re
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pydicom
import pydicom.data
import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import FileMetaDataset
from pydicom.filereader import read_dataset as pydicom_read_dataset
from pydicom.tag import Tag
from pydicom.uid import ExplicitVRLittleEndian

from dicom_model import sop_classes
from dicom_model.iods.ct_image import CTImage
from dicom_runtime.dataset import DataElement, Dataset
from dicom_runtime.errors import DicomDecodeError, DicomEncodeError, DicomTypeError
from dicom_runtime.fileformat import encode_body, encode_file, read_file
from dicom_runtime.reader import EXPLICIT_LE
from dicom_runtime.typed import NonConformantError, from_dataset, read, to_dataset, write
from tests.runtime.test_corpus import BROKEN, FILES
from tests.test_iod_classes import _ct

CT_SMALL = Path(pydicom.data.get_testdata_file("CT_small.dcm"))  # type: ignore[arg-type]
READABLE = [f for f in FILES if f.name not in BROKEN]
DCIODVFY = shutil.which("dciodvfy")

Raw = dict[str, tuple[Any, ...]]


def _raw(dataset: pydicom.Dataset, prefix: str = "") -> Raw:
    """Every element of a pydicom data set as (VR, value bytes), sequences item by item;
    values are taken before pydicom decodes them (its RawDataElement)."""
    found: Raw = {}
    for tag in list(dataset._dict):
        key = f"{prefix}{int(tag):08X}"
        element = dataset.get_item(tag)
        if not isinstance(element, RawDataElement):
            # pydicom decodes some elements as it reads (Specific Character Set; the data set
            # of a file whose meta says explicit VR while it is implicit): compared decoded
            found[key] = (dataset[tag].VR, None, _decoded(dataset, tag))
            continue
        if element.VR == "SQ" or (element.length == 0xFFFFFFFF and int(tag) != 0x7FE00010):
            items = dataset[tag].value
            found[key] = ("SQ", len(items))
            for index, item in enumerate(items):
                found.update(_raw(item, f"{key}[{index}]."))
        else:
            found[key] = (element.VR, bytes(element.value or b""), lambda d=dataset, t=tag: _decoded(d, t))
    return found


def _decoded(dataset: pydicom.Dataset, tag: Any) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = dataset[tag].value
    return str(value if value is not None else "")


def _pydicom_raw(source: Path | bytes) -> Raw:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _raw(pydicom.dcmread(io.BytesIO(source) if isinstance(source, bytes) else source, force=True))


def _differences(before: Raw, after: Raw) -> list[str]:
    """Elements missing, added or changed. A VR of None is pydicom's for an element read in
    Implicit VR: a file whose meta says explicit VR while its data set is implicit is
    written explicit (its values unchanged), so None matches any VR."""
    found = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a is None or b is None:
            found.append(f"{key}: {'added' if a is None else 'missing'}")
            continue
        if a[0] is not None and b[0] is not None and a[0] != b[0] and b[0] not in str(a[0]).split(" or "):
            # (pydicom's "OB or OW" is its VR of Pixel Data read in Implicit VR)
            found.append(f"{key}: VR {a[0]} became {b[0]}")
        elif a[0] == "SQ" or b[0] == "SQ":
            if a[1:2] != b[1:2]:
                found.append(f"{key}: {a[1]} items became {b[1]}")
        elif a[1] is not None and b[1] is not None:
            if a[1] != b[1]:
                found.append(f"{key}: {a[1]!r:.80} became {b[1]!r:.80}")
        else:
            shown = [x[2]() if callable(x[2]) else x[2] for x in (a, b)]
            if shown[0] != shown[1]:
                found.append(f"{key}: {shown[0]!r:.80} became {shown[1]!r:.80} (decoded)")
    return found


def _dciodvfy_errors(path: Path) -> set[str]:
    assert DCIODVFY is not None, "dciodvfy (dicom3tools) is needed"
    run = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True, errors="replace", timeout=120)
    lines = (run.stdout + run.stderr).splitlines()
    return {line.strip() for line in lines if line.startswith("Error")}


#: The corpus files that are data sets without the attributes a file needs: no SOP Class and
#: Instance UIDs, in the data set or as the meta's Media Storage ones (empty there). Writing
#: them as files is refused; their data sets alone are compared.
NOT_FILES = {"empty_charset_LEI.dcm", "meta_missing_tsyntax.dcm", "nested_priv_SQ.dcm"}
NOT_A_FILE = "a DICOM file needs SOP Class UID (0008,0016) and SOP Instance UID (0008,0018)"


def _copy_bytes(path: Path) -> bytes:
    """The file read at the Dataset level and encoded again: as a file, except the NOT_FILES,
    whose encoding as a file must be refused (then their data set alone)."""
    file = read_file(path)
    if path.name not in NOT_FILES:
        return encode_file(file.dataset, file.transfer_syntax)
    with pytest.raises(DicomEncodeError, match=re.escape(NOT_A_FILE)):
        encode_file(file.dataset, file.transfer_syntax)
    return encode_body(file.dataset, file.transfer_syntax)


@pytest.mark.parametrize("name", sorted(NOT_FILES))
def test_a_data_set_without_sop_uids_is_refused_as_a_file(name: str, tmp_path: Path) -> None:
    path = next(f for f in READABLE if f.name == name)
    out = tmp_path / "copy.dcm"
    with pytest.raises(DicomEncodeError, match=f"^{re.escape(str(out))}: {re.escape(NOT_A_FILE)}$"):
        write(read(path, strict=False), out, validate=False)
    assert not out.exists()


def test_exactly_the_not_files_are_refused() -> None:
    refused = set()
    for path in READABLE:
        file = read_file(path)
        try:
            encode_file(file.dataset, file.transfer_syntax)
        except DicomEncodeError as error:
            assert str(error) == NOT_A_FILE, path.name
            refused.add(path.name)
    assert refused == NOT_FILES


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_every_readable_corpus_file_round_trips_as_a_dataset(path: Path) -> None:
    copy = _copy_bytes(path)
    if copy[128:132] == b"DICM":
        after = _pydicom_raw(copy)
    else:  # a data set without SOP Class anywhere (no meta to write): compare its elements
        syntax = read_file(path).transfer_syntax
        implicit = syntax == "1.2.840.10008.1.2"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            after = _raw(pydicom_read_dataset(io.BytesIO(copy), implicit, True))
    before = _pydicom_raw(path)
    file = read_file(path)
    if 0x00041220 in file.dataset:
        # a DICOMDIR's record links are file offsets: its records move with the meta written,
        # and the links with them (tests/runtime/media/test_relink.py reads such copies with
        # pydicom's FileSet): here its data set is held, links and all, to the original's bytes
        # under the original's meta, and each link of the file written moved by the meta's change
        original = path.read_bytes()
        for key, (vr, *_) in after.items():
            if key[-8:] in _LINKS and vr is not None:
                old, new = (int.from_bytes(r[key][1], "big" if _big_endian(path) else "little") for r in (before, after))
                assert (old, new) == (0, 0) or new - old == _meta_end(copy) - _meta_end(original), (key, old, new)
        after = _pydicom_raw(original[: _meta_end(original)] + encode_body(file.dataset, file.transfer_syntax))
    assert _differences(before, after) == []


#: The record links of a DICOMDIR (PS3.3 F.3.2.1): root first and last, next, lower level, MRDR.
_LINKS = {"00041200", "00041202", "00041400", "00041420", "00041504"}


def _meta_end(data: bytes) -> int:
    """Where the data set of a file with a preamble and File Meta Information begins."""
    return 132 + 12 + int.from_bytes(data[140:144], "little")


def _big_endian(path: Path) -> bool:
    return read_file(path).transfer_syntax == "1.2.840.10008.1.2.2"


def _model_files() -> list[Path]:
    """Corpus files whose SOP Class UID has an IOD in the model (decided by pydicom's reading)."""
    found = []
    for path in READABLE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            uid = pydicom.dcmread(path, force=True, stop_before_pixels=True).get("SOPClassUID")
        if isinstance(uid, str) and sop_classes.iod_class_for(uid) is not None:
            found.append(path)
    return found


MODEL_FILES = _model_files()


def test_the_corpus_has_files_of_the_model() -> None:
    names = {p.name for p in MODEL_FILES}
    assert {"CT_small.dcm", "rtdose.dcm", "rtdose_rle.dcm", "rtdose_expb.dcm"} <= names


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.name)
def test_every_corpus_file_of_the_model_round_trips_typed(path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.dcm"
    try:
        instance = read(path)
    except NonConformantError as exc:
        # refused: each problem it names must be true of the file, as pydicom reads it
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            original = pydicom.dcmread(path, force=True)
        assert exc.problems and str(path) in str(exc)
        for problem in exc.problems:
            match = re.match(r"^(\w+) \((\w{4}),(\w{4})\) is (absent|empty)", problem)
            if match is None:
                assert "is a str" in problem  # a value of a type the VR does not take
                continue
            tag = int(match[2] + match[3], 16)
            if match[4] == "absent":
                assert tag not in original
            else:
                assert tag in original and original[tag].is_empty
        instance = read(path, strict=False)
        assert isinstance(instance, Dataset)
    write(instance, copy, validate=False)
    assert _differences(_pydicom_raw(path), _pydicom_raw(copy)) == []
    new_errors = _dciodvfy_errors(copy) - _dciodvfy_errors(path)
    assert new_errors == set()


def test_ct_small_keeps_its_empty_attributes_and_its_decimal_strings(tmp_path: Path) -> None:
    image = read(CT_SMALL)
    assert isinstance(image, CTImage)
    assert image.Laterality is None and image.AdditionalPatientHistory is None
    assert {"Laterality", "AdditionalPatientHistory"} <= image.empty_attributes()
    write(image, tmp_path / "copy.dcm")
    copy = pydicom.dcmread(tmp_path / "copy.dcm")
    original = pydicom.dcmread(CT_SMALL)
    for tag in (0x00200060, 0x001021B0):
        assert tag in copy and copy[tag].is_empty and tag in original
    raw_before, raw_after = _pydicom_raw(CT_SMALL), _pydicom_raw(tmp_path / "copy.dcm")
    decimals = {k: v for k, v in raw_before.items() if v[0] == "DS" and re.search(rb"\.\d*0\b", v[1])}
    assert decimals  # CT_small has DS values with trailing zeros ("5.000000")
    assert {k: raw_after[k][:2] for k in decimals} == {k: v[:2] for k, v in decimals.items()}
    errors = "\n".join(_dciodvfy_errors(tmp_path / "copy.dcm"))
    assert "Missing attribute Type 2C" not in errors


def test_a_changed_value_is_written_in_canonical_form(tmp_path: Path) -> None:
    image = read(CT_SMALL)
    assert isinstance(image, CTImage)
    image.SliceThickness = 2.50
    image.set_empty("Occupation")  # absent from CT_small until now
    image.Occupation = None
    write(image, tmp_path / "copy.dcm")
    copy = pydicom.dcmread(tmp_path / "copy.dcm")
    original = pydicom.dcmread(CT_SMALL)
    assert copy["SliceThickness"].value == 2.5 and _pydicom_raw(tmp_path / "copy.dcm")["00180050"][1] == b"2.5 "
    assert "Occupation" not in original and copy["Occupation"].is_empty


def test_absent_and_empty_stay_distinct_in_a_constructed_instance(tmp_path: Path) -> None:
    image = _ct()
    image.set_empty("Laterality")
    write(image, tmp_path / "empty.dcm")
    written = pydicom.dcmread(tmp_path / "empty.dcm")
    assert "Laterality" in written and written["Laterality"].is_empty
    assert "AdditionalPatientHistory" not in written  # Type 3, None: absent
    image.set_empty("Laterality", False)
    write(image, tmp_path / "absent.dcm")
    assert "Laterality" not in pydicom.dcmread(tmp_path / "absent.dcm")
    with pytest.raises(DicomTypeError, match="NoSuchAttribute"):
        image.set_empty("NoSuchAttribute")


def test_source_ae_title_and_other_true_meta_elements_are_kept(tmp_path: Path) -> None:
    dataset = pydicom.dcmread(CT_SMALL)
    dataset.file_meta.SourceApplicationEntityTitle = "MODALITY1"
    dataset.file_meta.ImplementationVersionName = "OTHER_1"
    dataset.save_as(tmp_path / "with_ae.dcm")
    for instance in (read(tmp_path / "with_ae.dcm"), read_file(tmp_path / "with_ae.dcm").dataset):
        write(instance, tmp_path / "copy.dcm")
        meta = pydicom.dcmread(tmp_path / "copy.dcm").file_meta
        assert meta.SourceApplicationEntityTitle == "MODALITY1"
        assert meta.ImplementationVersionName == "DICOM_TYPED_02"  # this implementation wrote the copy
        assert meta.MediaStorageSOPInstanceUID == dataset.SOPInstanceUID


def test_dates_and_times_come_back_as_datetime_values_where_they_parse(tmp_path: Path) -> None:
    image = dataclasses.replace(_ct(), StudyDate=datetime.date(2026, 12, 1), StudyTime=datetime.time(8, 30, 5, 250000))
    write(image, tmp_path / "ct.dcm")
    back = read(tmp_path / "ct.dcm")
    assert isinstance(back, CTImage)
    assert back.StudyDate == datetime.date(2026, 12, 1) and back.StudyTime == datetime.time(8, 30, 5, 250000)
    dataset = read_file(tmp_path / "ct.dcm").dataset
    for tag, text in ((0x00080020, "20261201-20261231"), (0x00080030, "0830"), (0x00080012, "20261301")):
        dataset[tag] = DataElement(tag, "DA" if tag != 0x00080030 else "TM", text)
    kept = from_dataset(CTImage, dataset)
    assert (kept.StudyDate, kept.StudyTime, kept.InstanceCreationDate) == ("20261201-20261231", "0830", "20261301")
    dataset[0x0008002A] = DataElement(0x0008002A, "DT", "20261201083005.5+0100")
    acquired = from_dataset(CTImage, dataset).AcquisitionDateTime
    assert acquired == datetime.datetime(2026, 12, 1, 8, 30, 5, 500000, datetime.timezone(datetime.timedelta(hours=1)))


def test_from_dataset_refuses_another_sop_class_unless_coerced() -> None:
    dataset = to_dataset(_ct())
    dataset[0x00080016] = DataElement(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.4")
    with pytest.raises(DicomTypeError) as refused:
        from_dataset(CTImage, dataset)
    assert "MR Image Storage" in str(refused.value) and "CT Image Storage" in str(refused.value)
    assert "1.2.840.10008.5.1.4.1.1.4" in str(refused.value) and "1.2.840.10008.5.1.4.1.1.2" in str(refused.value)
    coerced = from_dataset(CTImage, dataset, coerce=True)
    assert coerced.SOPClassUID == "1.2.840.10008.5.1.4.1.1.2"
    assert to_dataset(coerced).value(0x00080016) == "1.2.840.10008.5.1.4.1.1.2"


def test_an_emptied_type_1_attribute_is_refused_or_read_as_a_dataset(tmp_path: Path) -> None:
    dataset = pydicom.dcmread(CT_SMALL)
    dataset.RescaleSlope = None
    dataset.save_as(tmp_path / "empty_slope.dcm")
    with pytest.raises(NonConformantError) as refused:
        read(tmp_path / "empty_slope.dcm")
    assert "RescaleSlope (0028,1053) is empty" in str(refused.value) and "empty_slope.dcm" in str(refused.value)
    lenient = read(tmp_path / "empty_slope.dcm", strict=False)
    assert isinstance(lenient, Dataset) and lenient[0x00281053].value == ""
    write(lenient, tmp_path / "copy.dcm")
    assert _differences(_pydicom_raw(tmp_path / "empty_slope.dcm"), _pydicom_raw(tmp_path / "copy.dcm")) == []


def test_encapsulated_pixel_data_round_trips_through_a_typed_instance(tmp_path: Path) -> None:
    path = next(p for p in MODEL_FILES if p.name == "rtdose_rle.dcm")
    instance = read(path)
    assert not isinstance(instance, Dataset) and isinstance(instance.PixelData, bytes)  # type: ignore[attr-defined]
    instance.PixelData = bytes(instance.PixelData)  # type: ignore[attr-defined]  # the same bytes, set anew
    write(instance, tmp_path / "copy.dcm", validate=False)  # rtdose_rle lacks a Type 2 attribute: as read
    assert _differences(_pydicom_raw(path), _pydicom_raw(tmp_path / "copy.dcm")) == []
    instance.PixelData = b"\x01\x02"  # type: ignore[attr-defined]  # not items of PS3.5 A.4
    with pytest.raises(DicomDecodeError, match="PixelData"):
        write(instance, tmp_path / "bad.dcm", validate=False)


def test_a_value_read_is_kept_only_while_unchanged() -> None:
    file = read_file(CT_SMALL)
    element = file.dataset[0x00180050]  # Slice Thickness, DS
    assert element.raw is not None
    unchanged = encode_file(file.dataset, file.transfer_syntax)
    element.value = "2.5"
    changed = encode_file(file.dataset, file.transfer_syntax)
    assert _pydicom_raw(unchanged)["00180050"][1] == element.raw
    assert _pydicom_raw(changed)["00180050"][1] == b"2.5 "
    assert EXPLICIT_LE.explicit_vr


def _enhanced(path: Path, ct: bool) -> None:
    """An Enhanced CT or Enhanced XA image written by pydicom: functional groups with DS values
    with trailing zeros, Type 2 and 3 attributes present and empty (pydicom's corpus has none)."""
    ds = pydicom.Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2.1" if ct else "1.2.840.10008.5.1.4.1.1.12.1.1"
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.2.1125.1.1"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.2.1125.1.2"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.2.1125.1.3"
    ds.Modality = "CT" if ct else "XA"
    ds.Manufacturer = "ACME"; ds.ManufacturerModelName = "M1"; ds.DeviceSerialNumber = "42"
    ds.SoftwareVersions = "1.0"; ds.InstanceNumber = "1"; ds.ContentDate = "20261201"; ds.ContentTime = "120000.000000"
    ds.Rows = 2; ds.Columns = 2; ds.BitsAllocated = 16; ds.BitsStored = 12; ds.HighBit = 11; ds.PixelRepresentation = 0
    ds.SamplesPerPixel = 1; ds.PhotometricInterpretation = "MONOCHROME2"; ds.NumberOfFrames = "1"
    ds.PatientName = "Doe^Jane"; ds.PatientID = "P1"; ds.PatientBirthDate = ""; ds.PatientSex = ""
    ds.StudyDate = "20261201"; ds.StudyTime = "120000"; ds.ReferringPhysicianName = ""; ds.StudyID = ""
    ds.AccessionNumber = ""; ds.Laterality = ""; ds.AdditionalPatientHistory = ""
    if ct:
        ds.FrameOfReferenceUID = "1.2.826.0.1.3680043.2.1125.1.4"; ds.PositionReferenceIndicator = ""
        ds.ImageType = ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"]; ds.PixelPresentation = "MONOCHROME"
        ds.VolumetricProperties = "VOLUME"; ds.VolumeBasedCalculationTechnique = "NONE"; ds.PresentationLUTShape = "IDENTITY"
        organization = pydicom.Dataset(); organization.DimensionOrganizationUID = "1.2.826.0.1.3680043.2.1125.1.5"
        ds.DimensionOrganizationSequence = [organization]
        index = pydicom.Dataset(); index.DimensionIndexPointer = Tag("InStackPositionNumber")
        index.FunctionalGroupPointer = Tag("FrameContentSequence"); index.DimensionOrganizationUID = organization.DimensionOrganizationUID
        ds.DimensionIndexSequence = [index]
    shared = pydicom.Dataset()
    measures = pydicom.Dataset(); measures.PixelSpacing = ["0.500000", "0.500000"]; measures.SliceThickness = "1.000000"
    shared.PixelMeasuresSequence = [measures]
    ds.SharedFunctionalGroupsSequence = [shared]
    frame = pydicom.Dataset()
    content = pydicom.Dataset(); content.FrameAcquisitionNumber = 1; content.FrameReferenceDateTime = ""; content.InStackPositionNumber = 1
    frame.FrameContentSequence = [content]
    ds.PerFrameFunctionalGroupsSequence = [frame]
    ds.PixelData = bytes(8)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.SourceApplicationEntityTitle = "ENH1"
    ds.save_as(path, enforce_file_format=True)


@pytest.mark.parametrize("ct", [True, False], ids=["EnhancedCTImage", "EnhancedXAImage"])
def test_enhanced_images_round_trip_typed(ct: bool, tmp_path: Path) -> None:
    original, copy = tmp_path / "original.dcm", tmp_path / "copy.dcm"
    _enhanced(original, ct)
    instance = read(original)
    assert type(instance).__name__ == ("EnhancedCTImage" if ct else "EnhancedXAImage")
    assert {"Laterality", "AdditionalPatientHistory", "PatientBirthDate"} <= instance.empty_attributes()  # type: ignore[union-attr]
    shared = instance.SharedFunctionalGroupsSequence[0]  # type: ignore[union-attr]
    if ct:
        assert shared.PixelMeasuresSequence[0].PixelSpacing == [0.5, 0.5]
    else:  # not a functional group of Enhanced XA in the model: kept as read
        assert 0x00289110 in shared.extra_elements
    write(instance, copy, validate=False)
    assert _differences(_pydicom_raw(original), _pydicom_raw(copy)) == []
    assert _pydicom_raw(copy)["52009229[0].00289110[0].00280030"][1].startswith(b"0.500000\\0.500000")
    assert _dciodvfy_errors(copy) - _dciodvfy_errors(original) == set()
    assert pydicom.dcmread(copy).file_meta.SourceApplicationEntityTitle == "ENH1"


def test_the_data_set_of_a_read_instance_does_not_share_its_elements() -> None:
    dataset = read_file(CT_SMALL).dataset
    image = from_dataset(CTImage, dataset)
    written = to_dataset(image)
    assert written[0x00180050].raw == dataset[0x00180050].raw  # the bytes as read
    written[0x00180050].value = "9"
    assert dataset[0x00180050].value == "5.000000" and image.SliceThickness == 5.0
