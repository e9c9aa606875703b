"""Passes over PS3.4: from listings to SOP classes with service class and DIMSE services."""

from __future__ import annotations

import dataclasses
import re

from .naming import derive_uid_keyword
from .model import (
    DimseGroup,
    Model,
    QueryClass,
    QueryField,
    QueryKey,
    ServiceRegistry,
    SopClass,
    SopClassListing,
    Uid,
    Warning_,
)

#: DIMSE services in the order of PS3.7 (DIMSE-C, then DIMSE-N).
DIMSE_ORDER = (
    "C-STORE",
    "C-FIND",
    "C-GET",
    "C-MOVE",
    "C-ECHO",
    "N-EVENT-REPORT",
    "N-GET",
    "N-SET",
    "N-ACTION",
    "N-CREATE",
    "N-DELETE",
)
_SOP_TYPES = ("SOP Class", "Meta SOP Class")


def service_class_name(annex_title: str) -> str:
    """An annex title as a service class name.

    ``Storage Service Class`` stays; ``Procedure Step SOP Classes``,
    ``Implant Template Query/Retrieve Service Classes``, ``Basic Worklist Management
    Service`` and ``Unified Procedure Step Service and SOP Classes`` end in
    ``Service Class``.
    """
    return re.sub(
        r"\s*(?:Service and SOP Classes|Service Classes|SOP Classes|Service Class|Service)$",
        " Service Class",
        annex_title,
    ).strip()


def normalized(name: str) -> str:
    """A SOP class name for comparison: no "SOP Class", "(Retired)", case or punctuation."""
    text = name.replace("Unified Procedure Step", "UPS").replace("(Retired)", "")
    text = re.sub(r"\b(Meta )?SOP Class\b", "", text)
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _c_services(full_name: str, annex_name: str, from_storage_table: bool) -> list[str]:
    name = re.sub(r"\s+(Meta )?SOP Class$", "", full_name)
    services = []
    if from_storage_table or name.endswith("Storage") or "Storage -" in name or "Storage SOP" in name:
        services.append("C-STORE")
    upper = name.upper()
    for verb, service in (("FIND", "C-FIND"), ("MOVE", "C-MOVE"), ("GET", "C-GET")):
        if re.search(rf"\b{verb}\b", upper):
            services.append(service)
    if name.endswith("Query"):
        services.append("C-FIND")
    if annex_name == "Verification Service Class":
        services.append("C-ECHO")
    return services


