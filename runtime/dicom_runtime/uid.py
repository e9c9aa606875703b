"""New UIDs (PS3.5 Chapter 9 and Annex B).

``generate_uid()`` gives a UID under the root ``2.25`` from a random UUID (PS3.5
B.2: the UUID's 128 bits as one decimal number), which needs no registered root.
``generate_uid("1.2.826.0.1.3680043.9.7433")`` gives one under an organisation's
root: the root, then a decimal number from a random UUID (or, with ``entropy``, from
the SHA-256 of the given text, so the same inputs give the same UID), cut to the
64 characters a UID may have.
"""

from __future__ import annotations

import hashlib
import re
import uuid

#: The longest UID (PS3.5 9.1).
MAX_LENGTH = 64
_COMPONENT = r"(0|[1-9][0-9]*)"
_UID = re.compile(rf"{_COMPONENT}(\.{_COMPONENT})*")


def is_valid_uid(text: str) -> bool:
    """True when ``text`` is a UID: digits in dot-separated components, no leading zero in a
    component of more than one digit, at most 64 characters (PS3.5 9.1)."""
    return len(text) <= MAX_LENGTH and _UID.fullmatch(text) is not None


def generate_uid(root: str | None = None, *, entropy: str | None = None) -> str:
    """A new UID: under ``2.25`` from a UUID when ``root`` is None, else under ``root``.

    ``entropy`` makes the result a function of that text (a SHA-256 of it) instead of
    random. A root that is not a UID, or that leaves fewer than 10 characters for the
    number, raises ValueError saying which.
    """
    if entropy is not None:
        number = int.from_bytes(hashlib.sha256(entropy.encode("utf-8")).digest()[:16], "big")
    else:
        number = uuid.uuid4().int
    if root is None:
        return f"2.25.{number}"
    prefix = root.rstrip(".")
    if not is_valid_uid(prefix):
        raise ValueError(f"UID root {root!r} is not a UID (digits in dot-separated components, no leading zeros)")
    room = MAX_LENGTH - len(prefix) - 1
    if room < 10:
        raise ValueError(f"UID root {root!r} leaves {room} characters of the {MAX_LENGTH} for the number (10 at least)")
    digits = str(number)[:room].lstrip("0") or "0"
    return f"{prefix}.{digits}"
