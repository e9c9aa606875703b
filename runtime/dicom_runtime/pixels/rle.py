"""RLE Lossless (PS3.5 Annex G), both ways, with numpy: PackBits segments of each sample's
bytes, most significant byte first, behind a 64-byte RLE Header."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ._common import PixelDecodeError, PixelInfo, _fix_bits


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
    pixels = info.rows * info.columns
    planes = np.empty((info.samples_per_pixel, size, pixels), dtype=np.uint8)
    for segment in range(count):
        start, stop = offsets[segment], offsets[segment + 1]
        if not 64 <= start <= stop <= len(frame_data):
            raise PixelDecodeError(f"RLE segment {segment} offset {start} is outside the frame's {len(frame_data)} bytes", frame=index)
        decoded = _packbits(frame_data[start:stop], pixels)
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
