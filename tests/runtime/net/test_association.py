"""The sans-I/O association core: every transition of PS3.8 Table 9-10, negotiation, ARTIM."""

from __future__ import annotations

import pytest

from dicom_runtime.net.actions import ACTIONS, UpperLayerActions
from dicom_runtime.net.association import (
    AcceptedContext,
    AcceptorPolicy,
    AccessRule,
    Aborted,
    AssociationAccepted,
    AssociationError,
    AssociationRequested,
    Connection,
    MessageReceived,
    Released,
    describe_contexts,
    rejected_contexts,
    describe_reject,
    negotiate,
)
from dicom_runtime.net.messages import command
from dicom_runtime.net.pdu import (
    Abort,
    AssociateAC,
    AssociateRJ,
    AssociateRQ,
    PDataTF,
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
from dicom_runtime.net.state import TRANSITIONS

VERIFICATION = "1.2.840.10008.1.1"
CT = "1.2.840.10008.5.1.4.1.1.2"
IMPLICIT = "1.2.840.10008.1.2"
EXPLICIT = "1.2.840.10008.1.2.1"
RQ = AssociateRQ("SCP", "SCU", (PresentationContextRQ(1, VERIFICATION, (IMPLICIT,)),), UserInformation(max_length=16384))
AC = AssociateAC("SCP", "SCU", (PresentationContextAC(1, 0, IMPLICIT),), UserInformation(max_length=16384))
#: What each action sends (PDU type, A-ABORT source), PS3.8 Tables 9-6 to 9-9.
SENDS = {
    "AE-2": (0x01, None), "AE-7": (0x02, None), "AE-8": (0x03, None), "DT-1": (0x04, None), "AR-7": (0x04, None),
    "AR-1": (0x05, None), "AR-4": (0x06, None), "AR-9": (0x06, None), "AR-2": (0x06, None), "AR-10": (0x06, None),
    "AA-1": (0x07, 0), "AA-7": (0x07, 2), "AA-8": (0x07, 2),
}
#: This core answers an A-RELEASE indication at once (Evt14), so these states are passed through.
ANSWERED = {"Sta8": "Sta13", "Sta12": "Sta13", "Sta9": "Sta11"}


def _trigger(connection: Connection, event: str) -> None:
    if event == "Evt1":
        connection.request_association(RQ)
    elif event in ("Evt2", "Evt5"):
        connection.connection_made(0.0)
    elif event == "Evt3":
        connection.receive(AC.encode())
    elif event == "Evt4":
        connection.receive(AssociateRJ(1, 1, 7).encode())
    elif event == "Evt6":
        connection.receive(RQ.encode())
    elif event == "Evt7":
        connection.accept(AC)
    elif event == "Evt8":
        connection.reject(AssociateRJ(1, 1, 7))
    elif event == "Evt9":
        connection.send_message(1, command("C-ECHO-RQ", MessageID=1, AffectedSOPClassUID=VERIFICATION))
    elif event == "Evt10":
        connection.receive(PDataTF((PresentationDataValue(1, True, False, b"\x08\x00\x00\x00"),)).encode())
    elif event == "Evt11":
        connection.release()
    elif event == "Evt12":
        connection.receive(ReleaseRQ().encode())
    elif event == "Evt13":
        connection.receive(ReleaseRP().encode())
    elif event == "Evt14":
        connection._run("Evt14")  # the local release response (answer_release() in Sta8)
    elif event == "Evt15":
        connection.abort()
    elif event == "Evt16":
        connection.receive(Abort(2, 1).encode())
    elif event == "Evt17":
        connection.connection_lost()
    elif event == "Evt18":
        connection.artim_deadline = 0.0
        connection.timer(1.0)
    elif event == "Evt19":
        connection.receive(b"\x09\x00\x00\x00\x00\x00")  # an unknown PDU type


CASES = [
    (event, state, action, nexts, requestor)
    for event, row in TRANSITIONS.items()
    for state, (action, nexts) in row.items()
    for requestor in ((True, False) if action == "AR-8" else (event in ("Evt1", "Evt2", "Evt3", "Evt4"),))
]


def test_every_action_of_table_9_10_is_in_the_dispatch_table() -> None:
    assert set(ACTIONS) == {action for row in TRANSITIONS.values() for action, _ in row.values()}
    assert ACTIONS["DT-2"] is UpperLayerActions._DT_2 and issubclass(Connection, UpperLayerActions)


@pytest.mark.parametrize(("event", "state", "action", "nexts", "requestor"), CASES, ids=[f"{c[0]}-{c[1]}-{c[4]}" for c in CASES])
def test_every_transition_of_table_9_10(event: str, state: str, action: str, nexts: tuple[str, ...], requestor: bool) -> None:
    connection = Connection(requestor=requestor)
    connection.request = RQ
    connection.contexts[1] = AcceptedContext(1, VERIFICATION, IMPLICIT)
    connection.peer_max_pdu_length = 16384
    connection.machine.state = state
    _trigger(connection, event)
    expected = {"AE-6": "Sta3", "AR-8": "Sta9" if requestor else "Sta10"}.get(action, nexts[0])
    assert expected in nexts
    answered = action in ("AR-2", "AR-8", "AR-10")
    assert connection.state == (ANSWERED.get(expected, expected) if answered else expected)
    sent = connection.data_to_send()
    if action in SENDS:
        pdu_type, source = SENDS[action]
        assert sent and sent[0] == pdu_type, (action, sent[:1])
        if source is not None:
            assert decode_pdu(sent[:10]) == Abort(source, decode_pdu(sent[:10]).reason)  # type: ignore[union-attr]
    elif not (action == "AR-8" and requestor):
        assert sent == b"", action
    closes = action in ("AE-4", "AR-3", "AR-5", "AA-2", "AA-3", "AA-4", "AA-5")
    assert connection.should_close == closes
    starts_artim = action in ("AE-5", "AE-8", "AR-4", "AA-1", "AA-8", "AR-2", "AR-10")
    assert (connection.artim_deadline is not None) == starts_artim


def test_local_primitives_outside_the_table_are_refused() -> None:
    connection = Connection(requestor=True)
    with pytest.raises(AssociationError, match="Evt11 is not possible in Sta1"):
        connection.release()
    with pytest.raises(AssociationError, match="presentation context 1 was not accepted"):
        connection.send_message(1, command("C-ECHO-RQ", MessageID=1))


def _pair() -> tuple[Connection, Connection]:
    requestor, acceptor = Connection(requestor=True), Connection(requestor=False)
    requestor.request_association(RQ)
    acceptor.connection_made(0.0)
    requestor.connection_made(0.0)
    return requestor, acceptor


def test_a_whole_association_byte_at_a_time() -> None:
    requestor, acceptor = _pair()
    events = []
    for byte in requestor.data_to_send():
        events += acceptor.receive(bytes([byte]))
    assert events == [AssociationRequested(RQ)]
    acceptor.accept(AC)
    assert requestor.receive(acceptor.data_to_send()) == [AssociationAccepted(AC)]
    requestor.send_message(1, command("C-ECHO-RQ", MessageID=7, AffectedSOPClassUID=VERIFICATION))
    received = [e for b in requestor.data_to_send() for e in acceptor.receive(bytes([b]))]
    assert len(received) == 1 and isinstance(received[0], MessageReceived)
    assert received[0].message.command.value("MessageID") == 7
    requestor.release()
    assert Released() in acceptor.receive(requestor.data_to_send())
    assert requestor.receive(acceptor.data_to_send()) == [Released()]
    assert requestor.should_close and requestor.state == "Sta1" and acceptor.state == "Sta13"


def test_the_user_answers_the_release_when_the_core_does_not() -> None:
    """answer_release=False (the asyncio server): an A-RELEASE-RQ waits in Sta8, where the
    response to an earlier request may still go out; answer_release() sends A-RELEASE-RP."""
    requestor, acceptor = Connection(requestor=True), Connection(requestor=False, answer_release=False)
    requestor.request_association(RQ)
    acceptor.connection_made(0.0)
    requestor.connection_made(0.0)
    acceptor.receive(requestor.data_to_send())
    acceptor.accept(AC)
    requestor.receive(acceptor.data_to_send())
    requestor.send_message(1, command("C-ECHO-RQ", MessageID=3, AffectedSOPClassUID=VERIFICATION))
    requestor.release()
    events = acceptor.receive(requestor.data_to_send())
    assert [type(e).__name__ for e in events] == ["MessageReceived", "ReleaseRequested"]
    assert acceptor.state == "Sta8" and acceptor.data_to_send() == b"" and acceptor.artim_deadline is None
    acceptor.send_message(1, command("C-ECHO-RSP", MessageIDBeingRespondedTo=3, Status=0))  # AR-7
    answered = requestor.receive(acceptor.data_to_send())
    assert len(answered) == 1 and isinstance(answered[0], MessageReceived)
    assert acceptor.answer_release() == [Released()]
    assert acceptor.state == "Sta13" and acceptor.artim_deadline is not None
    assert requestor.receive(acceptor.data_to_send()) == [Released()] and requestor.state == "Sta1"
    assert acceptor.answer_release() == []  # only in Sta8


def test_artim_closes_a_silent_connection() -> None:
    acceptor = Connection(requestor=False, artim_timeout=5.0)
    acceptor.connection_made(100.0)
    assert acceptor.artim_deadline == 105.0
    assert acceptor.timer(104.9) == []
    events = acceptor.timer(105.0)
    assert acceptor.state == "Sta1" and acceptor.should_close
    assert isinstance(events[0], Aborted) and "ARTIM" in events[0].detail


@pytest.mark.parametrize(
    ("data", "reason", "detail"),
    [
        (b"\x04\x00\x00\x00\x00\x06" + b"\x00\x00\x00\x02\x01\x03", None, "P-DATA-TF PDU in Sta2"),
        (b"\x09\x00\x00\x00\x00\x00", None, "unknown PDU type 0x09"),
        (b"\x01\x00\x7f\xff\xff\xff", None, "exceeds the maximum"),
        (RQ.encode() + b"\x50\x00\x00\x20" + b"\x51\x00\x00\x04", None, "item 0x50: 32 bytes needed, 4 left"),
    ],
)
def test_bad_input_before_association_gets_a_service_user_abort(data: bytes, reason: None, detail: str) -> None:
    acceptor = Connection(requestor=False)
    acceptor.connection_made(0.0)
    if data.startswith(b"\x01") and len(data) > 6 and data[2:6] != b"\x7f\xff\xff\xff":
        data = data[:2] + (len(data) - 6).to_bytes(4, "big") + data[6:]  # a consistent PDU length, an overrun item
    events = acceptor.receive(data)
    assert acceptor.data_to_send() == Abort(0, 0).encode()  # AA-1 (PS3.8: service-user source)
    assert isinstance(events[-1], Aborted) and detail in events[-1].detail
    assert acceptor.state == "Sta13" and acceptor.artim_deadline is not None


def test_a_pdv_of_a_context_never_accepted_is_a_provider_abort() -> None:
    requestor, acceptor = _pair()
    acceptor.receive(requestor.data_to_send())
    acceptor.accept(AC)
    acceptor.data_to_send()
    events = acceptor.receive(PDataTF((PresentationDataValue(3, True, True, b""),)).encode())
    assert acceptor.data_to_send() == Abort(2, 6).encode()
    assert isinstance(events[0], Aborted) and "presentation context 3" in events[0].detail


# Negotiation ---------------------------------------------------------------------


def _request(**changes: object) -> AssociateRQ:
    base = {
        "called_ae": "ARCHIVE",
        "calling_ae": "MODALITY",
        "contexts": (
            PresentationContextRQ(1, VERIFICATION, (IMPLICIT,)),
            PresentationContextRQ(3, CT, ("1.2.840.10008.1.2.4.50",)),
            PresentationContextRQ(5, CT, (IMPLICIT, EXPLICIT)),
            PresentationContextRQ(7, "1.2.3.4.5.6", (IMPLICIT,)),
        ),
        "user_information": UserInformation(max_length=0, roles=(RoleSelection(CT, False, True),)),
    }
    base.update(changes)
    return AssociateRQ(**base)  # type: ignore[arg-type]


POLICY = AcceptorPolicy("ARCHIVE", {VERIFICATION: (IMPLICIT,), CT: (EXPLICIT, IMPLICIT)})


def test_presentation_contexts_are_negotiated_with_ps3_8_results() -> None:
    answer = negotiate(_request(), POLICY)
    assert isinstance(answer, AssociateAC)
    assert [(c.context_id, c.result, c.transfer_syntax) for c in answer.contexts] == [
        (1, 0, IMPLICIT),
        (3, 4, IMPLICIT),  # transfer-syntaxes-not-supported
        (5, 0, EXPLICIT),  # the acceptor's preference
        (7, 3, IMPLICIT),  # abstract-syntax-not-supported
    ]
    assert answer.user_information.roles == (RoleSelection(CT, False, True),)
    refusing = AcceptorPolicy("ARCHIVE", POLICY.supported, accept_scp_role=False)
    assert negotiate(_request(), refusing).user_information.roles == (RoleSelection(CT, False, False),)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("changes", "policy", "expected", "text"),
    [
        ({"called_ae": "OTHER"}, POLICY, AssociateRJ(1, 1, 7), "rejected-permanent by DICOM UL service-user: called-AE-title-not-recognized"),
        ({"application_context": "1.2.3"}, POLICY, AssociateRJ(1, 1, 2), "application-context-name-not-supported"),
        ({"protocol_version": 2}, POLICY, AssociateRJ(1, 2, 2), "protocol-version-not-supported"),
        ({}, AcceptorPolicy("ARCHIVE", POLICY.supported, access=(AccessRule("CT1"),)), AssociateRJ(1, 1, 3), "calling-AE-title-not-recognized"),
        ({}, AcceptorPolicy("ARCHIVE", POLICY.supported, max_contexts=2), AssociateRJ(2, 3, 2), "rejected-transient by DICOM UL service-provider (Presentation related function): local-limit-exceeded"),
        ({}, AcceptorPolicy("ARCHIVE", POLICY.supported, require_identity=True), AssociateRJ(1, 1, 1), "no-reason-given"),
    ],
)
def test_rejections_carry_ps3_8_reasons(changes: dict[str, object], policy: AcceptorPolicy, expected: AssociateRJ, text: str) -> None:
    answer = negotiate(_request(**changes), policy)
    assert answer == expected
    assert text in describe_reject(answer)


