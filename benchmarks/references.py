"""dicom-validator's DocBook readers, called the same way by the benchmark and the tests.

Its readers are only partly typed, so they are reached through ``Any``. lxml refuses
the PS3.3 excerpt's repeated ``xml:id`` values; ``Part3Reader`` is therefore run on
the standard library's ElementTree, the fallback dicom-validator itself uses when
lxml is not installed.
"""

from __future__ import annotations

import importlib
import xml.etree.ElementTree
from pathlib import Path
from typing import Any


def _module(name: str) -> Any:
    return importlib.import_module(name)


def part6_elements(spec_dir: Path) -> dict[str, Any]:
    reader = _module("dicom_validator.spec_reader.part6_reader").Part6Reader(spec_dir)
    elements: dict[str, Any] = reader.data_elements()
    return elements


def part6_read(spec_dir: Path) -> None:
    reader = _module("dicom_validator.spec_reader.part6_reader").Part6Reader(spec_dir)
    reader.data_elements()
    reader.all_uids()


def part4_read(spec_dir: Path) -> None:
    _module("dicom_validator.spec_reader.part4_reader").Part4Reader(spec_dir).iod_chapters()


def part3_read(spec_dir: Path, elements: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(iod_descriptions(), module_descriptions())`` of ``spec_dir/part03.xml``."""
    spec_reader = _module("dicom_validator.spec_reader.spec_reader")
    saved = spec_reader.ElementTree
    spec_reader.ElementTree = xml.etree.ElementTree
    try:
        reader = _module("dicom_validator.spec_reader.part3_reader").Part3Reader(spec_dir, elements)
        iods: dict[str, Any] = reader.iod_descriptions()
        modules: dict[str, Any] = reader.module_descriptions()
        return iods, modules
    finally:
        spec_reader.ElementTree = saved
