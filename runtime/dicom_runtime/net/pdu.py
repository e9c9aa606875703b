"""The upper layer's Protocol Data Units (PS3.8 Section 9.3), without I/O.

Each PDU is a frozen dataclass with ``encode() -> bytes``; :func:`decode_pdu` turns
one complete PDU back into its dataclass, and :class:`PduBuffer` takes bytes as
they arrive and hands out complete PDUs ("need more data" is an empty result,
never an exception). Malformed PDUs raise :class:`PduError` with the offset.
Field layouts follow PS3.8 Tables 9-11 to 9-26 and Annex D.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from ..errors import DicomError

APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"
MAX_PDU_LENGTH = 64 * 1024 * 1024  # refuse announcements beyond this (a bogus length field)


class PduError(DicomError, ValueError):
    """A PDU that does not follow PS3.8 Section 9.3."""

    def __init__(self, reason: str, offset: int = 0) -> None:
        self.reason = reason
        self.offset = offset
        super().__init__(f"byte {offset}: {reason}")


def _ae(title: str) -> bytes:
    raw = title.encode("ascii")
    if not 1 <= len(raw.strip()) <= 16:
        raise PduError(f"AE title {title!r} must have 1 to 16 characters")
    return raw.ljust(16, b" ")


def _uid_item(item_type: int, uid: str) -> bytes:
    raw = uid.encode("ascii")
    return struct.pack(">BBH", item_type, 0, len(raw)) + raw


@dataclass(frozen=True)
class PresentationContextRQ:
    """Presentation Context Item of an A-ASSOCIATE-RQ (PS3.8 Table 9-13)."""

    context_id: int
    abstract_syntax: str
    transfer_syntaxes: tuple[str, ...]

    def encode(self) -> bytes:
        body = struct.pack(">BBBB", self.context_id, 0, 0, 0) + _uid_item(0x30, self.abstract_syntax)
        body += b"".join(_uid_item(0x40, ts) for ts in self.transfer_syntaxes)
        return struct.pack(">BBH", 0x20, 0, len(body)) + body


@dataclass(frozen=True)
class PresentationContextAC:
    """Presentation Context Item of an A-ASSOCIATE-AC (PS3.8 Table 9-18).

    ``result``: 0 acceptance, 1 user-rejection, 2 no-reason (provider rejection),
    3 abstract-syntax-not-supported, 4 transfer-syntaxes-not-supported.
    """

    context_id: int
    result: int
    transfer_syntax: str

    def encode(self) -> bytes:
        body = struct.pack(">BBBB", self.context_id, 0, self.result, 0) + _uid_item(0x40, self.transfer_syntax)
        return struct.pack(">BBH", 0x21, 0, len(body)) + body


@dataclass(frozen=True)
class RoleSelection:
    """SCP/SCU Role Selection Sub-Item (PS3.7 D.3.3.4)."""

    sop_class: str
    scu: bool
    scp: bool


@dataclass(frozen=True)
class CommonExtended:
    """SOP Class Common Extended Negotiation Sub-Item (PS3.7 D.3.3.6), in an A-ASSOCIATE-RQ only."""

    sop_class: str
    service_class: str
    related_general_sop_classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class UserIdentity:
    """User Identity Negotiation Sub-Item of an A-ASSOCIATE-RQ (PS3.7 D.3.3.7).

    ``kind``: 1 username, 2 username and passcode, 3 Kerberos ticket, 4 SAML
    assertion, 5 JSON Web Token.
    """

    kind: int
    primary: bytes
    secondary: bytes = b""
    response_requested: bool = False


@dataclass(frozen=True)
class UserInformation:
    """User Information Item (PS3.8 Table 9-16, PS3.7 Annex D.3.3)."""

    max_length: int = 0  # 0: no limit
    implementation_class_uid: str = ""
    implementation_version_name: str = ""
    async_window: tuple[int, int] | None = None  # (invoked, performed)
    roles: tuple[RoleSelection, ...] = ()
    extended: tuple[tuple[str, bytes], ...] = ()  # SOP Class Extended Negotiation
    common_extended: tuple[CommonExtended, ...] = ()  # SOP Class Common Extended Negotiation
    identity: UserIdentity | None = None
    identity_response: bytes | None = None  # in an A-ASSOCIATE-AC
    unknown: tuple[tuple[int, bytes], ...] = field(default=())  # sub-items kept as received

    def encode(self) -> bytes:
        items = struct.pack(">BBHI", 0x51, 0, 4, self.max_length)
        if self.implementation_class_uid:
            items += _uid_item(0x52, self.implementation_class_uid)
        if self.async_window is not None:
            items += struct.pack(">BBHHH", 0x53, 0, 4, *self.async_window)
        for role in self.roles:
            uid = role.sop_class.encode("ascii")
            body = struct.pack(">H", len(uid)) + uid + bytes([int(role.scu), int(role.scp)])
            items += struct.pack(">BBH", 0x54, 0, len(body)) + body
        if self.implementation_version_name:
            items += _uid_item(0x55, self.implementation_version_name)
        for sop_class, info in self.extended:
            uid = sop_class.encode("ascii")
            body = struct.pack(">H", len(uid)) + uid + info
            items += struct.pack(">BBH", 0x56, 0, len(body)) + body
        for common in self.common_extended:
            body = b""
            for name in (common.sop_class, common.service_class):
                raw = name.encode("ascii")
                body += struct.pack(">H", len(raw)) + raw
            related = b"".join(
                struct.pack(">H", len(u)) + u for u in (r.encode("ascii") for r in common.related_general_sop_classes)
            )
            body += struct.pack(">H", len(related)) + related
            items += struct.pack(">BBH", 0x57, 0, len(body)) + body
        if self.identity is not None:
            identity = self.identity
            body = struct.pack(">BBH", identity.kind, int(identity.response_requested), len(identity.primary))
            body += identity.primary + struct.pack(">H", len(identity.secondary)) + identity.secondary
            items += struct.pack(">BBH", 0x58, 0, len(body)) + body
        if self.identity_response is not None:
            body = struct.pack(">H", len(self.identity_response)) + self.identity_response
            items += struct.pack(">BBH", 0x59, 0, len(body)) + body
        for item_type, body in self.unknown:
            items += struct.pack(">BBH", item_type, 0, len(body)) + body
        return struct.pack(">BBH", 0x50, 0, len(items)) + items


@dataclass(frozen=True)
class AssociateRQ:
    """A-ASSOCIATE-RQ PDU (PS3.8 Table 9-11)."""

    called_ae: str
    calling_ae: str
    contexts: tuple[PresentationContextRQ, ...]
    user_information: UserInformation = field(default_factory=UserInformation)
    application_context: str = APPLICATION_CONTEXT
    protocol_version: int = 1

    pdu_type = 0x01

    def encode(self) -> bytes:
        return _encode_associate(self)


@dataclass(frozen=True)
class AssociateAC:
    """A-ASSOCIATE-AC PDU (PS3.8 Table 9-17)."""

    called_ae: str
    calling_ae: str
    contexts: tuple[PresentationContextAC, ...]
    user_information: UserInformation = field(default_factory=UserInformation)
    application_context: str = APPLICATION_CONTEXT
    protocol_version: int = 1

    pdu_type = 0x02

    def encode(self) -> bytes:
        return _encode_associate(self)


def _encode_associate(pdu: AssociateRQ | AssociateAC) -> bytes:
    """The A-ASSOCIATE-RQ and -AC layout they share (PS3.8 Tables 9-11 and 9-17)."""
    body = struct.pack(">HH", pdu.protocol_version, 0) + _ae(pdu.called_ae) + _ae(pdu.calling_ae) + bytes(32)
    body += _uid_item(0x10, pdu.application_context)
    body += b"".join(c.encode() for c in pdu.contexts) + pdu.user_information.encode()
    return struct.pack(">BBI", pdu.pdu_type, 0, len(body)) + body


@dataclass(frozen=True)
class AssociateRJ:
    """A-ASSOCIATE-RJ PDU (PS3.8 Table 9-21): result 1 permanent / 2 transient; source 1 user,
    2 provider (ACSE), 3 provider (presentation); reason as Table 9-21 lists."""

    result: int
    source: int
    reason: int

    pdu_type = 0x03

    def encode(self) -> bytes:
        return struct.pack(">BBIBBBB", self.pdu_type, 0, 4, 0, self.result, self.source, self.reason)


@dataclass(frozen=True)
class PresentationDataValue:
    """One PDV item (PS3.8 Table 9-23, Annex E.2): ``is_command`` and ``is_last`` make the header."""

    context_id: int
    is_command: bool
    is_last: bool
    data: bytes

    def encode(self) -> bytes:
        header = (0x01 if self.is_command else 0) | (0x02 if self.is_last else 0)
        return struct.pack(">IBB", len(self.data) + 2, self.context_id, header) + self.data


@dataclass(frozen=True)
class PDataTF:
    """P-DATA-TF PDU (PS3.8 Table 9-22)."""

    values: tuple[PresentationDataValue, ...]

    pdu_type = 0x04

    def encode(self) -> bytes:
        body = b"".join(v.encode() for v in self.values)
        return struct.pack(">BBI", self.pdu_type, 0, len(body)) + body


@dataclass(frozen=True)
class ReleaseRQ:
    """A-RELEASE-RQ PDU (PS3.8 Table 9-24)."""

    pdu_type = 0x05

    def encode(self) -> bytes:
        return struct.pack(">BBII", self.pdu_type, 0, 4, 0)


@dataclass(frozen=True)
class ReleaseRP:
    """A-RELEASE-RP PDU (PS3.8 Table 9-25)."""

    pdu_type = 0x06

    def encode(self) -> bytes:
        return struct.pack(">BBII", self.pdu_type, 0, 4, 0)


@dataclass(frozen=True)
class Abort:
    """A-ABORT PDU (PS3.8 Table 9-26): source 0 user, 2 provider; reason for the provider."""

    source: int = 0
    reason: int = 0

    pdu_type = 0x07

    def encode(self) -> bytes:
        return struct.pack(">BBIBBBB", self.pdu_type, 0, 4, 0, 0, self.source, self.reason)


Pdu = AssociateRQ | AssociateAC | AssociateRJ | PDataTF | ReleaseRQ | ReleaseRP | Abort


class _Cursor:
    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.offset = offset

    def take(self, count: int, what: str) -> bytes:
        if count < 0 or self.offset + count > len(self.data):
            raise PduError(f"{what}: {count} bytes needed, {len(self.data) - self.offset} left", self.offset)
        chunk = self.data[self.offset : self.offset + count]
        self.offset += count
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple[int, ...]:
        values: tuple[int, ...] = struct.unpack(fmt, self.take(struct.calcsize(fmt), what))
        return values

    def remaining(self) -> int:
        return len(self.data) - self.offset


def _text(raw: bytes) -> str:
    return raw.decode("ascii", errors="replace").rstrip("\0 ").strip()


def _items(cursor: _Cursor) -> list[tuple[int, bytes, int]]:
    """(item type, body, offset of the body) of the variable items that fill the cursor."""
    items = []
    while cursor.remaining():
        item_type, _, length = cursor.unpack(">BBH", "item header")
        start = cursor.offset
        items.append((item_type, cursor.take(length, f"item 0x{item_type:02X}"), start))
    return items


def _user_information(body: bytes, base: int) -> UserInformation:
    values: dict[str, object] = {}
    roles: list[RoleSelection] = []
    extended: list[tuple[str, bytes]] = []
    common: list[CommonExtended] = []
    unknown: list[tuple[int, bytes]] = []
    for item_type, sub, offset in _items(_Cursor(body)):
        cursor = _Cursor(sub)
        try:
            if item_type == 0x51:
                values["max_length"] = cursor.unpack(">I", "maximum length")[0]
            elif item_type == 0x52:
                values["implementation_class_uid"] = _text(sub)
            elif item_type == 0x53:
                values["async_window"] = cursor.unpack(">HH", "asynchronous operations window")
            elif item_type == 0x54:
                (length,) = cursor.unpack(">H", "role UID length")
                uid = _text(cursor.take(length, "role UID"))
                scu, scp = cursor.unpack(">BB", "role values")
                roles.append(RoleSelection(uid, bool(scu), bool(scp)))
            elif item_type == 0x55:
                values["implementation_version_name"] = _text(sub)
            elif item_type == 0x56:
                (length,) = cursor.unpack(">H", "SOP class UID length")
                uid = _text(cursor.take(length, "SOP class UID"))
                extended.append((uid, cursor.take(cursor.remaining(), "application information")))
            elif item_type == 0x57:
                (length,) = cursor.unpack(">H", "SOP class UID length")
                sop_class = _text(cursor.take(length, "SOP class UID"))
                (length,) = cursor.unpack(">H", "service class UID length")
                service_class = _text(cursor.take(length, "service class UID"))
                (length,) = cursor.unpack(">H", "related general SOP classes length")
                related_cursor = _Cursor(cursor.take(length, "related general SOP classes"))
                related: list[str] = []
                while related_cursor.remaining():
                    (length,) = related_cursor.unpack(">H", "related general SOP class UID length")
                    related.append(_text(related_cursor.take(length, "related general SOP class UID")))
                common.append(CommonExtended(sop_class, service_class, tuple(related)))
            elif item_type == 0x58:
                kind, requested, length = cursor.unpack(">BBH", "user identity")
                primary = cursor.take(length, "primary field")
                (length,) = cursor.unpack(">H", "secondary field length")
                values["identity"] = UserIdentity(kind, primary, cursor.take(length, "secondary field"), bool(requested))
            elif item_type == 0x59:
                (length,) = cursor.unpack(">H", "server response length")
                values["identity_response"] = cursor.take(length, "server response")
            else:
                unknown.append((item_type, sub))
        except PduError as exc:
            raise PduError(exc.reason, base + offset + exc.offset) from None
    return UserInformation(
        max_length=int(values.get("max_length", 0)),  # type: ignore[call-overload]
        implementation_class_uid=str(values.get("implementation_class_uid", "")),
        implementation_version_name=str(values.get("implementation_version_name", "")),
        async_window=values.get("async_window"),  # type: ignore[arg-type]
        roles=tuple(roles),
        extended=tuple(extended),
        common_extended=tuple(common),
        identity=values.get("identity"),  # type: ignore[arg-type]
        identity_response=values.get("identity_response"),  # type: ignore[arg-type]
        unknown=tuple(unknown),
    )


def _associate(pdu_type: int, body: bytes) -> AssociateRQ | AssociateAC:
    cursor = _Cursor(body, 0)
    version, _ = cursor.unpack(">HH", "protocol version")
    called = _text(cursor.take(16, "called AE title"))
    calling = _text(cursor.take(16, "calling AE title"))
    cursor.take(32, "reserved")
    context_name = APPLICATION_CONTEXT
    rq_contexts: list[PresentationContextRQ] = []
    context_ids: set[int] = set()
    ac_contexts: list[PresentationContextAC] = []
    user = UserInformation()
    for item_type, item, offset in _items(cursor):
        inner = _Cursor(item)
        if item_type == 0x10:
            context_name = _text(item)
        elif item_type == 0x20 and pdu_type == 0x01:
            context_id, _, _, _ = inner.unpack(">BBBB", "presentation context")
            abstract = ""
            syntaxes: list[str] = []
            for sub_type, sub, _ in _items(inner):
                if sub_type == 0x30:
                    abstract = _text(sub)
                elif sub_type == 0x40:
                    syntaxes.append(_text(sub))
            if not abstract or not syntaxes:
                raise PduError(f"presentation context {context_id} lacks its abstract or transfer syntax", 6 + offset)
            # PS3.8 9.3.2.2: "odd integers between 1 and 255", each naming one context: an
            # even one, or one proposed twice, would make the A-ASSOCIATE-AC's answer ambiguous
            if not context_id % 2:
                raise PduError(f"presentation context ID {context_id} is not odd (PS3.8 9.3.2.2)", 6 + offset)
            if context_id in context_ids:
                raise PduError(f"presentation context ID {context_id} is proposed twice", 6 + offset)
            context_ids.add(context_id)
            rq_contexts.append(PresentationContextRQ(context_id, abstract, tuple(syntaxes)))
        elif item_type == 0x21 and pdu_type == 0x02:
            context_id, _, result, _ = inner.unpack(">BBBB", "presentation context")
            syntax = next((_text(s) for t, s, _ in _items(inner) if t == 0x40), "")
            ac_contexts.append(PresentationContextAC(context_id, result, syntax))
        elif item_type == 0x50:
            user = _user_information(item, 6 + offset)
        else:
            raise PduError(f"unexpected item type 0x{item_type:02X}", 6 + offset - 4)
    if pdu_type == 0x01:
        return AssociateRQ(called, calling, tuple(rq_contexts), user, context_name, version)
    return AssociateAC(called, calling, tuple(ac_contexts), user, context_name, version)


#: The PDU types of PS3.8 9.3 (Table 9-11): A-ASSOCIATE-RQ, -AC, -RJ, P-DATA-TF,
#: A-RELEASE-RQ, -RP, A-ABORT.
PDU_TYPES = frozenset(range(0x01, 0x08))


def unknown_type(pdu_type: int) -> PduError:
    """The error for a first byte that is no PDU type: checked before the length, which for
    another protocol's bytes is nonsense (``HTTP/1.0 400`` announced 1414541105 bytes)."""
    shown = f" ({chr(pdu_type)!r})" if 0x20 < pdu_type < 0x7F else ""
    return PduError(f"unknown PDU type 0x{pdu_type:02X}{shown}, none of PS3.8's (0x01-0x07): not a DICOM peer?", 0)


