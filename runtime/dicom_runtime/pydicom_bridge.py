"""A bridge to and from ``pydicom.Dataset`` for users who already have pydicom.

pydicom is an optional extra (``pip install dicom-typed[pydicom]``), imported only
here. The bridge goes through the encoded bytes of a file, so each side decodes
with its own rules and nothing is lost in between.
"""

from __future__ import annotations

import io
from typing import Any

from .dataset import Dataset
from .fileformat import EXPLICIT_VR_LITTLE_ENDIAN, encode_file, read_bytes


def to_pydicom(dataset: Dataset, transfer_syntax: str | None = None) -> Any:
    """A ``pydicom.FileDataset`` with the same elements (needs SOP Class and Instance UIDs),
    in ``transfer_syntax``: by default the one the data set was read in (its File Meta
    Information says which), else Explicit VR Little Endian, as :func:`.typed.write` chooses.
    (Written always in Explicit VR Little Endian, a compressed image's encapsulated Pixel
    Data was declared native, and pydicom could not decode it.)"""
    import pydicom

    if transfer_syntax is None:
        meta = dataset.file_meta
        read_in = meta.value(0x00020010) if meta is not None else None
        transfer_syntax = read_in.strip("\0 ") if isinstance(read_in, str) and read_in.strip("\0 ") else EXPLICIT_VR_LITTLE_ENDIAN
    return pydicom.dcmread(io.BytesIO(encode_file(dataset, transfer_syntax)))


def from_pydicom(ds: Any) -> Dataset:
    """Our :class:`Dataset` of a ``pydicom.Dataset`` (written by pydicom, read by us)."""
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return read_bytes(buffer.getvalue(), source="<pydicom>").dataset
