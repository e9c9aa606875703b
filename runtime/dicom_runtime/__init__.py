"""dicom_runtime: the hand-written runtime of the typed DICOM toolkit.

Data dictionary lookups (:mod:`dicom_runtime.dictionary`), the base and
validation of the generated classes (:mod:`dicom_runtime.objects`), encoding
(:mod:`dicom_runtime.reader`, :mod:`dicom_runtime.writer`, PS3.5) and the file
format (:mod:`dicom_runtime.fileformat`, PS3.10), and networking
(:mod:`dicom_runtime.net`: a sans-I/O association core with asyncio and blocking
adapters, DIMSE-C and DIMSE-N as SCU and SCP, TLS, the ``dicom-net`` tool).
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true), without importing typing for --help

if TYPE_CHECKING:  # at run time each name is imported when first used (module __getattr__ below)
    from .dataset import DataElement, Dataset
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
    from .errors import DicomDecodeError, DicomEncodeError, DicomError, DicomTypeError, UnknownTagError, UnknownUIDError
    from .fileformat import FileDataset, read_file, write_file
    from .typed import ValidationFailed, from_dataset, read, to_dataset, write

#: Where each public name lives. Importing the package loads none of them, so a command's
#: ``--help`` (``dicom-dump``, ``dicom-net``...) does not pay for the dictionary and the reader.
_HOMES = {
    **dict.fromkeys(("DataElement", "Dataset"), ".dataset"),
    **dict.fromkeys(
        ("DataElementTag", "DictionaryEntry", "TransferSyntax", "UidEntry", "get_entry", "lookup", "transfer_syntax", "uid_info"),
        ".dictionary",
    ),
    **dict.fromkeys(
        ("DicomDecodeError", "DicomEncodeError", "DicomError", "DicomTypeError", "UnknownTagError", "UnknownUIDError"), ".errors"
    ),
    **dict.fromkeys(("FileDataset", "read_file", "write_file"), ".fileformat"),
    **dict.fromkeys(("ValidationFailed", "from_dataset", "read", "to_dataset", "write"), ".typed"),
}


if not TYPE_CHECKING:  # hidden from mypy, which sees the imports above (and flags a misspelt name)

    def __getattr__(name: str) -> object:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(import_module(home, __name__), name)
        globals()[name] = value  # once imported, a plain attribute
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_HOMES})


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
