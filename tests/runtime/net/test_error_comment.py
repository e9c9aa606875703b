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
