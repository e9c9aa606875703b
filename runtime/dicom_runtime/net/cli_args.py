"""The arguments of ``dicom-net`` (:mod:`.cli`): the parser alone, importing nothing of DICOM,
asyncio, ssl or rich, so that ``--help`` costs what argparse does."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..cli_parsing import HelpFormatter, LazyParser
from ..version import version_action

#: The defaults ``--help`` shows, the same values as :data:`.dimse.DEFAULT_MAX_MESSAGE_SIZE`,
#: :data:`.aio.DEFAULT_MESSAGE_BUDGET`, :data:`.spill.DEFAULT_SPILL_THRESHOLD`,
#: :data:`.spill.DEFAULT_SPILL_BUDGET`, :data:`.storage.DUPLICATE_POLICIES` and
#: :data:`.storage.JOURNAL_SUBFOLDER` (tests/runtime/net/test_startup.py holds them equal),
#: written here so that the help does not import the networking modules.
DEFAULT_MAX_MESSAGE_SIZE = 512 * 1024 * 1024
DEFAULT_MESSAGE_BUDGET = 32 * 1024 * 1024
DEFAULT_SPILL_THRESHOLD = 4 * 1024 * 1024
DEFAULT_SPILL_BUDGET = 4 * 1024 * 1024 * 1024
DUPLICATE_POLICIES = ("keep", "replace", "reject")
JOURNAL_SUBFOLDER = ".dicom-net"
#: The range of ``--max-pdu``, :data:`.config.MIN_PDU` and :data:`.config.MAX_PDU` (the same test holds them equal).
MIN_PDU = 4096
MAX_PDU = 64 * 1024 * 1024


class Failed(Exception):
    """A one-line reason for a subcommand to exit with status 1 (here, not in :mod:`.cli`, so
    that the subcommands' modules raise the class :func:`.cli.main` catches even where ``cli``
    runs as ``__main__``)."""


def _bounded(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer from ``low`` to ``high``, or a clear error saying the range."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{value} is out of range (must be {bound})")
        return value

    parse.__name__ = "integer"  # argparse names the type in its own messages
    return parse


def _seconds(text: str) -> float:
    """An argparse type: a finite number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is out of range (must be more than 0 seconds, finite)")
    return value


