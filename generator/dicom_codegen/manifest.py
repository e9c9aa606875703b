"""The manifest of known editions: ``standard_xml/manifest.json``.

It says what is known about each file, and from where. Layout (format 2)::

    {
      "format": 2,
      "defaults": {"ps3": "2016c", "ps4": "2020c", "ps6": "2015b", "ps7": "2020c"},
      "editions": {
        "2016c": {
          "part03": {
            "file": "part03.xml",
            "official_sha256": null,
            "mirror": {"kind": "excerpt", "sha256": "a65a...", "note": "..."}
          }
        }
      }
    }

* ``official_sha256``: the digest of NEMA's own file, only where it is really known
  (from NEMA); ``null`` otherwise. A file whose digest differs from a known official
  one is refused, whatever its source.
* ``mirror``: the copy the offline mirror (``../shared/dicom-standard``) holds, with
  its digest and its ``kind``: ``"copy"`` (the mirror says it is NEMA's file,
  unchanged; NEMA's digest is still not known from NEMA) or ``"excerpt"`` (part of
  an official file, not the file NEMA serves). A file read from a mirror folder
  (``--from`` / ``--fallback-from``) that differs from this digest is refused; a
  download is never checked against it, so NEMA's complete file is never taken for
  the excerpt, nor refused for differing from it.

``defaults`` picks the edition of each part that ``generate`` uses when no
``--psN`` option is given: the editions ``generated/`` is built from. ``fetch
defaults`` gets those editions, complete, from NEMA; offline (``--from`` or the
``--fallback-from`` fallback) it gets the mirror's copies, of which PS3.3 2016c is
an excerpt.

Format 1 (``"sha256"`` per file, no origin) is still read: its digests are taken
as mirror copies, never as official ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

PARTS: tuple[int, ...] = (3, 4, 6, 7)

#: What a manifest may say a mirror file is.
MIRROR_KINDS: tuple[str, ...] = ("copy", "excerpt")


@dataclass(frozen=True)
class MirrorFile:
    """The offline mirror's copy of a file: its kind, digest and a note."""

    kind: str  # "copy" or "excerpt"
    sha256: str
    note: str = ""


@dataclass(frozen=True)
class KnownFile:
    edition: str
    part: int
    file: str
    official_sha256: str | None  # NEMA's file, where known from NEMA
    mirror: MirrorFile | None  # the offline mirror's copy, where it has one


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


def _sha(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(f"{where}: not a lower-case hex sha256: {value!r}")
    return value


def _entry(edition: str, part: int, entry: dict[str, object], format_: int) -> KnownFile:
    where = f"editions.{edition}.part{part:02d}"
    if format_ == 1:
        digest = _sha(entry.get("sha256"), where + ".sha256")
        mirror = MirrorFile("copy", digest) if digest else None
        return KnownFile(edition, part, str(entry["file"]), None, mirror)
    official = _sha(entry.get("official_sha256"), where + ".official_sha256")
    raw_mirror = entry.get("mirror")
    mirror = None
    if raw_mirror is not None:
        if not isinstance(raw_mirror, dict):
            raise ValueError(f"{where}.mirror: expected an object")
        kind = str(raw_mirror["kind"])
        if kind not in MIRROR_KINDS:
            raise ValueError(f"{where}.mirror.kind: {kind!r} is not one of {MIRROR_KINDS}")
        digest = _sha(raw_mirror["sha256"], where + ".mirror.sha256")
        assert digest is not None
        mirror = MirrorFile(kind, digest, str(raw_mirror.get("note", "")))
    return KnownFile(edition, part, str(entry["file"]), official, mirror)


def load_manifest(path: Path) -> Manifest:
    if not path.is_file():
        raise InputError(path, "manifest not found")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        format_ = int(raw.get("format", 1))
        if format_ not in (1, 2):
            raise ValueError(f"unknown format {format_}")
        defaults = {int(k.removeprefix("ps")): str(v) for k, v in raw["defaults"].items()}
        files: dict[tuple[str, int], KnownFile] = {}
        for edition, parts in raw["editions"].items():
            for part_name, entry in parts.items():
                part = int(part_name.removeprefix("part"))
                files[(edition, part)] = _entry(edition, part, entry, format_)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(path, f"malformed manifest: {exc}") from None
    return Manifest(path, defaults, files)


def part_file(part: int) -> str:
    return f"part{part:02d}.xml"
