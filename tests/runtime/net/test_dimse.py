"""DIMSE command sets, fragmentation within the maximum PDU length, and reassembly."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom.filereader import read_dataset as pydicom_read_dataset

from dicom_runtime.dataset import Dataset
from dicom_runtime.net.dimse import COMMAND_FIELDS, NO_DATA_SET, Assembler, command_set, fragments
from dicom_runtime.net.pdu import PDataTF, PduBuffer


def _echo_rq() -> Dataset:
    command = Dataset()
    command.add(0x00000002, "UI", "1.2.840.10008.1.1")  # Affected SOP Class UID
    command.add(0x00000100, "US", COMMAND_FIELDS["C-ECHO-RQ"])
    command.add(0x00000110, "US", 7)  # Message ID
    command.add(0x00000800, "US", NO_DATA_SET)
    return command


def test_c_echo_rq_command_set_bytes() -> None:
    raw = command_set(_echo_rq())
    assert raw[:12] == bytes.fromhex("0000 0000 04000000") + (len(raw) - 12).to_bytes(4, "little")
    theirs = pydicom_read_dataset(io.BytesIO(raw), is_implicit_VR=True, is_little_endian=True)
    assert (theirs.CommandField, theirs.MessageID, theirs.CommandDataSetType) == (0x0030, 7, 0x0101)
    assert theirs.CommandGroupLength == len(raw) - 12
    assert str(theirs.AffectedSOPClassUID) == "1.2.840.10008.1.1"


def test_fragments_fit_the_maximum_pdu_length_and_reassemble() -> None:
    command = _echo_rq()
    command.add(0x00000100, "US", 0x0001)  # a C-STORE-RQ's Command Field: a C-ECHO-RQ has no data set (PS3.7 9.3.5.1)
    command.add(0x00000800, "US", 0x0000)  # a data set follows
    data = bytes(range(256)) * 40
    pdus = list(fragments(1, command_set(command), data, max_pdu_length=1024))
    assert all(len(p.encode()) <= 1024 + 6 for p in pdus)  # PDU length excludes its 6-byte header
    assert sum(1 for p in pdus if p.values[0].is_last) == 2  # last of the command, last of the data
    buffer = PduBuffer()
    assembler = Assembler()
    messages = []
    for pdu in pdus:
        for received in buffer.feed(pdu.encode()):
            assert isinstance(received, PDataTF)
            messages.extend(assembler.add(received))
    assert len(messages) == 1
    assert messages[0].command_field == 0x0001 and messages[0].data == data


def test_a_message_without_data_set_completes_with_its_command() -> None:
    assembler = Assembler()
    (pdu,) = list(fragments(3, command_set(_echo_rq()), None, max_pdu_length=16384))
    (message,) = assembler.add(pdu)
    assert (message.context_id, message.command_field, message.data) == (3, 0x0030, None)


def test_every_status_code_is_one_the_standard_defines() -> None:
    """The status table's codes appear in PS3.7 Annex C or the PS3.4 service class tables."""
    import re

    from dicom_runtime.net.messages import STATUS_MEANINGS, Status
    from tests.conftest import mirror_file

    text = " ".join(re.sub(r"<[^>]+>", " ", mirror_file("2020c", part).read_text()) for part in (4, 7))
    missing = [f"{code:04X}" for code in STATUS_MEANINGS if not re.search(rf"\b{code:04X}H?\b", text)]
    assert missing == []
    assert Status(0xA7F3).meaning == "Refused: out of resources" and Status(0xC123).category == "Failure"
    assert Status(0xFF01).is_pending and Status(0xB007).category == "Warning" and Status(0xFE00).category == "Cancel"


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(COMMAND_FIELDS)),
    st.integers(0, 0xFFFF),
    st.from_regex(r"[12](\.[1-9][0-9]{0,5}){1,5}", fullmatch=True),
    st.lists(st.integers(0, 0xFFFFFFFF), min_size=1, max_size=3),
    st.from_regex(r"[A-Z]{1,16}", fullmatch=True),
    st.text(alphabet="abc XYZ", max_size=11),  # leading spaces kept, as the generic reader keeps them
)
def test_the_fast_command_codec_agrees_with_the_generic_one(
    name: str, number: int, uid: str, tags: list[int], ae: str, comment: str
) -> None:
    from dicom_runtime.net.dimse import command_set, read_command
    from dicom_runtime.net.messages import command
    from dicom_runtime.reader import IMPLICIT_LE, read_dataset
    from dicom_runtime.writer import encode_dataset

    fields = {"MessageID": number, "AffectedSOPClassUID": uid, "AttributeIdentifierList": tags, "MoveDestination": ae, "ErrorComment": comment or None}
    built = command(name, data_set=bool(number % 2), **fields)
    fast = command_set(built)
    body = encode_dataset(Dataset({t: e for t, e in built.items()}), IMPLICIT_LE)
    assert fast[12:] == body  # after the group length element
    generic = read_dataset(fast, IMPLICIT_LE)
    assert {t: (e.vr, e.value) for t, e in read_command(fast).items()} == {t: (e.vr, e.value) for t, e in generic.items()}
