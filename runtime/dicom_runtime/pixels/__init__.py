"""Pixel data as numpy arrays, in and out (PS3.5 8.1.1, 8.2, Annex A.4, Annex G; PS3.3 C.7.6.3).

:func:`array` decodes the Pixel Data (or Float / Double Float Pixel Data) of a data set or a
typed IOD instance; ``frame=i`` decodes frame ``i`` only. The samples are returned as
stored, in the colour space the Photometric Interpretation names (YBR_FULL_422 as YBR_FULL,
its chroma samples repeated for both pixels of a pair): colour conversion
(:func:`convert_color`), palettes (:func:`apply_palette`), the Modality LUT
(:func:`apply_rescale`, :func:`apply_modality_lut`) and the VOI LUT (:func:`apply_window`,
:func:`apply_voi_lut`) are separate functions, applied only when asked for.

Native transfer syntaxes and RLE Lossless are decoded and encoded here with numpy; JPEG,
JPEG-LS, JPEG 2000 and HTJ2K need the optional extra ``pixels`` (imagecodecs). :func:`set_array`
fills the Image Pixel module from an array; :func:`encode` compresses the pixel data of a data
set or instance into an encapsulated transfer syntax and :func:`transcode` gives a data set in
any transfer syntax from any other.

The rooms: :mod:`._common` (errors, :class:`PixelInfo`), :mod:`.decode`, :mod:`.codecs` (the
registry of codecs by transfer syntax), :mod:`.rle`, :mod:`.encapsulation`, :mod:`.encode`,
:mod:`.image` (set_array), :mod:`.lut` (colour and LUTs).

Shapes: ``(rows, columns)`` or ``(rows, columns, samples)`` for one frame,
``(frames, rows, columns[, samples])`` for a data set of Number of Frames > 1 (even 1 frame
asked with ``frame=None`` of a multi-frame object whose Number of Frames is 1 has no frame axis).
"""

from __future__ import annotations

from ._common import (
    MissingCodecError,
    PixelDataError,
    PixelDecodeError,
    PixelInfo,
    pixel_info,
)
from .codecs import ENCODABLE, encode_frame
from .decode import array, frames
from .encapsulation import Encapsulated, encapsulate
from .encode import encode, supported_syntaxes, transcode
from .filemap import array_from_file
from .image import set_array
from .lut import (
    apply_modality_lut,
    apply_palette,
    apply_rescale,
    apply_voi_lut,
    apply_window,
    convert_color,
)
from .rle import rle_decode_frame, rle_encode_frame

__all__ = [
    "PixelDataError",
    "PixelDecodeError",
    "MissingCodecError",
    "PixelInfo",
    "array",
    "array_from_file",
    "frames",
    "pixel_info",
    "convert_color",
    "apply_palette",
    "apply_rescale",
    "apply_modality_lut",
    "apply_window",
    "apply_voi_lut",
    "set_array",
    "rle_decode_frame",
    "rle_encode_frame",
    "encode",
    "encode_frame",
    "encapsulate",
    "Encapsulated",
    "transcode",
    "supported_syntaxes",
    "ENCODABLE",
]
