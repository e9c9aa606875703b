"""The one exception of the media package: :class:`MediaError`."""

from __future__ import annotations

from ..errors import DicomError


class MediaError(DicomError, ValueError):
    """A File-set or DICOMDIR that cannot be read, created or updated as asked.

    ``path`` names the DICOMDIR (or the file added), ``offset`` the byte offset of the
    directory record concerned (from the first byte of the file, as the record links
    count), or None when no record is concerned; ``reason`` says why."""

    def __init__(self, reason: str, *, path: str, offset: int | None = None) -> None:
        self.reason = reason
        self.path = path
        self.offset = offset
        at = f"directory record at byte {offset}: " if offset is not None else ""
        super().__init__(f"{path}: {at}{reason}")
