"""A storage, query and retrieve SCP over a folder of PS3.10 files.

:class:`StorageFolder` writes each received instance atomically and durably
(temporary file, fsync, rename, fsync of the folder) *before* its C-STORE
answers Success, so an acknowledged instance survives a crash. It answers C-FIND
(Patient Root and Study Root, PATIENT/STUDY/SERIES/IMAGE levels, PS3.4 C.2.2.2
matching: single value, wildcard, universal, UID list and range) and serves
C-MOVE and C-GET from the files it holds.
"""

from __future__ import annotations

import asyncio
import fnmatch
import re
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from ..dataset import DataElement, Dataset
from ..errors import DicomError
from ..fileformat import read_file
from .aio import Handlers, QueryRequest, Request, StoreRequest
from .instances import Instance

_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")
LEVEL_KEYS = {"PATIENT": 0x00100020, "STUDY": 0x0020000D, "SERIES": 0x0020000E, "IMAGE": 0x00080018}
_LEVELS = ("PATIENT", "STUDY", "SERIES", "IMAGE")
_RANGE_VRS = {"DA", "TM", "DT"}


class StorageFolder:
    """Received instances as ``<root>/<SOP Instance UID>.dcm``, and queries over them."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        for stale in self.root.glob(".*.dcm.*"):  # a write cut short by a crash, never acknowledged
            stale.unlink(missing_ok=True)
        self._headers: dict[Path, tuple[float, Dataset]] = {}

    def path_for(self, sop_instance: str) -> Path:
        return self.root / f"{sop_instance}.dcm"

    async def store(self, request: StoreRequest) -> int:
        """C-STORE: 0x0000 once the file is durable; 0xA900/0xC000 for a bad UID, 0xA700 on a full disk."""
        uid = request.sop_instance
        if not _UID.match(uid) or len(uid) > 64:
            return 0xA900
        try:
            await asyncio.to_thread(request.instance.write, self.path_for(uid), request.calling_ae)
        except OSError:
            return 0xA700
        return 0

    async def echo(self, request: Request) -> int:
        return 0

    def _entries(self) -> list[tuple[Path, Dataset]]:
        found: list[tuple[Path, Dataset]] = []
        for path in sorted(self.root.glob("*.dcm")):
            try:
                stamp = path.stat().st_mtime
                cached = self._headers.get(path)
                if cached is None or cached[0] != stamp:
                    cached = (stamp, read_file(path, stop_before_pixels=True, defer_size=1024).dataset)
                    self._headers[path] = cached
            except (OSError, DicomError):
                continue
            found.append((path, cached[1]))
        return found

    def matching(self, identifier: Dataset, level: str) -> list[tuple[Path, Dataset]]:
        """Files whose attributes match every key of ``identifier`` at or above ``level``."""
        if level not in LEVEL_KEYS:
            raise DicomError(f"Query/Retrieve Level {level!r} is not one of {', '.join(_LEVELS)}")
        keys = [e for e in identifier.elements() if e.tag not in (0x00080052, 0x00080005) and e.vr != "SQ"]
        return [(path, header) for path, header in self._entries() if all(_matches(k, header.get(k.tag)) for k in keys)]

    async def find(self, request: QueryRequest) -> AsyncIterator[Dataset]:
        identifier = request.identifier
        level = request.level
        matches = await asyncio.to_thread(self.matching, identifier, level)
        seen: set[str] = set()
        for _, header in matches:
            unique = header.value(LEVEL_KEYS[level])
            if not isinstance(unique, str) or unique in seen:
                continue
            seen.add(unique)
            answer = Dataset()
            answer.add(0x00080052, "CS", level)
            for element in identifier.elements():
                if element.tag in (0x00080052,):
                    continue
                value = header.get(element.tag)
                answer[element.tag] = value if value is not None else DataElement(element.tag, element.vr, None)
            yield answer

    async def retrieve(self, request: QueryRequest) -> Sequence[Instance | Path]:
        matches = await asyncio.to_thread(self.matching, request.identifier, request.level)
        return [path for path, _ in matches]

    def handlers(self) -> Handlers:
        """Verification, storage, query (C-FIND) and retrieve (C-MOVE, C-GET)."""
        return Handlers(echo=self.echo, store=self.store, find=self.find, move=self.retrieve, get=self.retrieve)


def _matches(key: DataElement, element: DataElement | None) -> bool:
    """PS3.4 C.2.2.2: universal, single value, wildcard, UID list and range matching."""
    wanted = key.value
    if wanted is None or wanted == "" or wanted == []:
        return True
    if element is None or element.value is None:
        return False
    have = element.value
    haves = [str(v) for v in have] if isinstance(have, list) else [str(have)]
    if isinstance(wanted, list):
        if key.vr == "UI":
            return any(h in [str(w) for w in wanted] for h in haves)
        wanted = "\\".join(str(w) for w in wanted)
    text = str(wanted)
    if key.vr in _RANGE_VRS and "-" in text:
        low, high = text.split("-", 1)
        return any((not low or h >= low) and (not high or h <= high) for h in haves)
    if key.vr == "UI" and "\\" in text:
        return any(h in text.split("\\") for h in haves)
    if ("*" in text or "?" in text) and key.vr not in ("UI", "DA", "TM", "DT"):
        pattern = text.replace("[", "[[]")
        return any(fnmatch.fnmatchcase(h.strip(), pattern) for h in haves)
    return any(h.strip() == text.strip() for h in haves)
