"""Names from the standard's text: keywords for UIDs that an edition prints none for."""

from __future__ import annotations

import re
from keyword import iskeyword

_NUMBER_WORDS = (
    "Zero One Two Three Four Five Six Seven Eight Nine Ten Eleven Twelve Thirteen "
    "Fourteen Fifteen Sixteen Seventeen Eighteen Nineteen Twenty"
).split()


def derive_uid_keyword(name: str, uid_type: str = "") -> str:
    """The keyword for a UID name, for editions whose Table A-1 has no keyword column.

    The rule, applied in order:

    1. drop ``(Retired)`` and everything from the first ``:`` (the
       ``: Default Transfer Syntax for ...`` glosses);
    2. drop the trailing words ``SOP Class`` or ``Service Class`` (also before a
       final ``- Trial``), a trailing ``UID``, the ``SOP``
       of ``SOP Instance``, and for well-known frames of reference the trailing
       ``Frame of Reference``, as the editions that print keywords do
       (``Verification SOP Class`` -> ``Verification``);
    3. ``&`` becomes ``And``; the DIMSE verbs ``FIND``, ``MOVE``, ``GET`` are written
       ``Find``, ``Move``, ``Get``; every other character that is not a letter or
       digit separates words;
    4. words after the first get an upper-case first letter and keep the rest of
       their case; the first word is kept as it is (``dicomDeviceName``); words are
       joined;
    5. a leading number is spelled out (``12-lead`` -> ``TwelveLead``) so the result
       is a Python identifier; one that is a Python keyword (a name "class" or "None")
       gets a trailing ``_``.

    Two UIDs that get the same keyword are told apart by :class:`DeriveUidKeywords`.
    """
    text = name.replace("(Retired)", "")
    text = text.split(":", 1)[0].strip()
    text = re.sub(r"\s+(SOP|Service) Class(?=(\s+UID)?(\s*-?\s*Trial)?$)", "", text)
    text = re.sub(r"\s+UID$", "", text)
    text = re.sub(r"\bSOP (?=Instance\b)", "", text)
    if uid_type.lower().startswith("well-known frame of reference"):
        text = re.sub(r"\s+Frame of Reference$", "", text)
    text = text.replace("&", " And ")
    text = re.sub(r"\b(FIND|MOVE|GET)\b", lambda m: m.group(1).capitalize(), text)
    words = [w for w in re.split(r"[^A-Za-z0-9]+", text) if w]
    keyword = spell_leading_number("".join(w if i == 0 else w[0].upper() + w[1:] for i, w in enumerate(words)))
    return keyword + "_" if iskeyword(keyword) else keyword


def spell_leading_number(identifier: str) -> str:
    """A leading number spelled out, so the name is a Python identifier:
    ``12LeadECG`` -> ``TwelveLeadECG``, ``3DSpatialCoordinates`` -> ``ThreeDSpatialCoordinates``
    (numbers above twenty become ``N21``...)."""
    match = re.match(r"\d+", identifier)
    if match is None:
        return identifier
    number = int(match.group(0))
    spelled = _NUMBER_WORDS[number] if number < len(_NUMBER_WORDS) else f"N{number}"
    return spelled + identifier[match.end() :]