def decode_pdu(data: bytes) -> Pdu:
    """One complete PDU (header included)."""
    if data and data[0] not in PDU_TYPES:
        raise unknown_type(data[0])
    cursor = _Cursor(data)
    pdu_type, _, length = cursor.unpack(">BBI", "PDU header")
    if length != cursor.remaining():
        raise PduError(f"PDU length {length}, but {cursor.remaining()} bytes follow the header", 2)
    body = cursor.take(length, "PDU body")
    try:
        if pdu_type in (0x01, 0x02):
            return _associate(pdu_type, body)
        if pdu_type == 0x03:
            _, result, source, reason = struct.unpack(">BBBB", body[:4]) if len(body) >= 4 else (0, 0, 0, 0)
            if len(body) != 4:
                raise PduError("A-ASSOCIATE-RJ body must be 4 bytes", 6)
            return AssociateRJ(result, source, reason)
        if pdu_type == 0x04:
            values = []
            inner = _Cursor(body)
            while inner.remaining():
                (item_length,) = inner.unpack(">I", "PDV length")
                if item_length < 2:
                    raise PduError(f"PDV item length {item_length} is less than 2", 6 + inner.offset - 4)
                context_id, header = inner.unpack(">BB", "PDV header")
                values.append(PresentationDataValue(context_id, bool(header & 1), bool(header & 2), inner.take(item_length - 2, "PDV data")))
            if not values:
                # PS3.8 9.3.5, Table 9-22: the variable field "shall contain one or more
                # Presentation-data-value Items"; an empty one carries nothing and, taken as
                # activity, would keep an association from ever being idle: an invalid PDU.
                raise PduError("a P-DATA-TF with no presentation-data-value item (PS3.8 9.3.5: one or more)", 6)
            return PDataTF(tuple(values))
        if pdu_type in (0x05, 0x06):
            if len(body) != 4:
                raise PduError("A-RELEASE PDU body must be 4 bytes", 6)
            return ReleaseRQ() if pdu_type == 0x05 else ReleaseRP()
        if pdu_type == 0x07:
            if len(body) != 4:
                raise PduError("A-ABORT body must be 4 bytes", 6)
            return Abort(body[2], body[3])
    except PduError as exc:
        if exc.offset < 6:
            raise PduError(exc.reason, exc.offset + 6) from None
        raise
    raise unknown_type(pdu_type)


class PduBuffer:
    """Bytes in, complete PDUs out: the reading half of a sans-I/O connection."""

    def __init__(self, max_length: int = MAX_PDU_LENGTH) -> None:
        self._data = bytearray()
        self.max_length = max_length

    def feed(self, data: bytes) -> list[Pdu]:
        """Add received bytes; return the PDUs now complete (possibly none)."""
        self._data += data
        found: list[Pdu] = []
        while self._data:
            if self._data[0] not in PDU_TYPES:  # before the length (PS3.8 9.3: type first)
                raise unknown_type(self._data[0])
            if len(self._data) < 6:
                break
            length = int.from_bytes(self._data[2:6], "big")
            if length > self.max_length:
                raise PduError(f"PDU length {length} exceeds the maximum of {self.max_length}", 2)
            if len(self._data) < 6 + length:
                break
            chunk = bytes(self._data[: 6 + length])
            del self._data[: 6 + length]
            found.append(decode_pdu(chunk))
        return found

    @property
    def pending(self) -> int:
        return len(self._data)
