"""Decoding: native Pixel Data sliced and shaped with numpy, encapsulated frames found and
handed to the codec registry (:mod:`.codecs`, :mod:`.rle`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..dataset import EncapsulatedPixelData
from ._common import (
    _NATIVE,
    PixelDecodeError,
    PixelInfo,
    Source,
    _bytes_of,
    _fix_bits,
    _raw,
    _tag_text,
    _vr_of,
    pixel_info,
)
from .codecs import RLE_LOSSLESS, decode_frame
from .rle import rle_decode_frame


def array(
    source: Source, frame: int | None = None, *, transfer_syntax: str | None = None
) -> npt.NDArray[Any]:
    """The pixel data of ``source`` as an array (see the module's docstring for shapes).

    ``frame=i`` (0-based) decodes that frame only; ``transfer_syntax`` overrides the one of the
    File Meta Information (default, with none: Explicit VR Little Endian).
    """
    info = pixel_info(source, transfer_syntax=transfer_syntax)
    if frame is not None and not 0 <= frame < info.number_of_frames:
        raise PixelDecodeError(f"frame {frame} is not within 0..{info.number_of_frames - 1} (Number of Frames {info.number_of_frames})")
    data = _bytes_of(_raw(source, info.keyword))
    if data is None:
        raise PixelDecodeError(f"{info.keyword} ({_tag_text(info.keyword)}) holds no bytes")
    encapsulated = info.transfer_syntax not in _NATIVE
    if encapsulated and isinstance(data, (bytes, memoryview)):
        if _looks_like_items(data):
            data = EncapsulatedPixelData.decode(bytes(data), source=info.keyword)
        else:
            raise PixelDecodeError(
                f"{info.keyword}: the transfer syntax {info.transfer_syntax} is encapsulated but the value is not items (PS3.5 A.4)"
            )
    if isinstance(data, EncapsulatedPixelData):
        if not encapsulated:
            raise PixelDecodeError(f"{info.keyword} is encapsulated, but the transfer syntax {info.transfer_syntax} is native")
        return _encapsulated(source, info, data, frame)
    return _native(source, info, data, frame)


def frames(source: Source, *, transfer_syntax: str | None = None) -> list[npt.NDArray[Any]]:
    """Each frame, as ``array(source, frame=i)`` gives it (decoded in one pass)."""
    info = pixel_info(source, transfer_syntax=transfer_syntax)
    whole = array(source, transfer_syntax=transfer_syntax)  # offset tables read, fragments scanned once
    if info.number_of_frames == 1:
        return [whole]
    return [np.ascontiguousarray(frame) for frame in whole]


def _looks_like_items(data: bytes | memoryview) -> bool:
    return len(data) >= 8 and data[:4] == b"\xfe\xff\x00\xe0"


def _native(source: Source, info: PixelInfo, data: bytes | memoryview, frame: int | None) -> npt.NDArray[Any]:
    frame_bits = info.frame_bits
    count = info.number_of_frames if frame is None else 1
    first = 0 if frame is None else frame
    needed_bits = info.number_of_frames * frame_bits
    needed = (needed_bits + 7) // 8
    if len(data) < needed:
        raise PixelDecodeError(
            f"{info.keyword} ({_tag_text(info.keyword)}) has {len(data)} bytes; Rows {info.rows} x Columns {info.columns} x "
            f"Samples per Pixel {info.samples_per_pixel} x Number of Frames {info.number_of_frames} x Bits Allocated "
            f"{info.bits_allocated} need {needed} (PS3.5 8.1.1)"
        )
    big = _NATIVE[info.transfer_syntax] == ">"
    if info.bits_allocated == 1:
        buffer = np.frombuffer(data, dtype=np.uint8)
        if big and _vr_of(source, info.keyword) == "OW":
            buffer = _swap_words(buffer)
        start = first * frame_bits
        stop = start + count * frame_bits
        first_byte, last_byte = start // 8, (stop + 7) // 8
        bits = np.unpackbits(buffer[first_byte:last_byte], bitorder="little")  # first pixel: least significant bit
        bits = bits[start - first_byte * 8 : start - first_byte * 8 + count * frame_bits]
        return _shape_frames(bits, info, count, frame is None)
    size = info.bits_allocated // 8
    frame_bytes = frame_bits // 8
    chunk = data[first * frame_bytes : (first + count) * frame_bytes]
    samples: npt.NDArray[Any]
    if big and size == 4 and _vr_of(source, info.keyword) == "OW":
        # 32-bit samples in OW: 16-bit words, each big endian, the low word first as in the little
        # endian stream they stand for (PS3.5 6.2: OW swaps within each word; dcmtk's dcmconv +tb
        # writes them so). pydicom reads them as 32-bit big endian numbers (its corpus's
        # rtdose_expb*.dcm were written so by a script of its own)
        words = np.frombuffer(chunk, dtype=">u2").astype("<u2")
        kind = "i" if info.pixel_representation else "u"
        samples = words.view(f"<{kind}4").astype(info.dtype, copy=False)
    elif big and size == 1 and _vr_of(source, info.keyword) == "OW":
        # 8-bit samples in OW words of a big endian stream: the words' bytes swapped (PS3.5 7.3)
        start = first * frame_bytes
        even = start - start % 2
        stop = (first + count) * frame_bytes
        swapped = _swap_words(np.frombuffer(data[even : stop + stop % 2], dtype=np.uint8))
        samples = swapped[start - even : start - even + count * frame_bytes]
    else:
        order = ">" if big else "<"
        kind = {"FloatPixelData": "f", "DoubleFloatPixelData": "f"}.get(info.keyword, "i" if info.pixel_representation else "u")
        samples = np.frombuffer(chunk, dtype=np.dtype(f"{order}{kind}{size}")).astype(info.dtype, copy=False)
    samples = _fix_bits(samples, info)
    if info.photometric_interpretation == "YBR_FULL_422":
        return _shape_frames(_expand_422(samples, info, count), info, count, frame is None)
    return _shape_frames(samples, info, count, frame is None)


def _swap_words(buffer: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Bytes of OW words read in big endian, in the order of the little endian stream they stand for."""
    even = buffer[: len(buffer) // 2 * 2].reshape(-1, 2)[:, ::-1].reshape(-1)
    return np.concatenate([even, buffer[len(even) :]]) if len(buffer) % 2 else even


def _expand_422(samples: npt.NDArray[Any], info: PixelInfo, count: int) -> npt.NDArray[Any]:
    """Native YBR_FULL_422 (PS3.3 C.7.6.3.1.2): Y1 Y2 Cb Cr for each pair of pixels of a row,
    given as YBR_FULL (each pair's Cb and Cr for both pixels)."""
    if info.columns % 2:
        raise PixelDecodeError(f"YBR_FULL_422 with an odd number of Columns ({info.columns})")
    quads = samples.reshape(count, info.rows, info.columns // 2, 4)
    out = np.empty((count, info.rows, info.columns // 2, 2, 3), dtype=samples.dtype)
    out[..., 0, 0] = quads[..., 0]
    out[..., 1, 0] = quads[..., 1]
    out[..., :, 1] = quads[..., 2, None]
    out[..., :, 2] = quads[..., 3, None]
    return out.reshape(-1)


def _shape_frames(samples: npt.NDArray[Any], info: PixelInfo, count: int, whole: bool) -> npt.NDArray[Any]:
    s = info.samples_per_pixel
    if s > 1 and info.planar_configuration == 1 and info.photometric_interpretation != "YBR_FULL_422":
        shaped = samples.reshape(count, s, info.rows, info.columns).transpose(0, 2, 3, 1)
    else:
        shaped = samples.reshape((count, *info.frame_shape))
    if whole and info.number_of_frames > 1:
        return np.ascontiguousarray(shaped)
    return np.ascontiguousarray(shaped[0])


# -- encapsulated -----------------------------------------------------------------------------------


Fragment = bytes | memoryview


def _frame_fragments(
    source: Source, info: PixelInfo, data: EncapsulatedPixelData | tuple[Fragment, Sequence[Fragment]]
) -> list[tuple[int, list[Fragment]]]:
    """The fragments of each frame, with the index of its first (PS3.5 A.4): from the Extended
    Offset Table, the Basic Offset Table, one fragment a frame, or by the start of each frame's
    codestream. ``data``: the Pixel Data value, or its Basic Offset Table and fragments (views
    on a mapped file)."""
    basic, fragments = (data.offsets, data.fragments) if isinstance(data, EncapsulatedPixelData) else data
    n = info.number_of_frames
    if not fragments:
        raise PixelDecodeError("encapsulated Pixel Data (7FE0,0010) has no fragment")
    positions: dict[int, int] = {}
    position = 0
    for index, fragment in enumerate(fragments):
        positions[position] = index
        position += 8 + len(fragment)
    end = position
    offsets: list[int] | None = None
    extended = _bytes_of(_raw(source, "ExtendedOffsetTable"))
    if isinstance(extended, (bytes, memoryview)) and len(extended):
        if len(extended) % 8:
            raise PixelDecodeError(f"the Extended Offset Table (7FE0,0001) has {len(extended)} bytes, not 8 a frame")
        offsets = [int(v) for v in np.frombuffer(extended, dtype="<u8")]
        name = "Extended Offset Table (7FE0,0001)"
    elif len(basic):
        if len(basic) % 4:
            raise PixelDecodeError(f"the Basic Offset Table has {len(basic)} bytes, not 4 a frame (PS3.5 A.4)")
        offsets = [int(v) for v in np.frombuffer(basic, dtype="<u4")]
        name = "Basic Offset Table"
    if offsets is not None:
        if len(offsets) != n:
            raise PixelDecodeError(f"the {name} has {len(offsets)} offsets for Number of Frames {n}")
        starts: list[int] = []
        for i, offset in enumerate(offsets):
            if offset >= end:
                raise PixelDecodeError(
                    f"the {name}'s offset {offset} points past the data: the {len(fragments)} fragments' items end at {end}", frame=i
                )
            if offset not in positions:
                raise PixelDecodeError(f"the {name}'s offset {offset} is not the start of a fragment", frame=i)
            if starts and positions[offset] <= starts[-1]:
                raise PixelDecodeError(f"the {name}'s offset {offset} is not after the previous frame's", frame=i)
            starts.append(positions[offset])
        ends = starts[1:] + [len(fragments)]
        return [(a, list(fragments[a:b])) for a, b in zip(starts, ends)]
    if n == 1:
        return [(0, list(fragments))]
    if len(fragments) == n:
        return [(i, [f]) for i, f in enumerate(fragments)]
    if info.transfer_syntax == RLE_LOSSLESS:
        raise PixelDecodeError(f"RLE Lossless with {len(fragments)} fragments for Number of Frames {n} (PS3.5 G.2: one fragment a frame)")
    groups: list[tuple[int, list[Fragment]]] = []
    for index, fragment in enumerate(fragments):
        if not groups or _starts_codestream(fragment):
            groups.append((index, [fragment]))
        else:
            groups[-1][1].append(fragment)
    if len(groups) != n:
        raise PixelDecodeError(
            f"{len(fragments)} fragments without an offset table: {len(groups)} codestreams found for Number of Frames {n}"
        )
    return groups


def _starts_codestream(fragment: Fragment) -> bool:
    """A JPEG (SOI), JPEG 2000 codestream (SOC SIZ) or JP2 file signature at the fragment's start."""
    head = bytes(fragment[:12])
    return head[:2] == b"\xff\xd8" or head[:4] == b"\xff\x4f\xff\x51" or head[4:12] == b"jP  \r\n\x87\n"


def _encapsulated(
    source: Source, info: PixelInfo, data: EncapsulatedPixelData | tuple[Fragment, Sequence[Fragment]], frame: int | None
) -> npt.NDArray[Any]:
    groups = _frame_fragments(source, info, data)
    whole = frame is None and info.number_of_frames > 1
    # every frame: decoded into its place of one array (JPEG 2000 straight into it)
    stack = np.empty((info.number_of_frames, *info.frame_shape), dtype=info.dtype) if whole else None
    wanted = range(info.number_of_frames) if frame is None else [frame]
    decoded = None
    for i in wanted:
        first, parts = groups[i]
        try:
            decoded = _decode_frame(b"".join(parts), info, i, None if stack is None else stack[i])
        except PixelDecodeError as exc:
            if exc.fragment is not None:
                raise
            span = f"{first}" if len(parts) == 1 else f"{first}..{first + len(parts) - 1}"
            reason = exc.reason if len(parts) == 1 else f"{exc.reason} (fragments {span})"
            raise PixelDecodeError(reason, frame=i, fragment=first) from exc
    if stack is not None:
        return stack
    assert decoded is not None
    return decoded


def _decode_frame(frame_data: bytes, info: PixelInfo, index: int, out: npt.NDArray[Any] | None) -> npt.NDArray[Any]:
    if info.transfer_syntax == RLE_LOSSLESS:
        result = rle_decode_frame(frame_data, info, index)
        if out is None:
            return result
        out[...] = result
        return out
    return decode_frame(frame_data, info, index, out)
