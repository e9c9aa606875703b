"""The DICOM upper layer state machine (PS3.8 Section 9.2), kept as data.

``TRANSITIONS[event][state]`` is the (action, possible next states) of PS3.8 Table
9-10; a pair the table leaves empty is not a valid transition. Two actions choose
between two next states: AE-6 (Sta3 if the association request is acceptable,
else Sta13) and AR-8 (release collision: Sta9 for the requestor, Sta10 for the
acceptor). tests/runtime/net/test_state.py compares this table with the
standard's XML.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..errors import DicomError

STATES: Final[Mapping[str, str]] = {
    "Sta1": "Idle",
    "Sta2": "Transport connection open (Awaiting A-ASSOCIATE-RQ PDU)",
    "Sta3": "Awaiting local A-ASSOCIATE response primitive (from local user)",
    "Sta4": "Awaiting transport connection opening to complete (from local transport service)",
    "Sta5": "Awaiting A-ASSOCIATE-AC or A-ASSOCIATE-RJ PDU",
    "Sta6": "Association established and ready for data transfer",
    "Sta7": "Awaiting A-RELEASE-RP PDU",
    "Sta8": "Awaiting local A-RELEASE response primitive (from local user)",
    "Sta9": "Release collision requestor side; awaiting A-RELEASE response (from local user)",
    "Sta10": "Release collision acceptor side; awaiting A-RELEASE-RP PDU",
    "Sta11": "Release collision requestor side; awaiting A-RELEASE-RP PDU",
    "Sta12": "Release collision acceptor side; awaiting A-RELEASE response primitive (from local user)",
    "Sta13": "Awaiting Transport Connection Close Indication (Association no longer exists)",
}
"""The states of PS3.8 Table 9-1."""

EVENTS: Final[Mapping[str, str]] = {
    "Evt1": "A-ASSOCIATE Request (local user)",
    "Evt2": "Transport Conn. Confirmn (local transport service)",
    "Evt3": "A-ASSOCIATE-AC PDU (received on transport connection)",
    "Evt4": "A-ASSOCIATE-RJ PDU (received on transport connection)",
    "Evt5": "Transport Connection Indication (local transport service)",
    "Evt6": "A-ASSOCIATE-RQ PDU (received on transport connection)",
    "Evt7": "A-ASSOCIATE response primitive (accept)",
    "Evt8": "A-ASSOCIATE response primitive (reject)",
    "Evt9": "P-DATA request primitive",
    "Evt10": "P-DATA-TF PDU",
    "Evt11": "A-RELEASE Request primitive",
    "Evt12": "A-RELEASE-RQ PDU (received on open transport connection)",
    "Evt13": "A-RELEASE-RP PDU (received on transport connection)",
    "Evt14": "A-RELEASE Response primitive",
    "Evt15": "A-ABORT Request primitive",
    "Evt16": "A-ABORT PDU (received on open transport connection)",
    "Evt17": "Transport connection closed indication (local transport service)",
    "Evt18": "ARTIM timer expired (Association reject/release timer)",
    "Evt19": "Unrecognized or invalid PDU received",
}
"""The events of PS3.8 Table 9-10, in its row order."""

TRANSITIONS: Final[Mapping[str, Mapping[str, tuple[str, tuple[str, ...]]]]] = {
    "Evt1": {
        "Sta1": ("AE-1", ("Sta4",)),
    },
    "Evt2": {
        "Sta4": ("AE-2", ("Sta5",)),
    },
    "Evt3": {
        "Sta2": ("AA-1", ("Sta13",)),
        "Sta3": ("AA-8", ("Sta13",)),
        "Sta5": ("AE-3", ("Sta6",)),
        "Sta6": ("AA-8", ("Sta13",)),
        "Sta7": ("AA-8", ("Sta13",)),
        "Sta8": ("AA-8", ("Sta13",)),
        "Sta9": ("AA-8", ("Sta13",)),
        "Sta10": ("AA-8", ("Sta13",)),
        "Sta11": ("AA-8", ("Sta13",)),
        "Sta12": ("AA-8", ("Sta13",)),
        "Sta13": ("AA-6", ("Sta13",)),
    },
    "Evt4": {
        "Sta2": ("AA-1", ("Sta13",)),
        "Sta3": ("AA-8", ("Sta13",)),
        "Sta5": ("AE-4", ("Sta1",)),
        "Sta6": ("AA-8", ("Sta13",)),
        "Sta7": ("AA-8", ("Sta13",)),
        "Sta8": ("AA-8", ("Sta13",)),
        "Sta9": ("AA-8", ("Sta13",)),
        "Sta10": ("AA-8", ("Sta13",)),
        "Sta11": ("AA-8", ("Sta13",)),
        "Sta12": ("AA-8", ("Sta13",)),
        "Sta13": ("AA-6", ("Sta13",)),
    },
    "Evt5": {
        "Sta1": ("AE-5", ("Sta2",)),
    },
    "Evt6": {
        "Sta2": ("AE-6", ("Sta3", "Sta13")),
        "Sta3": ("AA-8", ("Sta13",)),
        "Sta5": ("AA-8", ("Sta13",)),
        "Sta6": ("AA-8", ("Sta13",)),
        "Sta7": ("AA-8", ("Sta13",)),
        "Sta8": ("AA-8", ("Sta13",)),
        "Sta9": ("AA-8", ("Sta13",)),
        "Sta10": ("AA-8", ("Sta13",)),
        "Sta11": ("AA-8", ("Sta13",)),
        "Sta12": ("AA-8", ("Sta13",)),
        "Sta13": ("AA-7", ("Sta13",)),
    },
    "Evt7": {
        "Sta3": ("AE-7", ("Sta6",)),
    },
    "Evt8": {
        "Sta3": ("AE-8", ("Sta13",)),
    },
    "Evt9": {
        "Sta6": ("DT-1", ("Sta6",)),
        "Sta8": ("AR-7", ("Sta8",)),
    },
    "Evt10": {
        "Sta2": ("AA-1", ("Sta13",)),
        "Sta3": ("AA-8", ("Sta13",)),
        "Sta5": ("AA-8", ("Sta13",)),
        "Sta6": ("DT-2", ("Sta6",)),
        "Sta7": ("AR-6", ("Sta7",)),
        "Sta8": ("AA-8", ("Sta13",)),
        "Sta9": ("AA-8", ("Sta13",)),
        "Sta10": ("AA-8", ("Sta13",)),
        "Sta11": ("AA-8", ("Sta13",)),
        "Sta12": ("AA-8", ("Sta13",)),
        "Sta13": ("AA-6", ("Sta13",)),
    },
    "Evt11": {
        "Sta6": ("AR-1", ("Sta7",)),
    },
    "Evt12": {
        "Sta2": ("AA-1", ("Sta13",)),
        "Sta3": ("AA-8", ("Sta13",)),
        "Sta5": ("AA-8", ("Sta13",)),
        "Sta6": ("AR-2", ("Sta8",)),
        "Sta7": ("AR-8", ("Sta9", "Sta10")),
        "Sta8": ("AA-8", ("Sta13",)),
        "Sta9": ("AA-8", ("Sta13",)),
        "Sta10": ("AA-8", ("Sta13",)),
        "Sta11": ("AA-8", ("Sta13",)),
        "Sta12": ("AA-8", ("Sta13",)),
        "Sta13": ("AA-6", ("Sta13",)),
    },
    "Evt13": {
        "Sta2": ("AA-1", ("Sta13",)),
        "Sta3": ("AA-8", ("Sta13",)),
        "Sta5": ("AA-8", ("Sta13",)),
        "Sta6": ("AA-8", ("Sta13",)),
        "Sta7": ("AR-3", ("Sta1",)),
        "Sta8": ("AA-8", ("Sta13",)),
        "Sta9": ("AA-8", ("Sta13",)),
        "Sta10": ("AR-10", ("Sta12",)),
        "Sta11": ("AR-3", ("Sta1",)),
        "Sta12": ("AA-8", ("Sta13",)),
        "Sta13": ("AA-6", ("Sta13",)),
    },
    "Evt14": {
        "Sta8": ("AR-4", ("Sta13",)),
        "Sta9": ("AR-9", ("Sta11",)),
        "Sta12": ("AR-4", ("Sta13",)),
    },
    "Evt15": {
        "Sta3": ("AA-1", ("Sta13",)),
        "Sta4": ("AA-2", ("Sta1",)),
        "Sta5": ("AA-1", ("Sta13",)),
        "Sta6": ("AA-1", ("Sta13",)),
        "Sta7": ("AA-1", ("Sta13",)),
        "Sta8": ("AA-1", ("Sta13",)),
        "Sta9": ("AA-1", ("Sta13",)),
        "Sta10": ("AA-1", ("Sta13",)),
        "Sta11": ("AA-1", ("Sta13",)),
        "Sta12": ("AA-1", ("Sta13",)),
    },
    "Evt16": {
        "Sta2": ("AA-2", ("Sta1",)),
        "Sta3": ("AA-3", ("Sta1",)),
        "Sta5": ("AA-3", ("Sta1",)),
        "Sta6": ("AA-3", ("Sta1",)),
        "Sta7": ("AA-3", ("Sta1",)),
        "Sta8": ("AA-3", ("Sta1",)),
        "Sta9": ("AA-3", ("Sta1",)),
        "Sta10": ("AA-3", ("Sta1",)),
        "Sta11": ("AA-3", ("Sta1",)),
        "Sta12": ("AA-3", ("Sta1",)),
        "Sta13": ("AA-2", ("Sta1",)),
    },
    "Evt17": {
        "Sta2": ("AA-5", ("Sta1",)),
        "Sta3": ("AA-4", ("Sta1",)),
        "Sta4": ("AA-4", ("Sta1",)),
        "Sta5": ("AA-4", ("Sta1",)),
        "Sta6": ("AA-4", ("Sta1",)),
        "Sta7": ("AA-4", ("Sta1",)),
        "Sta8": ("AA-4", ("Sta1",)),
        "Sta9": ("AA-4", ("Sta1",)),
        "Sta10": ("AA-4", ("Sta1",)),
        "Sta11": ("AA-4", ("Sta1",)),
        "Sta12": ("AA-4", ("Sta1",)),
        "Sta13": ("AR-5", ("Sta1",)),
    },
    "Evt18": {
        "Sta2": ("AA-2", ("Sta1",)),
        "Sta13": ("AA-2", ("Sta1",)),
    },
    "Evt19": {
        "Sta2": ("AA-1", ("Sta13",)),
        "Sta3": ("AA-8", ("Sta13",)),
        "Sta5": ("AA-8", ("Sta13",)),
        "Sta6": ("AA-8", ("Sta13",)),
        "Sta7": ("AA-8", ("Sta13",)),
        "Sta8": ("AA-8", ("Sta13",)),
        "Sta9": ("AA-8", ("Sta13",)),
        "Sta10": ("AA-8", ("Sta13",)),
        "Sta11": ("AA-8", ("Sta13",)),
        "Sta12": ("AA-8", ("Sta13",)),
        "Sta13": ("AA-7", ("Sta13",)),
    },
}
"""PS3.8 Table 9-10: event -> state -> (action, next states)."""


class InvalidTransition(DicomError):
    """An event that PS3.8 Table 9-10 does not allow in the current state."""


class UpperLayerStateMachine:
    """The current state and the transitions of PS3.8 Table 9-10; no I/O, no timers."""

    def __init__(self) -> None:
        self.state: str = "Sta1"

    def peek(self, event: str) -> tuple[str, tuple[str, ...]] | None:
        """The (action, next states) of ``event`` in the current state; None if not valid."""
        return TRANSITIONS.get(event, {}).get(self.state)

    def transition(self, event: str, next_state: str | None = None) -> str:
        """Take ``event``; return the action to perform. ``next_state`` picks between
        the two next states of AE-6 and AR-8."""
        entry = TRANSITIONS.get(event, {}).get(self.state)
        if entry is None:
            raise InvalidTransition(
                f"{event} ({EVENTS.get(event, '?')}) is not valid in {self.state} ({STATES[self.state]})"
            )
        action, states = entry
        if len(states) == 1:
            self.state = states[0]
        elif next_state is not None and next_state in states:
            self.state = next_state
        else:
            raise InvalidTransition(
                f"{action} in {self.state} leads to {' or '.join(states)}; say which"
            )
        return action
