"""dicom_runtime: the hand-written runtime of the typed DICOM toolkit.

So far it holds the data dictionary lookups (:mod:`dicom_runtime.dictionary`);
encoding (PS3.5), the file format (PS3.10) and DIMSE networking come next.
"""

from .dictionary import (
    DataElementTag,
    DictionaryEntry,
    TransferSyntax,
    UidEntry,
    get_entry,
    lookup,
    transfer_syntax,
    uid_info,
)
from .errors import DicomError, UnknownTagError, UnknownUIDError

__all__ = [
    "DataElementTag",
    "DicomError",
    "DictionaryEntry",
    "TransferSyntax",
    "UidEntry",
    "UnknownTagError",
    "UnknownUIDError",
    "get_entry",
    "lookup",
    "transfer_syntax",
    "uid_info",
]
