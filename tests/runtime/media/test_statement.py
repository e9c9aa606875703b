"""The Conformance Statement's media part follows the configuration: ``fileset = true`` on an
AE with storage makes A.1's Media Services and A.5 say what the SCP does; without it, media
interchange is 'not supported'."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicom_runtime.net.config import ConfigError, from_mapping
from dicom_runtime.net.conformance import statement


def _config(tmp_path: Path, **extra: object) -> dict[str, object]:
    return {"ae": [{"title": "ARCHIVE", "port": 11112, "storage": str(tmp_path / "archive"), "sop_classes": ["CTImageStorage"], **extra}]}


def test_media_section_from_the_configuration(tmp_path: Path) -> None:
    config = from_mapping(_config(tmp_path, fileset=True))
    assert config.entities[0].fileset is True
    markdown = statement(config).to_markdown()
    assert "ARCHIVE keeps its storage folder as a DICOM File-set with a DICOMDIR (FSC and FSU)." in markdown
    assert "It does not support media interchange." not in markdown
    assert "| File-set of the storage folder (no PS3.11 profile claimed: files keep their received transfer syntax) | Yes (FSC, FSU) | No |" in markdown
    assert "roles FSC and FSU of the Media Storage Directory SOP Class (1.2.840.10008.1.3.10)" in markdown
    assert "Not supported: this implementation does not read or write DICOM media." not in markdown
    plain = statement(from_mapping(_config(tmp_path))).to_markdown()
    assert "It does not support media interchange." in plain and "| None | No | No |" in plain
    assert "Not supported: this implementation does not read or write DICOM media." in plain


def test_fileset_needs_storage(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="fileset"):
        from_mapping({"ae": [{"title": "A", "port": 1, "fileset": True}]})