def test_an_association_with_no_acceptable_context_is_accepted_with_each_result() -> None:
    # PS3.8 Table 9-18's results tell the requestor why, per SOP class (as dcmtk's storescp and
    # pynetdicom answer); an A-ASSOCIATE-RJ could only say no-reason-given.
    contexts = (PresentationContextRQ(1, "1.2.3.4.5.6", (IMPLICIT,)), PresentationContextRQ(3, CT, ("1.2.840.10008.1.2.4.50",)))
    request = _request(contexts=contexts)
    answer = negotiate(request, POLICY)
    assert isinstance(answer, AssociateAC)
    assert [(c.context_id, c.result) for c in answer.contexts] == [(1, 3), (3, 4)]
    assert answer.user_information.roles == ()
    assert describe_contexts(request, POLICY) == (
        "1.2.3.4.5.6: abstract-syntax-not-supported; 1.2.840.10008.5.1.4.1.1.2: transfer-syntaxes-not-supported"
    )
    assert rejected_contexts(request, answer.contexts[:1]) == [
        ("1.2.3.4.5.6", "abstract-syntax-not-supported"), ("1.2.840.10008.5.1.4.1.1.2", "not answered"),
    ]
    assert negotiate(_request(contexts=()), POLICY) == AssociateRJ(1, 1, 1)  # nothing proposed


