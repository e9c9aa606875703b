"""JPEG-LS encoding through CharLS 2's C API (``charls_jpegls_encoder_*``), as built into
pyjpegls's extension module ``_CharLS`` (pydicom's CharLS wrapper, MIT), called with ctypes.

Why not a Python-level encoder: imagecodecs' ``jpegls_encode`` sets the sample precision P from
the dtype (8 or 16), where P is to be Bits Stored (ISO/IEC 14495-1 C.2.2; PS3.5 8.2.3's Bits
Stored 2..16 is JPEG-LS's range of P); pyjpegls's ``encode_buffer`` takes P but gives CharLS a
destination of twice the source, which a small frame of noisy samples overruns. Here the
destination is CharLS's own estimate.

For P below 8 a JPEG-LS preset parameters segment (LSE, ID 1) gives MAXVAL, its thresholds and
RESET left 0 (the defaults, C.2.4.1.1): dcmtk's JPEG-LS decoder (dcmdjpls, an older CharLS)
decodes 6- and 7-bit streams without it otherwise than CharLS 2 codes them.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
import numpy.typing as npt

from ._common import MissingCodecError


class _FrameInfo(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_uint32),
        ("height", ctypes.c_uint32),
        ("bits_per_sample", ctypes.c_int32),
        ("component_count", ctypes.c_int32),
    ]


class _PresetParameters(ctypes.Structure):
    _fields_ = [
        ("maximum_sample_value", ctypes.c_int32),
        ("threshold1", ctypes.c_int32),
        ("threshold2", ctypes.c_int32),
        ("threshold3", ctypes.c_int32),
        ("reset_value", ctypes.c_int32),
    ]


_LIBRARY: list[Any] = []
_POINTER = ctypes.c_void_p
#: charls_interleave_mode: none (one component), sample (R G B of each pixel together)
_INTERLEAVE_NONE, _INTERLEAVE_SAMPLE = 0, 2


def _library(name: str, uid: str) -> Any:
    """CharLS's C functions, typed once."""
    if _LIBRARY:
        return _LIBRARY[0]
    try:
        import _CharLS  # type: ignore[import-not-found]  # pyjpegls's extension module

        lib = ctypes.CDLL(_CharLS.__file__)
        lib.charls_jpegls_encoder_create.restype = _POINTER
    except (ImportError, OSError, AttributeError):
        raise MissingCodecError(f"{name} ({uid}) encoding needs pyjpegls: pip install 'dicom-typed[pixels]'") from None
    size_p = ctypes.POINTER(ctypes.c_size_t)
    for function, arguments in (
        ("charls_jpegls_encoder_destroy", [_POINTER]),
        ("charls_jpegls_encoder_set_frame_info", [_POINTER, ctypes.POINTER(_FrameInfo)]),
        ("charls_jpegls_encoder_set_near_lossless", [_POINTER, ctypes.c_int32]),
        ("charls_jpegls_encoder_set_interleave_mode", [_POINTER, ctypes.c_int]),
        ("charls_jpegls_encoder_set_preset_coding_parameters", [_POINTER, ctypes.POINTER(_PresetParameters)]),
        ("charls_jpegls_encoder_get_estimated_destination_size", [_POINTER, size_p]),
        ("charls_jpegls_encoder_set_destination_buffer", [_POINTER, ctypes.c_void_p, ctypes.c_size_t]),
        ("charls_jpegls_encoder_encode_from_buffer", [_POINTER, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint32]),
        ("charls_jpegls_encoder_get_bytes_written", [_POINTER, size_p]),
    ):
        getattr(lib, function).argtypes = arguments
        if function != "charls_jpegls_encoder_destroy":
            getattr(lib, function).restype = ctypes.c_int
    lib.charls_get_error_message.argtypes = [ctypes.c_int]
    lib.charls_get_error_message.restype = ctypes.c_char_p
    _LIBRARY.append(lib)
    return lib


def jpegls_encode(values: npt.NDArray[Any], bits_stored: int, near: int, *, name: str, uid: str) -> bytes:
    """The samples ``(rows, columns[, components])`` (unsigned integers, each within
    ``bits_stored`` bits) as a JPEG-LS codestream of P = ``bits_stored`` and NEAR ``near``
    (3 components sample-interleaved). CharLS's refusal is a ``ValueError`` with its message."""
    lib = _library(name, uid)
    # CharLS takes a sample of P <= 8 bits in one byte, of more in two (native order)
    source = np.ascontiguousarray(values, dtype=np.uint8 if bits_stored <= 8 else np.dtype(np.uint16))
    rows, columns = source.shape[:2]
    components = source.shape[2] if source.ndim == 3 else 1
    encoder = lib.charls_jpegls_encoder_create()
    if not encoder:
        raise MemoryError("CharLS could not create an encoder")

    def check(code: int) -> None:
        if code:
            raise ValueError(f"CharLS: {lib.charls_get_error_message(code).decode('utf-8', 'replace')}")

    try:
        check(lib.charls_jpegls_encoder_set_frame_info(encoder, ctypes.byref(_FrameInfo(columns, rows, bits_stored, components))))
        check(lib.charls_jpegls_encoder_set_near_lossless(encoder, near))
        check(lib.charls_jpegls_encoder_set_interleave_mode(encoder, _INTERLEAVE_SAMPLE if components > 1 else _INTERLEAVE_NONE))
        if bits_stored < 8:
            check(lib.charls_jpegls_encoder_set_preset_coding_parameters(encoder, ctypes.byref(_PresetParameters((1 << bits_stored) - 1))))
        size = ctypes.c_size_t()
        check(lib.charls_jpegls_encoder_get_estimated_destination_size(encoder, ctypes.byref(size)))
        destination = ctypes.create_string_buffer(size.value)
        check(lib.charls_jpegls_encoder_set_destination_buffer(encoder, destination, size.value))
        check(lib.charls_jpegls_encoder_encode_from_buffer(encoder, source.ctypes.data, source.nbytes, 0))
        written = ctypes.c_size_t()
        check(lib.charls_jpegls_encoder_get_bytes_written(encoder, ctypes.byref(written)))
        return destination.raw[: written.value]
    finally:
        lib.charls_jpegls_encoder_destroy(encoder)
