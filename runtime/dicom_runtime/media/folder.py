"""A storage folder kept as a File-set: ``<root>/<SOP Instance UID>.dcm`` files (the storage
SCP's names, which are not File IDs) indexed by a DICOMDIR at the root whose records
reference conformant File IDs under ``DICOM/``, each a hard link to the stored file (no
copy; a copy where the file system cannot link).
"""

from __future__ import annotations

import logging
from pathlib import Path

from .errors import MediaError
from .fileset import DICOMDIR, FileSet

log = logging.getLogger("dicom_runtime.net")


def keep_as_fileset(root: str | Path, *, fileset_id: str = "", durable: bool = True) -> tuple[int, int]:
    """Bring ``root``'s DICOMDIR up to date with the ``*.dcm`` files at its top level:
    instances stored since are added, instances whose file is gone are removed (their
    link with them). Files that cannot be records (no record type, a Type 1 key missing)
    are left out and stay readable by the SCP. Returns (added, removed)."""
    root = Path(root)
    fileset = FileSet.open(root, profile="ANY") if (root / DICOMDIR).exists() else FileSet(root, profile="ANY", fileset_id=fileset_id)
    stored = {p.stem: p for p in sorted(root.glob("*.dcm")) if not p.name.startswith(".")}
    removed = 0
    for record in fileset.instances():
        uid = record.sop_instance_uid
        if uid is not None and uid not in stored:
            removed += len(fileset.remove(record))
    added = 0
    for uid, path in stored.items():
        if fileset.instance(uid) is None:
            try:
                fileset.add(path, link=True)
                added += 1
            except MediaError as exc:
                # stays stored and served, out of the DICOMDIR; `dicom-media verify` shows it as an orphan
                log.warning("%s: not in the DICOMDIR: %s", path.name, exc.reason)
                continue
    if added or removed or not (root / DICOMDIR).exists():
        fileset.write(durable=durable)
    return added, removed
