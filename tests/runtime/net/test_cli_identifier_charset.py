"""dicom-net find/move/get -k with a value outside the default repertoire: the identifier gets
Specific Character Set ISO_IR 192 unless -k gives one. It was refused ("PN value 'Müller' is
not in the default character repertoire ... give it one"), with no way named to give it."""

from __future__ import annotations

from dicom_runtime.net.cli import _identifier
from dicom_runtime.writer import encode_dataset
from dicom_runtime.encoding import EXPLICIT_LE


def test_a_value_outside_the_default_repertoire_gets_utf_8() -> None:
    identifier = _identifier(["QueryRetrieveLevel=STUDY", "PatientName=Müller*"])
    assert identifier.value(0x00080005) == "ISO_IR 192"
    assert "Müller*".encode() in encode_dataset(identifier, EXPLICIT_LE)


def test_a_character_set_given_or_not_needed_is_left_alone() -> None:
    given = _identifier(["QueryRetrieveLevel=STUDY", "SpecificCharacterSet=ISO_IR 100", "PatientName=Müller*"])
    assert given.value(0x00080005) == "ISO_IR 100"
    assert "Müller*".encode("latin-1") in encode_dataset(given, EXPLICIT_LE)
    assert 0x00080005 not in _identifier(["QueryRetrieveLevel=STUDY", "PatientName=Muller*"])
