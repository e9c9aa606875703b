"""Small ordered passes over the intermediate model.

Each pass is one class with one ``process(model) -> model`` method; it returns a
new frozen model and never mutates. :data:`PASSES` is the fixed order.
"""

from __future__ import annotations

import dataclasses
import keyword as python_keyword
from collections import Counter
from typing import Protocol

from .model import DataElement, Model, TransferSyntax, Uid, Warning_
from .errata import ApplyErrata, ApplyUidErrata
from .naming import derive_uid_keyword
from .passes_objects import CLASS_PASSES, LinkSopClassesToIods
from .passes_services import BuildQueryClasses, ResolveQueryKeys, ResolveSopClasses

class Pass(Protocol):
    def process(self, model: Model) -> Model: ...


class DeriveUidKeywords:
    """Fill in UID keywords where the edition prints none; make them unique.

    Where two UIDs would share a keyword, the retired one gets the suffix
    ``Retired`` (as later editions' keyword columns do); if that is still not
    unique, the last UID arc is appended. A warning names each such UID.
    """

    def process(self, model: Model) -> Model:
        if model.dictionary is None:
            return model
        warnings = list(model.warnings)
        wanted = [
            uid.keyword or derive_uid_keyword(uid.name, uid.type)
            for uid in model.dictionary.uids
        ]
        counts = Counter(wanted)
        taken: set[str] = set()
        uids: list[Uid] = []
        for uid, keyword in zip(model.dictionary.uids, wanted):
            derived = not uid.keyword
            if not keyword:
                warnings.append(Warning_("uid", f"UID {uid.value} has no name; no keyword"))
            elif counts[keyword] > 1:
                unique = keyword + "Retired" if uid.retired else keyword
                if unique in taken:
                    unique = f"{keyword}_{uid.value.rsplit('.', 1)[-1]}"
                if unique != keyword:
                    warnings.append(
                        Warning_(
                            "uid",
                            f"UID {uid.value} ({uid.name}): keyword {keyword} is shared, "
                            f"using {unique}",
                        )
                    )
                keyword = unique
            if keyword:
                taken.add(keyword)
            uids.append(dataclasses.replace(uid, keyword=keyword, keyword_derived=derived))
        dictionary = dataclasses.replace(model.dictionary, uids=tuple(uids))
        return dataclasses.replace(model, dictionary=dictionary, warnings=tuple(warnings))


#: Encoding facts from PS3.5 Section 10 and Annex A for the transfer syntaxes that
#: are not encapsulated; every other transfer syntax of Table A-1 is encapsulated
#: Explicit VR Little Endian (PS3.5 A.4). (explicit VR, little endian, deflated)
NATIVE_TRANSFER_SYNTAXES: dict[str, tuple[bool, bool, bool]] = {
    "1.2.840.10008.1.2": (False, True, False),  # Implicit VR Little Endian, A.1
    "1.2.840.10008.1.2.1": (True, True, False),  # Explicit VR Little Endian, A.2
    "1.2.840.10008.1.2.1.99": (True, True, True),  # Deflated Explicit VR LE, A.5
    "1.2.840.10008.1.2.2": (True, False, False),  # Explicit VR Big Endian, A.3
    "1.2.840.10008.1.2.4.94": (True, True, False),  # JPIP Referenced, A.6
    "1.2.840.10008.1.2.4.95": (True, True, True),  # JPIP Referenced Deflate, A.7
    "1.2.840.10008.1.2.6.1": (True, True, False),  # RFC 2557 MIME encapsulation
    "1.2.840.10008.1.2.6.2": (True, True, False),  # XML Encoding
}


class ClassifyTransferSyntaxes:
    """Build :class:`TransferSyntax` entries for every Table A-1 transfer syntax."""

    def process(self, model: Model) -> Model:
        if model.dictionary is None:
            return model
        syntaxes = []
        for uid in model.dictionary.uids:
            if uid.type != "Transfer Syntax":
                continue
            explicit, little, deflated = NATIVE_TRANSFER_SYNTAXES.get(
                uid.value, (True, True, False)
            )
            syntaxes.append(
                TransferSyntax(
                    uid=uid.value,
                    keyword=uid.keyword,
                    name=uid.name,
                    explicit_vr=explicit,
                    little_endian=little,
                    deflated=deflated,
                    encapsulated=uid.value not in NATIVE_TRANSFER_SYNTAXES,
                    retired=uid.retired,
                )
            )
        return dataclasses.replace(model, transfer_syntaxes=tuple(syntaxes))


