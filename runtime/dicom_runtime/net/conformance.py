"""A DICOM Conformance Statement (PS3.2) generated from a configuration, and a probe that
checks it against the running SCP.

:func:`statement` follows the template of PS3.2 Annex A section by section (A.0
Cover Page to A.9 Annexes, with the same titles and order) and fills it from the
:class:`~.config.Config` the SCP itself runs from, the generated model (SOP
classes, IODs, editions) and this runtime (implementation UID, character sets,
status codes, TLS profiles). :meth:`Statement.to_markdown` and
:meth:`Statement.to_html` render it. The probe (:mod:`.conformance_probe`, re-exported
here): :func:`probe` starts nothing: it asks a
running SCP for associations with every SOP class and transfer syntax the
statement claims, and some it does not, and reports each answer that contradicts
the statement.
"""

from __future__ import annotations

from ..codec import CHARSETS, EXTENSION_TERMS
from ..dictionary import all_uids
from ..fileformat import IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME
from ..media.statement import MEDIA_TABLE_HEADER, media_rows, media_sections, overview_sentence
from .aio import DEFAULT_UNASSOCIATED_BUDGET, IGNORED_AFTER_ABORT, QUEUED_BYTES, QUEUED_REQUESTS
from .association import ASSOCIATION_PDU_LIMIT
from .deadlines import MESSAGE_MIN_RATE
from .server import FILES_RESERVED
from .storage import BACKLOG_LIMIT, COMPARE_AS_DATA_LIMIT, DUPLICATE_REFUSED
from .config import ApplicationEntity, Config
from .conformance_document import Block, Diagram, Section, Statement, Table
from .conformance_status import RETURNED_WHEN, date_time_matching, pn_matching
from .conformance_probe import ProbeResult, RetrievalCheck, probe, probe_cases, probe_retrieval  # the probe's room, re-exported
from .checks import MAX_REQUEST_DATA_SET
from .negotiation import MIN_PEER_PDU_LENGTH
from .messages import SERVICE_STATUS_MEANINGS, STATUS_MEANINGS, VERIFICATION, Status
from .pdu import APPLICATION_CONTEXT
from .presets import QUERY_RETRIEVE
from .tls import EXTENDED_BCP195_CIPHERS
from .transcode import TRANSCODE_LIMIT

#: The status codes this implementation returns, per DIMSE service (see aio.py and storage.py).
STATUS_RETURNED: dict[str, tuple[int, ...]] = {
    "C-ECHO": (0x0000, 0x0211),
    "C-STORE": (0x0000, 0xA700, 0xA900, 0xC000, 0xC111, 0x0117, 0x0122, 0x0211),
    "C-FIND": (0xFF00, 0x0000, 0xFE00, 0xA900, 0xC000, 0x0122, 0x0211),
    "C-MOVE": (0xFF00, 0x0000, 0xFE00, 0xB000, 0xA801, 0xA702, 0xA900, 0xC000, 0x0122, 0x0211),
    "C-GET": (0xFF00, 0x0000, 0xFE00, 0xB000, 0xA702, 0xA900, 0xC000, 0x0122, 0x0211),
}


#: The limits every AE's server applies that no setting changes (A.4.4.2 Parameters), from
#: the constants the server uses: :mod:`.aio`, :mod:`.association`, :mod:`.server`.
FIXED_LIMITS: tuple[tuple[str, str], ...] = (
    ("Requests waiting for answers per association before it stops reading (TCP then holds the peer back)", str(QUEUED_REQUESTS)),
    ("Bytes of those requests per association before it stops reading", str(QUEUED_BYTES)),
    ("Unfinished A-ASSOCIATE-RQs of all connections not associated yet, at most (bytes)", str(DEFAULT_UNASSOCIATED_BUDGET)),
    ("Longest PDU read before the association is established (bytes)", str(ASSOCIATION_PDU_LIMIT)),
    ("Connections served at once", f"a third of the open-file limit less {FILES_RESERVED}, at least 8 (the soft "
     "open-file limit is first raised to the hard one where allowed)"),
    ("Bytes read and ignored after an A-ABORT before the connection is reset", str(IGNORED_AFTER_ABORT)),
    ("Least maximum PDU length of a requestor served (bytes; 0, no maximum, is served; a smaller one is an "
     "A-ASSOCIATE-RJ, rejected-permanent, service-user, no-reason-given; a C-MOVE destination announcing less is "
     "released, the sub-operations failed)", str(MIN_PEER_PDU_LENGTH)),
    ("Largest data set of a request other than C-STORE decoded (a C-FIND, C-MOVE or C-GET identifier: larger is "
     "C000; an N-service's data set: 0110), bytes", str(MAX_REQUEST_DATA_SET)),
    ("Least average rate of a DIMSE message being received once the idle timeout has passed since its first PDV "
     "(bytes a second; a PDU must be complete within the idle timeout of its first byte; slower is an A-ABORT)",
     str(MESSAGE_MIN_RATE)),
)


