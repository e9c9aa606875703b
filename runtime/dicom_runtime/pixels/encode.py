"""Encoding: the pixel data of a data set or typed instance compressed into an encapsulated
transfer syntax (:func:`encode`), and a data set in any supported transfer syntax from any other
(:func:`transcode`). The path mirrors decoding: the frames are decoded by :func:`~.decode.array`,
each frame goes to its codec (:mod:`.codecs`, :mod:`.rle`), the codestreams are encapsulated
(:mod:`.encapsulation`)."""

from __future__ import annotations

import copy
from typing import Any

import numpy.typing as npt

from ..dataset import DataElement, Dataset, EncapsulatedPixelData
from ..errors import DicomError
from ..fileformat_write import _bulk_swapped
from ..objects import _state
from ._common import (
    _NATIVE,
    _TAGS,
    EXPLICIT_BE,
    EXPLICIT_LE,
    PixelDataError,
    PixelInfo,
    Source,
    _bytes_of,
    _raw,
    _text,
    _transfer_syntax,
    pixel_info,
)
from .codecs import CODECS, ENCODABLE, RLE_LOSSLESS, check_encodable, coded_photometric, encode_frame, lossy_coded
from .decode import array
from .encapsulation import OffsetTable, encapsulate
from .image import _assign, set_array
from .rle import rle_encode_frame

__all__ = ["encode", "transcode", "supported_syntaxes"]

_JPIP_DEFLATE = "1.2.840.10008.1.2.4.95"  # native bytes in _NATIVE for decoding; its pixels are referenced, not written


def supported_syntaxes() -> frozenset[str]:
    """The transfer syntaxes :func:`transcode` writes: the native ones and :data:`~.codecs.ENCODABLE`."""
    return frozenset(uid for uid in _NATIVE if uid != _JPIP_DEFLATE) | ENCODABLE


def _photometric_decoded(info: PixelInfo) -> str:
    """The Photometric Interpretation of the samples :func:`array` gives: YBR_FULL_422 as
    YBR_FULL (its chroma for every pixel), JPEG 2000's YBR_RCT / YBR_ICT as RGB (PS3.5 8.2.4)."""
    value = info.photometric_interpretation
    if value == "YBR_FULL_422":
        return "YBR_FULL"
    if value in ("YBR_RCT", "YBR_ICT"):
        return "RGB"
    return value