def _ae_title(text: str) -> str:
    """An argparse type: an AE title (PS3.5 6.2: 1 to 16 characters of the default repertoire, not
    only spaces, no backslash or control characters: :func:`.association.valid_ae_title`, imported
    when an AE title is parsed, not for ``--help``)."""
    from .association import valid_ae_title

    if not valid_ae_title(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an AE title (1 to 16 characters of the default repertoire, "
            "not only spaces, no backslash or control characters: PS3.5 6.2)"
        )
    return text


_ae_title.__name__ = "AE title"  # argparse names the type in its own messages

_PORT = _bounded(0, 65535)
_PEER_PORT = _bounded(1, 65535)
_SIZE = _bounded(0)

MODELS = {
    "patient": ("1.2.840.10008.5.1.4.1.2.1.1", "1.2.840.10008.5.1.4.1.2.1.2", "1.2.840.10008.5.1.4.1.2.1.3"),
    "study": ("1.2.840.10008.5.1.4.1.2.2.1", "1.2.840.10008.5.1.4.1.2.2.2", "1.2.840.10008.5.1.4.1.2.2.3"),
    "worklist": ("1.2.840.10008.5.1.4.31", "", ""),
}


ANY_SCP = "ANY-SCP"
"""The called AE title clients use by default; ``dicom-net scp`` without ``--aet`` accepts it (and any other)."""


class _Defaults(HelpFormatter):
    """Help with each option's default, where it has one (and the help does not say it already)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default in (None, False, [], argparse.SUPPRESS) or "default" in text or action.option_strings == []:
            return text
        return f"{text} (default: %(default)s)"


def _common(parser: argparse.ArgumentParser, *, peer: bool = True) -> None:
    if peer:
        parser.add_argument("host", help="the peer's host name or address")
        parser.add_argument("port", type=_PEER_PORT, help="the peer's TCP port")
        parser.add_argument("--aet", type=_ae_title, default="DICOM-NET", help="our AE title (the calling AE)")
        parser.add_argument("--aec", type=_ae_title, default=ANY_SCP, help="the peer's AE title (the called AE)")
    parser.add_argument("--tls", action="store_true", help="use TLS (BCP 195 profile)")
    parser.add_argument("--tls-cert", help="our certificate (PEM)")
    parser.add_argument("--tls-key", help="our private key (PEM)")
    parser.add_argument("--tls-ca", help="certificates to trust (PEM); SCP: verify client certificates")
    parser.add_argument("--timeout", type=_seconds, default=30.0, help="connect, ACSE and DIMSE timeout, seconds")
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail (log at info level)")


def _query(parser: argparse.ArgumentParser, models: tuple[str, ...] = tuple(sorted(MODELS))) -> None:
    parser.add_argument(
        "-k", "--key", action="append", default=[],
        help="Keyword=value (value may be empty); a (gggg,eeee) tag for the keyword; "
        "Sequence[0].Keyword=value for a key in an item (a sequence alone: an empty one)",
    )
    parser.add_argument(
        "--model", choices=models, default="study",
        help="the information model: patient or study root Q/R" + (", or the modality worklist (no Query/Retrieve Level)" if "worklist" in models else ""),
    )


def _echo(echo: argparse.ArgumentParser) -> None:
    _common(echo)


def _store(store: argparse.ArgumentParser) -> None:
    _common(store)
    store.add_argument("paths", nargs="+", help="DICOM files, or folders searched for them (files without File Meta Information too)")


def _find(find: argparse.ArgumentParser) -> None:
    _common(find)
    _query(find)


def _move(move: argparse.ArgumentParser) -> None:
    _common(move)
    _query(move, ("patient", "study"))
    move.add_argument("--dest", type=_ae_title, required=True, help="the move destination's AE title")


def _get(get: argparse.ArgumentParser) -> None:
    _common(get)
    _query(get, ("patient", "study"))
    get.add_argument("--out", default=".", help="folder for the received instances")
    get.add_argument(
        "--accept-ts", action="append", default=[], metavar="UID",
        help="transfer syntax to accept for the C-STORE sub-operations, in preference order (repeatable); "
        "default: every syntax the SCP proposes",
    )


def _scp(scp: argparse.ArgumentParser) -> None:
    _common(scp, peer=False)
    scp.add_argument(
        "--aet", type=_ae_title, default=None,
        help="our AE title; given, associations calling another AE title are rejected "
        "(default: any called AE title is accepted, and DICOM-NET is ours as a C-MOVE SCU)",
    )
    scp.add_argument("--config", help="run the AE of this configuration (TOML); see dicom_runtime.net.config")
    scp.add_argument("--ae", help="with --config: which AE (default: the first)")
    scp.add_argument("--host", default=None, help="listening address (default: 0.0.0.0, or the configuration's)")
    scp.add_argument("--port", type=_PORT, help="listening TCP port (needed without --config)")
    scp.add_argument(
        "--out",
        help="folder for received instances (also queried); made if missing, but not its parents: a missing parent is refused",
    )
    scp.add_argument(
        "--journal", default=None, metavar="DIR",
        help=f"folder of the write-ahead journal, on the file system of --out (default: OUT/{JOURNAL_SUBFOLDER})",
    )
    scp.add_argument("--dest", action="append", default=[], help="C-MOVE destination AE=host:port (repeatable)")
    scp.add_argument("--allow", action="append", default=[], help="calling AE title allowed (repeatable; default: any)")
    scp.add_argument("--any-called-ae", action="store_true", help=argparse.SUPPRESS)  # the default now; kept for old scripts
    scp.add_argument(
        "--max-associations", type=_bounded(1), default=64,
        help="associations served at once, at least 1; more are rejected (transient) (TOML: max_associations)",
    )
    scp.add_argument(
        "--no-fsync", action="store_true",
        help="answer C-STORE Success without fsync (faster; an acknowledged instance can be lost on power failure)",
    )
    scp.add_argument(
        "--max-pdu", type=_bounded(MIN_PDU, MAX_PDU), default=256 * 1024,
        help=f"largest PDU we receive, bytes, {MIN_PDU} to {MAX_PDU} (TOML: max_pdu)",
    )
    scp.add_argument(
        "--max-message-size", type=_bounded(1), default=DEFAULT_MAX_MESSAGE_SIZE,
        help="largest data set (instance) received, bytes; a longer one is aborted (TOML: max_message_size)",
    )
    scp.add_argument(
        "--message-budget", type=_SIZE, default=DEFAULT_MESSAGE_BUDGET,
        help="bytes all associations' unfinished messages may hold together in memory; beyond it, a data set goes on in a temporary file "
        "(TOML: message_budget)",
    )
    scp.add_argument(
        "--spill-after", type=_SIZE, default=DEFAULT_SPILL_THRESHOLD, metavar="BYTES",
        help="an unfinished data set beyond this goes on in a temporary file (unlinked: nothing is left behind) (TOML: spill_after)",
    )
    scp.add_argument(
        "--spill-budget", type=_SIZE, default=DEFAULT_SPILL_BUDGET, metavar="BYTES",
        help="bytes all spilled data sets may take on disk together; beyond it, the association is aborted (0: nothing is spilled) "
        "(TOML: spill_budget)",
    )
    scp.add_argument(
        "--spill-dir", default=None, metavar="DIR",
        help=f"folder of the temporary files (default: OUT/{JOURNAL_SUBFOLDER}, on the archive's file system) (TOML: spill_dir)",
    )
    scp.add_argument(
        "--duplicates", choices=DUPLICATE_POLICIES, default="keep",
        help="a SOP Instance UID stored again with other content: keep the stored one (Success), replace it, or reject it (failure C111)",
    )
    scp.add_argument(
        "--idle-timeout", type=_seconds, default=300.0, help="abort an association idle this long (no PDU with data), or whose PDU or DIMSE message being received began longer ago, seconds (TOML: [ae.timeouts] network)"
    )
    scp.add_argument("--artim-timeout", type=_seconds, default=30.0, help="ARTIM timer (PS3.8 9.1.5), seconds (TOML: [ae.timeouts] artim)")


def _index(index: argparse.ArgumentParser) -> None:
    index.add_argument("action", choices=("rebuild",), help="rebuild: build it again from the folder's files (with the SCP stopped)")
    index.add_argument("folder", help="the SCP's storage folder (its --out)")
    index.add_argument("-v", "--verbose", action="store_true", help="more detail (log at info level)")


def _conformance(conformance: argparse.ArgumentParser) -> None:
    conformance.add_argument("config", help="the configuration (TOML) the SCP runs from")
    conformance.add_argument("--format", choices=("markdown", "html"), default="markdown", help="output format")
    conformance.add_argument("--output", "-o", help="file to write (default: standard output)")
    conformance.add_argument("--probe", action="store_true", help="start the configured SCP and check every claim against it")
    conformance.add_argument("--tls-cert", help="client certificate for probing a TLS AE")
    conformance.add_argument("--tls-key", help="the private key of --tls-cert (PEM)")
    conformance.add_argument("--tls-ca", help="certificates to trust when probing a TLS AE")
    conformance.add_argument("-v", "--verbose", action="store_true", help="more detail (log at info level)")


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``dicom-net`` and its subcommands, each subcommand's arguments added when
    it is parsed or its help is asked for (:class:`.LazyParser`: ``--help`` lists them only)."""
    parser = argparse.ArgumentParser(
        prog="dicom-net",
        description="DICOM network tools (PS3.7, PS3.8).",
        epilog="Exit status: 0 success, 1 failure (one line on standard error saying why), "
        "2 a usage error (the usage, then one line naming the option and the reason).",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action=version_action("dicom-net"))
    sub = parser.add_subparsers(dest="command", required=True, parser_class=LazyParser)
    subcommands = (
        ("echo", "C-ECHO", _echo),
        ("store", "C-STORE files or folders", _store),
        ("find", "C-FIND", _find),
        ("move", "C-MOVE", _move),
        ("get", "C-GET into a folder", _get),
        ("scp", "storage, verification and query/retrieve SCP over a folder", _scp),
        ("index", "the query index of an SCP's folder", _index),
        ("conformance", "the DICOM Conformance Statement (PS3.2) of a configuration", _conformance),
    )
    for name, help, fill in subcommands:
        sub.add_parser(name, help=help, formatter_class=_Defaults).defer(fill)
    return parser
