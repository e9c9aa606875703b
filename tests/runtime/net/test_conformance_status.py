"""The Conformance Statement against what the SCP does: A900 in the C-FIND, C-MOVE and C-GET
status tables and in the live SCP's answers to a hierarchy error; a "Returned when" for every
status code; the Person Name matching PS3.4 C.2.2.2.1 and C.2.2.2.4 leave to the statement,
its examples checked against a live C-FIND and the folder-scanning matcher; and ``dicom-net
conformance --probe`` over ``storage:all`` (more contexts than one association holds), which
writes the statement only when the probe finds it true."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_runtime.dataset import DataElement, Dataset
from dicom_runtime.net import blocking, cli
from dicom_runtime.net import conformance as conformance_module
from dicom_runtime.net.config import load
from dicom_runtime.net.conformance import STATUS_RETURNED, ProbeResult, statement
from dicom_runtime.net.conformance_probe import retrieval_classes
from dicom_runtime.net.conformance_status import DATE_TIME_EXAMPLES, PN_EXAMPLES
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.matching import matches
from tests.conftest import REPO
from tests.runtime.net.helpers import STUDY_FIND, STUDY_GET, STUDY_MOVE, ScpProcess

EXAMPLE = REPO / "examples" / "archive.toml"
SC = "1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture Image Storage
EXPLICIT = "1.2.840.10008.1.2.1"


def _tables(markdown: str) -> dict[str, dict[str, list[str]]]:
    """{service: {code: row}} from the statement's status tables."""
    found: dict[str, dict[str, list[str]]] = {}
    for service, body in re.findall(r"\*(C-[A-Z]+) status codes returned\*\n\n((?:\|.*\n)+)", markdown):
        rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in body.splitlines()[2:]]
        found[service] = {row[1]: row for row in rows}
    return found


def test_every_status_row_says_when_it_is_returned_and_a900_is_listed() -> None:
    tables = _tables(statement(load(EXAMPLE)).to_markdown())
    for service in ("C-FIND", "C-MOVE", "C-GET"):
        assert tables[service]["A900"][2] == "Error: Data Set does not match SOP Class"  # PS3.4 Tables C.4-1, C.4-2, C.4-3
        assert "hierarchical" in tables[service]["A900"][3]
    for service, rows in tables.items():
        assert set(rows) == {f"{c:04X}" for c in STATUS_RETURNED[service]} - ({"C111"} if service == "C-STORE" else set())
        for code, row in rows.items():
            assert len(row) == 4 and len(row[3]) > 10, (service, code, row)


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("statement")
    process = ScpProcess(folder / "out", folder / "scp.log", "--dest", "ME=127.0.0.1:1").start()
    with blocking.associate("127.0.0.1", process.port, called_ae="OURSCP", contexts=[SC]) as association:
        for index, held in enumerate(dict.fromkeys(held for _, held, _ in PN_EXAMPLES)):
            data = Dataset()
            data.add(0x00080005, "CS", "ISO_IR 192")
            data.add(0x00080016, "UI", SC)
            data.add(0x00080018, "UI", f"1.2.826.0.1.3680043.10.7.{index + 1}")
            data.add(0x00080060, "CS", "OT")
            data.add(0x00100010, "PN", held)
            data.add(0x00100020, "LO", f"PN{index}")
            data.add(0x0020000D, "UI", f"1.2.826.0.1.3680043.10.8.{index + 1}")
            data.add(0x0020000E, "UI", f"1.2.826.0.1.3680043.10.9.{index + 1}")
            assert association.store(Instance.from_dataset(data, EXPLICIT)).is_success
    yield process
    assert process.stop() == 0


def _patient_level_in_study_root() -> Dataset:
    identifier = Dataset()
    identifier.add(0x00080052, "CS", "PATIENT")
    identifier.add(0x00100020, "LO", "PN0")
    return identifier


def test_the_scp_answers_a900_to_a_hierarchy_error(scp: ScpProcess) -> None:
    with blocking.associate("127.0.0.1", scp.port, called_ae="OURSCP", contexts=[STUDY_FIND, STUDY_MOVE, STUDY_GET]) as association:
        find = association.find_dataset(_patient_level_in_study_root(), sop_class=STUDY_FIND)
        assert list(find) == []
        move = association.move(_patient_level_in_study_root(), "ME", sop_class=STUDY_MOVE)
        assert list(move) == []
        get = association.get(_patient_level_in_study_root(), sop_class=STUDY_GET)
        assert list(get) == []
    for service, responses in (("C-FIND", find), ("C-MOVE", move), ("C-GET", get)):
        assert responses.status is not None and responses.status.code == 0xA900, (service, responses.status)
        assert 0xA900 in STATUS_RETURNED[service]


