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

    [ae.tls]                             # optional
    certificate = "server.pem"
    key = "server.key"
    client_ca = "ca.pem"                 # verify client certificates
    profile = "bcp195"

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dictionary import all_uids
from ..errors import DicomError
from .aio import DEFAULT_MESSAGE_BUDGET, DEFAULT_TRANSFER_SYNTAXES, Timeouts
from .dimse import DEFAULT_MAX_MESSAGE_SIZE
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
        found.extend(storage_sop_classes() if name == "storage:all" else [_uid(name, where)])
    return tuple(dict.fromkeys(found))


def from_mapping(data: Mapping[str, Any], *, source: str = "<config>", base: Path = Path(".")) -> Config:
    """A configuration from parsed TOML (or an equivalent dict)."""
    implementation = data.get("implementation", {})
    entities: list[ApplicationEntity] = []
    for index, raw in enumerate(data.get("ae", [])):
        where = f"{source}: ae[{index}]"
        try:
            title = str(raw["title"])
            port = int(raw["port"])
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"{where}: needs a title and a port") from None
        known = {
            "title", "port", "host", "storage", "sop_classes", "transfer_syntaxes", "max_associations", "max_pdu",
            "max_contexts", "allow", "move_destinations", "tls", "check_called_ae", "durable", "timeouts",
            "duplicates", "max_message_size", "message_budget", "journal", "fileset", "spill_after", "spill_budget",
            "spill_dir",
        }
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}")
        destinations: dict[str, tuple[str, int]] = {}
        for ae, address in dict(raw.get("move_destinations", {})).items():
            host, _, number = str(address).rpartition(":")
            if not host or not number.isdigit():
                raise ConfigError(f"{where}: move destination {ae} = {address!r}: expected 'host:port'")
            destinations[str(ae)] = (host, int(number))
        tls = None
        if "tls" in raw:
            settings = raw["tls"]
            profile = str(settings.get("profile", "bcp195"))
            if profile not in PROFILES:
                raise ConfigError(f"{where}.tls: profile {profile!r} is not one of {', '.join(PROFILES)}")
            tls = TlsConfig(
                base / settings["certificate"], base / settings["key"],
                base / settings["client_ca"] if settings.get("client_ca") else None, profile,
            )
        timeouts = Timeouts(**{k: float(v) for k, v in dict(raw.get("timeouts", {})).items()})
        duplicates = str(raw.get("duplicates", "keep"))
        if duplicates not in DUPLICATE_POLICIES:
            raise ConfigError(f"{where}.duplicates: {duplicates!r} is not one of {', '.join(DUPLICATE_POLICIES)}")
        if raw.get("fileset") and not raw.get("storage"):
            raise ConfigError(f"{where}.fileset: needs a storage folder to keep as a File-set")
        entities.append(
            ApplicationEntity(
                title=title,
                port=port,
                host=str(raw.get("host", "0.0.0.0")),
                storage=base / Path(str(raw["storage"])).expanduser() if raw.get("storage") else None,
                journal=base / Path(str(raw["journal"])).expanduser() if raw.get("journal") else None,
                sop_classes=_uids(raw.get("sop_classes", ["Verification"]), f"{where}.sop_classes"),
                transfer_syntaxes=_uids(raw.get("transfer_syntaxes", list(DEFAULT_TRANSFER_SYNTAXES)), f"{where}.transfer_syntaxes"),
                max_associations=int(raw.get("max_associations", 16)),
                max_pdu=int(raw.get("max_pdu", 256 * 1024)),
                max_contexts=int(raw.get("max_contexts", 128)),
                allow=tuple(str(a) for a in raw.get("allow", [])),
                move_destinations=destinations,
                tls=tls,
                check_called_ae=bool(raw.get("check_called_ae", True)),
                durable=bool(raw.get("durable", True)),
                timeouts=timeouts,
                duplicates=duplicates,
                max_message_size=int(raw.get("max_message_size", DEFAULT_MAX_MESSAGE_SIZE)),
                message_budget=int(raw.get("message_budget", DEFAULT_MESSAGE_BUDGET)),
                spill_after=int(raw.get("spill_after", DEFAULT_SPILL_THRESHOLD)),
                spill_budget=int(raw.get("spill_budget", DEFAULT_SPILL_BUDGET)),
                spill_dir=base / Path(str(raw["spill_dir"])).expanduser() if raw.get("spill_dir") else None,
                fileset=bool(raw.get("fileset", False)),
            )
        )
    if not entities:
        raise ConfigError(f"{source}: no [[ae]] application entity")
    return Config(
        product=str(implementation.get("product", "dicom-typed")),
        version=str(implementation.get("version", "")),
        manufacturer=str(implementation.get("manufacturer", "")),
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
