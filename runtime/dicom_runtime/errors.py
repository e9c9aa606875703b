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
