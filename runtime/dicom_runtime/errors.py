"""The runtime's documented exceptions. Every one derives from :class:`DicomError`."""

from __future__ import annotations


class DicomError(Exception):
    """Base of every exception the runtime documents."""


class UnknownTagError(DicomError, KeyError):
    """A tag or keyword that the data dictionary does not define."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else "unknown tag"


class UnknownUIDError(DicomError, KeyError):
    """A UID that PS3.6 Table A-1 of the generated edition does not list."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown UID"


class DicomTypeError(DicomError, TypeError):
    """A generated class was given a value whose Python type does not fit the attribute's VR."""


class DicomDecodeError(DicomError, ValueError):
    """Bytes that are not a valid encoding: names the source, the byte offset and the tag path."""

    def __init__(self, reason: str, *, offset: int, path: str = "", source: str = "") -> None:
        self.reason = reason
        self.offset = offset
        self.path = path
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{self.detail}")

    @property
    def detail(self) -> str:
        """The message without the source, for a message that names it already:
        ``byte OFFSET at PATH: REASON``."""
        at = f" at {self.path}" if self.path else ""
        return f"byte {self.offset}{at}: {self.reason}"


class DicomEncodeError(DicomError, ValueError):
    """A data set that cannot be encoded in the requested transfer syntax."""