def test_access_rules_match_ae_title_and_network() -> None:
    rule = AccessRule("MODALITY", ("10.0.0.0/8",))
    assert rule.allows("MODALITY", "10.1.2.3") and not rule.allows("MODALITY", "192.168.1.1")
    assert not rule.allows("OTHER", "10.1.2.3") and AccessRule("*").allows("ANY", "::1")


def test_user_identity_goes_to_the_authenticator() -> None:
    seen: list[tuple[UserIdentity, str]] = []

    def authenticator(identity: UserIdentity, address: str) -> bytes | bool:
        seen.append((identity, address))
        return b"welcome" if identity.secondary == b"secret" else False

    policy = AcceptorPolicy("ARCHIVE", POLICY.supported, authenticator=authenticator)
    good = UserInformation(identity=UserIdentity(2, b"alice", b"secret", True))
    bad = UserInformation(identity=UserIdentity(2, b"alice", b"wrong", True))
    accepted = negotiate(_request(user_information=good), policy, "127.0.0.1")
    assert isinstance(accepted, AssociateAC) and accepted.user_information.identity_response == b"welcome"
    assert negotiate(_request(user_information=bad), policy, "127.0.0.1") == AssociateRJ(1, 1, 1)
    assert seen[0] == (good.identity, "127.0.0.1")


