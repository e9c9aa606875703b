"""dicom_codegen.errata's UID errata: PS3.6 2013 prints Corneal Topography Map Storage as
11.2.840.10008.5.1.4.1.1.82.1 (Table A-1), a typo the same edition's PS3.4 and PS3.6 2014a
do not have; uncorrected, it was a SOP class of its own, 'removed' by ``diff 2013 2020c``."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset

from dicom_codegen import passes
from dicom_codegen.diff import diff_models
from dicom_codegen.model import Model
from tests.conftest import ps4, ps4_raw, ps6

TYPO, MEANT = "11.2.840.10008.5.1.4.1.1.82.1", "1.2.840.10008.5.1.4.1.1.82.1"


def test_the_2013_xml_has_the_typo_and_the_other_tables_do_not() -> None:
    """The evidence the erratum cites, read from the mirror's XML."""
    printed = [(u.value, u.row) for u in ps6("2013").uids if u.name == "Corneal Topography Map Storage"]
    assert printed == [(TYPO, 206)]
    assert [u.value for u in ps6("2014a").uids if u.name == "Corneal Topography Map Storage"] == [MEANT]
    listed = {(listing.uid, listing.source) for listing in ps4_raw("2013").listings if listing.name.startswith("Corneal Topography")}
    assert listed == {(MEANT, "table_B.5-1"), (MEANT, "table_I.4-1")}


def test_the_uid_is_corrected_and_reported(tmp_path: Path) -> None:
    model = ps4("2013", dictionary="2013")
    assert model.dictionary is not None and model.services is not None
    assert [u.value for u in model.dictionary.uids if u.name == "Corneal Topography Map Storage"] == [MEANT]
    applied = [w.message for w in model.warnings if w.kind == "erratum"]
    assert len(applied) == 1 and applied[0].startswith(f"erratum applied: PS3.6 2013 table_A-1 row 206 UID {TYPO} read as {MEANT}: ")
    corneal = [(s.uid, s.keyword) for s in model.services.sop_classes if s.name.startswith("Corneal Topography")]
    assert corneal == [(MEANT, "CornealTopographyMapStorage")]  # one SOP class, no 'CornealTopographyMapStorage1'
    # dcmtk's dictionary knows the corrected UID by that keyword, and not the printed one
    names = []
    for uid in (MEANT, TYPO):
        dataset = Dataset()
        dataset.SOPClassUID, dataset.SOPInstanceUID = uid, "1.2.3"
        path = tmp_path / f"{uid}.dcm"
        dataset.save_as(path, implicit_vr=True, little_endian=True)
        line = next(x for x in subprocess.run(["/usr/bin/dcmdump", str(path)], capture_output=True, text=True, check=True).stdout.splitlines() if "(0008,0016)" in x)
        names.append(line.split()[2])
    assert names == ["=CornealTopographyMapStorage", f"[{TYPO}]"]
    assert pydicom.uid.UID(MEANT).name == "Corneal Topography Map Storage"


def test_diffs_from_2013_no_longer_show_the_typo() -> None:
    later = diff_models(ps4("2013", dictionary="2013"), ps4("2020c"))
    assert [c for c in later.changes if TYPO in c.key] == []
    assert [a for a in later.api if a.symbol.endswith("CornealTopographyMapStorage1")] == []
    dictionaries = diff_models(passes.run(Model(dictionary=ps6("2013"))), passes.run(Model(dictionary=ps6("2014a"))))
    assert [c for c in dictionaries.changes if c.kind == "UID" and c.key in (TYPO, MEANT)] == []


def test_an_erratum_that_no_longer_matches_is_reported_not_applied() -> None:
    dictionary = ps6("2013")
    fixed = tuple(dataclasses.replace(u, value=MEANT) if u.value == TYPO else u for u in dictionary.uids)
    model = passes.run(Model(dictionary=dataclasses.replace(dictionary, uids=fixed)))
    assert [w.message for w in model.warnings if w.kind == "erratum"] == [
        f"erratum for PS3.6 2013 table_A-1 row 206 ({TYPO}) no longer matches; not applied"
    ]
