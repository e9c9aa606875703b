"""Transcoding for C-STORE (the SCU's store, and the retrieve SCP's C-MOVE / C-GET sub-operations):
when the peer accepted none of an instance's own transfer syntax for its SOP class, the instance
goes in one it did accept, as dcmtk's storescu does.

The choice among the accepted contexts: the instance's own syntax; else a native or deflated
one (Explicit VR Little Endian first); else a lossless compressed one this runtime encodes
(:func:`dicom_runtime.pixels.encode`); else one that allows loss but can code without it (JPEG 2000,
HTJ2K, JPEG-LS near-lossless: coded losslessly, ``level=0``). No loss is added in transit: a lossy
syntax that cannot code losslessly (JPEG Baseline) only for an instance already in it. Each
conversion is logged (info) with both syntaxes, as storescu -v says "Converting transfer syntax".
Between native little endian syntaxes the data set is re-encoded as it is (``Instance.in_syntax``);
otherwise its Pixel Data is decoded and encoded again by :func:`dicom_runtime.pixels.transcode`
(the ``pixels`` extra), Explicit VR Big Endian included (its words are set again in the other
byte order). A failure is one :class:`~dicom_runtime.errors.DicomEncodeError`
``instance <uid>: cannot transcode <from> to <to>: <why>``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
import zlib
from collections.abc import Iterable

from ..dataset import DataElement, Dataset
from ..errors import DicomEncodeError, DicomError
from ..fileformat import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_BIG_ENDIAN,
    encode_body,
)
from ..reader import EXPLICIT_LE, Reader
from .association import AcceptedContext
from .instances import NATIVE_SYNTAXES, Instance

__all__ = ["TRANSCODE_LIMIT", "choose_context", "in_syntax", "in_syntax_bounded", "producible"]

log = logging.getLogger("dicom_runtime.net")

_LITTLE = (NATIVE_SYNTAXES[0], NATIVE_SYNTAXES[1], DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN)
_PREFERRED = (*_LITTLE, EXPLICIT_VR_BIG_ENDIAN)
_LOSSLESS_ENCODED = (
    "1.2.840.10008.1.2.4.80",  # JPEG-LS Lossless
    "1.2.840.10008.1.2.4.90",  # JPEG 2000 Lossless
    "1.2.840.10008.1.2.4.201",  # HTJ2K Lossless
    "1.2.840.10008.1.2.5",  # RLE Lossless
)


#: The encoders that code losslessly in a syntax that also allows loss (``level=0``).
_LOSSLESS_CODERS = frozenset({"jpeg2k_encode", "htj2k_encode", "jpegls_encode"})
#: Syntaxes that allow loss, into which an instance is sent coded losslessly when nothing better was accepted.
_LOSSY_ALLOWED = (
    "1.2.840.10008.1.2.4.91",  # JPEG 2000
    "1.2.840.10008.1.2.4.203",  # HTJ2K
    "1.2.840.10008.1.2.4.81",  # JPEG-LS Lossy (Near-Lossless)
)


def producible(transfer_syntax: str) -> bool:
    """Whether :func:`in_syntax` can send any instance in ``transfer_syntax``, whatever the
    syntax it is held in: a native or deflated one, or one this runtime encodes without loss
    (the lossless syntaxes, and JPEG 2000, HTJ2K and JPEG-LS near-lossless coded losslessly);
    not a syntax only decoded here (JPEG Lossless, JPEG Extended), nor JPEG Baseline, which
    an instance is sent in only if it is held in it (no loss is added in transit)."""
    if transfer_syntax in _PREFERRED:
        return True
    if transfer_syntax not in (*_LOSSLESS_ENCODED, *_LOSSY_ALLOWED):
        return False
    try:
        from .. import pixels
    except ImportError:
        return False
    return transfer_syntax in pixels.supported_syntaxes()


def choose_context(
    instance: Instance, chosen: AcceptedContext, contexts: Iterable[AcceptedContext], *, as_scp: bool = False
) -> AcceptedContext:
    """The accepted context to send ``instance`` on: ``chosen`` if it has the instance's own
    transfer syntax, else the best of ``contexts`` for its SOP class (see the module's docstring),
    else ``chosen``."""
    if chosen.transfer_syntax == instance.transfer_syntax:
        return chosen
    candidates = [c for c in contexts if c.abstract_syntax == instance.sop_class and (c.scp or not as_scp)]
    by_syntax = {c.transfer_syntax: c for c in reversed(candidates)}
    for syntax in (*_PREFERRED, *_LOSSLESS_ENCODED, *_LOSSY_ALLOWED):
        if syntax in by_syntax:
            return by_syntax[syntax]
    return chosen


def in_syntax(instance: Instance, transfer_syntax: str) -> Instance:
    """``instance`` in ``transfer_syntax`` (see the module's docstring)."""
    own = instance.transfer_syntax
    if transfer_syntax == own:
        return instance
    log.info("instance %s: converting transfer syntax %s -> %s (the peer accepted no context in its own)", instance.sop_instance, own, transfer_syntax)
    if own in _LITTLE and transfer_syntax in _LITTLE:
        return instance.in_syntax(transfer_syntax)
    try:
        dataset = instance.dataset()
        has_pixels = any(tag in dataset for tag in (0x7FE00010, 0x7FE00008, 0x7FE00009))
        if not has_pixels and own in _PREFERRED and transfer_syntax in _PREFERRED:
            return instance.in_syntax(transfer_syntax)
        try:
            from .. import pixels
        except ImportError:
            raise DicomEncodeError("the pixels extra (numpy, imagecodecs) is not installed: pip install 'dicom-typed[pixels]'") from None
        if transfer_syntax not in pixels.supported_syntaxes():
            raise DicomEncodeError("not a transfer syntax this runtime encodes")
        codec = pixels.codecs.CODECS.get(transfer_syntax)
        level: float | None = None
        if codec is not None and not codec.lossless:
            if codec.encoder not in _LOSSLESS_CODERS:
                raise DicomEncodeError("it is lossy, and the instance is not in it: no loss is added in transit")
            level = 0  # coded losslessly in a syntax that also allows loss (JPEG 2000, HTJ2K, JPEG-LS near-lossless)
        dataset.file_meta = Dataset()
        dataset.file_meta[0x00020010] = DataElement(0x00020010, "UI", own)
        data = encode_body(pixels.transcode(dataset, transfer_syntax, level=level), transfer_syntax)
    except DicomError as exc:
        why = str(exc).removeprefix(f"instance {instance.sop_instance}: ")
        raise DicomEncodeError(f"instance {instance.sop_instance}: cannot transcode {own} to {transfer_syntax}: {why}") from exc
    return Instance(instance.sop_class, instance.sop_instance, transfer_syntax, data)


#: The largest instance (its encoded data set, bytes) that the retrieve SCP converts to
#: another transfer syntax for a C-MOVE or C-GET sub-operation. A conversion holds about
#: four times the instance while it runs (the data set decoded, its pixels decoded and
#: encoded again), so a peer asking for large instances in a syntax they are not stored in,
#: from several associations, could make the SCP hold gigabytes (a 300 MB instance peaked
#: at 1.2 GB). A larger instance is a failed sub-operation, said in the Error Comment and
#: the log; one the peer takes in its own syntax is sent as stored, whatever its size.
TRANSCODE_LIMIT = 256 * 1024 * 1024

_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _conversion_lock() -> asyncio.Lock:
    """One conversion at a time per event loop (the SCP's): its memory is counted once."""
    loop = asyncio.get_running_loop()
    lock = _LOCKS.get(loop)
    if lock is None:
        lock = _LOCKS[loop] = asyncio.Lock()
    return lock


def _size(count: int) -> str:
    return f"{count / 2**20:.1f} MiB" if count >= 2**20 else f"{count} bytes"


async def in_syntax_bounded(instance: Instance, transfer_syntax: str) -> Instance:
    """:func:`in_syntax` for the SCP's sub-operations: refused past :data:`TRANSCODE_LIMIT`,
    one conversion at a time, in a worker thread so that the event loop goes on serving the
    other associations while a large instance is converted."""
    if transfer_syntax == instance.transfer_syntax:
        return instance
    size = len(instance.buffer)
    what = _size(size)
    if size <= TRANSCODE_LIMIT and instance.transfer_syntax not in _NATIVE_STORED:
        size, what = await asyncio.to_thread(expanded_size, instance, TRANSCODE_LIMIT)
    if size > TRANSCODE_LIMIT:
        raise DicomEncodeError(
            f"instance {instance.sop_instance}: too large to transcode ({what}, limit {_size(TRANSCODE_LIMIT)}, "
            f"transcode.TRANSCODE_LIMIT): {instance.transfer_syntax} to {transfer_syntax}, "
            "the peer accepted no context in its own syntax"
        )
    async with _conversion_lock():
        return await asyncio.to_thread(in_syntax, instance, transfer_syntax)


_NATIVE_STORED = (NATIVE_SYNTAXES[0], NATIVE_SYNTAXES[1], EXPLICIT_VR_BIG_ENDIAN)
"""Syntaxes whose data set a conversion holds at its encoded size: the limit is on that."""


def expanded_size(instance: Instance, limit: int) -> tuple[int, str]:
    """What a conversion of ``instance`` decodes, in bytes, and that size said in words:
    a deflated data set's inflated size (inflated a piece at a time and thrown away, counted
    no further than just past ``limit``: a stream of 300 KB may inflate to 1 GiB, which the
    conversion would hold three times over), and for encapsulated Pixel Data the data set plus
    the frames decoded (Rows x Columns x Samples per Pixel x Bits Allocated / 8 x Number of
    Frames, from the header: a JPEG-LS or JPEG 2000 stream of a few KB may declare gigabytes)."""
    own = instance.transfer_syntax
    buffer = instance.buffer
    if own == DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
        decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
        total = position = 0
        try:
            while total <= limit and not decompressor.eof:
                if decompressor.unconsumed_tail:
                    total += len(decompressor.decompress(decompressor.unconsumed_tail, _PIECE))
                elif position < len(buffer):
                    total += len(decompressor.decompress(buffer[position : position + _PIECE], _PIECE))
                    position += _PIECE
                else:
                    break
        except zlib.error:
            return len(buffer), _size(len(buffer))  # the conversion's own decoding says what is wrong
        return total, f"more than {_size(limit)} inflated" if total > limit else f"{_size(total)} inflated"
    try:
        header, _ = Reader(buffer, EXPLICIT_LE, source=instance.sop_instance, stop_before_pixels=True).read()
        rows, columns, samples, bits = (header.value(tag) for tag in (0x00280010, 0x00280011, 0x00280002, 0x00280100))
        frames = header.value(0x00280008)
        count = int(str(frames).strip() or 1) if frames is not None else 1
    except (DicomError, ValueError):
        return len(buffer), _size(len(buffer))
    if not all(isinstance(v, int) and v > 0 for v in (rows, columns, samples, bits)) or count < 1:
        return len(buffer), _size(len(buffer))
    assert isinstance(rows, int) and isinstance(columns, int) and isinstance(samples, int) and isinstance(bits, int)
    size = len(buffer) + rows * columns * samples * ((bits + 7) // 8) * count
    return size, f"{_size(size)} with its {count} frame(s) decoded"


_PIECE = 1 << 16
