"""The output folder: OUTDIR/EDITION/part03.xml + part06.xml, PS3.4/PS3.7 from 2020c,
and a manifest whose defaults select them."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from dicom_codegen.docbook import sha256_of

from . import highdicom, innolitics, ps6


def _innolitics(out: Path, mirror: Path) -> Path:
    return innolitics.write(out)


#: source name -> (edition, PS3.3 writer (out, mirror), PS3.6 writer)
SOURCES: dict[str, tuple[str, Callable[[Path, Path], Path], Callable[[Path], Path]]] = {
    "innolitics": (innolitics.EDITION, _innolitics, ps6.write_innolitics),
    "highdicom": (highdicom.EDITION, highdicom.write, ps6.write_pydicom),
}
SERVICES_EDITION = "2020c"


def default_mirror() -> Path:
    here = Path(__file__).resolve().parents[2]
    return Path(os.environ.get("DICOM_STANDARD_MIRROR", here.parent / "shared" / "dicom-standard"))


def build(source: str, out: Path, mirror: Path | None = None) -> list[Path]:
    """Write the reconstruction of ``source`` under ``out``; returns the files written."""
    edition, write3, write6 = SOURCES[source]
    out.mkdir(parents=True, exist_ok=True)
    mirror = mirror or default_mirror()
    written = [write3(out, mirror), write6(out)]
    services = out / SERVICES_EDITION
    services.mkdir(parents=True, exist_ok=True)
    for name in ("part04.xml", "part07.xml"):
        target = services / name
        original = (mirror / SERVICES_EDITION / name).resolve()
        if not original.is_file():
            raise FileNotFoundError(f"{original}: PS3.4/PS3.7 {SERVICES_EDITION} are taken from the mirror")
        if target.is_symlink() or target.exists():
            target.unlink()
        target.symlink_to(original)
        written.append(target)
    manifest_path = out / "manifest.json"
    manifest: dict[str, object] = {"defaults": {}, "editions": {}}
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    editions = manifest.setdefault("editions", {})
    assert isinstance(editions, dict)
    for folder in sorted({edition, SERVICES_EDITION}):
        for path in sorted((out / folder).glob("part*.xml")):
            editions.setdefault(folder, {})[path.stem] = {"file": path.name, "sha256": sha256_of(path)}
    manifest["defaults"] = {"ps3": edition, "ps4": SERVICES_EDITION, "ps6": edition, "ps7": SERVICES_EDITION}
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written.append(manifest_path)
    return written
