"""Filling the Image Pixel module from an array (PS3.3 C.7.6.3) on a typed instance or a data set."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..dataset import DataElement, Dataset
from ..objects import DicomObject, _state
from ..value_checks import _enumerated
from ._common import (
    _NATIVE,
    _TAGS,
    EXPLICIT_LE,
    PixelDataError,
    Source,
    _tag_text,
    _transfer_syntax,
)

_PHOTOMETRIC_SAMPLES = {
    "MONOCHROME1": 1,
    "MONOCHROME2": 1,
    "PALETTE COLOR": 1,
    "RGB": 3,
    "YBR_FULL": 3,
}


def set_array(
    target: Source,
    arr: npt.NDArray[Any],
    *,
    photometric: str | None = None,
    bits_stored: int | None = None,
    planar_configuration: int = 0,
    multi_frame: bool | None = None,
) -> None:
    """Fill the Image Pixel module of ``target`` (a typed instance or a data set) from ``arr``.

    Shapes: ``(rows, columns)`` and ``(rows, columns, 3)`` are one frame, ``(frames, rows, columns[, 3])``
    several (``multi_frame`` decides a 3-dimensional array with a last axis of 3; by default it is
    a colour frame when ``photometric`` is RGB or YBR_FULL). dtypes: bool (Bits Allocated 1), uint8/int8,
    uint16/int16, uint32/int32; float32 and float64 go to Float / Double Float Pixel Data (data sets only).
    Sets Rows, Columns, Samples per Pixel, Bits Allocated, Bits Stored, High Bit, Pixel
    Representation, Photometric Interpretation, Planar Configuration (colour), Number of Frames
    (several frames, or when the target has the attribute) and Pixel Data in native little endian,
    and removes Smallest / Largest Image Pixel Value (0028,0106/0107), which described the pixels
    replaced; a transfer syntax read with the target that is not native little endian becomes Explicit VR
    Little Endian.
    """
    values = np.asarray(arr)
    if photometric is None:
        photometric = "RGB" if values.ndim >= 3 and values.shape[-1] == 3 and values.ndim == 3 and multi_frame is not True else "MONOCHROME2"
        if values.ndim == 4:
            photometric = "RGB"
    photometric = photometric.upper()
    samples = _PHOTOMETRIC_SAMPLES.get(photometric)
    if samples is None:
        raise PixelDataError(
            f"Photometric Interpretation {photometric!r}: set_array writes MONOCHROME1, MONOCHROME2, PALETTE COLOR, RGB or YBR_FULL"
        )
    if multi_frame is None:
        multi_frame = values.ndim == (4 if samples == 3 else 3)
    expected = (2 if samples == 1 else 3) + (1 if multi_frame else 0)
    if values.ndim != expected or (samples == 3 and values.shape[-1] != 3):
        raise PixelDataError(
            f"an array of shape {values.shape} for {photometric}{' (several frames)' if multi_frame else ''}: "
            f"expected {expected} axes{' with 3 samples last' if samples == 3 else ''}"
        )
    if any(n == 0 for n in values.shape):
        raise PixelDataError(f"an empty array (shape {values.shape})")
    count = values.shape[0] if multi_frame else 1
    rows, columns = values.shape[1:3] if multi_frame else values.shape[0:2]
    if rows > 65535 or columns > 65535:
        raise PixelDataError(f"{rows} x {columns} pixels: Rows and Columns are US (at most 65535)")
    kind, size = values.dtype.kind, values.dtype.itemsize
    keyword = "PixelData"
    if kind == "b":
        bits = 1
        representation = 0
    elif kind in "ui" and size in (1, 2, 4):
        bits = size * 8
        representation = 1 if kind == "i" else 0
    elif kind == "f" and size in (4, 8):
        bits = size * 8
        representation = 0
        keyword = "FloatPixelData" if size == 4 else "DoubleFloatPixelData"
    else:
        raise PixelDataError(f"arrays of dtype {values.dtype} cannot be Pixel Data (bool, 8, 16, 32-bit integers, float32, float64)")
    if keyword != "PixelData" and isinstance(target, DicomObject) and not _declares(target, keyword):
        raise PixelDataError(
            f"{type(target).__name__} has no {keyword} ({_tag_text(keyword)}): a {values.dtype} array cannot be its pixel data"
        )
    stored = bits if bits_stored is None else bits_stored
    if not 1 <= stored <= bits or (kind == "f" and stored != bits):
        raise PixelDataError(f"Bits Stored {stored} does not fit Bits Allocated {bits}")
    if stored < bits and kind in "ui":
        low, high = (-(1 << (stored - 1)), (1 << (stored - 1)) - 1) if representation else (0, (1 << stored) - 1)
        if values.size and (int(values.min()) < low or int(values.max()) > high):
            raise PixelDataError(f"values {int(values.min())}..{int(values.max())} do not fit Bits Stored {stored}")
    if planar_configuration not in (0, 1):
        raise PixelDataError(f"Planar Configuration {planar_configuration} is not 0 or 1")
    pixel_data = keyword == "PixelData"
    _check_iod(
        target,
        {
            "SamplesPerPixel": samples,
            "PhotometricInterpretation": photometric,
            "BitsAllocated": bits,
            "BitsStored": stored if pixel_data else None,
            "HighBit": stored - 1 if pixel_data else None,
            "PixelRepresentation": representation if pixel_data else None,
            "PlanarConfiguration": planar_configuration if samples > 1 else None,
        },
    )
    if kind == "b":
        data = np.packbits(values.reshape(-1), bitorder="little").tobytes()
    else:
        frames_ = values.reshape(count, rows, columns, samples)
        if samples > 1 and planar_configuration == 1:
            frames_ = frames_.transpose(0, 3, 1, 2)
        if stored < bits and representation:
            frames_ = frames_ & ((1 << stored) - 1)  # two's complement in the Bits Stored bits, the rest 0
        data = np.ascontiguousarray(frames_).astype(frames_.dtype.newbyteorder("<"), copy=False).tobytes()
    if len(data) % 2:
        data += b"\0"
    _assign(target, "Rows", rows, "US")
    _assign(target, "Columns", columns, "US")
    _assign(target, "SamplesPerPixel", samples, "US")
    _assign(target, "PhotometricInterpretation", photometric, "CS")
    if keyword == "PixelData":
        _assign(target, "BitsAllocated", bits, "US")
        _assign(target, "BitsStored", stored, "US")
        _assign(target, "HighBit", stored - 1, "US")
        _assign(target, "PixelRepresentation", representation, "US")
    else:
        _assign(target, "BitsAllocated", bits, "US")
        for dropped in ("BitsStored", "HighBit", "PixelRepresentation"):
            _assign(target, dropped, None, "US")
    _assign(target, "PlanarConfiguration", planar_configuration if samples > 1 else None, "US")
    if multi_frame or _declares(target, "NumberOfFrames"):
        _assign(target, "NumberOfFrames", count if multi_frame or _declares(target, "NumberOfFrames") else None, "IS")
    for other in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"):
        if other != keyword:
            _assign(target, other, None, "OB")
    vr = {"FloatPixelData": "OF", "DoubleFloatPixelData": "OD"}.get(keyword, "OW" if bits > 8 else "OB")
    _assign(target, keyword, data, vr)
    _drop_stale(target)
    _native_meta(target)


def _drop_stale(target: Source) -> None:
    """Smallest and Largest Image Pixel Value (0028,0106/0107) describe the pixels replaced: they
    are removed, not recomputed. They are Type 3 (PS3.3 C.7.6.3), their VR (US or SS) follows Pixel
    Representation, and values computed here would be a claim the caller did not make, stale again
    at the next change; left as they were they contradicted the image (SS 0/4000 over an 8-bit
    unsigned one)."""
    for keyword in ("SmallestImagePixelValue", "LargestImagePixelValue"):
        _assign(target, keyword, None, "US")


def _check_iod(target: Source, values: dict[str, object]) -> None:
    """The IOD's own constraints on the Image Pixel module, where the model has them (the
    Enumerated Values of an IOD's specialisation, e.g. RT Dose: Bits Allocated 16 or 32,
    MONOCHROME2): one PixelDataError naming the class, the attribute, the value, what is allowed
    and where the standard says so; nothing is changed."""
    if not isinstance(target, DicomObject):
        return
    for spec in target.ATTRIBUTES:
        value = values.get(spec.keyword)
        if value is None or not spec.enumerated:
            continue
        if not _enumerated(value, spec.enumerated):
            raise PixelDataError(
                f"{type(target).__name__} cannot hold this array: {spec.keyword} would be {value!r}, and "
                f"{spec.source} allows {', '.join(spec.enumerated)} only"
            )


def _declares(target: Source, keyword: str) -> bool:
    return isinstance(target, Dataset) and _TAGS[keyword] in target or (
        isinstance(target, DicomObject) and any(spec.keyword == keyword for spec in target.ATTRIBUTES)
    )


def _assign(target: Source, keyword: str, value: object, vr: str) -> None:
    tag = _TAGS[keyword]
    if isinstance(target, Dataset):
        if value is None:
            target.pop(tag, None)
        else:
            target[tag] = DataElement(tag, vr, str(value) if vr == "IS" else value)  # type: ignore[arg-type]
        return
    if any(spec.keyword == keyword for spec in target.ATTRIBUTES):
        setattr(target, keyword, value)
        return
    extra = getattr(target, "extra_elements", None)
    if value is None:
        if isinstance(extra, Dataset):
            extra.pop(tag, None)
        return
    if not isinstance(extra, Dataset):
        if not hasattr(target, "extra_elements"):
            raise PixelDataError(f"{type(target).__name__} has no {keyword} ({_tag_text(keyword)}) and no extra_elements to hold it")
        extra = Dataset()
        setattr(target, "extra_elements", extra)
    extra[tag] = DataElement(tag, vr, str(value) if vr == "IS" else value)  # type: ignore[arg-type]


def _native_meta(target: Source) -> None:
    """The Pixel Data set is native little endian: a File Meta Information read with another
    transfer syntax is changed to Explicit VR Little Endian."""
    meta = target.file_meta if isinstance(target, Dataset) else _state(target).meta
    if meta is None:
        return
    syntax = _transfer_syntax(target)
    if syntax is not None and _NATIVE.get(syntax) != "<":
        meta[_TAGS["TransferSyntaxUID"]] = DataElement(_TAGS["TransferSyntaxUID"], "UI", EXPLICIT_LE)
