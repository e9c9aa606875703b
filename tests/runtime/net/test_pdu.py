"""Upper-layer PDUs (PS3.8 9.3): reference bytes, pynetdicom as the other side, round trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pynetdicom import pdu as their_pdu

from dicom_runtime.net.pdu import (
    Abort,
    AssociateAC,
    AssociateRJ,
    AssociateRQ,
    CommonExtended,
    PDataTF,
    Pdu,
    PduBuffer,
    PduError,
    PresentationContextAC,
    PresentationContextRQ,
    PresentationDataValue,
    ReleaseRP,
    ReleaseRQ,
    RoleSelection,
    UserIdentity,
    UserInformation,
    decode_pdu,
)

VERIFICATION = "1.2.840.10008.1.1"
IMPLICIT = "1.2.840.10008.1.2"


def _request() -> AssociateRQ:
    return AssociateRQ(
        called_ae="ANY-SCP",
        calling_ae="ECHOSCU",
        contexts=(PresentationContextRQ(1, VERIFICATION, (IMPLICIT,)),),
        user_information=UserInformation(
            max_length=16384,
            implementation_class_uid="1.2.3",
            implementation_version_name="TEST",
            roles=(RoleSelection(VERIFICATION, True, False),),
            identity=UserIdentity(2, b"user", b"secret", True),
        ),
    )


def test_release_and_abort_reference_bytes() -> None:
    assert ReleaseRQ().encode() == bytes.fromhex("05 00 00000004 00000000")  # type, reserved, length 4
    assert ReleaseRP().encode() == bytes.fromhex("06 00 00000004 00000000")
    assert Abort(2, 6).encode() == bytes.fromhex("07 00 00000004 00 00 02 06")  # provider, invalid PDU parameter
    assert AssociateRJ(1, 1, 7).encode() == bytes.fromhex("03 00 00000004 00 01 01 07")


def test_associate_rq_header_bytes() -> None:
    raw = _request().encode()
    assert raw[0:2] == b"\x01\x00" and int.from_bytes(raw[2:6], "big") == len(raw) - 6
    assert raw[6:8] == b"\x00\x01"  # protocol version 1
    assert raw[10:26] == b"ANY-SCP         " and raw[26:42] == b"ECHOSCU         "
    assert raw[74:78] == bytes.fromhex("10 00 0015")  # application context item, length 21
    assert raw[78:99] == b"1.2.840.10008.3.1.1.1"


def test_pynetdicom_decodes_what_we_encode() -> None:
    theirs: Any = their_pdu.A_ASSOCIATE_RQ()
    theirs.decode(_request().encode())
    assert theirs.called_ae_title == "ANY-SCP" and theirs.calling_ae_title == "ECHOSCU"
    context = theirs.presentation_context[0]
    assert (context.context_id, context.abstract_syntax, context.transfer_syntax) == (1, VERIFICATION, [IMPLICIT])
    items: dict[str, Any] = {type(i).__name__: i for i in theirs.user_information.user_data}
    assert items["MaximumLengthSubItem"].maximum_length_received == 16384
    assert items["ImplementationClassUIDSubItem"].implementation_class_uid == "1.2.3"
    assert items["UserIdentitySubItemRQ"].primary_field == b"user"


def test_we_decode_what_pynetdicom_encodes() -> None:
    from pynetdicom.pdu_primitives import A_ASSOCIATE

    primitive: Any = A_ASSOCIATE()
    primitive.application_context_name = "1.2.840.10008.3.1.1.1"
    primitive.calling_ae_title = "STORESCU"
    primitive.called_ae_title = "STORESCP"
    from pynetdicom.presentation import build_context
    from pynetdicom.pdu_primitives import ImplementationClassUIDNotification, MaximumLengthNotification

    context: Any = build_context("1.2.840.10008.5.1.4.1.1.2", [IMPLICIT, "1.2.840.10008.1.2.1"])
    context.context_id = 3
    primitive.presentation_context_definition_list = [context]
    maximum: Any = MaximumLengthNotification()
    maximum.maximum_length_received = 32768
    implementation: Any = ImplementationClassUIDNotification()
    implementation.implementation_class_uid = "1.2.826.0.1.3680043.9.3811.3.0.4"
    primitive.user_information = [maximum, implementation]
    theirs_rq: Any = their_pdu.A_ASSOCIATE_RQ()
    theirs_rq.from_primitive(primitive)
    ours = decode_pdu(theirs_rq.encode())
    assert isinstance(ours, AssociateRQ)
    assert (ours.called_ae, ours.calling_ae) == ("STORESCP", "STORESCU")
    assert ours.contexts == (PresentationContextRQ(3, "1.2.840.10008.5.1.4.1.1.2", (IMPLICIT, "1.2.840.10008.1.2.1")),)
    assert ours.user_information.max_length == 32768


def test_byte_at_a_time() -> None:
    pdus: list[Pdu] = [_request(), PDataTF((PresentationDataValue(1, True, True, b"\x00\x01"),)), ReleaseRQ()]
    stream = b"".join(p.encode() for p in pdus)
    buffer = PduBuffer()
    received: list[Pdu] = []
    for byte in stream:
        received.extend(buffer.feed(bytes([byte])))
    assert received == pdus and buffer.pending == 0


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.builds(
            PresentationDataValue,
            st.integers(1, 255).filter(lambda i: i % 2),
            st.booleans(),
            st.booleans(),
            st.binary(max_size=64),
        ),
        min_size=1,  # PS3.8 9.3.5: one or more PDVs (none is a PduError, test_slow_peers)
        max_size=4,
    ),
    st.lists(
        st.builds(PresentationContextAC, st.integers(1, 255).filter(lambda i: i % 2), st.integers(0, 4), st.just(IMPLICIT)),
        max_size=4,
    ),
)
def test_round_trips(values: list[PresentationDataValue], contexts: list[PresentationContextAC]) -> None:
    data = PDataTF(tuple(values))
    assert decode_pdu(data.encode()) == data
    accept = AssociateAC("SCP", "SCU", tuple(contexts), UserInformation(max_length=0, identity_response=b"ok"))
    assert decode_pdu(accept.encode()) == accept


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (bytes.fromhex("05 00 00000004 0000"), "PDU length 4, but 2 bytes follow"),
        (bytes.fromhex("09 00 00000000"), "unknown PDU type 0x09"),
        (bytes.fromhex("04 00 00000005 00000001 01"), "PDV item length 1 is less than 2"),
        (bytes.fromhex("07 00 00000002 0000"), "A-ABORT body must be 4 bytes"),
    ],
)
def test_malformed_pdus(raw: bytes, reason: str) -> None:
    with pytest.raises(PduError, match=reason):
        decode_pdu(raw)


def test_a_bogus_length_is_refused_before_buffering() -> None:
    with pytest.raises(PduError, match="exceeds the maximum"):
        PduBuffer(max_length=1024).feed(bytes.fromhex("04 00 7fffffff"))


_uid = st.from_regex(r"[12](\.[1-9][0-9]{0,8}){1,6}", fullmatch=True)
_ae_title = st.from_regex(r"[A-Z][A-Z0-9_]{0,15}", fullmatch=True)
_odd_id = st.integers(1, 255).filter(lambda i: i % 2)
_user_information = st.builds(
    UserInformation,
    max_length=st.integers(0, 2**32 - 1),
    implementation_class_uid=_uid,
    implementation_version_name=st.from_regex(r"[A-Z0-9_]{1,16}", fullmatch=True),
    async_window=st.none() | st.tuples(st.integers(0, 65535), st.integers(0, 65535)),
    roles=st.lists(st.builds(RoleSelection, _uid, st.booleans(), st.booleans()), max_size=3).map(tuple),
    extended=st.lists(st.tuples(_uid, st.binary(max_size=8)), max_size=3).map(tuple),
    common_extended=st.lists(
        st.builds(CommonExtended, _uid, _uid, st.lists(_uid, max_size=3).map(tuple)), max_size=2
    ).map(tuple),
    identity=st.none() | st.builds(UserIdentity, st.integers(1, 5), st.binary(max_size=40), st.binary(max_size=40), st.booleans()),
    identity_response=st.none() | st.binary(max_size=40),
    unknown=st.lists(st.tuples(st.integers(0x5A, 0xFF), st.binary(max_size=8)), max_size=2).map(tuple),
)
_any_pdu: st.SearchStrategy[Pdu] = st.one_of(
    st.builds(
        AssociateRQ,
        _ae_title,
        _ae_title,
        # an A-ASSOCIATE-RQ names each context once (PS3.8 9.3.2.2; one proposed twice is a PduError)
        st.lists(
            st.builds(PresentationContextRQ, _odd_id, _uid, st.lists(_uid, min_size=1, max_size=3).map(tuple)),
            max_size=4, unique_by=lambda c: c.context_id,
        ).map(tuple),
        _user_information,
    ),
    st.builds(
        AssociateAC,
        _ae_title,
        _ae_title,
        st.lists(st.builds(PresentationContextAC, _odd_id, st.integers(0, 4), _uid), max_size=4).map(tuple),
        _user_information,
    ),
    st.builds(AssociateRJ, st.integers(1, 2), st.integers(1, 3), st.integers(0, 7)),
    st.builds(
        PDataTF,
        st.lists(st.builds(PresentationDataValue, _odd_id, st.booleans(), st.booleans(), st.binary(max_size=64)), min_size=1, max_size=4).map(tuple),
    ),
    st.just(ReleaseRQ()),
    st.just(ReleaseRP()),
    st.builds(Abort, st.sampled_from([0, 2]), st.integers(0, 6)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_any_pdu, min_size=1, max_size=3))
def test_every_pdu_and_sub_item_round_trips_whole_and_byte_at_a_time(pdus: list[Pdu]) -> None:
    for pdu in pdus:
        assert decode_pdu(pdu.encode()) == pdu
    stream = b"".join(p.encode() for p in pdus)
    buffer = PduBuffer()
    received: list[Pdu] = []
    for index in range(len(stream)):
        received.extend(buffer.feed(stream[index : index + 1]))
    assert received == pdus and buffer.pending == 0


def test_the_pdu_type_is_checked_before_the_length() -> None:
    # an HTTP answer's "TP/1" was read as a length: "PDU length 1414541105 exceeds the maximum"
    expected = "byte 0: unknown PDU type 0x48 ('H'), none of PS3.8's (0x01-0x07): not a DICOM peer?"
    with pytest.raises(PduError) as raised:
        PduBuffer().feed(b"HTTP/1.0 400 Bad Request\r\n")
    assert str(raised.value) == expected
    with pytest.raises(PduError) as raised:
        PduBuffer().feed(b"H")  # one byte is enough to know
    assert str(raised.value) == expected
    with pytest.raises(PduError) as raised:
        decode_pdu(b"HTTP/1.0 400 Bad Request\r\n")
    assert str(raised.value) == expected
    with pytest.raises(PduError, match=r"^byte 0: unknown PDU type 0x00, none of PS3.8's"):
        PduBuffer().feed(b"\x00\x00\xff\xff\xff\xff")
