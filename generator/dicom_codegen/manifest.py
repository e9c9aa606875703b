"""The manifest of known editions: ``standard_xml/manifest.json``.

Layout::

    {
      "defaults": {"ps3": "2016c", "ps4": "2020c", "ps6": "2015b", "ps7": "2020c"},
      "editions": {"2015b": {"part06": {"file": "part06.xml", "sha256": "..."}}}
    }

``defaults`` picks the edition of each part that ``generate`` uses when no
``--psN`` option is given. A part whose sha256 is unknown has ``"sha256": null``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

PARTS: tuple[int, ...] = (3, 4, 6, 7)


@dataclass(frozen=True)
class KnownFile:
    edition: str
    part: int
    file: str
    sha256: str | None


@dataclass(frozen=True)
class Manifest:
    path: Path
    defaults: dict[int, str]
    files: dict[tuple[str, int], KnownFile]

    def editions(self) -> list[str]:
        return sorted({edition for edition, _ in self.files})

    def known(self, edition: str, part: int) -> KnownFile | None:
        return self.files.get((edition, part))

    def parts_of(self, edition: str) -> list[int]:
        return sorted(part for ed, part in self.files if ed == edition)


def load_manifest(path: Path) -> Manifest:
    if not path.is_file():
        raise InputError(path, "manifest not found")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        defaults = {int(k.removeprefix("ps")): str(v) for k, v in raw["defaults"].items()}
        files: dict[tuple[str, int], KnownFile] = {}
        for edition, parts in raw["editions"].items():
            for part_name, entry in parts.items():
                part = int(part_name.removeprefix("part"))
                files[(edition, part)] = KnownFile(
                    edition, part, str(entry["file"]), entry.get("sha256")
                )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(path, f"malformed manifest: {exc!r}") from None
    return Manifest(path, defaults, files)


def part_file(part: int) -> str:
    return f"part{part:02d}.xml"
