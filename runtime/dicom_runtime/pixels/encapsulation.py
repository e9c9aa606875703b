"""Encapsulation of encoded frames (PS3.5 A.4): items of even length, a Basic Offset Table or an
Extended Offset Table (7FE0,0001) with its lengths (7FE0,0002)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..dataset import EncapsulatedPixelData
from ._common import PixelDataError

OffsetTable = Literal["basic", "extended", "empty"]

_BASIC_LIMIT = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class Encapsulated:
    """Frames encapsulated: the Pixel Data value, and the Extended Offset Table and its Lengths
    (both None unless asked for, or needed: a Basic Offset Table holds offsets below 4 GiB)."""

    pixel_data: EncapsulatedPixelData
    extended_offsets: bytes | None = None
    extended_lengths: bytes | None = None


def encapsulate(
    frames: Sequence[bytes], *, offset_table: OffsetTable = "basic", fragment_size: int | None = None
) -> Encapsulated:
    """Each frame in fragments of even length (a frame of odd length padded with one 0 byte,
    after the codestream's end marker, as PS3.5 A.4 allows), ``fragment_size`` bytes at most
    (even; default: one fragment a frame). ``offset_table``: "basic" (the offsets of each frame's
    first fragment in the Basic Offset Table item), "extended" (the Basic Offset Table item
    empty, the Extended Offset Table and Lengths given; one fragment a frame, as A.4 requires),
    "empty" (neither). "basic" past 4 GiB of fragments becomes "extended"."""
    if not frames:
        raise PixelDataError("no frame to encapsulate")
    if fragment_size is not None and (fragment_size < 2 or fragment_size % 2):
        raise PixelDataError(f"fragment size {fragment_size} is not an even number of at least 2 bytes")
    if offset_table == "extended" and fragment_size is not None:
        raise PixelDataError("an Extended Offset Table needs each frame in one fragment (PS3.5 A.4): no fragment size")
    if offset_table not in ("basic", "extended", "empty"):
        raise PixelDataError(f"offset table {offset_table!r} is not 'basic', 'extended' or 'empty'")
    fragments: list[bytes] = []
    offsets: list[int] = []
    lengths: list[int] = []
    position = 0
    for frame in frames:
        padded = frame + b"\0" if len(frame) % 2 else frame
        offsets.append(position)
        lengths.append(len(padded))
        step = fragment_size or max(2, len(padded))
        for start in range(0, max(1, len(padded)), step):
            chunk = padded[start : start + step]
            fragments.append(chunk)
            position += 8 + len(chunk)
    if offset_table == "basic" and offsets[-1] > _BASIC_LIMIT:
        if fragment_size is not None:
            raise PixelDataError(
                f"frame offsets up to {offsets[-1]} bytes do not fit a Basic Offset Table, and an Extended Offset "
                "Table needs one fragment a frame: no fragment size"
            )
        offset_table = "extended"
    if offset_table == "basic":
        return Encapsulated(EncapsulatedPixelData(np.asarray(offsets, dtype="<u4").tobytes(), fragments))
    if offset_table == "extended":
        return Encapsulated(
            EncapsulatedPixelData(b"", fragments),
            np.asarray(offsets, dtype="<u8").tobytes(),
            np.asarray(lengths, dtype="<u8").tobytes(),
        )
    return Encapsulated(EncapsulatedPixelData(b"", fragments))
