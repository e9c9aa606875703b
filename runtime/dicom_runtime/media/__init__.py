"""Media (PS3.10, PS3.11): File-sets and the DICOMDIR (the Basic Directory IOD of PS3.3 Annex F).

- :class:`FileSet`: read a DICOMDIR into a tree of directory records, find records by
  their keys, open a record's file typed by its SOP Class; stage additions and removals
  and write them atomically; verify that records and files agree.
- :mod:`.fileid`: the File ID rules and the one place paths under the root are made.
- :mod:`.profiles`: the General Purpose media profiles' transfer syntaxes.
- :class:`MediaError`: every failure, naming the file, the record's byte offset and why.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true), without importing typing for --help

if TYPE_CHECKING:  # at run time each name is imported when first used (module __getattr__ below)
    from .dicomdir import Dicomdir, encode_dicomdir, read_dicomdir
    from .errors import MediaError
    from .fileid import check_file_id, file_id_problem, resolve
    from .fileset import DICOMDIR, FileSet
    from .profiles import PROFILES, Profile, get_profile
    from .records import (
        DirectoryRecord,
        InstanceRecord,
        PatientRecord,
        SeriesRecord,
        StudyRecord,
    )
    from .verify import Problem

#: Where each public name lives. Importing the package loads none of them, so ``dicom-media
#: --help`` (whose module is in the package) does not pay for the reader, the dictionary and
#: the directory records.
_HOMES = {
    **dict.fromkeys(("Dicomdir", "encode_dicomdir", "read_dicomdir"), ".dicomdir"),
    "MediaError": ".errors",
    **dict.fromkeys(("check_file_id", "file_id_problem", "resolve"), ".fileid"),
    **dict.fromkeys(("DICOMDIR", "FileSet"), ".fileset"),
    **dict.fromkeys(("PROFILES", "Profile", "get_profile"), ".profiles"),
    **dict.fromkeys(("DirectoryRecord", "InstanceRecord", "PatientRecord", "SeriesRecord", "StudyRecord"), ".records"),
    "Problem": ".verify",
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
    "DICOMDIR",
    "PROFILES",
    "Dicomdir",
    "DirectoryRecord",
    "FileSet",
    "InstanceRecord",
    "MediaError",
    "PatientRecord",
    "Problem",
    "Profile",
    "SeriesRecord",
    "StudyRecord",
    "check_file_id",
    "encode_dicomdir",
    "file_id_problem",
    "get_profile",
    "read_dicomdir",
    "resolve",
]
