"""DIMSE messages (PS3.7 Section 9 and Annex E): command sets, fragmentation, reassembly.

A command set is group 0000, always Implicit VR Little Endian, led by Command
Group Length (0000,0000). A message (command set, and data set if any) is cut
into PDVs that fit the peer's maximum PDU length, and put back together from the
PDVs that arrive, with the last-fragment flags of PS3.8 Annex E.2.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from ..dataset import Dataset
from ..errors import DicomError
from ..reader import IMPLICIT_LE, read_dataset
from ..writer import encode_dataset
from .pdu import PDataTF, PresentationDataValue
from .spill import Budget as Budget, Spill as Spill, SpilledData as SpilledData, SpillError

#: Command Field values (PS3.7 Table E.1-1).
COMMAND_FIELDS: dict[str, int] = {
    "C-STORE-RQ": 0x0001,
    "C-STORE-RSP": 0x8001,
    "C-GET-RQ": 0x0010,
    "C-GET-RSP": 0x8010,
    "C-FIND-RQ": 0x0020,
    "C-FIND-RSP": 0x8020,
    "C-MOVE-RQ": 0x0021,
    "C-MOVE-RSP": 0x8021,
    "C-ECHO-RQ": 0x0030,
    "C-ECHO-RSP": 0x8030,
    "N-EVENT-REPORT-RQ": 0x0100,
    "N-EVENT-REPORT-RSP": 0x8100,
    "N-GET-RQ": 0x0110,
    "N-GET-RSP": 0x8110,
    "N-SET-RQ": 0x0120,
    "N-SET-RSP": 0x8120,
    "N-ACTION-RQ": 0x0130,
    "N-ACTION-RSP": 0x8130,
    "N-CREATE-RQ": 0x0140,
    "N-CREATE-RSP": 0x8140,
    "N-DELETE-RQ": 0x0150,
    "N-DELETE-RSP": 0x8150,
    "C-CANCEL-RQ": 0x0FFF,
}
NO_DATA_SET = 0x0101  # Command Data Set Type (0000,0800) when no data set follows
C_ECHO_RQ = 0x0030  # its Command Field (0000,0100): a request that never has a data set


class DimseError(DicomError):
    """A DIMSE message that cannot be built or put back together."""


_STRING_PAD = {"UI": b"\0", "AE": b" ", "LO": b" ", "CS": b" ", "SH": b" ", "ST": b" "}


def _fast_value(vr: str, value: object) -> bytes | None:
    """The bytes of a command element's value for the VRs of group 0000; None: use the generic writer."""
    if vr == "US" and isinstance(value, int):
        return struct.pack("<H", value)
    if vr == "UL" and isinstance(value, int):
        return struct.pack("<I", value)
    if vr in _STRING_PAD and isinstance(value, str) and value.isascii():
        raw = value.encode("ascii")
        return raw + _STRING_PAD[vr] if len(raw) % 2 else raw
    if vr == "AT":
        values = value if isinstance(value, list) else [value]
        if all(isinstance(v, int) for v in values):
            return b"".join(struct.pack("<HH", v >> 16, v & 0xFFFF) for v in values)  # type: ignore[operator]
    if value is None:
        return b""
    return None


def command_set(elements: Dataset) -> bytes:
    """The encoded command set (Implicit VR Little Endian) with Command Group Length computed."""
    parts: list[bytes] = []
    for element in elements.elements():
        if element.tag == 0x00000000:
            continue
        raw = _fast_value(element.vr, element.value)
        if raw is None:
            parts.append(encode_dataset(Dataset({element.tag: element}), IMPLICIT_LE))
        else:
            parts.append(struct.pack("<HHI", element.tag >> 16, element.tag & 0xFFFF, len(raw)) + raw)
    body = b"".join(parts)
    return struct.pack("<HHII", 0, 0, 4, len(body)) + body


def preload() -> None:
    """Load the data dictionary that command sets are encoded and decoded with, so the
    first message does not pay for it (a server calls this before it listens)."""
    from ..dictionary import get_entry, lookup, uid_info

    get_entry(0x00000000)
    lookup("AffectedSOPClassUID")  # responses are made from keywords (the keyword index is made on first use)
    uid_info("1.2.840.10008.1.1")  # and the UIDs a C-STORE's SOP class is checked against


