"""What every part of :mod:`dicom_runtime.pixels` shares: the errors, the attributes read from a
data set or a typed instance, and :class:`PixelInfo`, the Image Pixel module's description of the
pixel data (PS3.3 C.7.6.3), read from the data set once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

try:
    import numpy as np
    import numpy.typing as npt
except ImportError as exc:  # pragma: no cover - the extra not installed
    raise ImportError("dicom_runtime.pixels needs numpy: pip install 'dicom-typed[pixels]'") from exc

from ..dataset import Dataset, DeferredValue, EncapsulatedPixelData
from ..errors import DicomDecodeError, DicomError
from ..objects import DicomObject, _state

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
DEFLATED_LE = "1.2.840.10008.1.2.1.99"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
RLE_LOSSLESS = "1.2.840.10008.1.2.5"
_NATIVE = {IMPLICIT_LE: "<", EXPLICIT_LE: "<", DEFLATED_LE: "<", EXPLICIT_BE: ">", "1.2.840.10008.1.2.4.95": "<"}

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
    "SmallestImagePixelValue": 0x00280106,
    "LargestImagePixelValue": 0x00280107,
    "LossyImageCompression": 0x00282110,
    "LossyImageCompressionRatio": 0x00282112,
    "LossyImageCompressionMethod": 0x00282114,
}


class PixelDataError(DicomError, ValueError):
    """Pixel data that cannot be decoded or encoded: the message names the element and why."""


class PixelDecodeError(PixelDataError, DicomDecodeError):
    """Pixel data that cannot be decoded (bad input): the message names the element, the frame and
    the fragment where they are known, and the reason."""

    def __init__(self, reason: str, *, frame: int | None = None, fragment: int | None = None, source: str = "") -> None:
        self.reason = reason
        self.frame = frame
        self.fragment = fragment
        self.offset = 0
        self.path = "(7FE0,0010)"
        self.source = source
        where = ", ".join(
            part for part in (f"frame {frame}" if frame is not None else "", f"fragment {fragment}" if fragment is not None else "") if part
        )
        message = f"{where}: {reason}" if where else reason
        Exception.__init__(self, f"{source}: {message}" if source else message)


class MissingCodecError(PixelDataError, ImportError):
    """A transfer syntax whose decoder is in the optional extra ``pixels``, not installed."""


Source = DicomObject | Dataset


# -- reading attributes of a data set or a typed instance ------------------------------------------


_BULK = frozenset({"PixelData", "FloatPixelData", "DoubleFloatPixelData", "ExtendedOffsetTable"})


def _raw(source: Source, keyword: str) -> object:
    """The value of an attribute: a typed instance's attribute (or its extra element), a data set's element value."""
    if isinstance(source, Dataset):
        element = source.get(_TAGS[keyword])
        if element is None:
            return None
        # pixel data still as read: the view on the mapped file, not a copy of all frames
        return element.view() if keyword in _BULK else element.value
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
            raise PixelDecodeError(f"{keyword} ({_tag_text(keyword)}) is {value!r}, not an integer") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if value is None or value == "":
        if default is not None:
            return default
        raise PixelDecodeError(f"{keyword} ({_tag_text(keyword)}) is absent or empty; the pixel data cannot be decoded without it")
    if not isinstance(value, int) or isinstance(value, bool):
        raise PixelDecodeError(f"{keyword} ({_tag_text(keyword)}) is {value!r}, not an integer")
    return value


def _text(source: Source, keyword: str) -> str:
    value = _raw(source, keyword)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value or "").strip(" \0")


def _tag_text(keyword: str) -> str:
    tag = _TAGS[keyword]
    return f"{tag >> 16:04X},{tag & 0xFFFF:04X}"


def _bytes_of(value: object) -> bytes | memoryview | EncapsulatedPixelData | None:
    """Bulk bytes as held: a memoryview on a mapped file stays one (no copy)."""
    if isinstance(value, DeferredValue):
        return value.read()
    if isinstance(value, (bytes, memoryview, EncapsulatedPixelData)):
        return value
    if isinstance(value, bytearray):
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
        raise PixelDecodeError("no Pixel Data (7FE0,0010), Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009)")
    syntax = transfer_syntax or _transfer_syntax(source) or EXPLICIT_LE
    float_bits = {"FloatPixelData": 32, "DoubleFloatPixelData": 64}.get(keyword)
    bits_allocated = _int(source, "BitsAllocated", float_bits)
    if float_bits is not None and bits_allocated != float_bits:
        raise PixelDecodeError(f"Bits Allocated (0028,0100) is {bits_allocated}; {keyword} takes {float_bits}")
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
        raise PixelDecodeError(f"Bits Allocated (0028,0100) {info.bits_allocated} is not 1, 8, 16 or 32")
    if not 1 <= info.bits_stored <= info.bits_allocated:
        raise PixelDecodeError(f"Bits Stored (0028,0101) {info.bits_stored} is not within 1..Bits Allocated {info.bits_allocated}")
    if not info.bits_stored - 1 <= info.high_bit < info.bits_allocated:
        raise PixelDecodeError(
            f"High Bit (0028,0102) {info.high_bit} does not fit Bits Stored {info.bits_stored} in Bits Allocated {info.bits_allocated}"
        )
    if info.rows < 1 or info.columns < 1 or info.samples_per_pixel < 1 or info.number_of_frames < 1:
        raise PixelDecodeError(
            f"Rows {info.rows}, Columns {info.columns}, Samples per Pixel {info.samples_per_pixel}, "
            f"Number of Frames {info.number_of_frames}: each must be at least 1"
        )
    if info.planar_configuration not in (0, 1):
        raise PixelDecodeError(f"Planar Configuration (0028,0006) {info.planar_configuration} is not 0 or 1")
    return info


# -- decoding ---------------------------------------------------------------------------------------


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