class ResolveSopClasses:
    """Turn PS3.4's listings into SOP classes, using PS3.6 where it is there.

    * A UID listed by a SOP class table is a SOP class; a UID given in text is one
      when PS3.6 says its type is "SOP Class" or "Meta SOP Class", or, where PS3.6
      lacks the UID, when the sentence calls it so.
    * The first listing in document order gives the service class (annex); a
      table row wins over text for the name and the IOD reference.
    * PS3.6 SOP classes that PS3.4 names in an annex's text without giving their UID
      (the RT Machine Verification SOP classes) are added to that annex.
    * DIMSE services: C-STORE for storage, C-FIND/C-MOVE/C-GET from the
      FIND/MOVE/GET of the name, C-FIND for "Query" models, C-ECHO for
      Verification; the N- (and C-) services of the "DIMSE Service Group" table of
      the section that defines the SOP class, or else of the table whose caption
      names it; a Meta SOP class uses the services of its members.
    """

    def process(self, model: Model) -> Model:
        registry = model.services
        if registry is None:
            return model
        warnings = list(model.warnings)
        ps6: dict[str, Uid] = {}
        if model.dictionary is not None:
            ps6 = {u.value: u for u in model.dictionary.uids}
        annexes = {s.annex: service_class_name(s.name) for s in registry.service_classes}
        chosen: dict[str, SopClassListing] = {}
        for listing in registry.listings:
            info = ps6.get(listing.uid)
            if listing.row:
                is_sop = True
            elif info is not None:
                is_sop = info.type in _SOP_TYPES
            else:
                is_sop = listing.kind in _SOP_TYPES
            if not is_sop:
                continue
            first = chosen.get(listing.uid)
            if first is None:
                chosen[listing.uid] = listing
            elif not first.row and listing.row:
                chosen[listing.uid] = dataclasses.replace(listing, annex=first.annex)
        if ps6:
            for info in ps6.values():
                if info.type in _SOP_TYPES and info.value not in chosen:
                    annex = _annex_naming(info.name, registry.annex_texts)
                    if annex is not None:
                        chosen[info.value] = SopClassListing(
                            info.value, info.name, info.type, annex, f"chapter_{annex}", 0, "", "", info.retired
                        )
        sop_classes = []
        by_name: dict[str, list[str]] = {}
        for uid, listing in chosen.items():
            info = ps6.get(uid)
            meta = (info.type == "Meta SOP Class") if info is not None else listing.kind == "Meta SOP Class"
            if info is not None:
                name = re.sub(r"\s+UID$", "", info.name.replace("(Retired)", "").strip())
                keyword = info.keyword
            else:
                name = listing.name if listing.row else f"{listing.name} {'Meta SOP Class' if meta else 'SOP Class'}"
                keyword = ""
                warnings.append(
                    Warning_(
                        "sop-class",
                        f"SOP class {uid} ({name}) of PS3.4 {registry.source.edition} is not in "
                        f"PS3.6 {model.dictionary.source.edition} Table A-1"
                        if model.dictionary is not None
                        else f"SOP class {uid} ({name}): no PS3.6 to check it against",
                    )
                )
            keyword = keyword or derive_uid_keyword(name, "SOP Class")
            retired = listing.retired or (info is not None and info.retired)
            annex_name = annexes.get(listing.annex, "")
            services = _c_services(name, annex_name, listing.row > 0 and listing.iod_reference != "" or listing.source == "table_B.6-1")
            sop_classes.append(
                SopClass(
                    uid=uid,
                    name=name,
                    keyword=keyword,
                    service_class=annex_name,
                    annex=listing.annex,
                    dimse=tuple(services),
                    retired=retired,
                    meta=meta,
                    iod_reference=listing.iod_reference,
                    source=listing.source,
                    row=listing.row,
                    in_ps6=info is not None,
                )
            )
            by_name.setdefault(normalized(name), []).append(uid)
        sop_classes = _distinct_keywords(sop_classes, warnings)
        sop_classes = _assign_dimse_groups(sop_classes, registry)
        registry = dataclasses.replace(registry, sop_classes=tuple(sop_classes))
        return dataclasses.replace(model, services=registry, warnings=tuple(warnings))


def _distinct_keywords(sop_classes: list[SopClass], warnings: list[Warning_]) -> list[SopClass]:
    """Each SOP class keyword once: where two get one keyword (a retired UID that the PS3.6
    in use lacks, named like its successor), the retired one takes the suffix ``Retired``,
    as derived UID keywords do; any still shared get the UID's last component."""
    count: dict[str, int] = {}
    for sop in sop_classes:
        count[sop.keyword] = count.get(sop.keyword, 0) + 1
    renamed: list[SopClass] = []
    taken = {sop.keyword for sop in sop_classes if count[sop.keyword] == 1}
    for sop in sop_classes:
        keyword = sop.keyword
        if count[keyword] > 1:
            candidates = ([f"{keyword}Retired"] if sop.retired else []) + [keyword, f"{keyword}{sop.uid.rsplit('.', 1)[-1]}"]
            keyword = next((c for c in candidates if c not in taken), f"{keyword}_{sop.uid.replace('.', '_')}")
            if keyword != sop.keyword:
                warnings.append(Warning_("sop-class", f"SOP class {sop.uid}: keyword {sop.keyword} is another SOP class's too; named {keyword}"))
        taken.add(keyword)
        renamed.append(dataclasses.replace(sop, keyword=keyword) if keyword != sop.keyword else sop)
    return renamed


