"""The generated dictionary table's form (#19): one string a table, a row a line of tab-separated
fields, the rows' tags beside it (-1 for a repeating group's), and nothing imported with it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dicom_model import _dictionary
from dicom_runtime.dictionary import get_entry, lookup, uid_info


def test_every_row_has_its_fields_and_its_tag() -> None:
    rows = _dictionary.ELEMENTS.split("\n")
    assert rows[-1] == "" and len(rows) - 1 == len(_dictionary.TAGS) > 3900
    repeating = []
    for number, row in enumerate(rows[:-1]):
        tag, mask, retired, source, keyword, vrs, vm, name = row.split("\t")  # exactly eight fields
        assert len(tag) == len(mask) == 8 and retired in ("0", "1") and 0 <= int(source) < len(_dictionary.SOURCES)
        assert all(len(vr) == 2 for vr in vrs.split()), row
        if int(mask, 16) == 0xFFFFFFFF:
            assert _dictionary.TAGS[number] == int(tag, 16), row
        else:
            assert _dictionary.TAGS[number] == -1, row
            repeating.append(number)
    assert tuple(repeating) == _dictionary.REPEATING and len(repeating) > 50
    uids = _dictionary.UIDS.split("\n")
    assert uids[-1] == "" and all(len(row.split("\t")) == 5 for row in uids[:-1]) and len(uids) > 300


def test_rows_become_the_entries() -> None:
    entry = lookup(0x00100010)
    assert (entry.keyword, entry.name, entry.vrs, entry.vm, entry.retired, entry.source) == (
        "PatientName", "Patient's Name", ("PN",), "1", False, "PS3.6 2015b Table 6-1"
    )
    assert lookup("PatientName") is entry and get_entry(0x00100010) is entry
    assert lookup(0x60020010).keyword == "OverlayRows" and lookup(0x60020010).tag_text == "(60xx,0010)"
    assert get_entry(0x60000010) is lookup(0x60020010)  # the repeating group's row, not a fixed tag of -1
    assert lookup(0x00280011).vrs == ("US",) and lookup(0x00283006).vrs == ("US", "OW")  # "US or OW"
    assert lookup(0x00080001).retired and get_entry(-1) is None
    assert uid_info("1.2.840.10008.1.2").keyword == "ImplicitVRLittleEndian" and not uid_info("1.2.840.10008.1.2").retired


def test_the_table_imports_nothing() -> None:
    """Beyond its package (whose ``__init__`` is another template's), no module: no typing."""
    code = (
        "import json, sys, dicom_model; before = set(sys.modules); import dicom_model._dictionary;"
        " print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    folder = str(Path(_dictionary.__file__).parent.parent)
    run = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=60, check=True, env={"PYTHONPATH": folder})
    assert json.loads(run.stdout) == ["dicom_model._dictionary"]
