"""Application entities described once, in TOML (or Python): what the SCP runs and what
the Conformance Statement (:mod:`.conformance`) says.

.. code-block:: toml

    [implementation]
    product = "Example Archive"
    version = "1.0"

    [[ae]]
    title = "ARCHIVE"
    port = 11112
    storage = "/var/lib/archive"         # a folder: storage, query and retrieve over it
    journal = "/var/lib/archive/.dicom-net"  # its write-ahead journal (this is the default)
    duplicates = "keep"                  # a SOP instance stored again with other content: keep, replace or reject
    fileset = false                      # keep the storage folder as a DICOM File-set (a DICOMDIR, dicom_runtime.media)
    max_message_size = 536870912         # largest data set received, bytes
    message_budget = 33554432            # bytes all unfinished messages may hold together in memory
    spill_after = 4194304                # an unfinished data set beyond this goes on in a temporary file
    spill_budget = 4294967296            # bytes all spilled data sets may take on disk together (0: none spilled)
    spill_dir = "/var/lib/archive/.dicom-net"  # where they are spilled (this is the default)
    max_associations = 16
    max_pdu = 262144
    sop_classes = ["Verification", "CTImageStorage", "StudyRootQueryRetrieveInformationModelFind"]
    transfer_syntaxes = ["ExplicitVRLittleEndian", "ImplicitVRLittleEndian"]
    allow = []                           # calling AE titles allowed (empty: any)
    move_destinations = { VIEWER = "127.0.0.1:11113" }

    [ae.timeouts]                        # optional, seconds (more than 0)
    network = 300                        # idle, or a PDU or message begun this long ago: aborted (--idle-timeout)
    artim = 30                           # PS3.8 9.1.5 (--artim-timeout); also connect, acse, dimse

    [ae.tls]                             # optional
    certificate = "server.pem"
    key = "server.key"
    client_ca = "ca.pem"                 # verify client certificates
    profile = "bcp195"

Every setting is checked when the file is read: an unknown key in any table, a value of
the wrong type or out of range (:data:`INT_RANGES`: ``max_pdu`` 4096 to 64 MiB,
``max_associations`` at least 1, the byte sizes at least 0) is one :class:`ConfigError`
naming the file, the table and key, and the reason, e.g.
``t.toml: ae[0].max_pdu = 10: out of range (must be from 4096 to 67108864)``.

SOP classes and transfer syntaxes are keywords of the generated dictionary or UIDs;
``"storage:all"`` stands for every non-retired Storage SOP class. Relative paths are
relative to the folder of the configuration file; ``~`` is the user's home folder.
``dicom-net scp --config FILE --out DIR`` stores into DIR instead of ``storage``.

The write-ahead journal (two files of 16 MiB, ``.journal.0`` and ``.journal.1``) is kept
in ``<storage>/.dicom-net/`` unless ``journal`` names another folder, which must be on the
same file system as ``storage``. A journal left at its place before 0.3.0
(``<storage>/.journal.0``) is replayed at start and removed. Data sets spilled while they
arrive (:mod:`.spill`) go to unlinked temporary files in ``spill_dir``: by default
``<storage>/.dicom-net/`` (the system's temporary folder for an AE without storage).
"""

from __future__ import annotations

import ssl
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..dictionary import all_uids
from ..errors import DicomError
from .aio import DEFAULT_MESSAGE_BUDGET, DEFAULT_TRANSFER_SYNTAXES, Timeouts
from .dimse import DEFAULT_MAX_MESSAGE_SIZE
from .pdu import MAX_PDU_LENGTH
from .spill import DEFAULT_SPILL_BUDGET, DEFAULT_SPILL_THRESHOLD, Budget, Spill
from .association import AcceptorPolicy, AccessRule
from .presets import storage_sop_classes
from .server import Server
from .storage import DUPLICATE_POLICIES, StorageFolder
from .tls import PROFILES, server_context


class ConfigError(DicomError):
    """A configuration that cannot be used: names the file and the setting."""


@dataclass(frozen=True)
class TlsConfig:
    certificate: Path
    key: Path
    client_ca: Path | None = None
    profile: str = "bcp195"