#: Where this implementation gives a code a use of its own, within PS3.4's meaning.
_STATUS_USE: dict[tuple[str, int], str] = {
    ("C-STORE", 0xC111): "answered (duplicates = reject) for a SOP instance held with another data set, which is kept; the new one is not stored",
    ("C-MOVE", 0xB000): "some C-STORE sub-operations failed or had a warning, and at least one did not fail",
    ("C-MOVE", 0xA702): "every C-STORE sub-operation failed (with the counts; PS3.4 C.4.2.3.1), or the move destination cannot be reached",
    ("C-GET", 0xB000): "some C-STORE sub-operations failed or had a warning, and at least one did not fail",
    ("C-GET", 0xA702): "every C-STORE sub-operation failed (with the counts; PS3.4 C.4.3.3.1)",
}


def status_meaning(service: str, code: int) -> str:
    """What ``code`` means in a response of ``service``, as PS3.4 says for that service."""
    return SERVICE_STATUS_MEANINGS.get(service, {}).get(code) or STATUS_MEANINGS[code]


# The content -----------------------------------------------------------------------


def _name(uid: str) -> str:
    entry = all_uids().get(uid)
    return entry.name if entry is not None else uid


def _category(uid: str) -> str:
    name = _name(uid)
    if uid == VERIFICATION:
        return "Verification"
    if uid in QUERY_RETRIEVE or "Information Model" in name:
        return "Query/Retrieve"
    if name.endswith("Storage"):
        return "Transfer"
    return "Other"


def _scu_classes(entity: ApplicationEntity) -> tuple[str, ...]:
    """As an SCU this AE sends the storage classes it holds, for C-MOVE and C-GET sub-operations."""
    retrieves = any("MOVE" in _name(u).upper() or "GET" in _name(u).upper() for u in entity.sop_classes)
    if entity.storage is None or not retrieves:
        return ()
    return tuple(u for u in entity.sop_classes if _category(u) == "Transfer")


def _editions() -> dict[str, str]:
    import dicom_model  # the generated package: its editions

    return dict(dicom_model.EDITIONS)


def _iods() -> list[tuple[str, str, str]]:
    """(IOD class, SOP class name, UID) of every IOD class the generated model has."""
    from dicom_model import sop_classes  # the generated SOP class table (no IOD class is imported)

    found = []
    for value in vars(sop_classes).values():
        iod = getattr(value, "iod_class", "")
        if iod:
            found.append((iod, value.name, value.uid))
    return sorted(found)


