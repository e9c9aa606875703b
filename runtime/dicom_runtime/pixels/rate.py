"""Lossy JPEG 2000 and HTJ2K at a compression ratio: ``level`` of :func:`~.codecs.encode_frame`
for these syntaxes is the ratio of the frame's native size (Rows x Columns x Samples per Pixel x
Bits Allocated / 8, the size Lossy Image Compression Ratio (0028,2112) is measured against,
PS3.3 C.7.6.1.1.5) to the codestream's.

imagecodecs' ``jpeg2k_encode(level=...)`` is a fixed-quality PSNR target in dB (OpenJPEG's
``tcp_distoratio``), not a ratio, and its ``htj2k_encode(level=...)`` is OpenJPH's quantisation
step relative to the dtype's range: neither targets a ratio. JPEG 2000 is therefore coded with
pylibjpeg-openjpeg's OpenJPEG (``compression_ratios``: its rate allocation, against the samples'
precision Bits Stored, so the ratio asked of it is scaled by Bits Stored / Bits Allocated and
corrected by the size it gave); HTJ2K (OpenJPH has no rate allocation) by searching the
quantisation step whose codestream is the size asked for. Either way the ratio is reached as
closely as the image allows: an image that compresses further at the finest step comes out
smaller, one that does not reach it at the coarsest step larger; :func:`~.encode.encode` records
the ratio reached, never the one asked for."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy.typing as npt

from ._common import MissingCodecError, PixelDataError, PixelInfo

#: the ratio used when ``level`` is None
DEFAULT_RATIO = 10.0
#: the search stops at a codestream within this fraction of the size asked for
TOLERANCE = 0.02
#: OpenJPH quantisation steps searched (relative to the dtype's range)
_STEPS = (1e-7, 1.0)
_SEARCHES = 24
#: imagecodecs' OpenJPEG PSNR targets searched (dB; the codestream shrinks as the target falls)
_PSNRS = (400.0, 1.0)
#: pylibjpeg-openjpeg's 6 resolutions need a frame this many samples high and wide
_OPENJPEG_SMALLEST = 32


def native_size(info: PixelInfo) -> int:
    """One frame's native size in bytes, the measure of the ratio."""
    return info.rows * info.columns * info.samples_per_pixel * info.bits_allocated // 8


def ratio_of(level: float | None, name: str) -> float:
    """The ratio ``level`` asks for (None: :data:`DEFAULT_RATIO`); one PixelDataError for a
    ratio that is no compression."""
    ratio = DEFAULT_RATIO if level is None else float(level)
    if not math.isfinite(ratio) or ratio <= 1:
        raise PixelDataError(f"{name}: level is a compression ratio, more than 1 (0: lossless), not {level}")
    return ratio


def _closer(size: int, best: bytes | None, target: float) -> bool:
    return best is None or abs(math.log(size / target)) < abs(math.log(len(best) / target))


def j2k_lossy(
    encoder: Callable[..., Any], values: npt.NDArray[Any], info: PixelInfo, ratio: float, name: str, uid: str
) -> bytes:
    """One frame as a lossy (9-7 irreversible) JPEG 2000 codestream of about ``ratio``:1,
    precision Bits Stored, no component transform (RGB stays RGB, PS3.5 8.2.4)."""
    target = native_size(info) / ratio
    if min(info.rows, info.columns) < _OPENJPEG_SMALLEST:
        # pylibjpeg-openjpeg codes 6 resolutions, too many for this frame: imagecodecs' OpenJPEG
        # (as many resolutions as the frame has) at the PSNR target (dB) whose size is nearest
        return _search(
            lambda psnr: bytes(
                encoder(values, level=psnr, codecformat="J2K", reversible=False, mct=False, bitspersample=info.bits_stored, numthreads=1)
            ),
            _PSNRS,
            target,
        )
    try:
        from openjpeg.utils import encode_array
    except ImportError:
        raise MissingCodecError(f"{name} ({uid}) lossy needs pylibjpeg-openjpeg: pip install 'dicom-typed[pixels]'") from None
    asked = ratio * info.bits_stored / info.bits_allocated  # OpenJPEG's ratio is against Bits Stored
    best: bytes | None = None
    for _ in range(4):
        data = bytes(
            encode_array(
                values,
                bits_stored=info.bits_stored,
                photometric_interpretation=0,  # unspecified: no MCT
                use_mct=False,
                compression_ratios=[max(1.0, asked)],
                codec_format=0,
            )
        )
        if _closer(len(data), best, target):
            best = data
        if abs(len(data) / target - 1) <= TOLERANCE or asked <= 1.0:
            break
        asked *= len(data) / target  # its headers and rounding: the ratio asked for corrected once more
    assert best is not None
    return best


def htj2k_lossy(encoder: Callable[..., Any], values: npt.NDArray[Any], info: PixelInfo, ratio: float) -> bytes:
    """One frame as a lossy HTJ2K codestream of about ``ratio``:1: OpenJPH's quantisation step
    searched (the codestream shrinks as the step grows)."""
    return _search(lambda step: bytes(encoder(values, level=step, rgb=False, reversible=False)), _STEPS, native_size(info) / ratio)


def _search(coded: Callable[[float], bytes], bounds: tuple[float, float], target: float) -> bytes:
    """The codestream of the setting in ``bounds`` (positive; the codestream shrinks from the
    first towards the second) whose size is nearest ``target``, by bisection of its logarithm."""
    low, high = math.log(bounds[0]), math.log(bounds[1])
    best = coded(bounds[0])
    if len(best) <= target:  # compresses further than asked at the finest setting
        return best
    coarsest = coded(bounds[1])
    if len(coarsest) >= target:
        # never as small as asked (a tiny frame, its headers): the finest setting that is as
        # small as the coarsest, rather than the coarsest's wrecked image for no byte saved
        best = coarsest
        for _ in range(_SEARCHES):
            middle = (low + high) / 2
            data = coded(math.exp(middle))
            if len(data) <= len(coarsest):
                high, best = middle, data
            else:
                low = middle
        return best
    if _closer(len(coarsest), best, target):
        best = coarsest
    for _ in range(_SEARCHES):
        middle = (low + high) / 2
        data = coded(math.exp(middle))
        if _closer(len(data), best, target):
            best = data
        if abs(len(data) / target - 1) <= TOLERANCE:
            break
        if len(data) > target:
            low = middle
        else:
            high = middle
    return best


__all__ = ["DEFAULT_RATIO", "TOLERANCE", "j2k_lossy", "htj2k_lossy", "native_size", "ratio_of"]
