"""Media (PS3.10, PS3.11): File-sets and the DICOMDIR (the Basic Directory IOD of PS3.3 Annex F).

- :class:`FileSet`: read a DICOMDIR into a tree of directory records, find records by
  their keys, open a record's file typed by its SOP Class; stage additions and removals
  and write them atomically; verify that records and files agree.
- :mod:`.fileid`: the File ID rules and the one place paths under the root are made.
- :mod:`.profiles`: the General Purpose media profiles' transfer syntaxes.
- :class:`MediaError`: every failure, naming the file, the record's byte offset and why.
"""

from __future__ import annotations

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
