"""A Specific Character Set (0008,0005) term PS3.3 C.12.1.1.2 does not define: its text's
encoding is unknown. Reading keeps its bytes (decoded as Latin-1, as pydicom falls back to
its default); writing non-ASCII text under it is one DicomEncodeError naming the attribute
and the term, not Latin-1 bytes under a term that does not say so (which dciodvfy flags:
'Character invalid for character repertoire'); errors() reports such text (rule charset)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_model.iods.ct_image import CTImage
from dicom_runtime.codec import encodable
from dicom_runtime.dataset import DataElement, Dataset
from dicom_runtime.errors import DicomEncodeError
from dicom_runtime.fileformat import read_file
from dicom_runtime.typed import read, write
from tests.runtime.test_value_checks import _dciodvfy
from tests.test_iod_classes import _ct


def _dataset(name: str, charset: str) -> Dataset:
    dataset = Dataset()
    dataset.add(0x00080005, "CS", charset)
    dataset.add(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.7")
    dataset.add(0x00080018, "UI", "1.2.3.4")
    dataset.add(0x00100010, "PN", name)
    return dataset


def test_non_ascii_text_under_an_unknown_term_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.dcm"
    with pytest.raises(DicomEncodeError) as refused:
        write(_dataset("Müller^Jürgen", "ISO_IR 999"), path)
    assert str(refused.value) == (
        f"{path}: (0010,0010) PatientName: PN value 'Müller^Jürgen' is not ASCII and Specific Character Set "
        "'ISO_IR 999' is not a Defined Term of PS3.3 C.12.1.1.2, so its encoding is unknown"
    )
    assert not path.exists()
    assert not encodable("Müller", "PN", ["ISO_IR 999"]) and encodable("Muller", "PN", ["ISO_IR 999"])
    assert encodable("Müller", "PN", ["ISO_IR 100"])


def test_ascii_text_under_an_unknown_term_is_written(tmp_path: Path) -> None:
    path = tmp_path / "x.dcm"
    write(_dataset("Muller^Jurgen", "ISO_IR 999"), path)
    assert read_file(path).dataset.value(0x00100010) == "Muller^Jurgen"


def test_a_file_read_with_an_unknown_term_is_written_back_as_read(tmp_path: Path) -> None:
    source, copy = tmp_path / "latin.dcm", tmp_path / "copy.dcm"
    write(_dataset("Muller", "ISO_IR 100"), source)
    dataset = read_file(source).dataset
    dataset[0x00100010] = DataElement(0x00100010, "PN", "Müller")
    write(dataset, source)  # Latin-1 bytes: b"M\xfcller"
    raw = source.read_bytes().replace(b"ISO_IR 100", b"ISO_IR 999")
    source.write_bytes(raw)
    read_back = read_file(source).dataset
    assert read_back.value(0x00100010) == "Müller"  # the bytes kept, shown as Latin-1
    write(read_back, copy)
    assert b"M\xfcller" in copy.read_bytes()


def test_errors_report_what_dciodvfy_reports(tmp_path: Path) -> None:
    image = _ct(StudyDescription="Héad", SpecificCharacterSet=["ISO_IR 999"])
    assert [(f.rule, f.message) for f in image.errors() if f.path == "StudyDescription"] == [
        ("charset", "'Héad' is not in Specific Character Set ISO_IR 999 (PS3.5 6.1.2.2)")
    ]
    # the same file as the old writer made it: Latin-1 bytes under the unknown term
    path = tmp_path / "ct.dcm"
    write(_ct(StudyDescription="Héad", SpecificCharacterSet=["ISO_IR 100"]), path)
    path.write_bytes(path.read_bytes().replace(b"ISO_IR 100", b"ISO_IR 999"))
    assert "Character invalid for character repertoire" in _dciodvfy(path)
    assert [f.rule for f in read(path, CTImage).errors() if f.path == "StudyDescription"] == ["charset"]