def statement(config: Config, *, generator: str = "") -> Statement:
    """The Conformance Statement of ``config``, section by section as PS3.2 Annex A orders it."""
    editions = _editions()
    edition_text = ", ".join(f"{part} {edition}" for part, edition in sorted(editions.items()))
    entities = config.entities
    product = f"{config.product} {config.version}".strip()
    title = f"{product} DICOM Conformance Statement"
    sections: list[Section] = []

    def add(number: str, title_: str, *blocks: Block) -> Section:
        section = Section(number, title_, list(blocks))
        sections.append(section)
        return section

    add(
        "A.0", "Cover Page",
        f"**{product}**" + (f" by {config.manufacturer}" if config.manufacturer else ""),
        f"This statement was generated from the configuration `{config.source}` that the application "
        f"entities run from, with the DICOM model generated from {edition_text}"
        + (f" ({generator})." if generator else "."),
    )
    overview_rows: list[tuple[str, ...]] = []
    media = [ae.title for ae in entities if ae.fileset and ae.storage is not None]  # AEs keeping a File-set
    for category in ("Transfer", "Query/Retrieve", "Verification", "Other"):
        for uid in sorted({u for ae in entities for u in ae.sop_classes + _scu_classes(ae) if _category(u) == category}, key=_name):
            scu = "Yes" if any(uid in _scu_classes(ae) for ae in entities) else "No"
            scp = "Yes" if any(uid in ae.sop_classes for ae in entities) else "No"
            overview_rows.append((category, _name(uid), scu, scp))
    add(
        "A.1", "Conformance Statement Overview",
        f"{product} has {len(entities)} application entit{'y' if len(entities) == 1 else 'ies'} "
        f"({', '.join(ae.title for ae in entities)}). It accepts associations for the SOP classes below as an SCP"
        + ("; it stores instances it receives and returns them by C-MOVE and C-GET" if any(ae.storage for ae in entities) else "")
        + ". " + overview_sentence(media),
        Table(("Category", "SOP Class", "User of Service (SCU)", "Provider of Service (SCP)"), tuple(overview_rows), "Network Services"),
        Table(MEDIA_TABLE_HEADER, media_rows(media), "Media Services"),
    )
    toc = add("A.2", "Table of Contents")
    add("A.3", "Introduction")
    add("A.3.1", "Revision History", Table(("Document Version", "Product Version", "Description"), (("1", config.version or "-", "Generated from the configuration"),)))
    add("A.3.2", "Audience", "Integrators of medical imaging systems, and readers who know the DICOM standard.")
    add(
        "A.3.3", "Remarks",
        "This statement is generated from the configuration the SCP runs from, so what it claims is what the SCP "
        "accepts; a probe that asks the running SCP for every claimed presentation context, and some unclaimed ones, "
        "checks it (`dicom-net conformance CONFIG --probe`).",
    )
    add(
        "A.3.4", "Terms and Definitions",
        Table(("Term", "Meaning"), (
            ("Application Entity (AE)", "A named end point of DICOM communication, identified by its AE title."),
            ("Association", "A connection between two AEs over which DIMSE messages are exchanged."),
            ("Presentation Context", "An abstract syntax (SOP class) with the transfer syntax agreed for it."),
            ("SCU / SCP", "Service Class User / Provider: the side that invokes / performs an operation."),
            ("SOP Class", "A service (DIMSE operations) applied to an information object definition."),
        )),
    )
    add(
        "A.3.5", "Basics of DICOM Communication",
        "Two AEs open an association, agree on presentation contexts (a SOP class with a transfer syntax each), "
        "exchange DIMSE requests and responses with status codes, and release the association.",
    )
    add(
        "A.3.6", "Abbreviations",
        Table(("Abbreviation", "Meaning"), (
            ("AE", "Application Entity"), ("DIMSE", "DICOM Message Service Element"), ("IOD", "Information Object Definition"),
            ("PDU", "Protocol Data Unit"), ("SCP", "Service Class Provider"), ("SCU", "Service Class User"),
            ("SOP", "Service-Object Pair"), ("TLS", "Transport Layer Security"), ("UID", "Unique Identifier"),
        )),
    )
    add(
        "A.3.7", "References",
        Table(("Reference", "Edition"), tuple((f"DICOM {part}", edition) for part, edition in sorted(editions.items())))
        , "NEMA PS3 / ISO 12052, Digital Imaging and Communications in Medicine (DICOM) Standard.",
    )
    add("A.4", "Networking")
    add("A.4.1", "Implementation Model")
    add(
        "A.4.1.1", "Application Data Flow",
        *[
            Diagram(
                ae.title,
                tuple(["Remote AE stores instances (C-STORE)"] * bool(any(_category(u) == "Transfer" for u in ae.sop_classes))
                      + ["Remote AE queries (C-FIND)"] * bool(any("FIND" in _name(u).upper() for u in ae.sop_classes))
                      + ["Remote AE retrieves (C-MOVE, C-GET)"] * bool(_scu_classes(ae))
                      + ["Remote AE verifies (C-ECHO)"] * bool(VERIFICATION in ae.sop_classes)),
                tuple(([f"Local storage: {ae.storage.name}/"] if ae.storage else []) + [f"Move destinations: {', '.join(ae.move_destinations) or 'none'}"] * bool(_scu_classes(ae))),
            )
            for ae in entities
        ],
    )
    add("A.4.1.2", "Functional Definition of AEs")
    for index, ae in enumerate(entities, start=1):
        add(
            f"A.4.1.2.{index}", f'Functional Definition of "{ae.title}"',
            f"{ae.title} listens on port {ae.port} and accepts associations from "
            + (f"the AE titles {', '.join(ae.allow)}" if ae.allow else "any calling AE title")
            + (" over TLS" if ae.tls else "") + ". "
            + (f"It writes each received instance to `{ae.storage}` durably (write-ahead journal, then an atomic "
               "rename) before it answers Success, answers C-FIND from the instances held, and sends them back by "
               "C-MOVE (to a configured destination) or C-GET (on the same association)." if ae.storage else
               "It answers verification requests."),
        )
    add(
        "A.4.1.3", "Sequencing of Real World Activities",
        "Instances are available to C-FIND, C-MOVE and C-GET as soon as their C-STORE has been answered with Success.",
    )
    add("A.4.2", "AE Specifications")
    for index, ae in enumerate(entities, start=1):
        base = f"A.4.2.{index}"
        add(f"{base}", f'"{ae.title}"')
        add(
            f"{base}.1", "SOP Classes",
            Table(("SOP Class Name", "SOP Class UID", "SCU", "SCP"), tuple(
                (_name(u), u, "Yes" if u in _scu_classes(ae) else "No", "Yes" if u in ae.sop_classes else "No")
                for u in sorted(set(ae.sop_classes) | set(_scu_classes(ae)), key=lambda u: (_category(u), _name(u)))
            )),
        )
        add(f"{base}.2", "Association Policies")
        add(
            f"{base}.2.1", "General",
            Table(("Application Context Name", "Maximum PDU size received", "Maximum presentation contexts per association"),
                  ((APPLICATION_CONTEXT, str(ae.max_pdu), str(ae.max_contexts)),)),
        )
        add(
            f"{base}.2.2", "Number of Associations",
            Table(("Maximum number of simultaneous associations", "Value"), (
                ("Accepted (more are rejected: rejected-transient, local-limit-exceeded)", str(ae.max_associations)),
                ("Initiated (per C-MOVE being served)", "1"),
            )),
        )
        add(f"{base}.2.3", "Asynchronous Nature", "Asynchronous operations are not supported: the window is 1 invoked, 1 performed.")
        add(
            f"{base}.2.4", "Implementation Identifying Information",
            Table(("Implementation Class UID", "Implementation Version Name"), ((IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME),)),
        )
        add(f"{base}.3", "Association Initiation Policy")
        sends = _scu_classes(ae)
        add(f"{base}.3.1", '"Send Instances for C-MOVE"')
        add(
            f"{base}.3.1.1", "Description and Sequencing of Activities",
            (f"To serve a C-MOVE, {ae.title} opens one association to the move destination and sends the matching "
             "instances one C-STORE at a time, answering the C-MOVE with a pending response after each. Destinations: "
             + (", ".join(f"{k} = {h}:{p}" for k, (h, p) in ae.move_destinations.items()) or "none configured") + ".")
            if sends else f"{ae.title} initiates no associations.",
        )
        add(
            f"{base}.3.1.2", "Proposed Presentation Contexts",
            *([Table(("Abstract Syntax", "Transfer Syntaxes", "Role", "Extended Negotiation"),
                     tuple((_name(u), "the instance's own; Explicit VR Little Endian; Implicit VR Little Endian", "SCU", "None") for u in sends))]
              if sends else ["None."]),
        )
        add(
            f"{base}.3.1.3", "SOP Specific Conformance for SOP Class(es)",
            "A C-STORE answered with a Warning status counts as a warning sub-operation, any other non-Success status "
            "as a failed one; the final C-MOVE response then has status B000 (Warning), or A702 (Refused: Out of "
            "Resources - Unable to perform sub-operations, with the counts) if every sub-operation failed (PS3.4 "
            "C.4.2.3.1: Failure or Refused if all sub-operations were unsuccessful). If the sub-association ends part "
            "way, the sub-operations not attempted count as failed; the Failed SOP Instance UID List names every "
            "sub-operation counted as failed." if sends else "None.",
        )
        add(f"{base}.4", "Association Acceptance Policy")
        add(f"{base}.4.1", '"Accept Associations"')
        add(
            f"{base}.4.1.1", "Description and Sequencing of Activities",
            f"{ae.title} accepts an association when the called AE title is {ae.title!r}"
            + (" (checked)" if ae.check_called_ae else " (not checked)")
            + (f", the calling AE title is one of {', '.join(ae.allow)}" if ae.allow else "")
            + (", the TLS handshake succeeds (client certificate required)" if ae.tls and ae.tls.client_ca else ", the TLS handshake succeeds" if ae.tls else "")
            + f", at most {ae.max_contexts} presentation contexts are proposed and fewer than {ae.max_associations} "
            "associations are open. Requests on an association are served in order.",
        )
        add(
            f"{base}.4.1.2", "Accepted Presentation Contexts",
            "Each proposed context is accepted with the first transfer syntax of this table that the requestor "
            "proposes (the table's order is the preference), except that a requestor taking the SCP role (to receive "
            "C-GET sub-operations) which proposes a compressed syntax first is given that one, if this table has it and every "
            "instance can be sent in it (native ones, or one encoded here without loss: JPEG-LS, JPEG 2000, HTJ2K, RLE); "
            "such a context is given one of those if it proposes any, another (JPEG Lossless, JPEG Extended or JPEG Baseline) "
            "only if it proposes none, for the instances held in it; other SOP classes are rejected with "
            "abstract-syntax-not-supported, other transfer syntaxes with transfer-syntaxes-not-supported; an "
            "association in which no context can be accepted is accepted all the same, with each context's result, "
            "so that the requestor can tell why for each SOP class (A-ASSOCIATE-RJ would only say no-reason-given). SCP/SCU role "
            "selection is answered with the roles this AE supports (PS3.7 D.3.3.4): the requestor's SCU role as "
            "proposed, its SCP role only for storage SOP classes and private ones (C-GET's C-STORE sub-operations), "
            "never for Verification or the Query/Retrieve SOP classes. SOP class extended negotiation is not "
            "supported (no answer is sent). User identity negotiation is accepted without verification; no positive "
            "response is sent.",
            Table(("Abstract Syntax", "SOP Class UID", "Transfer Syntaxes (in order of preference)", "Role", "Extended Negotiation"), tuple(
                (_name(u), u, "; ".join(f"{_name(t)} ({t})" for t in ae.transfer_syntaxes), "SCP", "None")
                for u in ae.sop_classes
            ), "Acceptable presentation contexts"),
        )
        conformance = add(
            f"{base}.4.1.3", "SOP Specific Conformance for SOP Class(es)",
            ("C-STORE: each data set is decoded in the negotiated transfer syntax, and its SOP Class and Instance UIDs "
             "compared with the command's and the presentation context's, before it is written to the storage folder, "
             "byte for byte as received, and made durable; only then is Success answered. Otherwise the answer is "
             "C000 (the data set does not decode, is absent, or breaks an encoding rule of PS3.5: an odd value length, elements "
             "out of ascending tag order or a tag twice, top-level Pixel Data encapsulated in a native transfer syntax or "
             "native in an encapsulating one), A900 (its UIDs differ from the command's), 0122 (the "
             "command's SOP class is not the context's), 0211 (C-STORE on a context of another service) or 0117 (a "
             "UID that violates PS3.5 9.1), with an Error Comment saying which. " + _duplicates(ae.duplicates) + " C-FIND: Patient Root at the PATIENT, STUDY, SERIES and IMAGE levels and Study Root at the "
             "STUDY, SERIES and IMAGE levels, hierarchical (PS3.4 C.4.1.2.1; relational queries are not supported: an "
             "identifier without a single Unique Key for each level above its Query/Retrieve Level, or a Study Root one at "
             "the PATIENT level, is answered A900; as a lenient extension, one below the model's top level whose own "
             "level's Unique Key is one UID or a list of UIDs is answered without the higher levels' keys, decided by the "
             "unique keys), with single value, wildcard (case sensitive, Person Name included; a "
             "wild card of * alone is universal matching, which an entity without the attribute matches too), universal, "
             "UID list and range matching (an empty value is in no range, open at either end or not), and sequence "
             "matching (PS3.4 C.2.2.2.6: a sequence key of one item matches an entity one of whose items matches every "
             "key of the item, recursively; the answer holds the matching items with the keys asked for only; a key of "
             "no item or an empty item is universal and returns the whole sequence; a key of two items or more is "
             "answered A900); "
             "C-MOVE and C-GET take the same levels and need the Unique Key of their own level (PS3.4 C.4.2.2.1, "
             "C.4.3.2.1: one UID or a list of UIDs at the STUDY, SERIES and IMAGE levels, a single Patient ID at the "
             "PATIENT level; one missing, empty, with a wild card or with an empty UID in its list is answered A900, the "
             "Error Comment naming it, and no sub-operation is made), and also serve an identifier without the higher "
             "levels' keys; "
             "C-CANCEL is honoured for a request queued or in progress (one naming a Message ID that no request "
             "in progress has, as a late one, is ignored: it does not cancel a later request with that ID); "
             "Number of Patient Related Studies, Series and Instances, Number of Study Related Series and Instances, "
             "Number of Series Related Instances, Modalities in Study and SOP Classes in Study are computed from the "
             "instances held (Modalities in Study and SOP Classes in Study also as matching keys). " + pn_matching() + " "
             + date_time_matching() + " "
             "C-MOVE and C-GET: every instance under the matched entities.") if ae.storage else "C-ECHO only.",
        )
        for service, codes in STATUS_RETURNED.items():
            if service == "C-ECHO" and VERIFICATION not in ae.sop_classes:
                continue
            if service == "C-STORE" and ae.duplicates != "reject":
                codes = tuple(c for c in codes if c != DUPLICATE_REFUSED)  # only the duplicate policy "reject" answers it
            conformance.blocks.append(
                Table(("Status", "Code", "Meaning", "Returned when"), tuple(
                    (_category_of(c), f"{c:04X}", status_meaning(service, c), _STATUS_USE.get((service, c)) or RETURNED_WHEN[service, c])
                    for c in codes
                ), f"{service} status codes returned")
            )
    add("A.4.3", "Network Interfaces")
    add("A.4.3.1", "Physical Network Interface", "The network interfaces of the host operating system; DICOM upper layer over TCP/IP (PS3.8). TCP_NODELAY is set on every connection.")
    add("A.4.3.2", "Additional Protocols", "None.")
    add("A.4.3.3", "IPv4 and IPv6 Support", "Both, as the listening host address configured for each AE allows.")
    add("A.4.4", "Configuration")
    add("A.4.4.1", "AE Title/Presentation Address Mapping")
    add("A.4.4.1.1", "Local AE Titles", Table(("Application Entity", "Default AE Title", "Default TCP/IP Port", "Listening address"), tuple((ae.title, ae.title, str(ae.port), ae.host) for ae in entities)))
    add(
        "A.4.4.1.2", "Remote AE Title/Presentation Address Mapping",
        Table(("Remote AE Title", "Host", "Port", "Used for"), tuple(
            (name, host, str(port), "C-MOVE destination") for ae in entities for name, (host, port) in ae.move_destinations.items()
        ) or (("(none configured)", "", "", ""),)),
    )
    add(
        "A.4.4.2", "Parameters",
        Table(("Parameter", *(ae.title for ae in entities)), (
            ("Maximum PDU size received", *(str(ae.max_pdu) for ae in entities)),
            ("Maximum simultaneous associations", *(str(ae.max_associations) for ae in entities)),
            ("Maximum presentation contexts", *(str(ae.max_contexts) for ae in entities)),
            ("Largest data set received (bytes)", *(str(ae.max_message_size) for ae in entities)),
            ("Unfinished messages of all associations in memory, at most (bytes)", *(str(ae.message_budget) for ae in entities)),
            ("Data set moved to a temporary file beyond (bytes)", *(str(ae.spill_after) for ae in entities)),
            ("Data sets in temporary files of all associations, at most (bytes)", *(str(ae.spill_budget) for ae in entities)),
            ("ARTIM timeout (s)", *(f"{ae.timeouts.artim:g}" for ae in entities)),
            ("ACSE timeout (s)", *(f"{ae.timeouts.acse:g}" for ae in entities)),
            ("DIMSE timeout (s)", *(f"{ae.timeouts.dimse:g}" for ae in entities)),
            ("Idle association timeout (s)", *(f"{ae.timeouts.network:g}" for ae in entities)),
            ("Storage is durable before Success", *("yes" if ae.durable else "no" for ae in entities)),
            ("Duplicate SOP instance with other content", *(ae.duplicates for ae in entities)),
            *((name, *(value for _ in entities)) for name, value in FIXED_LIMITS),
            ("Acknowledged instances not yet written to their files, at most (bytes; then C-STORE waits)",
             *(str(BACKLOG_LIMIT) if ae.storage else "-" for ae in entities)),
        )),
        f"The last {len(FIXED_LIMITS) + 1} rows are fixed by this implementation, the same for every AE; "
        "they cannot be set in the configuration or on the command line. An association that would exceed the "
        "message, spill or unassociated bytes is aborted (A-ABORT), and the log line names the peer; so is one "
        "whose command set lacks Command Data Set Type (0000,0800), or whose C-ECHO-RQ's says a data set follows "
        "(PS3.7 9.3.5.1: 0101H); a connection beyond the connection limit is closed at once.",
    )
    not_supported = "Not supported: this implementation does not read or write DICOM media."
    if media:
        for number, name, text in media_sections(media):
            add(number, name, text)
    else:
        add("A.5", "Media Interchange", not_supported)
        for number, name in (
            ("A.5.1", "Implementation Model"), ("A.5.1.1", "Application Data Flow Diagram"),
            ("A.5.1.2", "Functional Definitions of AEs"), ("A.5.1.3", "Sequencing of Real World Activities"),
            ("A.5.1.4", "File Meta Information for Implementation Class and Version"), ("A.5.2", "AE Specifications"),
            ("A.5.3", "Augmented and Private Application Profiles"), ("A.5.3.1", "Augmented Application Profiles"),
            ("A.5.3.2", "Private Application Profiles"), ("A.5.4", "Media Configuration"),
        ):
            add(number, name, "Not applicable.")
    add("A.6", "Transformation of DICOM to CDA", "Not supported.")
    charsets = sorted(set(CHARSETS) | {k for k in EXTENSION_TERMS})
    add(
        "A.7", "Support of Character Sets",
        "Received instances are stored as received, whatever their Specific Character Set. Identifiers of C-FIND "
        "are decoded and matched in these Specific Character Sets (0008,0005). Each C-FIND response carries the "
        "Specific Character Set of the instance its values come from, whatever the request's, and is encoded in it; "
        "one whose values that set cannot encode (an instance declaring none that holds other characters) is sent "
        "in ISO_IR 192 (UTF-8), declared so:",
        Table(("Specific Character Set",), tuple((c or "(default repertoire)",) for c in charsets)),
    )
    add("A.8", "Security")
    tls_rows = tuple(
        (ae.title, ae.tls.profile if ae.tls else "none", "required" if ae.tls and ae.tls.client_ca else "no")
        for ae in entities
    )
    add(
        "A.8.1", "Security Profiles",
        Table(("AE", "TLS profile (PS3.15 Annex B)", "Client certificate"), tls_rows),
        "The BCP 195 profile negotiates TLS 1.2 or later; the Extended BCP 195 profile limits TLS 1.2 to the suites "
        f"{EXTENDED_BCP195_CIPHERS.replace(':', ', ')}.",
    )
    add(
        "A.8.2", "Association Level Security",
        Table(("AE", "Called AE title checked", "Calling AE titles allowed"), tuple(
            (ae.title, "yes" if ae.check_called_ae else "no", ", ".join(ae.allow) or "any") for ae in entities
        )),
    )
    add("A.8.3", "Application Level Security", "None beyond the association level.")
    add("A.9", "Annexes")
    add("A.9.1", "IOD Contents")
    handled = {u for ae in entities for u in ae.sop_classes + _scu_classes(ae)}
    typed = {uid: iod for iod, _, uid in _iods()}
    iods = tuple(sorted(
        (typed.get(u, "(none: handled as a data set)"), _name(u), u) for u in handled if _category(u) == "Transfer"
    ))
    add(
        "A.9.1.1", "Created SOP Instance(s)",
        "No SOP instances are created. The IODs of the storage SOP classes these AEs accept and return, with "
        "their typed classes in the generated model (from " + edition_text + "):" if iods else
        "No SOP instances are created, and no storage SOP classes are accepted.",
        *([Table(("IOD class", "SOP Class", "SOP Class UID"), iods)] if iods else []),
    )
    add("A.9.1.2", "Usage of Attributes From Received IODs", "Only the attributes matched by C-FIND and the UIDs of the hierarchy are read.")
    add("A.9.1.3", "Attribute Mapping", "None.")
    add("A.9.1.4", "Coerced/Modified Fields", (
        "None in what is stored: instances are stored as received, byte for byte, and returned so to a peer that "
        "accepts their transfer syntax. To a peer that accepts none of an instance's syntaxes, a C-MOVE or C-GET "
        "sub-operation sends the same data set in one it accepts (pixel data decoded, and encoded again losslessly where the "
        "syntax is compressed; no loss is added; Lossy Image Compression 01 if the source was lossy), or fails with the reason; "
        f"an instance of more than {TRANSCODE_LIMIT >> 20} MiB is not converted (a failed sub-operation, 'too large to transcode'), "
        "a deflated one counted inflated and compressed Pixel Data counted as its frames decode (from Rows, Columns, "
        "Samples per Pixel, Bits Allocated and Number of Frames), before anything is decoded."
    ))
    add("A.9.2", "Data Dictionary of Private Attributes", "None.")
    add("A.9.3", "Coded Terminology and Templates", "None.")
    add("A.9.3.1", "Context Groups", "None.")
    add("A.9.3.2", "Template Specifications", "None.")
    add("A.9.3.3", "Private Code Definitions", "None.")
    add("A.9.4", "Grayscale Image Consistency", "Not applicable: no images are displayed.")
    add("A.9.5", "Standard Extended/Specialized/Private SOP Classes", "None.")
    add("A.9.6", "Private Transfer Syntaxes", "None.")
    toc.blocks.append(Table(("Section", "Title"), tuple((s.number, s.title) for s in sections if s.level <= 2)))
    return Statement(title, sections)


def _duplicates(policy: str) -> str:
    """The statement's sentence on a SOP Instance UID received again with another data set."""
    first = ("A SOP instance received again with the same data set is answered Success and changes nothing, in whatever transfer "
             "syntax it comes: two native or deflated encodings are compared as data (decoded; up to "
             f"{COMPARE_AS_DATA_LIMIT // (1024 * 1024)} MiB each, larger ones as bytes), Pixel Data compressed otherwise than the "
             "stored one's counts as another data set; with another data set, ")
    return first + {
        "keep": "the stored one is kept and Success is answered (both checksums are logged).",
        "replace": "it replaces the stored one and Success is answered (both checksums are logged).",
        "reject": f"the stored one is kept and the new one refused with {DUPLICATE_REFUSED:04X} (a failure: Error: Cannot understand, "
        "PS3.4 B.2.3), with the Error Comment 'duplicate SOP Instance UID with another data set' (both checksums are logged).",
    }[policy]


def _category_of(code: int) -> str:
    return Status(code).category

__all__ = ["FIXED_LIMITS", "STATUS_RETURNED", "ProbeResult", "RetrievalCheck", "Statement", "probe", "probe_cases", "probe_retrieval", "statement"]
