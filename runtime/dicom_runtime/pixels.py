"""Pixel data as numpy arrays, in and out (PS3.5 8.1.1, 8.2, Annex A.4, Annex G; PS3.3 C.7.6.3).

:func:`array` decodes the Pixel Data (or Float / Double Float Pixel Data) of a data set or a
typed IOD instance; ``frame=i`` decodes frame ``i`` only. The samples are returned as
stored, in the colour space the Photometric Interpretation names (YBR_FULL_422 as YBR_FULL,
its chroma samples repeated for both pixels of a pair): colour conversion
(:func:`convert_color`), palettes (:func:`apply_palette`), the Modality LUT
(:func:`apply_rescale`, :func:`apply_modality_lut`) and the VOI LUT (:func:`apply_window`,
:func:`apply_voi_lut`) are separate functions, applied only when asked for.

Native transfer syntaxes and RLE Lossless are decoded here with numpy; JPEG, JPEG-LS,
JPEG 2000 and HTJ2K need the optional extra ``pixels`` (imagecodecs). :func:`set_array`
fills the Image Pixel module from an array.

Shapes: ``(rows, columns)`` or ``(rows, columns, samples)`` for one frame,
``(frames, rows, columns[, samples])`` for a data set of Number of Frames > 1 (even 1 frame
asked with ``frame=None`` of a multi-frame object whose Number of Frames is 1 has no frame axis).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

try:
    import numpy as np
    import numpy.typing as npt
except ImportError as exc:  # pragma: no cover - the extra not installed
    raise ImportError("dicom_runtime.pixels needs numpy: pip install 'dicom-typed[pixels]'") from exc

from .dataset import DataElement, Dataset, DeferredValue, EncapsulatedPixelData
from .errors import DicomError
from .objects import DicomObject, _state

__all__ = [
    "PixelDataError",
    "MissingCodecError",
    "PixelInfo",
    "array",
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
]

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
DEFLATED_LE = "1.2.840.10008.1.2.1.99"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
RLE_LOSSLESS = "1.2.840.10008.1.2.5"
_NATIVE = {IMPLICIT_LE: "<", EXPLICIT_LE: "<", DEFLATED_LE: "<", EXPLICIT_BE: ">", "1.2.840.10008.1.2.4.95": "<"}

#: Transfer syntaxes decoded by imagecodecs: UID -> (name, imagecodecs function).
_CODEC_SYNTAXES: dict[str, tuple[str, str]] = {
    "1.2.840.10008.1.2.4.50": ("JPEG Baseline (Process 1)", "jpeg8_decode"),
    "1.2.840.10008.1.2.4.51": ("JPEG Extended (Process 2 & 4)", "jpeg8_decode"),
    "1.2.840.10008.1.2.4.57": ("JPEG Lossless, Non-Hierarchical (Process 14)", "ljpeg_decode"),
    "1.2.840.10008.1.2.4.70": ("JPEG Lossless, First-Order Prediction (Process 14, SV1)", "ljpeg_decode"),
    "1.2.840.10008.1.2.4.80": ("JPEG-LS Lossless", "jpegls_decode"),
    "1.2.840.10008.1.2.4.81": ("JPEG-LS Lossy (Near-Lossless)", "jpegls_decode"),
    "1.2.840.10008.1.2.4.90": ("JPEG 2000 Image Compression (Lossless Only)", "jpeg2k_decode"),
    "1.2.840.10008.1.2.4.91": ("JPEG 2000 Image Compression", "jpeg2k_decode"),
    "1.2.840.10008.1.2.4.92": ("JPEG 2000 Part 2 Multi-component (Lossless Only)", "jpeg2k_decode"),
    "1.2.840.10008.1.2.4.93": ("JPEG 2000 Part 2 Multi-component", "jpeg2k_decode"),
    "1.2.840.10008.1.2.4.201": ("High-Throughput JPEG 2000 (Lossless Only)", "jpeg2k_decode"),
    "1.2.840.10008.1.2.4.202": ("High-Throughput JPEG 2000 with RPCL Options (Lossless Only)", "jpeg2k_decode"),
    "1.2.840.10008.1.2.4.203": ("High-Throughput JPEG 2000", "jpeg2k_decode"),
}

_TAGS = {
    "Rows": 0x00280010,
    "Columns": 0x00280011,
    "SamplesPerPixel": 0x00280002,
    "BitsAllocated": 0x00280100,
    "BitsStored": 0x00280101,
    "HighBit": 0x00280102,
    "PixelRepresentation": 0x00280103,
    "PhotometricInterpretation": 0x00280004,
    "PlanarConfiguration": 0x00280006,
    "NumberOfFrames": 0x00280008,
    "PixelData": 0x7FE00010,
    "FloatPixelData": 0x7FE00008,
    "DoubleFloatPixelData": 0x7FE00009,
    "ExtendedOffsetTable": 0x7FE00001,
    "ExtendedOffsetTableLengths": 0x7FE00002,
    "RescaleSlope": 0x00281053,
    "RescaleIntercept": 0x00281052,
    "ModalityLUTSequence": 0x00283000,
    "LUTDescriptor": 0x00283002,
    "LUTData": 0x00283006,
    "VOILUTSequence": 0x00283010,
    "WindowCenter": 0x00281050,
    "WindowWidth": 0x00281051,
    "VOILUTFunction": 0x00281056,
    "RedPaletteColorLookupTableDescriptor": 0x00281101,
    "GreenPaletteColorLookupTableDescriptor": 0x00281102,
    "BluePaletteColorLookupTableDescriptor": 0x00281103,
    "RedPaletteColorLookupTableData": 0x00281201,
    "GreenPaletteColorLookupTableData": 0x00281202,
    "BluePaletteColorLookupTableData": 0x00281203,
    "SegmentedRedPaletteColorLookupTableData": 0x00281221,
    "TransferSyntaxUID": 0x00020010,
}


class PixelDataError(DicomError, ValueError):
    """Pixel data that cannot be decoded or encoded: the message names the element and why."""


class MissingCodecError(PixelDataError, ImportError):
    """A transfer syntax whose decoder is in the optional extra ``pixels``, not installed."""


Source = DicomObject | Dataset


# -- reading attributes of a data set or a typed instance ------------------------------------------


def _raw(source: Source, keyword: str) -> object:
    """The value of an attribute: a typed instance's attribute (or its extra element), a data set's element value."""
    if isinstance(source, Dataset):
        element = source.get(_TAGS[keyword])
        return element.value if element is not None else None
    if any(spec.keyword == keyword for spec in source.ATTRIBUTES):
        value: object = getattr(source, keyword, None)
        if value is not None:
            return value
    extra = getattr(source, "extra_elements", None)
    if isinstance(extra, Dataset):
        element = extra.get(_TAGS[keyword])
        return element.value if element is not None else None
    return None


def _vr_of(source: Source, keyword: str) -> str | None:
    if isinstance(source, Dataset):
        element = source.get(_TAGS[keyword])
        return element.vr if element is not None else None
    read = _state(source).read.get(keyword)
    if read is not None:
        return read.vr
    extra = getattr(source, "extra_elements", None)
    if isinstance(extra, Dataset):
        element = extra.get(_TAGS[keyword])
        return element.vr if element is not None else None
    return None


def _int(source: Source, keyword: str, default: int | None = None) -> int:
    value = _raw(source, keyword)
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if isinstance(value, str):
        try:
            value = int(value.strip(" \0"))
        except ValueError:
            raise PixelDataError(f"{keyword} ({_tag_text(keyword)}) is {value!r}, not an integer") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if value is None or value == "":
        if default is not None:
            return default
        raise PixelDataError(f"{keyword} ({_tag_text(keyword)}) is absent or empty; the pixel data cannot be decoded without it")
    if not isinstance(value, int) or isinstance(value, bool):
        raise PixelDataError(f"{keyword} ({_tag_text(keyword)}) is {value!r}, not an integer")
    return value


def _text(source: Source, keyword: str) -> str:
    value = _raw(source, keyword)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value or "").strip(" \0")


def _tag_text(keyword: str) -> str:
    tag = _TAGS[keyword]
    return f"{tag >> 16:04X},{tag & 0xFFFF:04X}"


def _bytes_of(value: object) -> bytes | EncapsulatedPixelData | None:
    if isinstance(value, DeferredValue):
        return value.read()
    if isinstance(value, (bytes, EncapsulatedPixelData)):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return None


def _transfer_syntax(source: Source) -> str | None:
    meta = source.file_meta if isinstance(source, Dataset) else _state(source).meta
    if meta is None:
        return None
    value: object = meta.value(_TAGS["TransferSyntaxUID"])
    if isinstance(value, list):
        value = value[0] if value else None
    return value.strip(" \0") if isinstance(value, str) and value.strip(" \0") else None


# -- the description of the pixels -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PixelInfo:
    """What the Image Pixel module says about the pixel data (PS3.3 C.7.6.3)."""

    rows: int
    columns: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    high_bit: int
    pixel_representation: int
    photometric_interpretation: str
    planar_configuration: int
    number_of_frames: int
    #: "PixelData", "FloatPixelData" or "DoubleFloatPixelData"
    keyword: str
    transfer_syntax: str

    @property
    def frame_shape(self) -> tuple[int, ...]:
        if self.samples_per_pixel == 1:
            return (self.rows, self.columns)
        return (self.rows, self.columns, self.samples_per_pixel)

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of the decoded samples (native byte order)."""
        if self.keyword == "FloatPixelData":
            return np.dtype(np.float32)
        if self.keyword == "DoubleFloatPixelData":
            return np.dtype(np.float64)
        if self.bits_allocated == 1:
            return np.dtype(np.uint8)
        size = max(1, self.bits_allocated // 8)
        return np.dtype(f"{'i' if self.pixel_representation else 'u'}{size}")

    @property
    def frame_bits(self) -> int:
        """The bits of one frame in native encoding (PS3.5 8.1.1); YBR_FULL_422 has 2 samples a pixel."""
        samples = self.rows * self.columns * self.samples_per_pixel
        if self.photometric_interpretation == "YBR_FULL_422":
            samples = self.rows * self.columns * 2
        return samples * self.bits_allocated


def pixel_info(source: Source, *, transfer_syntax: str | None = None) -> PixelInfo:
    """The Image Pixel module's description of ``source``'s pixel data."""
    keyword = next(
        (k for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData") if _raw(source, k) is not None), None
    )
    if keyword is None:
        raise PixelDataError("no Pixel Data (7FE0,0010), Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009)")
    syntax = transfer_syntax or _transfer_syntax(source) or EXPLICIT_LE
    float_bits = {"FloatPixelData": 32, "DoubleFloatPixelData": 64}.get(keyword)
    bits_allocated = _int(source, "BitsAllocated", float_bits)
    if float_bits is not None and bits_allocated != float_bits:
        raise PixelDataError(f"Bits Allocated (0028,0100) is {bits_allocated}; {keyword} takes {float_bits}")
    bits_stored = _int(source, "BitsStored", bits_allocated) if float_bits is None else bits_allocated
    high_bit = _int(source, "HighBit", bits_stored - 1) if float_bits is None else bits_allocated - 1
    samples = _int(source, "SamplesPerPixel", 1)
    info = PixelInfo(
        rows=_int(source, "Rows"),
        columns=_int(source, "Columns"),
        samples_per_pixel=samples,
        bits_allocated=bits_allocated,
        bits_stored=bits_stored,
        high_bit=high_bit,
        pixel_representation=_int(source, "PixelRepresentation", 0) if float_bits is None else 0,
        photometric_interpretation=_text(source, "PhotometricInterpretation") or ("MONOCHROME2" if samples == 1 else "RGB"),
        planar_configuration=_int(source, "PlanarConfiguration", 0) if samples > 1 else 0,
        number_of_frames=_int(source, "NumberOfFrames", 1),
        keyword=keyword,
        transfer_syntax=syntax,
    )
    if info.bits_allocated not in (1, 8, 16, 32, 64) or (info.bits_allocated == 64 and float_bits is None):
        raise PixelDataError(f"Bits Allocated (0028,0100) {info.bits_allocated} is not 1, 8, 16 or 32")
    if not 1 <= info.bits_stored <= info.bits_allocated:
        raise PixelDataError(f"Bits Stored (0028,0101) {info.bits_stored} is not within 1..Bits Allocated {info.bits_allocated}")
    if not info.bits_stored - 1 <= info.high_bit < info.bits_allocated:
        raise PixelDataError(
            f"High Bit (0028,0102) {info.high_bit} does not fit Bits Stored {info.bits_stored} in Bits Allocated {info.bits_allocated}"
        )
    if info.rows < 1 or info.columns < 1 or info.samples_per_pixel < 1 or info.number_of_frames < 1:
        raise PixelDataError(
            f"Rows {info.rows}, Columns {info.columns}, Samples per Pixel {info.samples_per_pixel}, "
            f"Number of Frames {info.number_of_frames}: each must be at least 1"
        )
    if info.planar_configuration not in (0, 1):
        raise PixelDataError(f"Planar Configuration (0028,0006) {info.planar_configuration} is not 0 or 1")
    return info


# -- decoding ---------------------------------------------------------------------------------------


def array(
    source: Source, frame: int | None = None, *, transfer_syntax: str | None = None
) -> npt.NDArray[Any]:
    """The pixel data of ``source`` as an array (see the module's docstring for shapes).

    ``frame=i`` (0-based) decodes that frame only; ``transfer_syntax`` overrides the one of the
    File Meta Information (default, with none: Explicit VR Little Endian).
    """
    info = pixel_info(source, transfer_syntax=transfer_syntax)
    if frame is not None and not 0 <= frame < info.number_of_frames:
        raise PixelDataError(f"frame {frame} is not within 0..{info.number_of_frames - 1} (Number of Frames {info.number_of_frames})")
    data = _bytes_of(_raw(source, info.keyword))
    if data is None:
        raise PixelDataError(f"{info.keyword} ({_tag_text(info.keyword)}) holds no bytes")
    encapsulated = info.transfer_syntax not in _NATIVE
    if encapsulated and isinstance(data, bytes):
        if _looks_like_items(data):
            data = EncapsulatedPixelData.decode(data, source=info.keyword)
        else:
            raise PixelDataError(
                f"{info.keyword}: the transfer syntax {info.transfer_syntax} is encapsulated but the value is not items (PS3.5 A.4)"
            )
    if isinstance(data, EncapsulatedPixelData):
        if not encapsulated:
            raise PixelDataError(f"{info.keyword} is encapsulated, but the transfer syntax {info.transfer_syntax} is native")
        return _encapsulated(source, info, data, frame)
    return _native(source, info, data, frame)


def frames(source: Source, *, transfer_syntax: str | None = None) -> list[npt.NDArray[Any]]:
    """Each frame, as ``array(source, frame=i)`` gives it (decoded in one pass)."""
    info = pixel_info(source, transfer_syntax=transfer_syntax)
    whole = array(source, transfer_syntax=transfer_syntax)  # offset tables read, fragments scanned once
    if info.number_of_frames == 1:
        return [whole]
    return [np.ascontiguousarray(frame) for frame in whole]


def _looks_like_items(data: bytes) -> bool:
    return len(data) >= 8 and data[:4] == b"\xfe\xff\x00\xe0"


def _native(source: Source, info: PixelInfo, data: bytes, frame: int | None) -> npt.NDArray[Any]:
    frame_bits = info.frame_bits
    count = info.number_of_frames if frame is None else 1
    first = 0 if frame is None else frame
    needed_bits = info.number_of_frames * frame_bits
    needed = (needed_bits + 7) // 8
    if len(data) < needed:
        raise PixelDataError(
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
    if big and size == 1 and _vr_of(source, info.keyword) == "OW":
        # 8-bit samples in OW words of a big endian stream: the words' bytes swapped (PS3.5 7.3)
        start = first * frame_bytes
        even = start - start % 2
        stop = (first + count) * frame_bytes
        swapped = _swap_words(np.frombuffer(data[even : stop + stop % 2], dtype=np.uint8))
        samples: npt.NDArray[Any] = swapped[start - even : start - even + count * frame_bytes]
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


def _fix_bits(samples: npt.NDArray[Any], info: PixelInfo) -> npt.NDArray[Any]:
    """Only the Bits Stored bits ending at High Bit (PS3.5 8.1.1): shifted down, masked, and
    sign extended for Pixel Representation 1."""
    if samples.dtype.kind == "f" or info.bits_stored == info.bits_allocated:
        return samples
    shift = info.high_bit + 1 - info.bits_stored
    unsigned = samples.view(samples.dtype.str.replace("i", "u"))
    values = (unsigned >> shift) & ((1 << info.bits_stored) - 1) if shift else unsigned & ((1 << info.bits_stored) - 1)
    values = values.astype(unsigned.dtype, copy=False)
    if info.pixel_representation:
        spare = info.bits_allocated - info.bits_stored
        signed = values.view(samples.dtype.str.replace("u", "i"))
        return (signed << spare) >> spare
    return values


def _expand_422(samples: npt.NDArray[Any], info: PixelInfo, count: int) -> npt.NDArray[Any]:
    """Native YBR_FULL_422 (PS3.3 C.7.6.3.1.2): Y1 Y2 Cb Cr for each pair of pixels of a row,
    given as YBR_FULL (each pair's Cb and Cr for both pixels)."""
    if info.columns % 2:
        raise PixelDataError(f"YBR_FULL_422 with an odd number of Columns ({info.columns})")
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


def _frame_fragments(source: Source, info: PixelInfo, data: EncapsulatedPixelData) -> list[list[bytes]]:
    """The fragments of each frame (PS3.5 A.4): from the Extended Offset Table, the Basic
    Offset Table, one fragment a frame, or by the start of each frame's codestream."""
    fragments = data.fragments
    n = info.number_of_frames
    if not fragments:
        raise PixelDataError("encapsulated Pixel Data (7FE0,0010) has no fragment")
    positions: dict[int, int] = {}
    position = 0
    for index, fragment in enumerate(fragments):
        positions[position] = index
        position += 8 + len(fragment)
    positions[position] = len(fragments)
    offsets: list[int] | None = None
    extended = _bytes_of(_raw(source, "ExtendedOffsetTable"))
    if isinstance(extended, bytes) and extended:
        offsets = [int(v) for v in np.frombuffer(extended, dtype="<u8")]
        name = "Extended Offset Table (7FE0,0001)"
    elif data.offsets:
        offsets = [int(v) for v in np.frombuffer(data.offsets[: len(data.offsets) // 4 * 4], dtype="<u4")]
        name = "Basic Offset Table"
    if offsets is not None:
        if len(offsets) != n:
            raise PixelDataError(f"the {name} has {len(offsets)} offsets for Number of Frames {n}")
        starts = []
        for i, offset in enumerate(offsets):
            if offset not in positions:
                raise PixelDataError(f"the {name}'s offset {offset} of frame {i} is not the start of a fragment")
            starts.append(positions[offset])
        ends = starts[1:] + [len(fragments)]
        return [fragments[a:b] for a, b in zip(starts, ends)]
    if n == 1:
        return [fragments]
    if len(fragments) == n:
        return [[f] for f in fragments]
    if info.transfer_syntax == RLE_LOSSLESS:
        raise PixelDataError(f"RLE Lossless with {len(fragments)} fragments for {n} frames (PS3.5 G.2: one fragment a frame)")
    groups: list[list[bytes]] = []
    for fragment in fragments:
        if not groups or _starts_codestream(fragment):
            groups.append([fragment])
        else:
            groups[-1].append(fragment)
    if len(groups) != n:
        raise PixelDataError(
            f"{len(fragments)} fragments without an offset table: {len(groups)} codestreams found for Number of Frames {n}"
        )
    return groups


def _starts_codestream(fragment: bytes) -> bool:
    """A JPEG (SOI), JPEG 2000 codestream (SOC SIZ) or JP2 file signature at the fragment's start."""
    return fragment[:2] == b"\xff\xd8" or fragment[:4] == b"\xff\x4f\xff\x51" or fragment[4:12] == b"jP  \r\n\x87\n"


def _encapsulated(source: Source, info: PixelInfo, data: EncapsulatedPixelData, frame: int | None) -> npt.NDArray[Any]:
    groups = _frame_fragments(source, info, data)
    wanted = range(info.number_of_frames) if frame is None else [frame]
    decoded = [_decode_frame(b"".join(groups[i]), info, i) for i in wanted]
    if frame is None and info.number_of_frames > 1:
        return np.stack(decoded)
    return decoded[0]


def _decode_frame(frame_data: bytes, info: PixelInfo, index: int) -> npt.NDArray[Any]:
    if info.transfer_syntax == RLE_LOSSLESS:
        return rle_decode_frame(frame_data, info, index)
    codec = _CODEC_SYNTAXES.get(info.transfer_syntax)
    if codec is None:
        raise PixelDataError(f"transfer syntax {info.transfer_syntax} is not one this module decodes")
    name, function = codec
    try:
        import imagecodecs
    except ImportError:
        raise MissingCodecError(
            f"{name} ({info.transfer_syntax}) needs imagecodecs: pip install 'dicom-typed[pixels]'"
        ) from None
    decoder = getattr(imagecodecs, function)
    try:
        if function == "jpeg8_decode" and info.samples_per_pixel == 3:
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
        raise PixelDataError(f"frame {index}: {name} ({info.transfer_syntax}) decoding failed: {exc}") from exc
    result = np.asarray(decoded)
    if result.shape[:2] != (info.rows, info.columns) or (result.ndim == 3 and result.shape[2] != info.samples_per_pixel):
        raise PixelDataError(
            f"frame {index}: the {name} codestream is {result.shape}, the data set says {info.frame_shape}"
        )
    if result.ndim == 2 and info.samples_per_pixel > 1:
        raise PixelDataError(f"frame {index}: the {name} codestream has 1 component, Samples per Pixel is {info.samples_per_pixel}")
    kind = "i" if info.pixel_representation else "u"
    target = np.dtype(f"{kind}{max(1, info.bits_allocated // 8)}")
    if info.bits_allocated == 1:
        target = np.dtype(np.uint8)
    if result.dtype != target:
        result = result.astype(target.str.replace("i", "u"), copy=False).view(target) if result.dtype.itemsize == target.itemsize else result.astype(target)
    if info.pixel_representation and info.bits_stored < info.bits_allocated:
        spare = info.bits_allocated - info.bits_stored
        result = (result << spare) >> spare  # sign extension of a codestream decoded as unsigned
    return result.reshape(info.frame_shape)


def _jpeg_transformed(data: bytes) -> bool:
    """Whether a 3-component JPEG stream says it is YCbCr: a JFIF APP0 marker, or an Adobe APP14
    marker with transform 1 (ISO/IEC 10918-6; an APP14 with transform 0 says it is not)."""
    i = 2
    jfif = False
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        if marker == 0xDA:
            break
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        body = data[i + 4 : i + 2 + length]
        if marker == 0xE0 and body[:5] == b"JFIF\0":
            jfif = True
        if marker == 0xEE and body[:5] == b"Adobe" and len(body) >= 12:
            return body[11] == 1
        i += 2 + length
    return jfif


def rle_decode_frame(frame_data: bytes, info: PixelInfo, index: int = 0) -> npt.NDArray[Any]:
    """One frame of RLE Lossless (PS3.5 Annex G): the RLE Header's segments, PackBits each,
    most significant byte of each sample first; given as the frame's samples."""
    if len(frame_data) < 64:
        raise PixelDataError(f"frame {index}: RLE data of {len(frame_data)} bytes has no 64-byte RLE Header (PS3.5 G.5)")
    header = np.frombuffer(frame_data[:64], dtype="<u4")
    count = int(header[0])
    size = info.bits_allocated // 8
    expected = info.samples_per_pixel * size
    if info.bits_allocated == 1 or count != expected:
        raise PixelDataError(
            f"frame {index}: the RLE Header has {count} segments; Samples per Pixel {info.samples_per_pixel} x "
            f"Bits Allocated {info.bits_allocated} need {expected} (PS3.5 G.2)"
        )
    offsets = [int(v) for v in header[1 : 1 + count]] + [len(frame_data)]
    pixels = info.rows * info.columns
    planes = np.empty((info.samples_per_pixel, size, pixels), dtype=np.uint8)
    for segment in range(count):
        start, stop = offsets[segment], offsets[segment + 1]
        if not 64 <= start <= stop <= len(frame_data):
            raise PixelDataError(f"frame {index}: RLE segment {segment} offset {start} is outside the frame's {len(frame_data)} bytes")
        decoded = _packbits(frame_data[start:stop], pixels)
        if len(decoded) < pixels:
            raise PixelDataError(
                f"frame {index}: RLE segment {segment} decodes to {len(decoded)} bytes; Rows x Columns is {pixels}"
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


# -- encoding ---------------------------------------------------------------------------------------

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
    (several frames, or when the target has the attribute) and Pixel Data in native little endian;
    a transfer syntax read with the target that is not native little endian becomes Explicit VR
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
    _native_meta(target)


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
