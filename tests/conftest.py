"""Shared fixtures: where the standard's XML lives, and parsed editions (cached)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

from dicom_codegen import parse_ps4, parse_ps6, parse_ps7, passes
from dicom_codegen.model import CommandDictionary, Dictionary, Model, ServiceRegistry

REPO = Path(__file__).resolve().parent.parent
MIRROR = Path(os.environ.get("DICOM_STANDARD_MIRROR", REPO.parent / "shared" / "dicom-standard"))


def mirror_file(edition: str, part: int) -> Path:
    """A file of the local mirror; a missing mirror is a test failure, never a skip."""
    path = MIRROR / edition / f"part{part:02d}.xml"
    if not path.is_file():
        pytest.fail(
            f"{path} is missing: the tests read the standard from ../shared/dicom-standard "
            "(or $DICOM_STANDARD_MIRROR)"
        )
    return path


@cache
def ps6(edition: str) -> Dictionary:
    return parse_ps6.parse(mirror_file(edition, 6))


@cache
def ps7(edition: str) -> CommandDictionary:
    return parse_ps7.parse(mirror_file(edition, 7))


@cache
def ps4_raw(edition: str) -> ServiceRegistry:
    return parse_ps4.parse(mirror_file(edition, 4))


@cache
def ps4(edition: str, dictionary: str = "2015b") -> Model:
    """PS3.4 of ``edition`` resolved with PS3.6 of ``dictionary`` by the passes."""
    return passes.run(Model(dictionary=ps6(dictionary), services=ps4_raw(edition)))
