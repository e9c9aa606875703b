"""What the Conformance Statement (:mod:`.conformance`) says about each status code the SCP
returns (the "Returned when" column of its status tables, from what :mod:`.scp`,
:mod:`.checks` and :mod:`.storage` answer), and about Person Name matching, which PS3.4
C.2.2.2.1 and C.2.2.2.4 leave to the statement ("shall be specified in the conformance
statement"): what :func:`.matching.matches` and the index (:mod:`.index`) do, with examples
that tests/runtime/net/test_conformance_status.py checks against both."""

from __future__ import annotations

from .checks import MAX_REQUEST_DATA_SET

_REFUSED_COMMAND = "the Affected SOP Class UID is not a valid UID (PS3.5 9.1) or not the presentation context's SOP class"
_WRONG_CONTEXT = "{op} on a presentation context of a SOP class without that operation ({others})"
_HIERARCHY = (
    "the identifier is not a hierarchical one of its information model (PS3.4 C.4.1.2.1; relational {what} are not "
    "supported): a Query/Retrieve Level that is not PATIENT, STUDY, SERIES or IMAGE, the PATIENT level in Study Root, "
    "{above}"
)
_QUERY_ABOVE = ("or a level above the Query/Retrieve Level without a single value of its Unique Key (Patient ID without "
                "wildcards), unless the level's own Unique Key is one UID or a list of UIDs (a lenient extension)")
_RETRIEVE_ABOVE = (
    "or no Unique Key of the Query/Retrieve Level itself (PS3.4 C.4.2.2.1, C.4.3.2.1: one UID or a list of UIDs, a "
    "single Patient ID at the PATIENT level): absent, empty, with a wild card or with an empty UID in its list, the "
    "Error Comment naming it, no sub-operation made (the higher levels' Unique Keys may be absent)"
)
_SUB = "C-STORE sub-operation"

#: (service, status code) -> when the SCP returns it; every code of :data:`.conformance.STATUS_RETURNED` has one.
RETURNED_WHEN: dict[tuple[str, int], str] = {
    ("C-ECHO", 0x0000): "a C-ECHO-RQ on a Verification context",
    ("C-ECHO", 0x0211): _WRONG_CONTEXT.format(op="C-ECHO", others="a storage or query/retrieve SOP class"),
    ("C-STORE", 0x0000): "the data set decodes in the context's transfer syntax, its SOP Class and Instance UIDs are the "
    "command's, and it is written to the storage folder (and made durable, unless durable = false)",
    ("C-STORE", 0xC111): "duplicates = reject: a SOP instance held with another data set, which is kept",
    ("C-STORE", 0xA700): "the instance cannot be written or indexed (a full disk, an I/O error)",
    ("C-STORE", 0xA900): "the data set's SOP Class UID or SOP Instance UID is absent or differs from the command's",
    ("C-STORE", 0xC000): ("the C-STORE-RQ has no data set, an empty one, or one that does not decode in the context's transfer syntax "
                          "or breaks its encoding rules (PS3.5 7.1, 7.1.1, A.4: odd value lengths, tag order, Pixel Data "
                          "encapsulated exactly when the syntax encapsulates it)"),
    ("C-STORE", 0x0117): "the Affected SOP Instance UID is not a valid UID (PS3.5 9.1)",
    ("C-STORE", 0x0122): _REFUSED_COMMAND,
    ("C-STORE", 0x0211): _WRONG_CONTEXT.format(op="C-STORE", others="Verification or a query/retrieve SOP class"),
    ("C-FIND", 0xFF00): "once per match, with its identifier (the return keys filled in)",
    ("C-FIND", 0x0000): "after the last match (also when nothing matched)",
    ("C-FIND", 0xFE00): "a C-CANCEL-RQ came before the last match was sent",
    ("C-FIND", 0xA900): _HIERARCHY.format(what="queries", above=_QUERY_ABOVE),
    ("C-FIND", 0xC000): f"the identifier is larger than {MAX_REQUEST_DATA_SET} bytes, cannot be decoded or matched, or a match cannot be encoded in the context's "
    "transfer syntax (the other matches are sent, the final response says how many were not)",
    ("C-FIND", 0x0122): _REFUSED_COMMAND,
    ("C-FIND", 0x0211): _WRONG_CONTEXT.format(op="C-FIND", others="Verification or a storage SOP class"),
    ("C-MOVE", 0xFF00): f"after each {_SUB} but the last, with the counts of remaining, completed, failed and warning ones",
    ("C-MOVE", 0x0000): "every sub-operation completed (also when nothing matched)",
    ("C-MOVE", 0xFE00): "a C-CANCEL-RQ came; the sub-operations not begun are counted as remaining",
    ("C-MOVE", 0xB000): "some C-STORE sub-operations failed or had a warning, and at least one did not fail",
    ("C-MOVE", 0xA801): "the Move Destination is not one of the AE's move destinations",
    ("C-MOVE", 0xA702): "every C-STORE sub-operation failed (with the counts; PS3.4 C.4.2.3.1), or the move destination cannot be reached",
    ("C-MOVE", 0xA900): _HIERARCHY.format(what="retrievals", above=_RETRIEVE_ABOVE),
    ("C-MOVE", 0xC000): f"the identifier is larger than {MAX_REQUEST_DATA_SET} bytes, or cannot be decoded or matched",
    ("C-MOVE", 0x0122): _REFUSED_COMMAND,
    ("C-MOVE", 0x0211): _WRONG_CONTEXT.format(op="C-MOVE", others="Verification or a storage SOP class"),
    ("C-GET", 0xFF00): f"after each {_SUB} but the last, with the counts of remaining, completed, failed and warning ones",
    ("C-GET", 0x0000): "every sub-operation completed (also when nothing matched)",
    ("C-GET", 0xFE00): "a C-CANCEL-RQ came; the sub-operations not begun are counted as remaining",
    ("C-GET", 0xB000): "some C-STORE sub-operations failed or had a warning, and at least one did not fail",
    ("C-GET", 0xA702): "every C-STORE sub-operation failed (with the counts; PS3.4 C.4.3.3.1), for instance no context "
    "with the SCP role was accepted for the instances' SOP class",
    ("C-GET", 0xA900): _HIERARCHY.format(what="retrievals", above=_RETRIEVE_ABOVE),
    ("C-GET", 0xC000): f"the identifier is larger than {MAX_REQUEST_DATA_SET} bytes, or cannot be decoded or matched",
    ("C-GET", 0x0122): _REFUSED_COMMAND,
    ("C-GET", 0x0211): _WRONG_CONTEXT.format(op="C-GET", others="Verification or a storage SOP class"),
}