@dataclass(frozen=True)
class ApplicationEntity:
    """One AE: its title, where it listens, what it accepts, and its limits and security."""

    title: str
    port: int
    host: str = "0.0.0.0"
    storage: Path | None = None
    journal: Path | None = None
    """The write-ahead journal's folder; ``None``: ``<storage>/.dicom-net``."""
    sop_classes: tuple[str, ...] = ()  # UIDs, in the order given
    transfer_syntaxes: tuple[str, ...] = DEFAULT_TRANSFER_SYNTAXES
    max_associations: int = 16
    max_pdu: int = 256 * 1024
    max_contexts: int = 128
    allow: tuple[str, ...] = ()
    move_destinations: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    tls: TlsConfig | None = None
    check_called_ae: bool = True
    durable: bool = True
    timeouts: Timeouts = Timeouts()
    duplicates: str = "keep"
    """A SOP Instance UID stored again with other content (see :data:`.storage.DUPLICATE_POLICIES`)."""
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    message_budget: int = DEFAULT_MESSAGE_BUDGET
    spill_after: int = DEFAULT_SPILL_THRESHOLD
    spill_budget: int = DEFAULT_SPILL_BUDGET
    spill_dir: Path | None = None
    """Where data sets are spilled (None: the storage folder's ``.dicom-net/``, else the system's temporary folder)."""
    fileset: bool = False
    """Keep ``storage`` as a DICOM File-set: its DICOMDIR updated before each A-RELEASE-RP."""

    def policy(self) -> AcceptorPolicy:
        return AcceptorPolicy(
            self.title,
            {uid: self.transfer_syntaxes for uid in self.sop_classes},
            check_called_ae=self.check_called_ae,
            access=tuple(AccessRule(ae) for ae in self.allow),
            max_pdu_length=self.max_pdu,
            max_contexts=self.max_contexts,
        )

    def tls_context(self) -> ssl.SSLContext | None:
        if self.tls is None:
            return None
        return server_context(
            self.tls.certificate, self.tls.key, client_ca=self.tls.client_ca,
            require_client_certificate=self.tls.client_ca is not None, profile=self.tls.profile,
        )

    def server(self) -> tuple[Server, StorageFolder | None]:
        """The SCP this AE describes (not started), and its storage folder."""
        from .aio import Handlers

        folder = (
            StorageFolder(
                self.storage, durable=self.durable, duplicates=self.duplicates, journal_dir=self.journal, fileset=self.fileset
            )
            if self.storage is not None else None
        )
        handlers = folder.handlers() if folder is not None else Handlers()
        server = Server(
            self.policy(), handlers, tls=self.tls_context(), max_associations=self.max_associations,
            timeouts=self.timeouts, destinations=dict(self.move_destinations),
            max_message_size=self.max_message_size, message_budget=self.message_budget,
            spill=Spill(
                self.spill_after, self.spill_dir or (folder.spill_directory if folder is not None else None), Budget(self.spill_budget)
            ) if self.spill_budget > 0 else False,
        )
        return server, folder


@dataclass(frozen=True)
class Config:
    """An implementation and its application entities."""

    product: str
    version: str
    entities: tuple[ApplicationEntity, ...]
    manufacturer: str = ""
    source: str = ""

    def entity(self, title: str) -> ApplicationEntity:
        for entity in self.entities:
            if entity.title == title:
                return entity
        raise ConfigError(f"{self.source}: no application entity {title!r}")


def _uid(name: str, where: str) -> str:
    if name and name[0].isdigit():
        return name
    for entry in all_uids().values():
        if entry.keyword == name:
            return entry.uid
    raise ConfigError(f"{where}: {name!r} is neither a UID nor a keyword of the generated dictionary")


def _uids(names: Sequence[str], where: str) -> tuple[str, ...]:
    found: list[str] = []
    for name in names:
        uid = _uid(name, where) if name != "storage:all" else ""
        entry = all_uids().get(uid)
        if entry is not None and entry.type == "Transfer Syntax":
            raise ConfigError(f"{where}: {name!r} is a transfer syntax ({entry.name}), not a SOP class")
        found.extend(storage_sop_classes() if name == "storage:all" else [uid])
    return tuple(dict.fromkeys(found))


#: The root of the standard's transfer syntax UIDs (PS3.6 Table A-1): one under it that the
#: dictionary in use does not list is a later edition's (HTJ2K, 1.2.840.10008.1.2.4.201, is
#: newer than PS3.6 2015b), and is taken.
STANDARD_TRANSFER_SYNTAX_ROOT = "1.2.840.10008.1.2"


def _transfer_syntaxes(names: Sequence[str], where: str) -> tuple[str, ...]:
    """Transfer syntax UIDs or keywords: a UID of something else (a SOP class), or one that
    is neither the dictionary's nor under the standard's root (a private syntax, whose
    data set encoding the server cannot know), is an error naming it."""
    found: list[str] = []
    for name in names:
        uid = _uid(name, where)
        entry = all_uids().get(uid)
        if entry is not None and entry.type != "Transfer Syntax":
            raise ConfigError(f"{where}: {name!r} is not a transfer syntax but a {entry.type} ({entry.name})")
        if entry is None and not uid.startswith(STANDARD_TRANSFER_SYNTAX_ROOT + "."):
            raise ConfigError(
                f"{where}: {name!r} is not a transfer syntax of the standard (PS3.6 Table A-1; "
                f"theirs are {STANDARD_TRANSFER_SYNTAX_ROOT}.*)"
            )
        found.append(uid)
    return tuple(dict.fromkeys(found))