def encode(
    target: Source,
    transfer_syntax: str,
    *,
    level: float | None = None,
    offset_table: OffsetTable = "basic",
    fragment_size: int | None = None,
) -> None:
    """Compress the pixel data of ``target`` (a typed instance or a data set, in any transfer
    syntax :func:`array` decodes) into ``transfer_syntax``, in place.

    ``transfer_syntax``: RLE Lossless, JPEG-LS Lossless, JPEG 2000 Lossless, HTJ2K Lossless, or
    the lossy JPEG Baseline (8-bit), JPEG-LS Near-Lossless, JPEG 2000, HTJ2K (``level``: see
    :func:`~.codecs.encode_frame`). A lossy encoding sets Lossy Image Compression (0028,2110)
    "01" and adds its Lossy Image Compression Ratio (0028,2112) and Method (0028,2114) to those
    already there (PS3.3 C.7.6.1.1.5). Photometric Interpretation YBR_FULL_422 (decoded with
    the chroma of every pixel) becomes YBR_FULL, but in JPEG Baseline YBR_FULL is coded 4:2:2
    and becomes YBR_FULL_422 (:func:`~.codecs.coded_photometric`); JPEG 2000's YBR_RCT / YBR_ICT, decoded as RGB,
    become RGB. Planar Configuration becomes 0 (PS3.5 8.2.3, 8.2.4; RLE: the segments are
    planes whatever it says). ``offset_table`` and ``fragment_size``: see
    :func:`~.encapsulation.encapsulate`. The File Meta Information (made if there is none)
    names ``transfer_syntax``. Nothing is changed when an error is raised.
    """
    if transfer_syntax not in ENCODABLE:
        raise PixelDataError(
            f"transfer syntax {transfer_syntax} is not one encode() writes (it writes {', '.join(sorted(ENCODABLE))})"
        )
    info = pixel_info(target)
    decoded = array(target)
    photometric = _photometric_decoded(info)
    frames_ = decoded.reshape((info.number_of_frames, *info.frame_shape))
    out = PixelInfo(
        rows=info.rows,
        columns=info.columns,
        samples_per_pixel=info.samples_per_pixel,
        bits_allocated=info.bits_allocated,
        bits_stored=info.bits_stored,
        high_bit=info.bits_stored - 1,
        pixel_representation=info.pixel_representation,
        photometric_interpretation=photometric,
        planar_configuration=0,
        number_of_frames=info.number_of_frames,
        keyword=info.keyword,
        transfer_syntax=transfer_syntax,
    )
    codec = None if transfer_syntax == RLE_LOSSLESS else check_encodable(transfer_syntax, out)
    if codec is None and level is not None:
        raise PixelDataError("RLE Lossless is lossless: no level")
    encoded = [_encode_one(frame, out, transfer_syntax, level, index) for index, frame in enumerate(frames_)]
    coded_before = _lossy_method(target, info.transfer_syntax)  # read before the Pixel Data is replaced
    wrapped = encapsulate(encoded, offset_table=offset_table, fragment_size=fragment_size)
    # all encoded: now change the target
    if isinstance(target, Dataset):
        target[_TAGS["PixelData"]] = DataElement(_TAGS["PixelData"], "OB", wrapped.pixel_data, undefined_length=True)
    else:
        _assign(target, "PixelData", wrapped.pixel_data.encode(), "OB")
    _set_extended(target, wrapped.extended_offsets, wrapped.extended_lengths)
    _assign(target, "PhotometricInterpretation", coded_photometric(transfer_syntax, photometric), "CS")
    _assign(target, "HighBit", out.high_bit, "US")
    if info.samples_per_pixel > 1:
        _assign(target, "PlanarConfiguration", 0, "US")
    if codec is not None and not codec.lossless and level != 0:  # level 0: coded losslessly
        native = info.rows * info.columns * info.samples_per_pixel * info.number_of_frames * (info.bits_allocated // 8)
        compressed = sum(len(frame) for frame in encoded)
        _add_lossy(target, native / compressed, codec.method, coded_before)
    _set_syntax(target, transfer_syntax)


def _encode_one(frame: npt.NDArray[Any], info: PixelInfo, uid: str, level: float | None, index: int) -> bytes:
    if uid == RLE_LOSSLESS:
        return rle_encode_frame(frame, info, index)
    return encode_frame(frame, info, uid, level=level, index=index)


def _set_extended(target: Source, offsets: bytes | None, lengths: bytes | None) -> None:
    for keyword, tag, value in (("ExtendedOffsetTable", 0x7FE00001, offsets), ("ExtendedOffsetTableLengths", 0x7FE00002, lengths)):
        if isinstance(target, Dataset):
            if value is None:
                target.pop(tag, None)
            else:
                target[tag] = DataElement(tag, "OV", value)
        else:
            _assign(target, keyword, value, "OV")


def _add_lossy(target: Source, ratio: float, method: str, coded_before: str) -> None:
    """Lossy Image Compression "01", this encoding's ratio and method after those already there,
    in step: PS3.3 C.7.6.1.1.5 has the values of Lossy Image Compression Ratio (0028,2112) and
    Method (0028,2114) correspond one to one, a pair for each lossy step (see :func:`_in_step`)."""
    before = _text(target, "LossyImageCompression") == "01"
    ratios, methods = _in_step(
        _values(target, "LossyImageCompressionRatio") if before else [],
        _values(target, "LossyImageCompressionMethod") if before else [],
        coded_before,
    )
    ratios.append(_ds(ratio))
    methods.append(method)
    _assign(target, "LossyImageCompression", "01", "CS")
    if isinstance(target, Dataset):
        for keyword, values, vr in (("LossyImageCompressionRatio", ratios, "DS"), ("LossyImageCompressionMethod", methods, "CS")):
            tag = _TAGS[keyword]
            target[tag] = DataElement(tag, vr, values if len(values) > 1 else values[0])
        return
    _assign(target, "LossyImageCompressionRatio", [float(v) for v in ratios], "DS")
    _assign(target, "LossyImageCompressionMethod", methods, "CS")


def _in_step(ratios: list[str], methods: list[str], coded_before: str) -> tuple[list[str], list[str]]:
    """The earlier ratios and methods as pairs. A source that gives one ratio more than methods
    (pydicom's JPEG2000.dcm: Ratio 2097, no Method) is completed by the method its own
    codestream shows it was coded with (``coded_before``, e.g. ISO_15444_1 for irreversible
    JPEG 2000): the pixels decoded are that step's. Otherwise which value belongs to which is
    not known, and the values past the shorter list are dropped (the first ones are taken to
    pair, as the Standard has them correspond in order): a ratio without its method, or a method
    without its ratio, would put every later pair out of step."""
    if len(ratios) == len(methods) + 1 and coded_before:
        methods = [*methods, coded_before]
    count = min(len(ratios), len(methods))
    return ratios[:count], methods[:count]


def _lossy_method(target: Source, syntax: str) -> str:
    """The Lossy Image Compression Method (0028,2114) of ``target``'s own codestream if it was
    coded with loss (:func:`_lossy_source`) in a syntax with a Defined Term, else ""."""
    codec = CODECS.get(syntax)
    return codec.method if codec is not None and _lossy_source(target, syntax) else ""


def _values(target: Source, keyword: str) -> list[str]:
    value = _raw(target, keyword)
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [v for v in str(value).split("\\") if v]


def _ds(value: float) -> str:
    """A Decimal String of at most 16 characters (PS3.5 6.2)."""
    text = f"{value:.6g}"
    return text if len(text) <= 16 else f"{value:.6e}"


def _set_syntax(target: Source, transfer_syntax: str) -> None:
    tag = _TAGS["TransferSyntaxUID"]
    if isinstance(target, Dataset):
        if target.file_meta is None:
            target.file_meta = Dataset()
        target.file_meta[tag] = DataElement(tag, "UI", transfer_syntax)
        return
    state = _state(target)
    if state.meta is None:
        state.meta = Dataset()
    state.meta[tag] = DataElement(tag, "UI", transfer_syntax)


def transcode(
    dataset: Dataset,
    transfer_syntax: str,
    *,
    level: float | None = None,
    offset_table: OffsetTable = "basic",
    fragment_size: int | None = None,
) -> Dataset:
    """A copy of ``dataset`` (its File Meta Information naming its transfer syntax; Explicit VR
    Little Endian without one) in ``transfer_syntax``: any syntax :func:`array` decodes to any of
    :func:`supported_syntaxes`. Between the native syntaxes (and Deflated) the Pixel Data bytes
    are kept; otherwise the frames are decoded and set again by :func:`encode` (or, from an
    encapsulated syntax, as native little endian Pixel Data). A data set holds its OW, OF, OD,
    OL and OV values in its file's byte order: to or from Explicit VR Big Endian every one of
    them (Pixel Data, LUT Data, Overlay Data, in items too) is swapped by the one mechanism the
    file writer uses, by VR - OW in 16-bit words whatever Bits Allocated says (PS3.5 6.2, as
    dcmtk's ``dcmconv +tb`` writes it), OF/OL in 32-bit, OD/OV in 64-bit words.
    Keyword arguments: see :func:`encode` (encapsulated targets only)."""
    if transfer_syntax not in supported_syntaxes():
        raise PixelDataError(
            f"transfer syntax {transfer_syntax} is not one transcode() writes (it writes {', '.join(sorted(supported_syntaxes()))})"
        )
    source_syntax = _transfer_syntax(dataset) or EXPLICIT_LE
    if source_syntax == EXPLICIT_BE and transfer_syntax != EXPLICIT_BE:
        little = _bulk_swapped(dataset)  # every bulk value in little endian: a little endian data set
        little.file_meta = _copy(dataset.file_meta) if dataset.file_meta is not None else Dataset()
        _set_syntax(little, EXPLICIT_LE)
        return transcode(little, transfer_syntax, level=level, offset_table=offset_table, fragment_size=fragment_size)
    if transfer_syntax == EXPLICIT_BE and source_syntax != EXPLICIT_BE:
        result = _bulk_swapped(transcode(dataset, EXPLICIT_LE))
        result.file_meta = _copy(result.file_meta) if result.file_meta is not None else Dataset()
        _set_syntax(result, EXPLICIT_BE)
        return result
    result = _copy(dataset)
    result.file_meta = _copy(dataset.file_meta) if dataset.file_meta is not None else Dataset()
    has_pixels = any(_raw(dataset, k) is not None for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"))
    if has_pixels and transfer_syntax != source_syntax:
        lossy = _lossy_source(dataset, source_syntax)
        if transfer_syntax in _NATIVE:
            if source_syntax not in _NATIVE:
                _to_native(result)  # decoded, set again in little endian
        else:
            encode(result, transfer_syntax, level=level, offset_table=offset_table, fragment_size=fragment_size)
        if lossy and _text(result, "LossyImageCompression") != "01":
            # PS3.3 C.7.6.1.1.5: once lossy, "01" for good, as dcmtk's dcmdjpls / dcmdjpeg write it
            _assign(result, "LossyImageCompression", "01", "CS")
    _set_syntax(result, transfer_syntax)
    return result


def _lossy_source(dataset: Source, syntax: str) -> bool:
    """Whether the encapsulated Pixel Data of ``dataset`` (in ``syntax``) was coded with loss
    (:func:`~.codecs.lossy_coded` on its first frame's first fragment)."""
    if syntax in _NATIVE:
        return False
    data = _bytes_of(_raw(dataset, "PixelData"))
    if isinstance(data, (bytes, memoryview)):
        try:
            data = EncapsulatedPixelData.decode(bytes(data), source="PixelData")
        except DicomError:
            return False
    fragments: list[bytes] = data.fragments if isinstance(data, EncapsulatedPixelData) else []
    return bool(fragments) and lossy_coded(syntax, fragments[0])


def _copy(dataset: Dataset) -> Dataset:
    """A copy whose elements can be replaced without touching ``dataset`` (values shared: the
    pixels are set as new elements, never changed in place)."""
    result = Dataset(undefined_length=dataset.undefined_length)
    for element in dataset.elements():
        result[element.tag] = copy.copy(element)
    return result


def _to_native(target: Dataset) -> None:
    """The decoded frames set again as native little endian Pixel Data (the other attributes of
    the Image Pixel module kept where the decoded samples keep them)."""
    info = pixel_info(target)
    decoded = array(target)
    if info.bits_allocated == 1:
        decoded = decoded.astype(bool)
    set_array(
        target,
        decoded,
        photometric=_photometric_decoded(info),
        bits_stored=info.bits_stored if info.keyword == "PixelData" else None,
        planar_configuration=info.planar_configuration if info.photometric_interpretation not in ("YBR_RCT", "YBR_ICT") else 0,
        multi_frame=info.number_of_frames > 1,
    )
    for tag in (0x7FE00001, 0x7FE00002):
        target.pop(tag, None)