@functools.cache
def _command_vr(tag: int) -> str | None:
    """The VR of a command element (PS3.7 Table E.1-1); None for a tag that is not one."""
    from ..dictionary import get_entry

    entry = get_entry(tag)
    return entry.vrs[0] if entry is not None and entry.tag == tag else None


def read_command(data: bytes) -> Dataset:
    """A command set (group 0000, Implicit VR Little Endian); raises DicomDecodeError as the
    generic reader does for anything it does not expect."""
    result = Dataset()
    offset, end = 0, len(data)
    while offset < end:
        if end - offset < 8:
            return read_dataset(data, IMPLICIT_LE, source="command set")
        group, number, length = struct.unpack_from("<HHI", data, offset)
        tag = (group << 16) | number
        vr = _command_vr(tag) if group == 0 else None
        value_end = offset + 8 + length
        if vr is None or value_end > end or length == 0:
            return read_dataset(data, IMPLICIT_LE, source="command set")
        raw = data[offset + 8 : value_end]
        value: object
        if vr == "US" and length == 2:
            value = struct.unpack("<H", raw)[0]
        elif vr == "UL" and length == 4:
            value = struct.unpack("<I", raw)[0]
        elif vr in _STRING_PAD:
            value = raw.rstrip(b"\0 ").decode("ascii", errors="replace")
        elif vr == "AT" and length % 4 == 0:
            tags = [(g << 16) | e for g, e in struct.iter_unpack("<HH", raw)]
            value = tags[0] if len(tags) == 1 else tags
        else:
            return read_dataset(data, IMPLICIT_LE, source="command set")
        result.add(tag, vr, value)  # type: ignore[arg-type]
        offset = value_end
    return result


def fragments(
    context_id: int, command: bytes, data: bytes | None, max_pdu_length: int
) -> Iterator[PDataTF]:
    """P-DATA-TF PDUs of one message, each within ``max_pdu_length`` (0: no limit)."""
    # A PDU of max length L holds one PDV: 6 bytes of PDV header (length, id, flags).
    room = (max_pdu_length - 6) if max_pdu_length else max(len(command), len(data or b""), 1)
    if room < 1:
        raise DimseError(f"maximum PDU length {max_pdu_length} leaves no room for data")
    for payload, is_command in ((command, True), (data, False)):
        if payload is None:
            continue
        chunks = [payload[i : i + room] for i in range(0, len(payload), room)] or [b""]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            yield PDataTF((PresentationDataValue(context_id, is_command, last, chunk),))


@dataclass
class Message:
    """A reassembled DIMSE message. ``body`` is its data set's bytes, or for a large one a
    :class:`~.spill.SpilledData` (a temporary file; :meth:`close` frees it)."""

    context_id: int
    command: Dataset
    body: bytes | SpilledData | None = None

    @property
    def command_field(self) -> int:
        value = self.command.value(0x00000100)
        return value if isinstance(value, int) else 0

    @property
    def data(self) -> bytes | None:
        """The data set's bytes in memory (a spilled one is read from its file)."""
        body = self.body
        return body.read() if isinstance(body, SpilledData) else body

    @property
    def spilled(self) -> SpilledData | None:
        return self.body if isinstance(self.body, SpilledData) else None

    @property
    def held(self) -> int:
        """Bytes of the data set held in memory (none for a spilled one)."""
        return len(self.body) if isinstance(self.body, bytes) else 0

    def close(self) -> None:
        """Free the temporary file of a spilled data set (nothing otherwise)."""
        if isinstance(self.body, SpilledData):
            self.body.close()


DEFAULT_MAX_MESSAGE_SIZE = 512 * 1024 * 1024
"""The largest data set an acceptor reassembles by default (a C-STORE's instance)."""


