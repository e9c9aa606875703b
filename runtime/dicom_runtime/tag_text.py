"""A tag as PS3.5 and PS3.6 print it, for messages: ``(GGGG,EEEE)``, hexadecimal, upper case."""

from __future__ import annotations

__all__ = ["tag_text"]


def tag_text(tag: int) -> str:
    """``(0010,0010)`` for ``0x00100010``."""
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
