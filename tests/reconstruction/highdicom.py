"""PS3.3 reconstructed from highdicom's tables (placeholder until written)."""

from __future__ import annotations

from pathlib import Path

EDITION = "2024c"


def write(out: Path) -> Path:
    raise NotImplementedError("the highdicom reconstruction is not written yet")