class Assembler:
    """Puts messages back together from the PDVs of received P-DATA-TF PDUs.

    The unfinished message's fragments are held in memory, counted in ``budget`` (shared
    by a server's associations). With ``spill``, a data set that passes
    ``spill.threshold`` bytes, or whose next fragment the budget cannot take, is moved
    to a temporary file (:mod:`.spill`) and goes on there, counted in ``spill.budget``
    instead. A data set beyond ``max_message_size``, fragments beyond what the budget
    has left (without ``spill``), or beyond the disk budget are a :class:`DimseError`
    (the caller aborts the association)."""

    def __init__(self, max_message_size: int = 2**31, budget: Budget | None = None, spill: Spill | None = None) -> None:
        self.max_message_size = max_message_size
        self.budget = budget
        self.spill = spill
        self._held = 0  # bytes taken from the budget by the message being received
        self._command = bytearray()
        self._data = bytearray()
        self._spilled: SpilledData | None = None
        self._size = 0  # of the data set so far
        self._command_done: Dataset | None = None
        self._context: int | None = None

    def add(self, pdu: PDataTF) -> list[Message]:
        done: list[Message] = []
        for value in pdu.values:
            if self._context is not None and value.context_id != self._context:
                raise DimseError(
                    f"PDV of presentation context {value.context_id} inside a message of {self._context}"
                )
            self._context = value.context_id
            if value.is_command:
                if self._command_done is not None:
                    raise DimseError("a command fragment after the command set was complete")
                self._take(len(value.data))
                self._command += value.data
                if len(self._command) > 65536:
                    raise DimseError("a command set longer than 64 KiB")
                if value.is_last:
                    self._command_done = read_command(bytes(self._command))
                    kind = self._command_done.value(0x00000800)
                    if not isinstance(kind, int):
                        # without it no one knows whether a data set follows: waiting for one
                        # would hold the association until the idle timeout (PS3.7 E.1: required)
                        raise DimseError("a command set without Command Data Set Type (0000,0800)")
                    if kind == NO_DATA_SET:
                        done.append(Message(value.context_id, self._command_done))
                        self._reset()
                    elif self._command_done.value(0x00000100) == C_ECHO_RQ:
                        # PS3.7 9.3.5.1: 0101, no data set. Answered, it was Success whatever followed;
                        # waited for, a data set never sent held the association until the idle timeout
                        raise DimseError(f"a C-ECHO-RQ whose Command Data Set Type (0000,0800) is {kind:04X}H, "
                                         "saying a data set follows (PS3.7 9.3.5.1: 0101H, none)")
            else:
                if self._command_done is None:
                    raise DimseError("a data set fragment before the command set")
                self._size += len(value.data)
                if self._size > self.max_message_size:
                    raise DimseError(f"a data set longer than the limit of {self.max_message_size} bytes")
                try:
                    self._add_data(value.data)
                except SpillError as exc:
                    raise DimseError(str(exc)) from None
                if value.is_last:
                    body: bytes | SpilledData = bytes(self._data) if self._spilled is None else self._spilled
                    self._spilled = None  # the message's now
                    done.append(Message(value.context_id, self._command_done, body))
                    self._reset()
        return done

    def _take(self, size: int) -> bool:
        """Count ``size`` more bytes in memory; False if the budget cannot take them and
        they can be spilled instead; DimseError if neither."""
        budget = self.budget
        if budget is None:
            return True
        if not budget.take(size):
            if self.spill is not None and self._command_done is not None:
                return False
            raise DimseError(f"unfinished messages of all associations would hold more than {budget.limit} bytes")
        self._held += size
        return True

    def _add_data(self, data: bytes) -> None:
        spilled = self._spilled
        if spilled is None:
            spill = self.spill
            if self._take(len(data)):
                self._data += data
                if spill is None or len(self._data) <= spill.threshold:
                    return
                data = b""
            assert spill is not None
            spilled = self._spilled = SpilledData(spill)
            spilled.write(self._data)
            self._data = bytearray()
            self._give()
        spilled.write(data)

    @property
    def receiving(self) -> bool:
        """Whether a message has begun and is not complete yet."""
        return self._context is not None

    @property
    def pending(self) -> int:
        """Bytes of the message being received held in memory."""
        return len(self._command) + len(self._data)

    def discard(self) -> None:
        """Forget the message being received (the association has ended) and give its bytes back."""
        self._reset()

    def _give(self) -> None:
        if self.budget is not None and self._held:
            self.budget.give(self._held - len(self._command))
            self._held = len(self._command)

    def _reset(self) -> None:
        if self.budget is not None and self._held:
            self.budget.give(self._held)
        self._held = 0
        if self._spilled is not None:
            self._spilled.close()
            self._spilled = None
        self._size = 0
        self._command = bytearray()
        self._data = bytearray()
        self._command_done = None
        self._context = None
