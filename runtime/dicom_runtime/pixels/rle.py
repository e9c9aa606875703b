"""RLE Lossless (PS3.5 Annex G), both ways, with numpy: PackBits segments of each sample's
bytes, most significant byte first, behind a 64-byte RLE Header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from ._common import PixelDataError, PixelDecodeError, PixelInfo, _fix_bits


def rle_decode_frame(frame_data: bytes, info: PixelInfo, index: int = 0) -> npt.NDArray[Any]:
    """One frame of RLE Lossless (PS3.5 Annex G): the RLE Header's segments, PackBits each,
    most significant byte of each sample first; given as the frame's samples."""
    if len(frame_data) < 64:
        raise PixelDecodeError(f"RLE data of {len(frame_data)} bytes has no 64-byte RLE Header (PS3.5 G.5)", frame=index)
    header = np.frombuffer(frame_data[:64], dtype="<u4")
    count = int(header[0])
    size = info.bits_allocated // 8
    expected = info.samples_per_pixel * size
    if info.bits_allocated == 1 or count != expected:
        raise PixelDecodeError(
            f"the RLE Header has {count} segments; Samples per Pixel {info.samples_per_pixel} x "
            f"Bits Allocated {info.bits_allocated} need {expected} (PS3.5 G.2)",
            frame=index,
        )
    offsets = [int(v) for v in header[1 : 1 + count]] + [len(frame_data)]
    for segment in range(count):
        if not 64 <= offsets[segment] <= len(frame_data):
            raise PixelDecodeError(
                f"RLE segment {segment} offset {offsets[segment]} is outside the frame's {len(frame_data)} bytes", frame=index
            )
        if offsets[segment] > offsets[segment + 1]:
            raise PixelDecodeError(f"RLE segment {segment} offset {offsets[segment]} is after the next segment's", frame=index)
    pixels = info.rows * info.columns
    planes = np.empty((info.samples_per_pixel, size, pixels), dtype=np.uint8)
    for segment in range(count):
        start, stop = offsets[segment], offsets[segment + 1]
        if not 64 <= start <= stop <= len(frame_data):
            raise PixelDecodeError(f"RLE segment {segment} offset {start} is outside the frame's {len(frame_data)} bytes", frame=index)
        decoded = _unpack(frame_data[start:stop], pixels)
        if len(decoded) < pixels:
            raise PixelDecodeError(
                f"RLE segment {segment} decodes to {len(decoded)} bytes; Rows x Columns is {pixels}", frame=index
            )
        planes[segment // size, segment % size] = np.frombuffer(decoded, dtype=np.uint8, count=pixels)
    # segment order: sample by sample, most significant byte first (G.2) -> big endian words
    words = np.ascontiguousarray(planes.transpose(0, 2, 1)).view(
        np.dtype(f">{'i' if info.pixel_representation else 'u'}{size}")
    )[..., 0]
    samples = _fix_bits(words.astype(info.dtype), info)
    if info.samples_per_pixel == 1:
        return samples.reshape(info.rows, info.columns)
    return np.ascontiguousarray(samples.reshape(info.samples_per_pixel, info.rows, info.columns).transpose(1, 2, 0))


_C_PACKBITS: list[Callable[[bytes], bytes | bytearray] | None] = []


def _unpack(data: bytes, length: int) -> bytes:
    """PackBits decoded: by imagecodecs' C PackBits (TIFF's, the same scheme as PS3.5 G.3.1)
    where the ``pixels`` extra is installed, 25 times the speed of the loop below; else by it."""
    if not _C_PACKBITS:
        try:
            from imagecodecs import packbits_decode
        except ImportError:
            _C_PACKBITS.append(None)
        else:
            _C_PACKBITS.append(packbits_decode)
    fast = _C_PACKBITS[0]
    if fast is not None:
        try:
            return bytes(fast(data))[:length]
        except Exception:  # imagecodecs' own error class on a damaged segment: the loop says how far it got
            pass
    return _packbits(data, length)


def _packbits(data: bytes, length: int) -> bytes:
    """PackBits (PS3.5 G.3.1): n in 0..127 copies the n+1 bytes that follow, -127..-1 repeats
    the next byte 1-n times, -128 does nothing; stops once ``length`` bytes are out."""
    out: list[bytes] = []
    i, end, produced = 0, len(data), 0
    while i < end and produced < length:
        n = data[i]
        if n < 128:
            out.append(data[i + 1 : i + n + 2])
            produced += n + 1
            i += n + 2
        elif n > 128:
            out.append(data[i + 1 : i + 2] * (257 - n))
            produced += 257 - n
            i += 2
        else:
            i += 1
    return b"".join(out)


# -- colour -----------------------------------------------------------------------------------------


def rle_encode_frame(samples: npt.NDArray[Any], info: PixelInfo, index: int = 0) -> bytes:
    """One frame's samples (``info.frame_shape``, as :func:`~.decode.array` gives them) as RLE
    Lossless (PS3.5 G.3, G.5): a segment for each byte of each sample, most significant first,
    each row coded on its own, runs of three or more equal bytes as Replicate Runs, each segment
    padded to an even length."""
    size = info.bits_allocated // 8
    count = info.samples_per_pixel * size
    if info.bits_allocated not in (8, 16, 32) or info.keyword != "PixelData":
        raise PixelDataError(f"frame {index}: RLE Lossless holds Bits Allocated 8, 16 or 32 of Pixel Data, not {info.bits_allocated}")
    if count > 15:
        raise PixelDataError(f"frame {index}: {count} RLE segments needed, the RLE Header holds 15 (PS3.5 G.5)")
    values = np.asarray(samples)
    if values.shape != info.frame_shape:
        raise PixelDataError(f"frame {index}: samples of shape {values.shape}, the data set says {info.frame_shape}")
    if info.pixel_representation and info.bits_stored < info.bits_allocated:
        values = values & np.array((1 << info.bits_stored) - 1, dtype=values.dtype)  # the unused high bits 0
    words = values.astype(f">{values.dtype.kind}{size}", copy=False).reshape(info.rows, info.columns, info.samples_per_pixel)
    planes = words.view(np.uint8).reshape(info.rows, info.columns, info.samples_per_pixel, size).transpose(2, 3, 0, 1)
    segments = [_packbits_encode(np.ascontiguousarray(planes[s, b])) for s in range(info.samples_per_pixel) for b in range(size)]
    offsets = np.zeros(16, dtype="<u4")
    offsets[0] = count
    position = 64
    for i, segment in enumerate(segments):
        offsets[1 + i] = position
        position += len(segment)
    return offsets.tobytes() + b"".join(segments)


def _packbits_encode(plane: npt.NDArray[np.uint8]) -> bytes:
    """PackBits of one byte plane ``(rows, columns)`` (PS3.5 G.3.1), vectorised: runs are found
    per row, runs of 3 or more become Replicate Runs (-n+1, byte) of at most 128, the bytes between
    Literal Runs (n-1, bytes) of at most 128; padded to even length."""
    rows, columns = plane.shape
    flat = plane.reshape(-1)
    total = flat.size
    change = np.empty(total, dtype=bool)
    change[0] = True
    np.not_equal(flat[1:], flat[:-1], out=change[1:])
    change[::columns] = True  # no run crosses a row
    run_starts = np.flatnonzero(change)
    run_lengths = np.diff(np.append(run_starts, total))
    replicate = run_lengths >= 3
    # groups: each replicate run alone; consecutive short runs of one row together as a literal
    row_start = run_starts % columns == 0
    previous_replicate = np.concatenate(([True], replicate[:-1]))
    group_start = replicate | previous_replicate | row_start
    group_starts = run_starts[group_start]
    group_lengths = np.diff(np.append(group_starts, total))
    group_replicate = replicate[group_start]
    # chunks of at most 128 bytes
    pieces = (group_lengths + 127) // 128
    chunk_group = np.repeat(np.arange(len(group_starts)), pieces)
    first_chunk = np.cumsum(pieces) - pieces
    within = np.arange(len(chunk_group)) - np.repeat(first_chunk, pieces)
    chunk_starts = group_starts[chunk_group] + 128 * within
    chunk_lengths = np.minimum(128, group_lengths[chunk_group] - 128 * within)
    chunk_replicate = group_replicate[chunk_group] & (chunk_lengths >= 2)
    sizes = np.where(chunk_replicate, 2, 1 + chunk_lengths)
    out_starts = np.cumsum(sizes) - sizes
    out = np.empty(int(sizes.sum()) + 1, dtype=np.uint8)
    out[out_starts] = np.where(chunk_replicate, 257 - chunk_lengths, chunk_lengths - 1).astype(np.uint8)
    out[out_starts[chunk_replicate] + 1] = flat[chunk_starts[chunk_replicate]]
    literal = ~chunk_replicate
    lengths = chunk_lengths[literal]
    first_out = np.repeat(out_starts[literal] + 1, lengths)
    first_in = np.repeat(chunk_starts[literal], lengths)
    step = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out[first_out + step] = flat[first_in + step]
    length = int(sizes.sum())
    if length % 2:
        out[length] = 0
        length += 1
    return out[:length].tobytes()