def test_sop_class_extended_negotiation_answers_what_the_policy_supports() -> None:
    policy = AcceptorPolicy("ARCHIVE", POLICY.supported, extended={CT: lambda info: info[:1]})
    request = _request(user_information=UserInformation(extended=((CT, b"\x01\x01"), (VERIFICATION, b"\x01"))))
    answer = negotiate(request, policy)
    assert isinstance(answer, AssociateAC) and answer.user_information.extended == ((CT, b"\x01"),)



@pytest.mark.parametrize("max_pdu_length", [0, 16384])
def test_a_pdu_longer_than_a_mib_is_read_where_no_maximum_was_announced(max_pdu_length: int) -> None:
    """PS3.8 D.1: a Maximum Length of 0 announces no maximum. An acceptor that announced it
    reads a P-DATA-TF of 2 MiB once the association is established (it kept the 1 MiB bound
    of the A-ASSOCIATE phase before); one that announced 16384 aborts on it."""
    import struct

    requestor, acceptor = Connection(requestor=True), Connection(requestor=False, max_pdu_length=max_pdu_length)
    requestor.request_association(RQ)
    acceptor.connection_made(0.0)
    requestor.connection_made(0.0)
    acceptor.receive(requestor.data_to_send())
    acceptor.accept(AssociateAC("SCP", "SCU", (PresentationContextAC(1, 0, IMPLICIT),), UserInformation(max_length=max_pdu_length)))
    requestor.receive(acceptor.data_to_send())
    store = command("C-STORE-RQ", data_set=True, MessageID=1, AffectedSOPClassUID=CT, AffectedSOPInstanceUID="1.2.3", Priority=0)
    requestor.send_message(1, store, b"\x00" * (2 * 1024 * 1024))
    stream = requestor.data_to_send()
    pdvs: list[PresentationDataValue] = []
    while stream:  # the requestor's PDUs (of at most 1 MiB each), their PDVs put in one PDU
        length = struct.unpack(">I", stream[2:6])[0]
        pdu = decode_pdu(stream[: 6 + length])
        assert isinstance(pdu, PDataTF)
        pdvs += pdu.values
        stream = stream[6 + length :]
    long_pdu = PDataTF(tuple(pdvs)).encode()
    assert len(long_pdu) > 2 * 1024 * 1024
    events = acceptor.receive(long_pdu)
    if max_pdu_length == 0:
        assert len(events) == 1 and isinstance(events[0], MessageReceived), events
        assert acceptor.data_to_send() == b"" and acceptor.state == "Sta6"
    else:
        assert len(events) == 1 and isinstance(events[0], Aborted), events
