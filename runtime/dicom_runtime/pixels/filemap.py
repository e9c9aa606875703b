"""Frames of a file decoded without reading the others (PS3.5 A.4 over a memory-mapped file).

:func:`array_from_file` reads the data set up to its Pixel Data, maps the file, and walks the
Pixel Data's item headers only (8 bytes each): the Basic Offset Table, or the Extended Offset
Table read with the header, then finds the frame's fragments, and only their pages are read
(the item headers with ``pread``: a fault on the map brings a large folio of the page cache in).
A native frame is read with ``pread``, its bytes only.
"""

from __future__ import annotations

import dataclasses
import mmap
import os
from pathlib import Path
from typing import Any, Literal

import numpy.typing as npt

from ..dataset import DataElement, Dataset, EncapsulatedPixelData
from ..encoding import _NATIVE as _NATIVE_SYNTAXES
from ..fileformat import _looks_explicit, _skip, encoding_of, read_file, split_file
from ..reader import EXPLICIT_LE, IMPLICIT_LE
from ._common import PixelDecodeError, pixel_info
from .decode import Fragment, _encapsulated, _native, array

__all__ = ["array_from_file"]

_ITEM = b"\xfe\xff\x00\xe0"
_SEQUENCE_END = b"\xfe\xff\xdd\xe0"


_DEFLATED = ("1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.4.95")
_LONG_VRS = (b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"UN")


def _native_frame(path: str | Path, dataset: Dataset, syntax: str, frame: int) -> npt.NDArray[Any] | None:
    """One native frame read with ``pread`` (its bytes only); None where the whole value is
    needed (1-bit frames not on byte boundaries, a frame of odd length in big endian OW, Pixel
    Data shorter than all frames: :func:`array` then says so)."""
    encoding = encoding_of(syntax)
    order: Literal["little", "big"] = "little" if encoding.little_endian else "big"
    with open(path, "rb") as handle:
        content = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            view = memoryview(content)
            try:
                _, start = split_file(content, source=str(path))  # type: ignore[arg-type]  # mmap is bytes-like
                at = _skip(view, start, encoding, top=True)
            finally:
                view.release()
        finally:
            content.close()
        if at is None:
            return None
        head = os.pread(handle.fileno(), 12, at)
        if len(head) < 12 or (int.from_bytes(head[0:2], order), int.from_bytes(head[2:4], order)) != (0x7FE0, 0x0010):
            return None
        if encoding.explicit_vr:
            vr = head[4:6].decode("latin_1")
            long = head[4:6] in _LONG_VRS
            length = int.from_bytes(head[8:12] if long else head[6:8], order)
            value = at + (12 if long else 8)
        else:
            vr, length, value = "OW", int.from_bytes(head[4:8], order), at + 8
        dataset[0x7FE00010] = DataElement(0x7FE00010, vr, b"")  # a marker: the description is read from the header
        info = pixel_info(dataset, transfer_syntax=syntax)
        if not 0 <= frame < info.number_of_frames:
            raise PixelDecodeError(f"frame {frame} is not within 0..{info.number_of_frames - 1} (Number of Frames {info.number_of_frames})")
        frame_bytes = info.frame_bits // 8
        if info.frame_bits % 8 or length == 0xFFFFFFFF or length < info.number_of_frames * frame_bytes:
            return None
        if not encoding.little_endian and vr == "OW" and info.bits_allocated == 8 and frame_bytes % 2:
            return None
        data = os.pread(handle.fileno(), frame_bytes, value + frame * frame_bytes)
        if len(data) < frame_bytes:
            return None
    return _native(dataset, dataclasses.replace(info, number_of_frames=1), data, 0)


def array_from_file(path: str | Path, frame: int | None = None) -> npt.NDArray[Any]:
    """``array(read_file(path).dataset, frame)``, reading only what ``frame`` needs: the
    header, then (encapsulated) the frame's fragments in the mapped file. A
    :class:`PixelDecodeError` names the file (its ``source``)."""
    try:
        return _array_from_file(path, frame)
    except PixelDecodeError as exc:
        if exc.source:
            raise
        raise PixelDecodeError(exc.reason, frame=exc.frame, fragment=exc.fragment, source=str(path)) from exc


