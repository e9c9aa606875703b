"""dicom_runtime: the hand-written runtime of the typed DICOM toolkit.

Data dictionary lookups (:mod:`dicom_runtime.dictionary`), the base and
validation of the generated classes (:mod:`dicom_runtime.objects`), encoding
(:mod:`dicom_runtime.reader`, :mod:`dicom_runtime.writer`, PS3.5) and the file
format (:mod:`dicom_runtime.fileformat`, PS3.10), and networking
(:mod:`dicom_runtime.net`: a sans-I/O association core with asyncio and blocking
adapters, DIMSE-C and DIMSE-N as SCU and SCP, TLS, the ``dicom-net`` tool).
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
from .dataset import DataElement, Dataset
from .errors import DicomDecodeError, DicomEncodeError, DicomError, DicomTypeError, UnknownTagError, UnknownUIDError
from .fileformat import FileDataset, read_file, write_file
from .typed import ValidationFailed, from_dataset, read, to_dataset, write

__all__ = [
    "DataElement",
    "DataElementTag",
    "Dataset",
    "DicomDecodeError",
    "DicomEncodeError",
    "DicomError",
    "DicomTypeError",
    "FileDataset",
    "ValidationFailed",
    "from_dataset",
    "read",
    "read_file",
    "to_dataset",
    "write",
    "write_file",
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