@pytest.mark.parametrize(("key", "held", "hit"), PN_EXAMPLES)
def test_the_person_name_examples_hold(scp: ScpProcess, key: str, held: str, hit: bool) -> None:
    assert matches(DataElement(0x00100010, "PN", key), DataElement(0x00100010, "PN", held)) is hit  # the folder scan
    identifier = Dataset()
    identifier.add(0x00080005, "CS", "ISO_IR 192")
    identifier.add(0x00080052, "CS", "STUDY")
    identifier.add(0x00100010, "PN", key)
    identifier.add(0x0020000D, "UI", "")
    with blocking.associate("127.0.0.1", scp.port, called_ae="OURSCP", contexts=[STUDY_FIND]) as association:
        answers = list(association.find_dataset(identifier, sop_class=STUDY_FIND))  # the index
    names = {str(answer.value(0x00100010)) for answer in answers}
    assert (held in names) is hit, (key, held, names)


def test_the_statement_gives_the_person_name_matching() -> None:
    markdown = statement(load(EXAMPLE)).to_markdown()
    assert "Person Name (PN) matching keys (PS3.4 C.2.2.2.1 and C.2.2.2.4)" in markdown
    assert "case-sensitively" in markdown
    for key, held, hit in PN_EXAMPLES:
        assert f"{key} {'matches' if hit else 'does not match'} {held}" in markdown


@pytest.mark.parametrize(("vr", "key", "held", "hit"), DATE_TIME_EXAMPLES)
def test_the_date_and_time_examples_hold(vr: str, key: str, held: str, hit: bool) -> None:
    """What the statement says of DA, TM and DT keys is what the matcher does (the index's SQL
    is held to it, and to dcmtk's dcmqrscp, in test_find_dcmqrscp.py)."""
    tag = {"DA": 0x00080020, "TM": 0x00080030, "DT": 0x0008002A}[vr]  # Study Date, Study Time, Acquisition DateTime
    assert matches(DataElement(tag, vr, key), DataElement(tag, vr, held)) is hit


def test_the_statement_gives_the_date_and_time_matching() -> None:
    markdown = statement(load(EXAMPLE)).to_markdown()
    assert "Date (DA) and Time (TM) matching keys (PS3.4 C.2.2.2.1.3 and C.2.2.2.5)" in markdown
    for vr, key, held, hit in DATE_TIME_EXAMPLES:
        assert f"{vr} {key} {'matches' if hit else 'does not match'} {held}" in markdown


def _all_config(tmp_path: Path) -> Path:
    config = tmp_path / "all.toml"
    config.write_text(
        '[[ae]]\ntitle = "ARCHIVE"\nport = 0\nstorage = "archive"\n'
        'sop_classes = ["storage:all", "1.2.840.10008.1.1", "1.2.840.10008.5.1.4.1.2.2.1", "1.2.840.10008.5.1.4.1.2.2.2", '
        '"1.2.840.10008.5.1.4.1.2.2.3"]\n'
    )
    return config


def test_the_probe_of_storage_all_says_what_it_does_not_probe(tmp_path: Path) -> None:
    config = _all_config(tmp_path)
    out = tmp_path / "cs.md"
    result = subprocess.run([sys.executable, "-m", "dicom_runtime.net.cli", "conformance", str(config), "--probe", "-o", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    sampled, sends = retrieval_classes(load(config).entities[0])
    assert sends > 128 // 2 and len(sampled) < sends
    assert f"checked for {len(sampled)} of the {sends} SOP classes it sends" in result.stderr
    assert "0 contradicted" in result.stderr and "128 presentation contexts can be proposed" not in result.stderr
    assert out.read_text().startswith("# ")


def test_a_failed_probe_writes_no_statement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    async def contradicted(*args: object, **kwargs: object) -> list[ProbeResult]:
        return [ProbeResult(SC, EXPLICIT, True, False, 3)]

    monkeypatch.setattr(conformance_module, "probe", contradicted)
    out = tmp_path / "cs.md"
    assert cli.main(["conformance", str(EXAMPLE), "--probe", "-o", str(out)]) == 1
    assert not out.exists()
    assert f"{out} not written" in capsys.readouterr().err
