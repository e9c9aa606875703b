"""Error Comment (0000,0902) is an LO: 64 characters, cut between words, never inside a UID or tag."""

from __future__ import annotations

import pytest

from dicom_runtime.net.scp import fit_lo


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the data set does not decode in Explicit VR Little Endian: (7FE0,0010) length 8192", "the data set does not decode in Explicit VR Little Endian..."),
        ("the data set's SOP Class UID is absent, not 1.2.840.10008.5.1.4.1.1.2", "the data set's SOP Class UID is absent, not..."),
        ("short enough", "short enough"),
        ("x" * 70, "x" * 61 + "..."),
    ],
)
def test_long_comments_are_cut_between_words(text: str, expected: str) -> None:
    assert fit_lo(text) == expected
    assert len(fit_lo(text)) <= 64


def test_a_status_is_named_as_its_service_means_it() -> None:
    """PS3.4: C000 is "Error: Cannot understand" in a C-STORE response (B.2.3) and "Failed:
    Unable to process" in a C-FIND one (C.4.1.1.4); B000 is a coercion for C-STORE and
    sub-operations with failures for C-MOVE."""
    from dicom_runtime.net.messages import command, status_of

    def answer(name: str, code: int) -> str:
        return status_of(command(name, Status=code, ErrorComment="why")).__str__()

    assert answer("C-FIND-RSP", 0xC000) == "0xC000 Failed: Unable to process (why)"
    assert answer("C-FIND-RSP", 0xC123) == "0xC123 Failed: Unable to process (why)"
    assert answer("C-STORE-RSP", 0xC000) == "0xC000 Error: Cannot understand (why)"
    assert answer("C-MOVE-RSP", 0xB000) == "0xB000 Warning: Sub-operations Complete - One or more Failures or Warnings (why)"
    assert answer("C-STORE-RSP", 0xB000) == "0xB000 Warning: Coercion of Data Elements (why)"
