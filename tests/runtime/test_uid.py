"""dicom_runtime.uid: new UIDs under 2.25 and under an organisation's root."""

from __future__ import annotations

import uuid

import pydicom.uid
import pytest

from dicom_runtime.uid import MAX_LENGTH, generate_uid, is_valid_uid


def test_a_2_25_uid_is_the_uuid_as_a_decimal_number() -> None:
    uid = generate_uid()
    assert uid.startswith("2.25.")
    number = int(uid.removeprefix("2.25."))
    assert uuid.UUID(int=number).version == 4  # PS3.5 B.2: the UUID's 128 bits, in decimal
    assert is_valid_uid(uid) and len(uid) <= MAX_LENGTH
    assert pydicom.uid.UID(uid).is_valid  # a reader nobody here wrote agrees
    assert generate_uid() != uid


def test_under_a_root_and_from_entropy() -> None:
    root = "1.2.826.0.1.3680043.9.7433"
    uid = generate_uid(root + ".")
    assert uid.startswith(root + ".") and is_valid_uid(uid) and len(uid) <= MAX_LENGTH
    assert pydicom.uid.UID(uid).is_valid
    same = generate_uid(root, entropy="patient 1, study 2")
    assert same == generate_uid(root, entropy="patient 1, study 2") != generate_uid(root, entropy="patient 1, study 3")


@pytest.mark.parametrize(
    ("root", "reason"),
    [("1.2.03", "not a UID"), ("1.2.a", "not a UID"), ("1." + "2" * 55, "leaves")],
)
def test_a_bad_root_is_refused_saying_why(root: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        generate_uid(root)


def test_validity() -> None:
    assert is_valid_uid("1.2.840.10008.1.2.1")
    assert not is_valid_uid("1.2.840.10008.1.2.1\n")  # fullmatch: no trailing newline
    assert not is_valid_uid("1.02")
    assert not is_valid_uid("1." * 40 + "1")
