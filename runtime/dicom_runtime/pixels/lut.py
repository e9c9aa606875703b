"""Colour, palettes, the Modality LUT and the VOI LUT (PS3.3 C.7.6.3.1, C.11.1, C.11.2): each a
function of its own, applied only when asked for."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..dataset import Dataset
from ..objects import DicomObject
from ._common import (
    _NATIVE,
    EXPLICIT_LE,
    PixelDataError,
    Source,
    _bytes_of,
    _raw,
    _tag_text,
    _text,
    _transfer_syntax,
)


def convert_color(
    arr: npt.NDArray[Any], from_: str = "YBR_FULL", to: str = "RGB"
) -> npt.NDArray[np.uint8] | npt.NDArray[np.uint16]:
    """Colour conversion of samples as :func:`array` gives them (last axis: 3 samples).

    YBR_FULL and YBR_FULL_422 (decoded: chroma for every pixel) to and from RGB, with the
    equations of PS3.3 C.7.6.3.1.2 (ITU-R BT.601 full range), rounded and clipped to the
    samples' range (8 or 16 bits, unsigned).
    """
    if arr.ndim < 3 or arr.shape[-1] != 3:
        raise PixelDataError(f"convert_color takes samples of 3 components on the last axis, not shape {arr.shape}")
    if arr.dtype not in (np.uint8, np.uint16):
        raise PixelDataError(f"convert_color takes uint8 or uint16 samples, not {arr.dtype}")
    source, target = from_.upper(), to.upper()
    ybr = ("YBR_FULL", "YBR_FULL_422")
    maximum = float(np.iinfo(arr.dtype).max)
    half = (maximum + 1) / 2
    x = arr.astype(np.float64)
    if source in ybr and target == "RGB":
        y, cb, cr = x[..., 0], x[..., 1] - half, x[..., 2] - half
        out = np.stack(
            [
                y + 1.402 * cr,
                y - (0.114 * 1.772 / 0.587) * cb - (0.299 * 1.402 / 0.587) * cr,
                y + 1.772 * cb,
            ],
            axis=-1,
        )
    elif source == "RGB" and target in ybr:
        r, g, b = x[..., 0], x[..., 1], x[..., 2]
        out = np.stack(
            [
                0.299 * r + 0.587 * g + 0.114 * b,
                -0.1687 * r - 0.3313 * g + 0.5 * b + half,
                0.5 * r - 0.4187 * g - 0.0813 * b + half,
            ],
            axis=-1,
        )
    elif source == target:
        return arr.copy()
    else:
        raise PixelDataError(f"no conversion from {from_} to {to} (YBR_FULL, YBR_FULL_422 and RGB are known)")
    return np.clip(np.rint(out), 0, maximum).astype(arr.dtype)


def _lut_descriptor(source: Source, keyword: str) -> tuple[int, int, int]:
    value = _raw(source, keyword)
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise PixelDataError(f"{keyword} ({_tag_text(keyword)}) is {value!r}, not 3 values")
    entries, first, bits = (int(v) for v in value)
    return entries or 65536, first, bits


def _lut_words(data: object, entries: int, bits: int, little: bool, name: str) -> npt.NDArray[Any]:
    raw = _bytes_of(data)
    if not isinstance(raw, bytes):
        if isinstance(data, (list, tuple)):  # LUT Data read as US values
            return np.asarray(data, dtype=np.uint16)
        raise PixelDataError(f"{name} is absent or not bytes")
    if bits <= 8 and len(raw) in (entries, entries + 1):
        return np.frombuffer(raw[:entries], dtype=np.uint8).astype(np.uint16)
    if len(raw) < 2 * entries:
        raise PixelDataError(f"{name} has {len(raw)} bytes; its descriptor's {entries} entries need {2 * entries}")
    return np.frombuffer(raw[: 2 * entries], dtype="<u2" if little else ">u2").astype(np.uint16)


def _little(source: Source) -> bool:
    return _NATIVE.get(_transfer_syntax(source) or EXPLICIT_LE, "<") == "<"


def apply_palette(arr: npt.NDArray[Any], source: Source) -> npt.NDArray[Any]:
    """PALETTE COLOR to RGB with the Red, Green and Blue Palette Color Lookup Tables
    (PS3.3 C.7.6.3.1.5-6): an index below the first mapped value takes the first entry, one
    beyond the last the last. uint8 for 8-bit entries, else uint16."""
    if source is not None and any(
        _raw(source, k) is not None for k in ("SegmentedRedPaletteColorLookupTableData",)
    ) and _raw(source, "RedPaletteColorLookupTableData") is None:
        raise PixelDataError("Segmented Palette Color Lookup Table Data (0028,1221) is not supported")
    little = _little(source)
    tables = []
    depth = 8
    for colour in ("Red", "Green", "Blue"):
        entries, first, bits = _lut_descriptor(source, f"{colour}PaletteColorLookupTableDescriptor")
        lut = _lut_words(_raw(source, f"{colour}PaletteColorLookupTableData"), entries, bits, little, f"{colour}PaletteColorLookupTableData")
        tables.append((lut, first))
        depth = max(depth, bits)
    indices = arr.astype(np.int64)
    out = np.empty((*arr.shape, 3), dtype=np.uint8 if depth <= 8 else np.uint16)
    for channel, (lut, first) in enumerate(tables):
        out[..., channel] = lut[np.clip(indices - first, 0, len(lut) - 1)]
    return out


# -- Modality LUT and VOI LUT -----------------------------------------------------------------------


def apply_rescale(arr: npt.NDArray[Any], slope: float = 1.0, intercept: float = 0.0) -> npt.NDArray[np.float64]:
    """Rescale Slope and Intercept (PS3.3 C.11.1.1.2): ``slope * stored + intercept``, as float64."""
    return arr.astype(np.float64) * float(slope) + float(intercept)


def _lut_apply(arr: npt.NDArray[Any], item: Source, little: bool, what: str) -> npt.NDArray[Any]:
    descriptor = _raw(item, "LUTDescriptor")
    if not isinstance(descriptor, (list, tuple)) or len(descriptor) != 3:
        raise PixelDataError(f"{what}: LUT Descriptor (0028,3002) is {descriptor!r}, not 3 values")
    entries = int(descriptor[0]) or 65536
    first = int(descriptor[1])
    if first >= 32768 and (arr.dtype.kind == "i"):
        first -= 65536  # the first value mapped is SS for signed pixels (C.11.1.1.1)
    bits = int(descriptor[2])
    lut = _lut_words(_raw(item, "LUTData"), entries, bits, little, f"{what} LUT Data (0028,3006)")
    return lut[np.clip(arr.astype(np.int64) - first, 0, entries - 1)]


def _first_item(source: Source, keyword: str) -> Source | None:
    value = _raw(source, keyword)
    if isinstance(value, list) and value and isinstance(value[0], (Dataset, DicomObject)):
        item: Source = value[0]
        return item
    return None


def _float(source: Source, keyword: str, default: float | None, index: int = 0) -> float:
    value = _raw(source, keyword)
    if isinstance(value, (list, tuple)):
        value = value[index] if len(value) > index else None
    if value is None or value == "":
        if default is None:
            raise PixelDataError(f"{keyword} ({_tag_text(keyword)}) is absent")
        return default
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PixelDataError(f"{keyword} ({_tag_text(keyword)}) is {value!r}, not a number") from None


def apply_modality_lut(arr: npt.NDArray[Any], source: Source) -> npt.NDArray[Any]:
    """The Modality LUT of ``source`` (PS3.3 C.11.1): its Modality LUT Sequence's LUT if present,
    else Rescale Slope and Intercept (float64); unchanged without either."""
    item = _first_item(source, "ModalityLUTSequence")
    if item is not None:
        return _lut_apply(arr, item, _little(source), "Modality LUT Sequence (0028,3000)")
    if _raw(source, "RescaleSlope") is None and _raw(source, "RescaleIntercept") is None:
        return arr
    return apply_rescale(arr, _float(source, "RescaleSlope", 1.0), _float(source, "RescaleIntercept", 0.0))


def apply_window(
    arr: npt.NDArray[Any],
    center: float,
    width: float,
    *,
    function: Literal["LINEAR", "LINEAR_EXACT", "SIGMOID"] | str = "LINEAR",
    output_range: tuple[float, float] = (0.0, 255.0),
) -> npt.NDArray[np.float64]:
    """Window Center and Width (PS3.3 C.11.2.1.2) mapping to ``output_range`` (float64)."""
    low, high = output_range
    x = arr.astype(np.float64)
    kind = function.upper()
    if kind == "LINEAR":
        if width < 1:
            raise PixelDataError(f"Window Width {width} is below 1 (C.11.2.1.2.1)")
        below = x <= center - 0.5 - (width - 1) / 2
        above = x > center - 0.5 + (width - 1) / 2
        y = ((x - (center - 0.5)) / (width - 1) + 0.5) * (high - low) + low if width > 1 else np.full_like(x, low)
        return np.where(below, low, np.where(above, high, y))
    if kind == "LINEAR_EXACT":
        if width <= 0:
            raise PixelDataError(f"Window Width {width} is not above 0 (C.11.2.1.3.2)")
        below = x <= center - width / 2
        above = x > center + width / 2
        return np.where(below, low, np.where(above, high, (x - center) / width * (high - low) + (high + low) / 2))
    if kind == "SIGMOID":
        if width <= 0:
            raise PixelDataError(f"Window Width {width} is not above 0 (C.11.2.1.3.1)")
        return (high - low) / (1 + np.exp(-4 * (x - center) / width)) + low
    raise PixelDataError(f"VOI LUT Function {function!r} is not LINEAR, LINEAR_EXACT or SIGMOID")


def apply_voi_lut(arr: npt.NDArray[Any], source: Source, index: int = 0) -> npt.NDArray[Any]:
    """The VOI LUT of ``source`` (PS3.3 C.11.2): the ``index``-th item of its VOI LUT Sequence
    if present (the LUT's own values), else its ``index``-th Window Center and Width with its
    VOI LUT Function (output range 0..255, float64); unchanged without either."""
    value = _raw(source, "VOILUTSequence")
    if isinstance(value, list) and value:
        if not 0 <= index < len(value):
            raise PixelDataError(f"VOI LUT Sequence (0028,3010) has {len(value)} items, not an item {index}")
        item: Source = value[index]
        return _lut_apply(arr, item, _little(source), f"VOI LUT Sequence (0028,3010) item {index}")
    if _raw(source, "WindowCenter") is None:
        return arr
    center = _float(source, "WindowCenter", None, index)
    width = _float(source, "WindowWidth", None, index)
    return apply_window(arr, center, width, function=_text(source, "VOILUTFunction") or "LINEAR")