#: What each table of the file may hold; anything else is an error naming it.
TOP_LEVEL = ("implementation", "ae")
IMPLEMENTATION_KEYS = ("product", "version", "manufacturer")
AE_KEYS = (
    "title", "port", "host", "storage", "journal", "sop_classes", "transfer_syntaxes", "max_associations", "max_pdu",
    "max_contexts", "allow", "move_destinations", "tls", "check_called_ae", "durable", "timeouts", "duplicates",
    "max_message_size", "message_budget", "spill_after", "spill_budget", "spill_dir", "fileset",
)
TLS_KEYS = ("certificate", "key", "client_ca", "profile")
TIMEOUT_KEYS = tuple(f.name for f in fields(Timeouts))

MIN_PDU = 4096
"""The smallest ``max_pdu`` taken (dcmtk's floor too). PS3.8 D.1 sets no minimum, but a
P-DATA-TF PDU spends 12 bytes on headers, so a few dozen bytes would cut a message into
a PDU per few bytes."""
MAX_PDU = MAX_PDU_LENGTH
"""The largest ``max_pdu`` taken: the longest PDU this runtime reads (:data:`.pdu.MAX_PDU_LENGTH`).
PS3.8 D.1's 0 ("no maximum") is refused: a server must bound what it reads."""

#: (smallest, largest) of each integer setting of an AE; None: no bound.
INT_RANGES: dict[str, tuple[int, int | None]] = {
    "port": (0, 65535),
    "max_associations": (1, None),
    "max_pdu": (MIN_PDU, MAX_PDU),
    "max_contexts": (1, 128),  # PS3.8 9.3.2.2: odd presentation context IDs 1-255
    "max_message_size": (1, None),
    "message_budget": (0, None),
    "spill_after": (0, None),
    "spill_budget": (0, None),
}

_HINTS = {"idle": "network", "idle_timeout": "network", "timeout": "dimse", "association": "acse", "release": "acse"}


def _unknown(table: Mapping[str, Any], known: Sequence[str], where: str) -> None:
    unknown = sorted(str(k) for k in set(table) - set(known))
    if unknown:
        hints = [f"{k}: did you mean {_HINTS[k]}?" for k in unknown if k in _HINTS and _HINTS[k] in known]
        raise ConfigError(
            f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}"
            + (f" ({'; '.join(hints)})" if hints else "")
        )


def _table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} = {value!r}: expected a table")
    return value


def _int(raw: Mapping[str, Any], key: str, default: int, where: str) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where}.{key} = {value!r}: expected an integer")
    low, high = INT_RANGES[key]
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ConfigError(f"{where}.{key} = {value}: out of range (must be {bound})")
    return value


def _bool(raw: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}.{key} = {value!r}: expected true or false")
    return value


def _str(raw: Mapping[str, Any], key: str, default: str, where: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{where}.{key} = {value!r}: expected a string")
    return value


def _strings(raw: Mapping[str, Any], key: str, default: Sequence[str], where: str) -> list[str]:
    value = raw.get(key, list(default))
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}.{key} = {value!r}: expected a list of strings")
    return list(value)


def _path(raw: Mapping[str, Any], key: str, base: Path, where: str) -> Path | None:
    value = _str(raw, key, "", where)
    return base / Path(value).expanduser() if value else None


def _timeouts(raw: Mapping[str, Any], where: str) -> Timeouts:
    table = _table(raw.get("timeouts", {}), f"{where}.timeouts")
    _unknown(table, TIMEOUT_KEYS, f"{where}.timeouts")
    seconds: dict[str, float] = {}
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}.timeouts.{key} = {value!r}: expected a number of seconds")
        if not value > 0 or value == float("inf"):
            raise ConfigError(f"{where}.timeouts.{key} = {value}: out of range (must be more than 0 seconds, finite)")
        seconds[key] = float(value)
    return Timeouts(**seconds)


