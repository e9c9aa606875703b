"""A bridge to and from ``pydicom.Dataset`` for users who already have pydicom.

pydicom is an optional extra (``pip install dicom-typed[pydicom]``), imported only
here. The bridge goes through encoded bytes, so each side decodes with its own rules
and nothing is lost in between: the bytes of a PS3.10 file where the data set is one
(it names its SOP Class and Instance), else the data set's body alone (in Explicit VR
Little Endian unless told otherwise), with no File Meta Information required.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from .dataset import Dataset
from .encoding import _DEFLATED
from .errors import DicomEncodeError, DicomError, DicomTypeError
from .fileformat import EXPLICIT_VR_LITTLE_ENDIAN, decode_body, encode_body, encode_file, encoding_of, read_bytes
from .reader import EXPLICIT_LE
from .writer import encode_dataset

#: What pydicom raises for a data set it cannot encode (a value its VR cannot hold, ...): its
#: writer wraps an element's error in OSError (the buffer written to is in memory).
_PYDICOM_ERRORS = (ValueError, TypeError, AttributeError, KeyError, OverflowError, struct.error, LookupError, OSError)


def _text(value: object) -> str | None:
    return value.strip("\0 ") if isinstance(value, str) and value.strip("\0 ") else None


def _is_file(dataset: Dataset) -> bool:
    """Whether :func:`.fileformat.encode_file` can make a file of it: it names its SOP Class
    and Instance (or, without both, its File Meta Information's Media Storage ones do)."""
    sop_class, sop_instance = _text(dataset.value(0x00080016)), _text(dataset.value(0x00080018))
    meta = dataset.file_meta
    if meta is not None and 0x00080016 not in dataset and 0x00080018 not in dataset:
        sop_class, sop_instance = _text(meta.value(0x00020002)), _text(meta.value(0x00020003))
    return sop_class is not None and sop_instance is not None


def to_pydicom(dataset: Dataset, transfer_syntax: str | None = None) -> Any:
    """A ``pydicom.Dataset`` with the same elements, encoded in ``transfer_syntax``: by default
    the one the data set was read in (its File Meta Information says which), else Explicit VR
    Little Endian, as :func:`.typed.write` chooses. (Written always in Explicit VR Little
    Endian, a compressed image's encapsulated Pixel Data was declared native, and pydicom
    could not decode it.)

    A data set that names its SOP Class and Instance UIDs becomes a ``pydicom.FileDataset``
    (through the bytes of a file, File Meta Information made as for writing); any other (no
    SOP UIDs: a query identifier, an item, a corpus file such as ``empty_charset_LEI.dcm``)
    a plain ``pydicom.Dataset`` read from its encoded body, with ``file_meta`` converted
    as it is where it has one (its Transfer Syntax UID the one used). What cannot be encoded
    raises :class:`.DicomEncodeError`."""
    import pydicom
    from pydicom.filereader import read_dataset

    if not isinstance(dataset, Dataset):
        raise DicomTypeError(f"to_pydicom needs a dicom_runtime Dataset, not {type(dataset).__name__}")
    meta = dataset.file_meta
    read_in = _text(meta.value(0x00020010)) if meta is not None else None
    if transfer_syntax is None:
        transfer_syntax = read_in or EXPLICIT_VR_LITTLE_ENDIAN
    encoding = encoding_of(transfer_syntax)
    if _is_file(dataset):
        return pydicom.dcmread(io.BytesIO(encode_file(dataset, transfer_syntax)))
    body = encode_body(dataset, transfer_syntax, source_syntax=read_in)
    if transfer_syntax in _DEFLATED:
        body = zlib.decompress(body, -zlib.MAX_WBITS)
    theirs = read_dataset(io.BytesIO(body), not encoding.explicit_vr, encoding.little_endian)
    if meta is not None:
        file_meta = pydicom.dataset.FileMetaDataset(read_dataset(io.BytesIO(encode_dataset(meta, EXPLICIT_LE)), False, True))
        file_meta.TransferSyntaxUID = pydicom.uid.UID(transfer_syntax)
        theirs.file_meta = file_meta
    return theirs


def from_pydicom(ds: Any, transfer_syntax: str | None = None) -> Dataset:
    """Our :class:`Dataset` of a ``pydicom.Dataset`` (written by pydicom, read by us).

    A data set with File Meta Information naming its transfer syntax and its SOP Class and
    Instance (in the data set or as the meta's Media Storage ones) goes through the bytes of a
    file, and keeps its meta as ``file_meta``. Any other (``pydicom.Dataset()`` with no
    ``file_meta``, one whose ``file_meta`` was deleted, a query identifier) goes through its
    body alone, encoded by pydicom in ``transfer_syntax`` (by default the one its meta names,
    else Explicit VR Little Endian); a ``file_meta`` it has is converted too. A data set pydicom
    cannot encode raises :class:`.DicomEncodeError` with pydicom's reason."""
    import pydicom

    if not isinstance(ds, pydicom.Dataset):
        raise DicomTypeError(f"from_pydicom needs a pydicom.Dataset, not {type(ds).__name__}")
    file_meta = getattr(ds, "file_meta", None)  # absent, or deleted: AttributeError
    named = _text(getattr(file_meta, "TransferSyntaxUID", None)) if file_meta is not None else None
    sop = all(_text(ds.get(keyword)) for keyword in ("SOPClassUID", "SOPInstanceUID")) or (
        file_meta is not None
        and all(_text(file_meta.get(keyword)) for keyword in ("MediaStorageSOPClassUID", "MediaStorageSOPInstanceUID"))
    )
    try:
        if named is not None and sop and transfer_syntax in (None, named):
            buffer = io.BytesIO()
            ds.save_as(buffer, enforce_file_format=True)
            return read_bytes(buffer.getvalue(), source="<pydicom>").dataset
        syntax = transfer_syntax or named or EXPLICIT_VR_LITTLE_ENDIAN
        encoding = encoding_of(syntax)
        body = _pydicom_body(ds, not encoding.explicit_vr, encoding.little_endian)
        if syntax in _DEFLATED:  # pydicom's write_dataset does not deflate
            syntax = EXPLICIT_VR_LITTLE_ENDIAN
        ours = decode_body(body, syntax, source="<pydicom>")
        if file_meta is not None and len(file_meta):
            ours.file_meta = decode_body(_pydicom_body(file_meta, False, True), EXPLICIT_VR_LITTLE_ENDIAN, source="<pydicom file_meta>")
        return ours
    except DicomError:
        raise
    except _PYDICOM_ERRORS as error:
        reason = " ".join(str(error).split("\n")[:1]) or type(error).__name__
        raise DicomEncodeError(f"pydicom cannot encode the data set: {reason}") from error


def _pydicom_body(ds: Any, implicit_vr: bool, little_endian: bool) -> bytes:
    """The elements of a pydicom data set (not its file_meta) as pydicom encodes them."""
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset

    buffer = DicomBytesIO()
    buffer.is_implicit_VR, buffer.is_little_endian = implicit_vr, little_endian
    write_dataset(buffer, ds)
    return bytes(buffer.getvalue())
