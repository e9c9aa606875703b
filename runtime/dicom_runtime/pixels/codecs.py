"""The codec registry: each encapsulated transfer syntax's decoder and encoder, one thin adapter
over imagecodecs a syntax (RLE Lossless is done here, in :mod:`.rle`).

imagecodecs is chosen because one maintained wheel carries libjpeg-turbo (JPEG 8/12-bit),
its lossless JPEG, CharLS (JPEG-LS), OpenJPEG (JPEG 2000) and OpenJPH (HTJ2K), each both ways,
for every platform CI installs on; pydicom's pylibjpeg plugins wrap the same libraries but
decode only (pyjpegls aside), so the tests use them as the independent side. JPEG-LS is
encoded with the CharLS 2 of pyjpegls (pydicom's CharLS wrapper, MIT; see :mod:`.charls`),
whose encoder takes the sample precision P: imagecodecs' sets P from the dtype (8 or 16), and
P is to be Bits Stored.

Encoders (PS3.5 8.2): the samples of one frame go in as ``(rows, columns[, samples])``, the
codestream comes out. Each codec states what it holds (:class:`Codec`); what it cannot hold is
one :class:`~._common.PixelDataError` before any work, never a silently altered image.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._common import MissingCodecError, PixelDataError, PixelDecodeError, PixelInfo
from .charls import _library, jpegls_encode
from .rate import htj2k_lossy, j2k_lossy, ratio_of

RLE_LOSSLESS = "1.2.840.10008.1.2.5"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_EXTENDED = "1.2.840.10008.1.2.4.51"
JPEG_LOSSLESS = "1.2.840.10008.1.2.4.57"
JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"
JPEG_LS_LOSSLESS = "1.2.840.10008.1.2.4.80"
JPEG_LS_NEAR_LOSSLESS = "1.2.840.10008.1.2.4.81"
JPEG_2000_LOSSLESS = "1.2.840.10008.1.2.4.90"
JPEG_2000 = "1.2.840.10008.1.2.4.91"
HTJ2K_LOSSLESS = "1.2.840.10008.1.2.4.201"
HTJ2K_RPCL_LOSSLESS = "1.2.840.10008.1.2.4.202"
HTJ2K = "1.2.840.10008.1.2.4.203"


@dataclass(frozen=True, slots=True)
class Codec:
    """One encapsulated transfer syntax: its name, the imagecodecs decoder, and what its encoder
    (if there is one here) holds."""

    name: str
    decoder: str
    #: the imagecodecs encoder function, "" for decode only
    encoder: str = ""
    #: lossless only (the syntax forbids loss), or lossy allowed
    lossless: bool = True
    #: Bits Stored the encoder takes
    bits: tuple[int, int] = (1, 16)
    #: Lossy Image Compression Method (0028,2114) for a lossy encoding
    method: str = ""
    #: Bits Allocated the encoder takes
    allocated: tuple[int, ...] = (8, 16)


CODECS: dict[str, Codec] = {
    # Baseline is 8-bit: Bits Allocated 8, Bits Stored 8 (PS3.5 Table 8.2.1-1); given uint16,
    # libjpeg-turbo writes a 12-bit SOF1 stream, Process 4, which Baseline decoders refuse
    JPEG_BASELINE: Codec("JPEG Baseline (Process 1)", "jpeg8_decode", "jpeg8_encode", False, (8, 8), "ISO_10918_1", (8,)),
    JPEG_EXTENDED: Codec("JPEG Extended (Process 2 & 4)", "jpeg8_decode", lossless=False, method="ISO_10918_1"),
    JPEG_LOSSLESS: Codec("JPEG Lossless, Non-Hierarchical (Process 14)", "ljpeg_decode"),
    JPEG_LOSSLESS_SV1: Codec("JPEG Lossless, First-Order Prediction (Process 14, SV1)", "ljpeg_decode"),
    JPEG_LS_LOSSLESS: Codec("JPEG-LS Lossless", "jpegls_decode", "jpegls_encode", True, (2, 16)),
    JPEG_LS_NEAR_LOSSLESS: Codec("JPEG-LS Lossy (Near-Lossless)", "jpegls_decode", "jpegls_encode", False, (2, 16), "ISO_14495_1"),
    JPEG_2000_LOSSLESS: Codec("JPEG 2000 Image Compression (Lossless Only)", "jpeg2k_decode", "jpeg2k_encode", True, (1, 16)),
    JPEG_2000: Codec("JPEG 2000 Image Compression", "jpeg2k_decode", "jpeg2k_encode", False, (1, 16), "ISO_15444_1"),
    "1.2.840.10008.1.2.4.92": Codec("JPEG 2000 Part 2 Multi-component (Lossless Only)", "jpeg2k_decode"),
    "1.2.840.10008.1.2.4.93": Codec("JPEG 2000 Part 2 Multi-component", "jpeg2k_decode", lossless=False),
    HTJ2K_LOSSLESS: Codec("High-Throughput JPEG 2000 (Lossless Only)", "jpeg2k_decode", "htj2k_encode", True, (1, 16)),
    HTJ2K_RPCL_LOSSLESS: Codec("High-Throughput JPEG 2000 with RPCL Options (Lossless Only)", "jpeg2k_decode"),
    HTJ2K: Codec("High-Throughput JPEG 2000", "jpeg2k_decode", "htj2k_encode", False, (1, 16), "ISO_15444_15"),
}
"""Encapsulated transfer syntaxes decoded (and some encoded) through imagecodecs."""

#: RLE Lossless is not in :data:`CODECS`: numpy here, both ways, Bits Allocated 8, 16 and 32.
ENCODABLE = frozenset({RLE_LOSSLESS, *(uid for uid, codec in CODECS.items() if codec.encoder)})
"""Encapsulated transfer syntaxes :func:`encode_frame` writes."""


def _imagecodecs(name: str, uid: str) -> Any:
    try:
        import imagecodecs
    except ImportError:
        raise MissingCodecError(f"{name} ({uid}) needs imagecodecs: pip install 'dicom-typed[pixels]'") from None
    return imagecodecs


def decode_frame(
    frame_data: bytes, info: PixelInfo, index: int, out: npt.NDArray[Any] | None = None
) -> npt.NDArray[Any]:
    """One frame's codestream of ``info.transfer_syntax`` to samples ``info.frame_shape``.

    ``out``: an array of ``info.frame_shape`` and the decoded dtype to hold the samples (a
    frame of a multi-frame array); JPEG 2000 is decoded straight into it where the codestream's
    sample size is the one of Bits Allocated, the others are copied into it."""
    codec = CODECS.get(info.transfer_syntax)
    if codec is None:
        raise PixelDecodeError(f"transfer syntax {info.transfer_syntax} is not one this module decodes", frame=index)
    decoder: Callable[..., Any] = getattr(_imagecodecs(codec.name, info.transfer_syntax), codec.decoder)
    siz = _check_header(frame_data, info, codec, index)
    target = info.dtype
    if codec.decoder != "jpeg2k_decode":
        _check_eoi(frame_data, codec, info.transfer_syntax, index)
    into = None
    try:
        if codec.decoder == "jpeg2k_decode":
            # straight into the output where OpenJPEG's sample size (by the SIZ precision) is
            # Bits Allocated's; OpenJPEG's own threads for a large codestream (decoding is
            # bound by its size), one thread for a small one (threads cost more than they save)
            if siz is not None and (siz[0] + 7) // 8 == target.itemsize and target.itemsize <= 2:
                into = out if out is not None else np.empty(info.frame_shape, dtype=target)
            decoded = decoder(frame_data, numthreads=_j2k_threads(len(frame_data)), out=into)
        elif codec.decoder == "jpeg8_decode" and info.samples_per_pixel == 3:
            if info.photometric_interpretation.startswith("YBR") or not _jpeg_transformed(frame_data):
                # YBR_*: the components as stored; RGB without a JFIF or Adobe (APP14) marker saying
                # the components were transformed: RGB as stored (PS3.5 8.2.1)
                space = "YCBCR" if info.photometric_interpretation.startswith("YBR") else "RGB"
                decoded = decoder(frame_data, colorspace=space, outcolorspace=space)
            else:
                decoded = decoder(frame_data, outcolorspace="RGB")  # RGB coded as YCbCr: the decoder undoes it
        else:
            decoded = decoder(frame_data)
    except Exception as exc:  # imagecodecs raises its own error classes per codec
        raise PixelDecodeError(f"{codec.name} ({info.transfer_syntax}) decoding failed: {exc}", frame=index) from exc
    result = np.asarray(decoded)
    if result.shape[:2] != (info.rows, info.columns) or (result.ndim == 3 and result.shape[2] != info.samples_per_pixel):
        raise PixelDecodeError(f"the {codec.name} codestream is {result.shape}, the data set says {info.frame_shape}", frame=index)
    if result.ndim == 2 and info.samples_per_pixel > 1:
        raise PixelDecodeError(
            f"the {codec.name} codestream has 1 component, Samples per Pixel is {info.samples_per_pixel}", frame=index
        )
    # the codestream's signedness: OpenJPEG's by the SIZ (an array given to it keeps its dtype)
    unsigned = result.dtype.kind == "u" if into is None or siz is None else not siz[1]
    if result.dtype != target:
        if result.dtype.itemsize == target.itemsize:
            result = result.view(target)
        else:
            result = result.astype(target)
    if info.pixel_representation and info.bits_stored < info.bits_allocated and unsigned:
        # sign extension of a codestream decoded as unsigned (a signed one is decoded sign extended)
        spare = info.bits_allocated - info.bits_stored
        np.left_shift(result, spare, out=result)
        np.right_shift(result, spare, out=result)
    result = result.reshape(info.frame_shape)
    if out is None:
        return result
    if not np.may_share_memory(result, out):  # decoded elsewhere: copied in
        out[...] = result
    return out


#: A JPEG 2000 codestream of this many bytes or more is decoded with OpenJPEG's threads.
J2K_THREADED_BYTES = 65536


def _j2k_threads(size: int) -> int:
    if size < J2K_THREADED_BYTES:
        return 1
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(4, available))


def _check_header(data: bytes, info: PixelInfo, codec: Codec, index: int) -> tuple[int, bool] | None:
    """The codestream's own size (JPEG / JPEG-LS frame header, JPEG 2000 SIZ) held to Rows,
    Columns and Samples per Pixel before the codec runs: a damaged header that claims a huge
    image is refused here, not decoded for seconds into gigabytes. JPEG 2000: the precision and
    signedness of its components if they are all the same (ISO/IEC 15444-1 A.5.1), else None."""
    siz_result: tuple[int, bool] | None = None
    if codec.decoder == "jpeg2k_decode":
        at = data.find(b"\xff\x4f\xff\x51")
        if at < 0 or len(data) < at + 42:
            raise PixelDecodeError(f"no JPEG 2000 codestream header (SOC, SIZ) in the {codec.name} frame", frame=index)
        siz = data[at + 4 :]  # Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz, XTOsiz, YTOsiz, Csiz (15444-1 A.5.1)
        width = int.from_bytes(siz[4:8], "big") - int.from_bytes(siz[12:16], "big")
        height = int.from_bytes(siz[8:12], "big") - int.from_bytes(siz[16:20], "big")
        components = int.from_bytes(siz[36:38], "big")
        ssiz = {siz[38 + 3 * c] for c in range(components) if 38 + 3 * c < len(siz)}  # Ssiz, XRsiz, YRsiz each
        if len(ssiz) == 1:
            (value,) = ssiz
            siz_result = ((value & 0x7F) + 1, bool(value & 0x80))
    else:
        if data[:2] != b"\xff\xd8":
            raise PixelDecodeError(f"the {codec.name} frame does not start with SOI (FFD8)", frame=index)
        i, found = 2, None
        while i + 4 <= len(data):
            if data[i] != 0xFF:
                raise PixelDecodeError(f"the {codec.name} frame has no marker at byte {i} before its frame header", frame=index)
            marker = data[i + 1]
            if marker == 0xFF:
                i += 1
                continue
            length = int.from_bytes(data[i + 2 : i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7):
                found = data[i + 4 : i + 2 + length]
                break
            if marker == 0xDA:
                break
            i += 2 + length
        if found is None or len(found) < 6:
            raise PixelDecodeError(f"the {codec.name} frame has no frame header (SOF) before its scan", frame=index)
        height, width, components = int.from_bytes(found[1:3], "big"), int.from_bytes(found[3:5], "big"), found[5]
        if height == 0:  # the number of lines given later by a DNL marker
            height = info.rows
    if (height, width, components) != (info.rows, info.columns, info.samples_per_pixel):
        raise PixelDecodeError(
            f"the {codec.name} codestream header says {height} x {width} x {components} components, the data set "
            f"Rows {info.rows} x Columns {info.columns} x Samples per Pixel {info.samples_per_pixel}",
            frame=index,
        )
    return siz_result


def _check_eoi(data: bytes, codec: Codec, uid: str, index: int) -> None:
    """A JPEG or JPEG-LS stream ends with EOI (ISO/IEC 10918-1 B.2.1, 14495-1 Annex C), padded
    only by FFH fill bytes before it or bytes after it (PS3.5 A.4): one without is truncated.
    libjpeg-turbo takes such a stream with a warning imagecodecs does not pass on ("Premature
    end of JPEG file") and makes up the missing pixels, and CharLS was seen reading seconds past
    its end, so it is refused before the codec runs, as dcmtk's dcmdjpeg refuses it."""
    if not data.rstrip(b"\0\xff").endswith(b"\xff\xd9"):
        raise PixelDecodeError(
            f"the {codec.name} ({uid}) codestream ends without EOI (FFD9): it is truncated "
            "(ISO/IEC 10918-1 B.2.1 and 14495-1 Annex C end it with EOI; PS3.5 A.4 pads only around EOI)",
            frame=index,
        )


def _segments(data: bytes) -> Iterator[tuple[int, bytes]]:
    """The marker segments of a JPEG or JPEG-LS stream after its SOI, up to and including its
    first SOS (ISO/IEC 10918-1 B.1.1): each marker with its body; fill bytes and markers without
    a body are passed over, and the walk stops at a byte that is no marker."""
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        yield marker, data[i + 4 : i + 2 + length]
        if marker == 0xDA:
            return
        i += 2 + length


def _jpeg_transformed(data: bytes) -> bool:
    """Whether a 3-component JPEG stream says it is YCbCr: a JFIF APP0 marker, or an Adobe APP14
    marker with transform 1 (ISO/IEC 10918-6; an APP14 with transform 0 says it is not)."""
    jfif = False
    for marker, body in _segments(data):
        if marker == 0xE0 and body[:5] == b"JFIF\0":
            jfif = True
        if marker == 0xEE and body[:5] == b"Adobe" and len(body) >= 12:
            return body[11] == 1
    return jfif


#: Where PS3.5 (2020c) lists the syntaxes that hold PALETTE COLOR, by lossy-capable syntax: the
#: lossless ones only, whatever ``level`` would make of the lossy one. HTJ2K is not in 2020c; the
#: same rule is held for it.
_PALETTE_TABLES = {
    JPEG_BASELINE: "Tables 8.2.1-1 and 8.2.1-2",
    JPEG_LS_NEAR_LOSSLESS: "Table 8.2.3-1",
    JPEG_2000: "Table 8.2.4-1",
    HTJ2K: "Table 8.2.4-1 (for JPEG 2000; HTJ2K by the same rule)",
}


def check_encodable(uid: str, info: PixelInfo) -> Codec:
    """The codec of ``uid`` if it can hold pixel data ``info`` describes, else one PixelDataError
    saying why (RLE is checked in :mod:`.rle`)."""
    codec = CODECS.get(uid)
    if codec is None or not codec.encoder:
        raise PixelDataError(f"transfer syntax {uid} is not one this module encodes (it encodes {', '.join(sorted(ENCODABLE))})")
    if info.keyword != "PixelData":
        raise PixelDataError(f"{info.keyword} is never encapsulated: {codec.name} cannot hold it")
    if uid == JPEG_BASELINE and (info.bits_allocated, info.bits_stored) != (8, 8):
        raise PixelDataError(
            f"{codec.name} holds Bits Allocated 8 with Bits Stored 8 only (PS3.5 Table 8.2.1-1), not Bits Allocated "
            f"{info.bits_allocated} with Bits Stored {info.bits_stored}: set the samples as uint8 first, or code them with "
            f"JPEG-LS Near-Lossless ({JPEG_LS_NEAR_LOSSLESS}) or JPEG 2000 ({JPEG_2000}); JPEG Extended "
            f"({JPEG_EXTENDED}) holds up to 12 bits but is not written here"
        )
    if info.bits_allocated not in codec.allocated or not codec.bits[0] <= info.bits_stored <= codec.bits[1]:
        raise PixelDataError(
            f"{codec.name} here holds Bits Allocated {' or '.join(map(str, codec.allocated))} with Bits Stored "
            f"{codec.bits[0]}..{codec.bits[1]}, not Bits Allocated {info.bits_allocated} with Bits Stored {info.bits_stored}"
        )
    if info.samples_per_pixel not in (1, 3):
        raise PixelDataError(f"{codec.name} here holds 1 or 3 samples per pixel, not {info.samples_per_pixel}")
    if info.photometric_interpretation == "YBR_FULL_422":
        raise PixelDataError(f"YBR_FULL_422 is not encoded with {codec.name} here: convert the samples to RGB or YBR_FULL first")
    if info.photometric_interpretation == "PALETTE COLOR" and not codec.lossless:
        raise PixelDataError(
            f"PALETTE COLOR is not coded with {codec.name} ({uid}): its samples are indices into the palette, which "
            f"loss turns into other colours; PS3.5 {_PALETTE_TABLES[uid]} allows it with lossless syntaxes only "
            f"(written here: RLE Lossless {RLE_LOSSLESS}, JPEG-LS Lossless {JPEG_LS_LOSSLESS}, JPEG 2000 Lossless "
            f"{JPEG_2000_LOSSLESS}, HTJ2K Lossless {HTJ2K_LOSSLESS})"
        )
    if codec.decoder == "jpeg8_decode" and info.pixel_representation:
        raise PixelDataError(f"{codec.name} holds unsigned samples only (Pixel Representation 0)")
    return codec


def encode_frame(
    samples: npt.NDArray[Any], info: PixelInfo, uid: str, *, level: float | None = None, index: int = 0
) -> bytes:
    """One frame's samples (as :func:`~.decode.array` gives them, ``info`` describing them) as a
    codestream of ``uid``. ``level``, lossy syntaxes only:

    - JPEG Baseline: the libjpeg quality 1..100 (default 90), not a ratio;
    - JPEG-LS Near-Lossless: NEAR, the largest error of a sample (default 2);
    - JPEG 2000 and HTJ2K: the compression ratio, native size (Bits Allocated) to codestream
      size, more than 1 (default 10), reached as closely as the image allows (see :mod:`.rate`:
      JPEG 2000 by OpenJPEG's rate allocation, HTJ2K by searching OpenJPH's quantisation step);
    - ``0``: lossless coding (reversible wavelet, NEAR 0) in a syntax that also allows loss -
      JPEG-LS Near-Lossless, JPEG 2000, HTJ2K, not JPEG Baseline.

    The ratio reached is the one to record (:func:`~.encode.encode` records it), not ``level``."""
    codec = check_encodable(uid, info)
    if codec.lossless and level is not None:
        raise PixelDataError(f"{codec.name} is lossless: no level")
    encoder: Callable[..., Any] = (
        functools.partial(jpegls_encode, name=codec.name, uid=uid)
        if codec.encoder == "jpegls_encode"
        else getattr(_imagecodecs(codec.name, uid), codec.encoder)
    )
    if codec.encoder == "jpegls_encode":
        _library(codec.name, uid)  # missing: MissingCodecError, before any work
    values = np.ascontiguousarray(samples)
    if values.dtype.kind == "i" and codec.encoder in ("jpegls_encode", "jpeg8_encode"):
        # JPEG-LS has no signed samples: the Bits Stored bits of the two's complement go in
        # unsigned (PS3.5 8.2.3), as dcmtk's dcmcjpls codes them; the decoder sign-extends
        # them from Bits Stored by Pixel Representation
        values = values.view(values.dtype.str.replace("i", "u")) & np.array((1 << info.bits_stored) - 1, dtype=values.dtype.str.replace("i", "u"))
    if codec.encoder == "jpegls_encode" and values.size and int(values.max()) >> info.bits_stored:
        raise PixelDataError(f"frame {index}: a sample is {int(values.max())}, more than Bits Stored {info.bits_stored} holds")
    try:
        if codec.encoder == "jpegls_encode":
            near = 0 if codec.lossless else int(2 if level is None else level)
            if near > min(255, ((1 << info.bits_stored) - 1) // 2):
                raise PixelDataError(
                    f"{codec.name}: NEAR {near} is more than Bits Stored {info.bits_stored} allows, "
                    f"min(255, MAXVAL / 2) = {min(255, ((1 << info.bits_stored) - 1) // 2)} (ISO/IEC 14495-1 C.2.4.1.1)"
                )
            if near and info.pixel_representation:
                # the two's complement bits coded unsigned: NEAR at the wrap turns the most
                # negative value into the most positive one (dcmcjpls refuses them too)
                raise PixelDataError(
                    f"{codec.name} with NEAR {near} holds unsigned samples only (Pixel Representation 0): level 0 codes signed ones"
                )
            data = encoder(values, info.bits_stored, near)
        elif codec.encoder == "jpeg2k_encode" and not (codec.lossless or level == 0):
            data = j2k_lossy(encoder, values, info, ratio_of(level, codec.name), codec.name, uid)
        elif codec.encoder == "jpeg2k_encode":  # lossless: imagecodecs' OpenJPEG, reversible 5-3
            data = encoder(
                values,
                level=None,
                codecformat="J2K",
                reversible=True,
                mct=False,  # the components as they are: Photometric Interpretation unchanged (PS3.5 8.2.4)
                bitspersample=info.bits_stored,
                numthreads=1,
            )
        elif codec.encoder == "htj2k_encode":
            if codec.lossless or level == 0:
                data = encoder(values, level=None, rgb=False, reversible=True)
            else:
                data = htj2k_lossy(encoder, values, info, ratio_of(level, codec.name))
        elif level == 0:
            raise PixelDataError(f"{codec.name} has no lossless coding: level 0 is not one of its levels")
        else:  # jpeg8_encode, baseline: 8-bit lossy
            space = "YCBCR" if info.photometric_interpretation.startswith("YBR") else ("RGB" if info.samples_per_pixel == 3 else "GRAYSCALE")
            # YBR: chroma halved across (4:2:2), as the YBR_FULL_422 it is written as says (see coded_photometric)
            subsampling = "422" if space == "YCBCR" else "444"
            data = encoder(values, level=_quality(level, codec.name), colorspace=space, outcolorspace=space, subsampling=subsampling)
    except PixelDataError:
        raise
    except Exception as exc:  # imagecodecs raises its own error classes per codec
        raise PixelDataError(f"frame {index}: {codec.name} encoding failed: {exc}") from exc
    data = bytes(data)
    if uid == JPEG_BASELINE:
        _check_baseline(data, index)
    if len(data) % 2 and codec.encoder in ("jpegls_encode", "jpeg8_encode") and data.endswith(b"\xff\xd9"):
        # an even length by a fill byte FFH before EOI (PS3.5 A.4, ISO/IEC 14495-1 and 10918-1 allow
        # it before any marker), as dcmcjpls pads by default, rather than a 00H after EOI
        data = data[:-2] + b"\xff\xff\xd9"
    return data


def coded_photometric(uid: str, photometric: str) -> str:
    """The Photometric Interpretation of what :func:`encode_frame` writes in ``uid`` from samples
    in ``photometric``: the codestream's, where it differs. JPEG Baseline holds 3 samples as
    YBR_FULL_422 or RGB only (PS3.5 Table 8.2.1-1): YBR_FULL samples are coded with the chroma
    subsampled 4:2:2 (horizontal sampling factors 2, 1, 1) and are YBR_FULL_422; RGB is coded as
    it is, without a colour transform."""
    if uid == JPEG_BASELINE and photometric == "YBR_FULL":
        return "YBR_FULL_422"
    return photometric


def _quality(level: float | None, name: str) -> int:
    """JPEG Baseline's ``level``: libjpeg's quality, a whole number 1..100 (None: 90). Anything
    else is refused rather than passed on: libjpeg clamps it (-1 and 101 coded as 1 and 100) and
    a fraction was cut to a whole number, so the image would not be coded as asked."""
    quality = 90 if level is None else level
    if isinstance(quality, bool) or not isinstance(quality, (int, float)) or not 1 <= quality <= 100 or quality != int(quality):
        raise PixelDataError(f"{name}: level is the quality, a whole number 1..100 (libjpeg's scale), not {level}")
    return int(quality)


def _check_baseline(data: bytes, index: int) -> None:
    """What is written as JPEG Baseline is a Baseline stream: its frame header SOF0 (FFC0) with
    sample precision 8 (ISO/IEC 10918-1 B.2.2, Table B.2). libjpeg-turbo picks the process by the
    dtype it is given, so this holds the encoder to the transfer syntax whatever reached it."""
    for marker, body in _segments(data):
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if marker == 0xC0 and body[:1] == b"\x08":
                return
            raise PixelDataError(
                f"frame {index}: the JPEG Baseline (Process 1) encoder wrote frame header FF{marker:02X} with precision "
                f"{body[0] if body else '?'}, not SOF0 (FFC0) 8-bit (ISO/IEC 10918-1 Table B.2; PS3.5 Table 8.2.1-1)"
            )
    raise PixelDataError(f"frame {index}: the JPEG Baseline (Process 1) encoder wrote no frame header (SOF0)")


_J2K_CODED = frozenset({JPEG_2000, "1.2.840.10008.1.2.4.93", HTJ2K})


def lossy_coded(uid: str, codestream: bytes | memoryview) -> bool:
    """Whether a frame in the transfer syntax ``uid``, whose codestream begins ``codestream``
    (its first fragment), was coded with loss, as its header says: JPEG-LS with NEAR above 0
    (ISO/IEC 14495-1 C.2.3, the scan header), JPEG 2000 and HTJ2K with another wavelet than the
    reversible 5-3 (ISO/IEC 15444-1 A.6.1, the COD marker's transformation), the lossy JPEG
    processes always; the lossless syntaxes and a header that does not read so never."""
    codec = CODECS.get(uid)
    if codec is None or codec.lossless:
        return False
    data = bytes(codestream[:65536])
    if uid == JPEG_LS_NEAR_LOSSLESS:
        return _jpegls_near(data) > 0
    if uid in _J2K_CODED:
        return _j2k_transform(data) not in (1, None)
    return True  # JPEG Baseline and Extended: DCT-based


def _jpegls_near(data: bytes) -> int:
    """NEAR of the first scan (SOS: Ns, Ns x (Ci, Tmi), NEAR, ...); 0 if not found."""
    if data[:2] != b"\xff\xd8":
        return 0
    for marker, body in _segments(data):
        if marker == 0xDA:
            near = 1 + 2 * body[0] if body else len(body)
            return body[near] if near < len(body) else 0
    return 0


def _j2k_transform(data: bytes) -> int | None:
    """The transformation of the main header's COD (0 = 9-7 irreversible, 1 = 5-3 reversible);
    None if the header has none before the first tile."""
    at = data.find(b"\xff\x4f\xff\x51")
    if at < 0:
        return None
    at += 2
    while at + 4 <= len(data) and data[at] == 0xFF and data[at + 1] not in (0x90, 0x93, 0xD9):
        if data[at + 1] == 0x52:  # COD: Lcod, Scod, SGcod (4), SPcod: levels, xcb, ycb, style, transformation
            return data[at + 13] if at + 13 < len(data) else None
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return None