def _annex_naming(name: str, phrases: tuple[tuple[str, str], ...]) -> str | None:
    """The first annex whose text says "<name> SOP Class" (the words before it end so)."""
    words = " " + re.sub(r"\s+(Meta )?SOP Class$", "", name.replace("(Retired)", "").strip())
    for annex, phrase in phrases:
        if (" " + phrase).endswith(words):
            return annex
    return None


def _assign_dimse_groups(sop_classes: list[SopClass], registry: ServiceRegistry) -> list[SopClass]:
    by_section: dict[str, DimseGroup] = {g.section: g for g in registry.dimse_groups if g.section}
    by_caption: dict[str, DimseGroup] = {normalized(g.applies_to): g for g in registry.dimse_groups}
    resolved: dict[str, tuple[str, ...]] = {}
    usage: dict[str, tuple[tuple[str, str], ...]] = {}
    for sop in sop_classes:
        group = None
        for section, candidate in by_section.items():
            if sop.source == section or sop.source.startswith(section + "."):
                group = candidate
                break
        if group is None:
            key = normalized(sop.name)
            group = by_caption.get(key)
            if group is None:
                # "Machine Verification" applies to both RT Machine Verification classes.
                matches = [g for k, g in by_caption.items() if k and key.endswith(k)]
                group = max(matches, key=lambda g: len(g.applies_to)) if matches else None
        services = list(sop.dimse) + ([s for s, _ in group.services] if group else [])
        resolved[sop.uid] = _ordered(services)
        usage[sop.uid] = group.services if group else ()
    names = {normalized(s.name): s.uid for s in sop_classes}
    for members in registry.meta_members:
        meta = next((s for s in sop_classes if s.meta and s.source == members.section), None)
        if meta is None:
            continue
        services = list(resolved[meta.uid])
        for member in members.members:
            uid = names.get(normalized(member))
            if uid is not None:
                services.extend(resolved[uid])
        resolved[meta.uid] = _ordered(services)
    return [
        dataclasses.replace(s, dimse=resolved[s.uid], dimse_usage=usage[s.uid], behaviors=_behaviors_of(s, registry))
        for s in sop_classes
    ]


def _behaviors_of(sop: SopClass, registry: ServiceRegistry) -> tuple[tuple[str, str], ...]:
    """The behaviour sections that apply: those under the SOP class's own section,
    else the annex's outermost ones (at most four)."""
    candidates = [(section, title) for annex, section, title in registry.behaviors if annex == sop.annex]
    if sop.source.startswith("sect_"):
        owner = sop.source.rsplit(".", 1)[0]
        own = [c for c in candidates if c[0].startswith(owner + ".")]
        if own:
            candidates = own
    outermost = [c for c in candidates if not any(c[0].startswith(o[0] + ".") for o in candidates if o != c)]
    return tuple(outermost[:4])


def _ordered(services: list[str]) -> tuple[str, ...]:
    unique = set(services)
    return tuple(s for s in DIMSE_ORDER if s in unique)


def key_keyword(name: str) -> str:
    """A keyword from an attribute name, for a tag the dictionary in use lacks.

    PS3.6 keywords are the names with spaces and punctuation removed, each word
    capitalised (``Patient's Name`` -> ``PatientName``)."""
    text = re.sub(r"'s\b", "", name)
    words = [w for w in re.split(r"[^A-Za-z0-9]+", text) if w]
    return "".join(w[0].upper() + w[1:] for w in words)


