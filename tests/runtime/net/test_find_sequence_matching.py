"""Sequence matching in C-FIND (PS3.4 C.2.2.2.6), against dcmtk's findscu: a sequence key's
item of keys matches a study one of whose items matches all of them (each key by its own kind
of matching), and the answer returns only the matching items, each holding only the keys
asked for; a key of an empty item is universal and returns the whole sequence. Before,
sequence keys were skipped: every study matched, answered Pending (FF00) with its whole
sequence, though the Conformance Statement says optional keys are matched as required keys."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_runtime import Dataset
from dicom_runtime.net.instances import Instance
from tests.runtime.net.helpers import ScpProcess, ct_instance, scp_holding, tool

PROCEDURE_CODES = 0x00081032
STUDIES = {  # the n of the study (and its instance n.dcm): the items of its Procedure Code Sequence
    1: [("CT1", "Chest CT")],
    2: [("XR9", "Hand X-ray"), ("CT2", "Head CT")],
    3: None,  # no Procedure Code Sequence
}


def _study(n: int) -> str:
    return f"1.2.826.0.1.3680043.10.1.8{n}"


def _code(value: str, meaning: str) -> Dataset:
    item = Dataset()
    item.add(0x00080100, "SH", value)
    item.add(0x00080102, "SH", "LOCAL")
    item.add(0x00080104, "LO", meaning)
    return item


def _file(folder: Path, n: int) -> Path:
    dataset = ct_instance(8800 + n, size=200, study=_study(n)).dataset()
    codes = STUDIES[n]
    if codes is not None:
        dataset.add(PROCEDURE_CODES, "SQ", [_code(*c) for c in codes])
    path = folder / f"{n}.dcm"
    path.write_bytes(Instance.from_dataset(dataset).file_bytes())
    return path


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("sequence_matching")
    (folder / "files").mkdir()
    yield from scp_holding(folder, [_file(folder / "files", n) for n in STUDIES])


def _findscu(scp: ScpProcess, *keys: str) -> str:
    run = subprocess.run(
        [tool("findscu"), "-v", "-S", "-aec", "OURSCP", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID",
         *(a for k in keys for a in ("-k", k)), "127.0.0.1", str(scp.port)],
        capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


def _studies(output: str) -> set[int]:
    """The studies answered: their UIDs in findscu's dumps of the answers (the request has none)."""
    return {n for n in STUDIES if re.search(re.escape("[" + _study(n)) + r"[\]\x00 ]", output)}


@pytest.mark.parametrize(
    ("key", "studies"),
    [
        ("ProcedureCodeSequence[0].CodeValue=CT1", {1}),
        ("ProcedureCodeSequence[0].CodeValue=CT2", {2}),  # the second item matches
        ("ProcedureCodeSequence[0].CodeValue=CT*", {1, 2}),
        ("ProcedureCodeSequence[0].CodeValue=MR1", set()),
        ("ProcedureCodeSequence[0].CodeMeaning=*CT", {1, 2}),
        ("ProcedureCodeSequence[0].CodeValue", {1, 2, 3}),  # universal keys only: universal
        ("ProcedureCodeSequence", {1, 2, 3}),  # an empty item
    ],
)
def test_a_sequence_key_matches_by_the_keys_of_its_item(scp: ScpProcess, key: str, studies: set[int]) -> None:
    output = _findscu(scp, key)
    assert _studies(output) == studies, output
    assert output.count("(Pending)") == len(studies), output
    assert "Received Final Find Response (Success)" in output, output


def test_both_keys_of_the_item_must_match_the_same_item(scp: ScpProcess) -> None:
    """Study 2 has XR9 (Hand X-ray) and CT2 (Head CT): XR9 with Head CT is in no one item."""
    assert _studies(_findscu(scp, "ProcedureCodeSequence[0].CodeValue=XR9", "ProcedureCodeSequence[0].CodeMeaning=Head CT")) == set()
    assert _studies(_findscu(scp, "ProcedureCodeSequence[0].CodeValue=XR9", "ProcedureCodeSequence[0].CodeMeaning=Hand*")) == {2}


def test_the_answer_holds_the_matching_items_with_the_keys_asked_for(scp: ScpProcess) -> None:
    output = _findscu(scp, "ProcedureCodeSequence[0].CodeValue=CT2")
    assert "[CT2 ]" in output and "XR9" not in output, output  # only the matching item (SH padded to even length)
    assert "Head CT" not in output and "LOCAL" not in output, output  # only the item's keys
    whole = _findscu(scp, "ProcedureCodeSequence", f"StudyInstanceUID={_study(2)}")
    assert "[XR9 ]" in whole and "[CT2 ]" in whole and "[Head CT ]" in whole, whole  # an empty item: the whole sequence


def test_the_index_and_the_scan_match_alike(scp: ScpProcess) -> None:
    from dicom_runtime.net.index import Index, SQLiteBackend, index_path
    from dicom_runtime.net.matching import ScanningQuery

    for value, expected in (("CT*", {1, 2}), ("CT1", {1}), ("XR9", {2}), ("", {1, 2, 3})):
        identifier = Dataset()
        identifier.add(0x00080052, "CS", "STUDY")
        item = Dataset()
        item.add(0x00080100, "SH", value or None)
        identifier.add(PROCEDURE_CODES, "SQ", [item])
        folder = scp.out
        index = Index(folder, SQLiteBackend(index_path(folder)))
        try:
            by_index = {p.name for p, _ in index.matching(identifier, "STUDY")}
        finally:
            index.close()
        by_scan = {p.name for p, _ in ScanningQuery(folder).matching(identifier, "STUDY")}
        assert by_index == by_scan == {f"1.2.826.0.1.3680043.10.2.{8800 + n}.dcm" for n in expected}, value


def test_a_sequence_key_of_two_items_is_refused(scp: ScpProcess) -> None:
    output = _findscu(scp, "ProcedureCodeSequence[0].CodeValue=CT1", "ProcedureCodeSequence[1].CodeValue=CT2")
    assert "DataSetDoesNotMatchSOPClass" in output and "(Pending)" not in output, output
