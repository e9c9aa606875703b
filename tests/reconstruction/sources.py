"""Finding the transcriptions' data files in the installed packages."""

from __future__ import annotations

import importlib.metadata
import json
import sys
from pathlib import Path
from typing import Any


class SourceMissing(Exception):
    """A transcription's package is not installed (or lacks its data files)."""


def innolitics_dir() -> Path:
    """The folder of ``ciods.json`` & co. of ``dicom-standard==0.1.0``.

    The wheel installs them as data files (``<prefix>/standard/*.json``), outside
    the package, so the distribution's file list is asked first, then ``sys.prefix``.
    """
    candidates: list[Path] = []
    try:
        distribution = importlib.metadata.distribution("dicom-standard")
    except importlib.metadata.PackageNotFoundError:
        distribution = None
    if distribution is not None:
        for entry in distribution.files or ():
            if entry.name == "ciods.json":
                candidates.append(Path(str(distribution.locate_file(entry))).resolve().parent)
    candidates += [Path(sys.prefix) / "standard", Path(sys.base_prefix) / "standard"]
    for folder in candidates:
        if (folder / "ciods.json").is_file() and (folder / "module_to_attributes.json").is_file():
            return folder
    raise SourceMissing(
        "the innolitics transcription (package dicom-standard==0.1.0, data files "
        "standard/ciods.json ...) is not installed: pip install dicom-standard==0.1.0 "
        f"(looked in {', '.join(str(c) for c in candidates)})"
    )


def highdicom_dir() -> Path:
    """``highdicom/_standard/`` of ``highdicom==0.28.2``."""
    try:
        distribution = importlib.metadata.distribution("highdicom")
    except importlib.metadata.PackageNotFoundError:
        raise SourceMissing(
            "the highdicom transcription (package highdicom==0.28.2, folder highdicom/_standard) "
            "is not installed: pip install highdicom==0.28.2"
        ) from None
    folder = Path(str(distribution.locate_file("highdicom/_standard")))
    if not (folder / "module_attribute_map.json").is_file():
        raise SourceMissing(
            f"highdicom {distribution.version} has no {folder}/module_attribute_map.json "
            "(install highdicom==0.28.2)"
        )
    return folder


def version_of(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        raise SourceMissing(f"package {package} is not installed") from None


def load_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)
