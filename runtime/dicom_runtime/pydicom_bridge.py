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


def to_pydicom(dataset: Dataset, transfer_syntax: str = EXPLICIT_VR_LITTLE_ENDIAN) -> Any:
    """A ``pydicom.FileDataset`` with the same elements (needs SOP Class and Instance UIDs)."""
    import pydicom

    return pydicom.dcmread(io.BytesIO(encode_file(dataset, transfer_syntax)))


def from_pydicom(ds: Any) -> Dataset:
    """Our :class:`Dataset` of a ``pydicom.Dataset`` (written by pydicom, read by us)."""
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return read_bytes(buffer.getvalue(), source="<pydicom>").dataset
