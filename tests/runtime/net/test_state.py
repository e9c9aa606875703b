"""The upper layer state machine: the data equals PS3.8 Table 9-10 of the standard's XML."""

from __future__ import annotations

import pytest
from lxml import etree

from dicom_codegen import docbook
from dicom_runtime.net.state import EVENTS, TRANSITIONS, InvalidTransition, UpperLayerStateMachine
from tests.conftest import mirror_file


def _table_9_10() -> dict[str, dict[str, tuple[str, tuple[str, ...]]]]:
    root = etree.parse(str(mirror_file("2020c", 8)), etree.XMLParser(collect_ids=False, huge_tree=True)).getroot()
    table = next(t for t in root.iter(docbook.TABLE) if t.get(docbook.XML_ID) == "table_9-10")
    states = docbook.header_texts(table)[1:]
    found: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {}
    for number, row in enumerate(docbook.grid_rows(table), start=1):
        cells: dict[str, tuple[str, tuple[str, ...]]] = {}
        for state, text in zip(states, row.texts[1:]):
            if text:
                words = text.split()  # "AE-6 Sta3 or 13"
                nexts = (words[1],) if len(words) == 2 else (words[1], "Sta" + words[3])
                cells[state] = (words[0], nexts)
        found[f"Evt{number}"] = cells
    return found


def test_transitions_are_table_9_10() -> None:
    assert TRANSITIONS == _table_9_10()
    assert len(EVENTS) == 19


def test_an_association_as_requestor() -> None:
    machine = UpperLayerStateMachine()
    assert machine.transition("Evt1") == "AE-1" and machine.state == "Sta4"  # A-ASSOCIATE request
    assert machine.transition("Evt2") == "AE-2" and machine.state == "Sta5"  # transport confirmed
    assert machine.transition("Evt3") == "AE-3" and machine.state == "Sta6"  # A-ASSOCIATE-AC
    assert machine.transition("Evt9") == "DT-1" and machine.state == "Sta6"  # P-DATA request
    assert machine.transition("Evt11") == "AR-1" and machine.state == "Sta7"  # A-RELEASE request
    assert machine.transition("Evt13") == "AR-3" and machine.state == "Sta1"  # A-RELEASE-RP


def test_choices_and_invalid_events() -> None:
    machine = UpperLayerStateMachine()
    machine.transition("Evt5")  # transport connection indication: Sta2
    with pytest.raises(InvalidTransition, match="say which"):
        machine.transition("Evt6")  # A-ASSOCIATE-RQ: AE-6, Sta3 or Sta13
    assert machine.transition("Evt6", next_state="Sta3") == "AE-6" and machine.state == "Sta3"
    with pytest.raises(InvalidTransition, match="Evt1 .* is not valid in Sta3"):
        machine.transition("Evt1")
