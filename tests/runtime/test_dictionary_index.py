"""The dictionary makes an entry when it is first asked for (#19: making all 4,000 at start-up
cost more than a command's whole ``--help``), in a fresh process, and the same object after."""

from __future__ import annotations

import subprocess
import sys

from dicom_runtime.dictionary import _index, get_entry, lookup


def test_a_lookup_makes_only_its_entry_and_keeps_it() -> None:
    code = (
        "from dicom_runtime.dictionary import _index, lookup\n"
        "lookup('PatientName'); lookup(0x00100020); lookup(0x60000010)\n"
        "print(len(_index()._made), len(_index().by_tag))\n"
    )
    made, rows = map(int, subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout.split())
    assert made == 3 and rows > 3800  # PatientName, PatientID and (60xx,0010): not the other repeating forms


def test_keyword_of_makes_no_entry() -> None:
    code = (
        "from dicom_runtime.dictionary import _index, keyword_of\n"
        "print(keyword_of(0x00100010), keyword_of(0x60020010), repr(keyword_of(0x00091001)), len(_index()._made))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout.split()
    assert out == ["PatientName", "OverlayRows", "''", "0"]


def test_tag_and_keyword_give_the_same_object() -> None:
    assert lookup("PatientName") is lookup(0x00100010) is get_entry(0x00100010)
    assert lookup(0x60020010) is lookup(0x60000010) and lookup(0x60020010).tag_text == "(60xx,0010)"
    assert get_entry("NoSuchKeyword") is None and get_entry(0x00110010) is None