#: (matching key, value held, matches): the Person Name examples the statement gives.
PN_EXAMPLES: tuple[tuple[str, str, bool], ...] = (
    ("Doe^John", "Doe^John", True),
    ("Doe^John", "DOE^JOHN", False),
    ("doe*", "Doe^John", False),
    ("Doe^John", "Doe^John^^^", False),
    ("Doe^John", "Doe^John=ドウ^ジョン", False),
    ("Doe*", "Doe^John", True),
    ("*John", "Doe^John", True),
    ("Doe^J?hn", "Doe^John", True),
    ("Doe^John*", "Doe^John=ドウ^ジョン", True),
)


def pn_matching() -> str:
    """The statement's paragraph on Person Name (PN) matching (PS3.4 C.2.2.2.1, C.2.2.2.4)."""
    examples = "; ".join(f"{key} {'matches' if hit else 'does not match'} {held}" for key, held, hit in PN_EXAMPLES)
    return (
        "Person Name (PN) matching keys (PS3.4 C.2.2.2.1 and C.2.2.2.4): the value is matched as one string, all its "
        "component groups and components with their = and ^ delimiters, case-sensitively, without folding accents or "
        "character sets; leading and trailing spaces are not significant. Single value matching is exact (trailing empty "
        "components are not dropped, and a key without the ideographic and phonetic groups does not match a name that "
        "has them); * (any characters, none included) and ? (one character) range over the whole string, delimiters "
        f"included. No component is matched on its own. Examples: {examples}."
    )


#: (VR, matching key, value held, matches): the Date and Time examples the statement gives.
DATE_TIME_EXAMPLES: tuple[tuple[str, str, str, bool], ...] = (
    ("TM", "083000", "0830", True),
    ("TM", "0830-0900", "083000.5", True),
    ("TM", "-0830", "083030", False),
    ("DA", "2010.05.05", "20100505", True),
    ("DA", "20100101 - 20101231", "20100505", True),
    ("DA", "2010-2011", "20100505", False),
    ("DT", "2020", "20200315083000", True),
    ("DT", "-20200101", "20200101235959.5", True),
    ("DT", "20200101-", "20191231235959.999999", False),
    ("DT", "20200101120000+0100", "20200101110000+0000", True),
    ("DT", "20200101000000-", "20191231200000-0500", True),
)


def date_time_matching() -> str:
    """The statement's paragraph on Date (DA), Time (TM) and Date Time (DT) matching, which PS3.4 C.2.2.2.1.3
    asks a conformance statement to give."""
    examples = "; ".join(f"{vr} {key} {'matches' if hit else 'does not match'} {held}" for vr, key, held, hit in DATE_TIME_EXAMPLES)
    return (
        "Date (DA) and Time (TM) matching keys (PS3.4 C.2.2.2.1.3 and C.2.2.2.5): single value and range matching "
        "by the values' meaning. A time that leaves out its minutes, seconds or fraction is the time it names with them "
        "zero (0830 is 08:30:00.000000), the upper end of a time range too (-0830 ends at 08:30:00.000000); a date may "
        "also be written YYYY.MM.DD (PS3.5 6.2). Spaces around a value, or around the ends of a range, are padding; a "
        "range whose end is no date or time (a day no calendar has, such as 20041301 or 20040230, or a time such as 2500, "
        "included) matches nothing, and a stored value that is none is in no range. A Date key and a Time key in one identifier are matched "
        "each on its own (combined datetime matching, C.2.2.2.5.1, is not negotiated), and as written: Timezone Offset "
        "From UTC (0008,0201) does not adjust them (Timezone query adjustment is not negotiated either). "
        "Date Time (DT) keys (PS3.4 C.2.2.2.5.1, PS3.5 6.2) are matched by the moments they name: a value that leaves "
        "out trailing components names a period (2020 is the whole year, 202003 March 2020), a range runs from the "
        "start of its low end to the end of its high end, both included (-2020 ends with the last microsecond of "
        "2020), and a single value matches as the range from it to itself; a stored value matches when its period "
        "overlaps the key's. Values are compared in UTC: a value's own offset (&ZZXX) applies, and for a value "
        "without one the Timezone Offset From UTC (0008,0201) of the identifier (for keys) or of the instance (for "
        "stored values), else +0000; the identifier's Timezone Offset From UTC is not matched itself. A - in a DT key "
        "makes it a range (a single value with a negative offset is written in UTC, +0000). A DT key that is no DT "
        "value or range of them, a range that ends before it starts, or a Timezone Offset From UTC in the identifier "
        "that is no offset is answered A900 with an Error Comment naming the attribute and its value; a stored DT "
        "value that is none matches no key. "
        f"Examples: {examples}."
    )
