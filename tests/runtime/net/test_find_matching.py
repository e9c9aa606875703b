"""PS3.4 C.2.2.2 matching over a live ``dicom-net scp``, as dcmtk's findscu asks: a wild
card of ``*`` alone is universal matching, so it finds the studies without the attribute
too (C.2.2.2.4); an empty Study Date is in no date range, open at either end (C.2.2.2.5)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pydicom.uid
import pytest
from pydicom.data import get_testdata_file

from tests.runtime.net.helpers import ScpProcess, scp_holding, tool

ROOT = "1.2.826.0.1.3680043.10.78"
STUDIES = {  # Study Instance UID: (Study Description, Study Date); None: absent
    f"{ROOT}.1": ("HEAD", "20040119"),
    f"{ROOT}.2": (None, "20100505"),
    f"{ROOT}.3": ("", ""),
    f"{ROOT}.4": ("CHEST", None),
}


def _write(folder: Path) -> list[Path]:
    folder.mkdir()
    source = get_testdata_file("CT_small.dcm")
    assert isinstance(source, str)
    paths = []
    for n, (study, (description, date)) in enumerate(STUDIES.items()):
        data = pydicom.dcmread(source)
        data.StudyInstanceUID = study
        data.SeriesInstanceUID = f"{study}.1"
        data.SOPInstanceUID = data.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.UID(f"{study}.1.1")
        for keyword, value in (("StudyDescription", description), ("StudyDate", date)):
            if value is None:
                if keyword in data:
                    delattr(data, keyword)
            else:
                setattr(data, keyword, value)
        paths.append(folder / f"{n}.dcm")
        data.save_as(paths[-1])
    return paths


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("matching")
    yield from scp_holding(folder, _write(folder / "files"))


def studies(scp: ScpProcess, *keys: str) -> set[str]:
    """The Study Instance UIDs of the STUDY level matches of findscu ``-k`` keys."""
    arguments = [a for k in ("QueryRetrieveLevel=STUDY", "StudyInstanceUID", *keys) for a in ("-k", k)]
    result = subprocess.run([tool("findscu"), "-v", "-S", "-aec", "OURSCP", *arguments, "127.0.0.1", str(scp.port)],
                            capture_output=True, timeout=60)
    text = (result.stdout + result.stderr).decode("latin-1")
    assert result.returncode == 0 and "Received Final Find Response (Success)" in text, text
    return set(re.findall(r"\(0020,000d\) UI \[([0-9.]+)", text.split("Find Response:", 1)[-1]))


def test_a_wild_card_of_star_alone_is_universal_matching(scp: ScpProcess) -> None:
    assert studies(scp, "StudyDescription=*") == set(STUDIES)  # absent and empty ones included
    assert studies(scp, "StudyDescription=**") == set(STUDIES)
    assert studies(scp, "StudyDescription") == set(STUDIES)
    assert studies(scp, "StudyDescription=*E*") == {f"{ROOT}.1", f"{ROOT}.4"}  # a wild card that needs a character
    assert studies(scp, "StudyDescription=*", "StudyDate=2004*") == set()  # a DA value has no wild cards


def test_an_empty_study_date_is_in_no_range(scp: ScpProcess) -> None:
    dated = {f"{ROOT}.1", f"{ROOT}.2"}  # .3's Study Date is empty, .4 has none
    assert studies(scp, "StudyDate=-20991231") == dated
    assert studies(scp, "StudyDate=19000101-") == dated
    assert studies(scp, "StudyDate=-20050101") == {f"{ROOT}.1"}
    assert studies(scp, "StudyDate=20050101-") == {f"{ROOT}.2"}
    assert studies(scp, "StudyDate=20040119-20040119") == {f"{ROOT}.1"}