class ResolveQueryKeys:
    """Give each query key its keyword and VR from PS3.6 (by tag), or derive the keyword."""

    def process(self, model: Model) -> Model:
        registry = model.services
        if registry is None:
            return model
        by_tag = {}
        if model.dictionary is not None:
            by_tag = {e.value: e for e in model.dictionary.elements if not e.is_repeating}
        warnings = list(model.warnings)
        levels = []
        missing: set[str] = set()
        for level in registry.query_levels:
            keys = []
            for key in level.keys:
                element = by_tag.get(key.value)
                if element is not None and element.keyword:
                    keys.append(dataclasses.replace(key, keyword=element.keyword, vr=element.vrs[0] if element.vrs else ""))
                else:
                    if key.tag not in missing and model.dictionary is not None:
                        missing.add(key.tag)
                        warnings.append(
                            Warning_(
                                "query-key",
                                f"query key {key.tag} {key.name} ({key.table}) is not in PS3.6 "
                                f"{model.dictionary.source.edition}; keyword derived from its name",
                            )
                        )
                    keys.append(dataclasses.replace(key, keyword=key_keyword(key.name), vr="SQ" if key.name.endswith("Sequence") else ""))
            levels.append(dataclasses.replace(level, keys=tuple(keys)))
        registry = dataclasses.replace(registry, query_levels=tuple(levels))
        return dataclasses.replace(model, services=registry, warnings=tuple(warnings))


_KIND_OF = {"U": "unique", "R": "required", "O": "optional"}


def _kind(matching: str) -> str:
    return _KIND_OF.get(matching[:1], "optional")


class BuildQueryClasses:
    """Build the query identifier classes: sequence nesting from the ">" levels.

    Each (information model, level) becomes one class named
    ``<Model><Level>Query`` (``StudyRootSeriesQuery``; ``ModalityWorklistQuery``),
    each sequence key an item class nested to any depth. A level's class also
    carries the unique keys of the levels above it, which PS3.4 C.4.1.2.1 requires
    in the identifier. A keyword listed twice at one level keeps its first row.
    """

    def process(self, model: Model) -> Model:
        registry = model.services
        if registry is None:
            return model
        warnings = list(model.warnings)
        classes = []
        above: dict[str, list[QueryField]] = {}
        for level in registry.query_levels:
            base = level.model.replace(" ", "") + (level.level.title() if level.level else "")
            inherited = [dataclasses.replace(f, inherited=True) for f in above.get(level.model, [])]
            built = self._build(base + "Query", base, level.keys, 0, warnings, level.table)
            own = {f.keyword for f in built.fields}
            fields = tuple(f for f in inherited if f.keyword not in own) + built.fields
            prefix = normalized(level.model)
            sop_classes = tuple(
                s.uid for s in registry.sop_classes if normalized(s.name).startswith(prefix) and not s.retired
            )
            classes.append(
                dataclasses.replace(built, fields=fields, model=level.model, level=level.level, sop_classes=sop_classes)
            )
            above.setdefault(level.model, []).extend(
                f for f in built.fields if f.kind == "unique" and f.item_class == ""
            )
        registry = dataclasses.replace(registry, query_classes=tuple(classes))
        return dataclasses.replace(model, services=registry, warnings=tuple(warnings))

    def _build(
        self, name: str, base: str, keys: tuple[QueryKey, ...], depth: int, warnings: list[Warning_], table: str
    ) -> QueryClass:
        fields: list[QueryField] = []
        items: list[QueryClass] = []
        seen: set[str] = set()
        index = 0
        while index < len(keys):
            key = keys[index]
            index += 1
            children_start = index
            while index < len(keys) and keys[index].depth > key.depth:
                index += 1
            children = keys[children_start:index]
            if key.keyword in seen:
                message = f"{key.keyword} listed twice in one item ({key.table} row {key.row}); first kept"
                if not any(w.message == message for w in warnings):
                    warnings.append(Warning_("query-key", message))
                continue
            seen.add(key.keyword)
            item_class = ""
            if key.vr == "SQ" or children:
                item_class = f"{base}{key.keyword}Item"
                items.append(self._build(item_class, f"{base}{key.keyword}", children, depth + 1, warnings, table))
            fields.append(
                QueryField(
                    keyword=key.keyword,
                    tag=key.tag,
                    vr=key.vr,
                    name=key.name,
                    kind=_kind(key.matching),
                    matching=key.matching,
                    return_type=key.return_type,
                    remark=key.remark,
                    item_class=item_class,
                    table=key.table,
                    row=key.row,
                )
            )
        return QueryClass(name, "", "", table, tuple(fields), tuple(items))