def _entity(raw: Any, where: str, base: Path) -> ApplicationEntity:
    raw = _table(raw, where)
    _unknown(raw, AE_KEYS, where)
    if "title" not in raw or "port" not in raw:
        raise ConfigError(f"{where}: needs a title and a port")
    title = _str(raw, "title", "", where)
    if not title.strip() or len(title) > 16:
        raise ConfigError(f"{where}.title = {title!r}: an AE title has 1 to 16 characters (PS3.5 6.2)")
    destinations: dict[str, tuple[str, int]] = {}
    for ae, address in _table(raw.get("move_destinations", {}), f"{where}.move_destinations").items():
        host, _, number = str(address).rpartition(":")
        if not isinstance(address, str) or not host or not number.isdigit() or not 0 < int(number) < 65536:
            raise ConfigError(f"{where}.move_destinations.{ae} = {address!r}: expected 'host:port'")
        destinations[str(ae)] = (host, int(number))
    tls = None
    if "tls" in raw:
        settings = _table(raw["tls"], f"{where}.tls")
        _unknown(settings, TLS_KEYS, f"{where}.tls")
        profile = _str(settings, "profile", "bcp195", f"{where}.tls")
        if profile not in PROFILES:
            raise ConfigError(f"{where}.tls: profile {profile!r} is not one of {', '.join(PROFILES)}")
        certificate = _path(settings, "certificate", base, f"{where}.tls")
        key = _path(settings, "key", base, f"{where}.tls")
        if certificate is None or key is None:
            raise ConfigError(f"{where}.tls: needs a certificate and a key")
        tls = TlsConfig(certificate, key, _path(settings, "client_ca", base, f"{where}.tls"), profile)
    duplicates = _str(raw, "duplicates", "keep", where)
    if duplicates not in DUPLICATE_POLICIES:
        raise ConfigError(f"{where}.duplicates: {duplicates!r} is not one of {', '.join(DUPLICATE_POLICIES)}")
    storage = _path(raw, "storage", base, where)
    fileset = _bool(raw, "fileset", False, where)
    if fileset and storage is None:
        raise ConfigError(f"{where}.fileset: needs a storage folder to keep as a File-set")
    return ApplicationEntity(
        title=title,
        port=_int(raw, "port", 0, where),
        host=_str(raw, "host", "0.0.0.0", where),
        storage=storage,
        journal=_path(raw, "journal", base, where),
        sop_classes=_uids(_strings(raw, "sop_classes", ["Verification"], where), f"{where}.sop_classes"),
        transfer_syntaxes=_transfer_syntaxes(
            _strings(raw, "transfer_syntaxes", DEFAULT_TRANSFER_SYNTAXES, where), f"{where}.transfer_syntaxes"
        ),
        max_associations=_int(raw, "max_associations", 16, where),
        max_pdu=_int(raw, "max_pdu", 256 * 1024, where),
        max_contexts=_int(raw, "max_contexts", 128, where),
        allow=tuple(_strings(raw, "allow", [], where)),
        move_destinations=destinations,
        tls=tls,
        check_called_ae=_bool(raw, "check_called_ae", True, where),
        durable=_bool(raw, "durable", True, where),
        timeouts=_timeouts(raw, where),
        duplicates=duplicates,
        max_message_size=_int(raw, "max_message_size", DEFAULT_MAX_MESSAGE_SIZE, where),
        message_budget=_int(raw, "message_budget", DEFAULT_MESSAGE_BUDGET, where),
        spill_after=_int(raw, "spill_after", DEFAULT_SPILL_THRESHOLD, where),
        spill_budget=_int(raw, "spill_budget", DEFAULT_SPILL_BUDGET, where),
        spill_dir=_path(raw, "spill_dir", base, where),
        fileset=fileset,
    )


def from_mapping(data: Mapping[str, Any], *, source: str = "<config>", base: Path = Path(".")) -> Config:
    """A configuration from parsed TOML (or an equivalent dict). Every setting is checked:
    an unknown key, a value of the wrong type or out of range is a :class:`ConfigError`
    naming ``source``, the table and key (``ae[0].timeouts.idle``) and the reason."""
    _unknown(data, TOP_LEVEL, source)
    implementation = _table(data.get("implementation", {}), f"{source}: implementation")
    _unknown(implementation, IMPLEMENTATION_KEYS, f"{source}: implementation")
    raws = data.get("ae", [])
    if not isinstance(raws, list):
        raise ConfigError(f"{source}: ae = {raws!r}: expected [[ae]] tables")
    entities = [_entity(raw, f"{source}: ae[{index}]", base) for index, raw in enumerate(raws)]
    if not entities:
        raise ConfigError(f"{source}: no [[ae]] application entity")
    where = f"{source}: implementation"
    return Config(
        product=_str(implementation, "product", "dicom-typed", where),
        version=_str(implementation, "version", "", where),
        manufacturer=_str(implementation, "manufacturer", "", where),
        entities=tuple(entities),
        source=source,
    )


def load(path: str | Path) -> Config:
    """Read a TOML configuration; :class:`ConfigError` names the file and the setting."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{file}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: {exc}") from None
    return from_mapping(data, source=str(file), base=file.parent)