class CheckElementKeywords:
    """Keywords become Python names: each must be unique and not a Python keyword.

    A keyword used by two tags keeps the first as the constant and is reported;
    lookups by tag still see both.
    """

    def process(self, model: Model) -> Model:
        warnings = list(model.warnings)
        tags_of: dict[str, list[str]] = {}
        for element in model.all_elements():  # sorted by tag, once
            if element.keyword:
                tags_of.setdefault(element.keyword, []).append(element.tag)
        for keyword, tags in sorted(tags_of.items()):
            if len(tags) > 1:
                warnings.append(
                    Warning_("keyword", f"keyword {keyword} names {', '.join(tags)}")
                )
            if python_keyword.iskeyword(keyword) or python_keyword.issoftkeyword(keyword):
                warnings.append(Warning_("keyword", f"keyword {keyword} is a Python keyword"))
        return dataclasses.replace(model, warnings=tuple(warnings))


class CrossPartConsistency:
    """Warn about disagreements between parts taken from different editions."""

    KNOWN_UID_TYPES = frozenset(
        {
            "SOP Class",
            "Meta SOP Class",
            "Transfer Syntax",
            "Well-known frame of reference",
            "Well-known SOP Instance",
            "Well-known Printer SOP Instance",
            "Well-known Print Queue SOP Instance",
            "Service Class",
            "Query/Retrieve",
            "LDAP OID",
            "Application Hosting Model",
            "Application Context Name",
            "Coding Scheme",
            "DICOM UIDs as a Coding Scheme",
            "Mapping Resource",
            "Synchronization Frame of Reference",
            "Context Group Name",
        }
    )

    def process(self, model: Model) -> Model:
        warnings = list(model.warnings)
        if model.dictionary is not None:
            for uid in model.dictionary.uids:
                if uid.type not in self.KNOWN_UID_TYPES:
                    warnings.append(
                        Warning_(
                            "uid",
                            f"UID {uid.value} ({uid.name}) has unusual type {uid.type!r} "
                            f"(PS3.6 {model.dictionary.source.edition} Table A-1 row {uid.row})",
                        )
                    )
            frames = {f.value for f in model.dictionary.frames_of_reference}
            listed = {u.value for u in model.dictionary.uids}
            for value in sorted(frames - listed):
                warnings.append(
                    Warning_("uid", f"frame of reference {value} of Table A-2 is not in Table A-1")
                )
        if model.objects is not None:
            for missing in model.objects.missing:
                warnings.append(
                    Warning_(
                        "missing-table",
                        f"PS3.3 {model.objects.source.edition} {missing.referrer} row {missing.row}: "
                        f"{missing.what} {missing.target} is not in the input",
                    )
                )
            if model.dictionary is not None:
                known = {e.value for e in model.dictionary.elements if not e.is_repeating}
                repeating = [e for e in model.dictionary.elements if e.is_repeating]
                unknown: dict[str, str] = {}
                for table in model.objects.tables:
                    for row in table.rows:
                        if row.tag and row.value not in known and not any(
                            row.value & e.mask == e.value for e in repeating
                        ):
                            unknown.setdefault(row.tag, f"{table.table} row {row.row}")
                for tag_text, where in sorted(unknown.items()):
                    warnings.append(
                        Warning_(
                            "element",
                            f"tag {tag_text} used in PS3.3 {model.objects.source.edition} ({where}) is "
                            f"not in PS3.6 {model.dictionary.source.edition}",
                        )
                    )
        if model.dictionary is not None and model.commands is not None:
            overlap = {e.value for e in model.dictionary.elements} & {
                e.value for e in model.commands.elements
            }
            for tag in sorted(overlap):
                warnings.append(
                    Warning_(
                        "element",
                        f"tag ({tag >> 16:04X},{tag & 0xFFFF:04X}) is in both "
                        "PS3.6 and PS3.7; PS3.7 wins",
                    )
                )
        return dataclasses.replace(model, warnings=tuple(warnings))


PASSES: tuple[Pass, ...] = (
    ApplyUidErrata(),
    DeriveUidKeywords(),
    ResolveSopClasses(),
    ResolveQueryKeys(),
    BuildQueryClasses(),
    ApplyErrata(),
    *CLASS_PASSES,
    LinkSopClassesToIods(),
    ClassifyTransferSyntaxes(),
    CheckElementKeywords(),
    CrossPartConsistency(),
)


def run(model: Model) -> Model:
    for step in PASSES:
        model = step.process(model)
    return model


def constant_elements(model: Model) -> list[DataElement]:
    """The elements that get a constant: a keyword, first by tag if shared."""
    seen: set[str] = set()
    chosen = []
    for element in model.all_elements():
        if element.keyword and element.keyword not in seen:
            seen.add(element.keyword)
            chosen.append(element)
    return chosen