def _array_from_file(path: str | Path, frame: int | None) -> npt.NDArray[Any]:
    source = str(path)
    header = read_file(path, stop_before_pixels=True)
    syntax = header.transfer_syntax
    if syntax in _NATIVE_SYNTAXES:
        if frame is not None and syntax not in _DEFLATED:
            found = _native_frame(path, header.dataset, syntax, frame)
            if found is not None:
                return found
        file = read_file(path)  # the whole Pixel Data: a view on the mapped file
        return array(file.dataset, frame, transfer_syntax=syntax)
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        size = os.fstat(handle).st_size
        mapped = mmap.mmap(handle, 0, access=mmap.ACCESS_READ)
    except BaseException:
        os.close(handle)
        raise
    view = memoryview(mapped)
    items: list[memoryview] = []
    try:
        _, start = split_file(mapped, source=source)  # type: ignore[arg-type]  # mmap is bytes-like
        # a data set in Implicit VR under an encapsulated syntax's meta, as read_file reads it
        explicit = _looks_explicit(view[start : start + 6])
        at = _skip(view, start, EXPLICIT_LE if explicit else IMPLICIT_LE, top=True)
        if at is None or bytes(view[at : at + 4]) != b"\xe0\x7f\x10\x00":
            raise PixelDecodeError("no top-level Pixel Data (7FE0,0010) after the header", source=source)
        length_field = bytes(view[at + 8 : at + 12] if explicit else view[at + 4 : at + 8])
        if (explicit and bytes(view[at + 4 : at + 6]) not in (b"OB", b"OW", b"UN")) or length_field != b"\xff\xff\xff\xff":
            raise PixelDecodeError(f"Pixel Data at byte {at} is not encapsulated (undefined length), its transfer syntax {syntax} is", source=source)
        position = at + (12 if explicit else 8)
        while True:
            # item headers read with pread, not through the map: a page fault on a mapped file
            # brings in (and counts as resident) a large folio of the page cache, up to megabytes
            head = os.pread(handle, 8, position)
            if len(head) < 8:
                raise PixelDecodeError(
                    f"the Pixel Data items end at byte {position} without a Sequence Delimitation Item (the file is truncated)",
                    fragment=max(0, len(items) - 2),
                    source=source,
                )
            tag, length = head[:4], int.from_bytes(head[4:8], "little")
            if tag == _SEQUENCE_END:
                break
            if tag != _ITEM or length == 0xFFFFFFFF:
                raise PixelDecodeError(
                    f"byte {position}: not an Item of defined length inside Pixel Data", fragment=max(0, len(items) - 1), source=source
                )
            if length > size - position - 8:
                raise PixelDecodeError(
                    f"byte {position}: the item's length {length} runs past the end of the file (truncated)",
                    fragment=len(items) - 1 if items else None,
                    source=source,
                )
            items.append(view[position + 8 : position + 8 + length])
            position += 8 + length
        if not items:
            raise PixelDecodeError("encapsulated Pixel Data without a Basic Offset Table item", source=source)
        dataset = header.dataset
        dataset[0x7FE00010] = DataElement(0x7FE00010, "OB", EncapsulatedPixelData(b"", []), undefined_length=True)  # a marker
        info = pixel_info(dataset, transfer_syntax=syntax)
        if frame is not None and not 0 <= frame < info.number_of_frames:
            raise PixelDecodeError(f"frame {frame} is not within 0..{info.number_of_frames - 1} (Number of Frames {info.number_of_frames})")
        parts: tuple[Fragment, list[Fragment]] = (bytes(items[0]), list(items[1:]))
        return _encapsulated(dataset, info, parts, frame)
    finally:
        for item in items:
            item.release()
        view.release()
        mapped.close()
        os.close(handle)
