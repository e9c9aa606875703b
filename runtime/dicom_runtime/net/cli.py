"""``dicom-net``: DICOM network tools for a person at a terminal, in the spirit of dcmtk's.

Subcommands: ``echo HOST PORT``, ``store HOST PORT PATH...`` (files or folders,
with a progress bar), ``find``/``move``/``get HOST PORT -k Keyword=value...``
and ``scp --port P --out DIR`` (storage, verification and query/retrieve over a
folder; it answers to any called AE title unless ``--aet`` names its own). Every
client subcommand takes ``--aet`` (our AE title), ``--aec`` (the peer's) and
``--tls`` (with ``--tls-cert``, ``--tls-key``, ``--tls-ca``). Exit status 0 on
success; otherwise 1 and one line on standard error saying why. ``python -m
dicom_runtime.net`` is the same command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true), without importing typing for --help

from .cli_args import ANY_SCP as ANY_SCP  # re-exported: the called AE title clients use by default
from .cli_args import Failed as Failed  # re-exported: what a subcommand raises to exit 1 with one line
from .cli_args import MODELS, build_parser

# Nothing of DICOM, asyncio, ssl or rich is imported before the arguments are parsed:
# ``dicom-net --help`` costs what argparse does. A subcommand imports what it uses.
if TYPE_CHECKING:
    import ssl

    from ..dataset import Dataset
    from .aio import Association, Proposal, Timeouts
    from .scp_start import Made
    from .server import Server
    from .storage import StorageFolder


def version() -> str:
    """The installed package's version (``0.3.0+ps3...``), the one every command reports."""
    from ..version import package_version

    return package_version()


def _imported() -> None:
    """Called by a client subcommand once its modules are imported: what the imports made
    (modules, classes, tables) is set aside from the cyclic garbage collector for the rest of
    the process (``gc.freeze``), and the youngest generation is collected every 10,000
    allocations rather than 700. A store of 500 files then spends about 15 % less CPU time
    (benchmarks/bench_startup.py); garbage is still collected."""
    import gc

    gc.freeze()
    gc.set_threshold(10_000, *gc.get_threshold()[1:])


def _client_tls(args: argparse.Namespace) -> ssl.SSLContext | None:
    if not args.tls:
        return None
    from .tls import client_context

    return client_context(args.tls_ca, certificate=args.tls_cert, key=args.tls_key, check_hostname=False)


def _timeouts(args: argparse.Namespace) -> Timeouts:
    from .aio import Timeouts

    return Timeouts(connect=args.timeout, acse=args.timeout, dimse=max(args.timeout, 60.0))


def _identifier(keys: Sequence[str], *, level: bool = True) -> Dataset:
    """The identifier of ``-k`` keys: ``Keyword=value`` or ``(gggg,eeee)=value``, a path through
    items (``ScheduledProcedureStepSequence[0].Modality=MR``, as findscu's ``-k``), a sequence
    alone an empty one (universal matching). ``level``: Query/Retrieve Level is required."""
    import re

    from ..dataset import Dataset
    from ..dictionary import lookup
    from ..errors import DicomError

    dataset = Dataset()
    for key in keys:
        path, _, value = key.partition("=")
        parts = [p.strip() for p in re.split(r"\.(?![0-9A-Fa-f]{4}\))", path)]
        target = dataset
        for number, part in enumerate(parts):
            match = re.fullmatch(r"(?P<name>\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\)|\w+)(?:\[(?P<item>\d+)\])?", part)
            if match is None:
                raise Failed(f"-k {key}: {part!r} is not a keyword, a (gggg,eeee) tag or Sequence[n]")
            name = match.group("name")
            try:
                entry = lookup(int(name[1:5] + name[6:10], 16) if name.startswith("(") else name)
            except DicomError:
                raise Failed(f"-k {key}: {name!r} is not a DICOM keyword or tag") from None
            last = number == len(parts) - 1
            vr = entry.vrs[0]
            if vr == "SQ":
                element = target.get(entry.tag)
                held = element.value if element is not None and isinstance(element.value, list) else None
                items: list[Dataset] = [i for i in held if isinstance(i, Dataset)] if held is not None else []
                target.add(entry.tag, "SQ", items)
                if match.group("item") is None:
                    if not last:
                        raise Failed(f"-k {key}: {name} is a sequence: give its item, {name}[0].Keyword")
                    if value:
                        raise Failed(f"-k {key}: a sequence has no value; give keys of its items")
                    continue
                index = int(match.group("item"))
                while len(items) <= index:
                    items.append(Dataset())
                item = items[index]
                assert isinstance(item, Dataset)
                if last:
                    raise Failed(f"-k {key}: {name}[{index}] is an item: give a key in it")
                target = item
                continue
            if not last or match.group("item") is not None:
                raise Failed(f"-k {key}: {name} is not a sequence")
            target.add(entry.tag, vr, value or None)
    if level and 0x00080052 not in dataset:
        raise Failed("the identifier needs -k QueryRetrieveLevel=PATIENT|STUDY|SERIES|IMAGE")
    if 0x00080005 not in dataset and not all(key.isascii() for key in keys):
        # a value outside the default repertoire (-k PatientName=Müller*) needs a Specific Character
        # Set (PS3.5 6.1.2.2), which the keys did not give: UTF-8, which holds any (PS3.4 C.4.1.1.3.2)
        dataset.add(0x00080005, "CS", "ISO_IR 192")
    return dataset


async def _echo(args: argparse.Namespace) -> int:
    from .messages import VERIFICATION

    async with await _associate(args, [VERIFICATION]) as association:
        status = await association.echo()
    print(f"C-ECHO {args.host}:{args.port} ({args.aec}): {status}")
    return 0 if status.is_success else 1


async def _associate(args: argparse.Namespace, contexts: Sequence[Proposal | str]) -> Association:
    from .aio import associate

    return await associate(
        args.host, args.port, called_ae=args.aec, calling_ae=args.aet, contexts=contexts,
        tls=_client_tls(args), timeouts=_timeouts(args),
    )


async def _store(args: argparse.Namespace) -> int:
    from .cli_store import store

    return await store(args)


async def _find(args: argparse.Namespace) -> int:
    from ..dump import dump_lines

    identifier = _identifier(args.key, level=args.model != "worklist")  # a worklist query has no level (PS3.4 K.6.1)
    uid = MODELS[args.model][0]
    async with await _associate(args, [uid]) as association:
        responses = association.find(identifier, sop_class=uid)
        count = 0
        async for match in responses:
            count += 1
            print(f"# match {count}")
            for line in dump_lines(match):
                print(line)
    status = responses.status
    print(f"C-FIND {args.host}:{args.port} ({args.aec}): {count} match{'es' if count != 1 else ''}, {status}")
    return 0 if status is not None and status.category in ("Success", "Warning") else 1


async def _retrieve(args: argparse.Namespace, move: bool) -> int:
    from pathlib import Path

    from .storage import StorageFolder

    identifier = _identifier(args.key)
    uid = MODELS[args.model][2 if not move else 1]
    if not uid:
        raise Failed(f"the {args.model} model has no {'C-MOVE' if move else 'C-GET'}")
    proposals: list[Proposal | str] = [uid]
    if not move:
        out = Path(args.out)  # made first: a folder that cannot be is said before any association
        if out.exists() and not out.is_dir():
            raise Failed(f"--out {args.out}: not a folder")
        if not out.exists() and not out.absolute().parent.exists():  # as scp --out: a typo is no new folder
            raise Failed(f"--out {args.out}: its parent folder {str(out.absolute().parent)!r} does not exist "
                         "(only the folder itself is made: make its parents first)")
        try:
            out.mkdir(exist_ok=True)
        except OSError as exc:
            raise Failed(f"--out {args.out}: cannot make the folder: {exc.strerror or exc}") from None
        classes = await _classes_held(args, args.key)
        proposals += _get_proposals(classes, tuple(args.accept_ts))
    async with await _associate(args, proposals) as association:
        if move:
            responses = association.move(identifier, args.dest, sop_class=uid)
        else:
            folder = StorageFolder(out, journal=False, index=False)
            responses = association.get(identifier, sop_class=uid, store=folder.store)
        async for step in responses:
            if args.verbose:
                print(f"pending: {step.remaining} remaining, {step.completed} completed, {step.failed} failed")
        final = getattr(responses, "final", None)
    name = "C-MOVE" if move else "C-GET"
    counts = ""
    if final is not None:
        present = [(n, label) for n, label in ((final.completed, "completed"), (final.failed, "failed"), (final.warning, "warning")) if n is not None]
        counts = ", ".join(f"{n} {label}" for n, label in present)
        if final.failed_instances:
            counts += f"; failed: {', '.join(final.failed_instances)}"
    print(f"{name} {args.host}:{args.port} ({args.aec}): {responses.status}" + (f"; {counts}" if counts else ""))
    status = responses.status
    return 0 if status is not None and status.is_success else 1


NATIVE_SYNTAXES = ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2")
COMMON_SYNTAXES = (
    "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51",
    "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81",
    "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.1.99",
)
"""Proposed first by a C-GET (JPEG 2000, JPEG, JPEG-LS, RLE, deflated), when not every syntax fits."""


async def _classes_held(args: argparse.Namespace, keys: Sequence[str]) -> list[str] | None:
    """The SOP classes of the instances a C-GET of ``keys`` would return, asked first with a
    hierarchical C-FIND (PS3.4 C.4.1.2.1): at the STUDY level for SOP Classes in Study
    (0008,0062) when the retrieval is of studies or a patient, else at the IMAGE level for SOP
    Class UID (a SERIES retrieval names its study and series). ``None`` when the SCP does not
    answer such a query (then every storage class is proposed)."""
    import logging

    from ..errors import DicomError

    find_uid = MODELS[args.model][0]
    level = next((k.partition("=")[2].strip() for k in keys if k.partition("=")[0].strip() == "QueryRetrieveLevel"), "")
    others = [k for k in keys if k.partition("=")[0].strip() != "QueryRetrieveLevel"]
    by_study = level in ("PATIENT", "STUDY")
    identifier = _identifier(others + [f"QueryRetrieveLevel={'STUDY' if by_study else 'IMAGE'}"])
    wanted = (0x00080062, 0x0020000D) if by_study else (0x00080016, 0x00080018)
    for tag in wanted:
        if tag not in identifier:
            identifier.add(tag, "UI", None)
    log = logging.getLogger("dicom-net")
    try:
        async with await _associate(args, [find_uid]) as association:
            responses = association.find(identifier, sop_class=find_uid)
            found: set[str] = set()
            async for match in responses:
                value = match.value(wanted[0])
                found.update(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str) and v)
    except (DicomError, OSError) as exc:
        log.info("C-FIND of the SOP classes to get: %s; every storage class is proposed", exc)
        return None
    if responses.status is None or not responses.status.is_success or not found:
        log.info("C-FIND of the SOP classes to get: %s; every storage class is proposed", responses.status)
        return None
    return sorted(found)


def _get_proposals(classes: Sequence[str] | None, accept: Sequence[str]) -> list[Proposal]:
    """The storage contexts a C-GET proposes (with the SCP role, for the sub-operations).

    Each transfer syntax to accept gets a context of its own per SOP class, so that the
    SCP can send each instance in its own syntax (an SCP picks one syntax per context):
    ``accept`` (``--accept-ts``, in preference order: the native ones in one context where
    the first of them is named, the others before or after it as named, so that an SCP
    sending every instance of a class on the first context it accepted for it, as dcmtk's
    dcmqrscp does, is given the one named first) or else both native syntaxes in
    one context and every other syntax the edition knows in one each. For ``classes``
    known (asked by C-FIND) that fits in an association; otherwise every storage class
    gets the native context, and the compressed ones as many as fit (127 contexts)."""
    import logging

    from .aio import Proposal
    from .presets import storage_sop_classes, storage_transfer_syntaxes

    if accept:
        native = tuple(t for t in accept if t in NATIVE_SYNTAXES)
        groups = list(dict.fromkeys(native if t in NATIVE_SYNTAXES else (t,) for t in accept))
    else:
        common = [t for t in COMMON_SYNTAXES if t in storage_transfer_syntaxes()]
        others = common + [t for t in storage_transfer_syntaxes() if t not in NATIVE_SYNTAXES and t not in common and t != "1.2.840.10008.1.2.2"]
        groups = [NATIVE_SYNTAXES, *((t,) for t in others)]
    if classes is not None:
        wanted = list(classes)
    else:  # the classes PS3.6 names "... Storage" (the long-standing ones) first, if not all fit
        named = set(storage_sop_classes(ps6_names_only=True))
        wanted = sorted(storage_sop_classes(), key=lambda c: c not in named)
    proposals = [Proposal(c, group, scu_role=False, scp_role=True) for group in groups for c in wanted]
    if len(proposals) > 127:  # the commonest syntaxes come first; name others with --accept-ts
        left = {p.transfer_syntaxes[0] for p in proposals[127:]} - {p.transfer_syntaxes[0] for p in proposals[:127]}
        unproposed = {p.abstract_syntax for p in proposals[127:]} - {p.abstract_syntax for p in proposals[:127]}
        logging.getLogger("dicom-net").info(
            "C-GET: %d presentation contexts needed, 127 proposed; not proposed at all: %s; SOP classes not proposed: %d",
            len(proposals), ", ".join(sorted(left)) or "none", len(unproposed),
        )
        proposals = proposals[:127]
    return proposals


#: The ``scp`` options that apply beside ``--config`` (the others are the configuration's).
_CONFIG_OVERRIDES = frozenset({"command", "config", "ae", "host", "port", "out", "journal", "verbose"})


def _configured(args: argparse.Namespace, made: Made) -> tuple[Server, StorageFolder | None, str, int]:
    """The SCP of ``--config`` (its AE ``--ae``, else the first), as it is configured."""
    import dataclasses
    from pathlib import Path

    from .config import load as load_config
    from .scp_start import watch_entity

    defaults = vars(build_parser().parse_args(["scp"]))
    given = sorted(
        "--" + key.replace("_", "-")
        for key, value in vars(args).items()
        if key not in _CONFIG_OVERRIDES and key in defaults and value != defaults[key]
    )
    if given:
        raise Failed(
            f"with --config, {', '.join(given)} {'is' if len(given) == 1 else 'are'} set in the configuration file "
            f"({args.config}), not on the command line; only --ae, --host, --port, --out and --journal apply"
        )
    config = load_config(args.config)
    entity = config.entity(args.ae) if args.ae else config.entities[0]
    where = f"{args.config}: ae[{config.entities.index(entity)}]"
    if args.out is not None or args.journal is not None:
        entity = dataclasses.replace(
            entity, storage=Path(args.out) if args.out is not None else entity.storage,
            journal=Path(args.journal) if args.journal is not None else None if args.out is not None else entity.journal,
        )
    watch_entity(made, entity, where, args)
    with made.opening():
        server, folder = entity.server()
    made.folder = folder
    return server, folder, args.host or entity.host, args.port or entity.port


def _server(args: argparse.Namespace, made: Made) -> tuple[Server, StorageFolder]:
    import logging

    from .aio import Handlers, Timeouts
    from .server import Server
    from .association import AcceptorPolicy, AccessRule
    from .presets import archive_contexts
    from pathlib import Path

    from .scp_start import watch_options
    from .spill import Budget, Spill
    from .storage import StorageFolder
    from .tls import server_context

    contexts = archive_contexts()
    destinations: dict[str, tuple[str, int]] = {}
    for item in args.dest:
        ae, _, where = item.partition("=")
        host, _, port = where.rpartition(":")
        if not ae or not host or not port.isdigit():
            raise Failed(f"--dest {item}: expected AE=host:port")
        destinations[ae] = (host, int(port))
    # Like storescp: any called AE title is answered, unless --aet names ours (then only it,
    # unless the older --any-called-ae says otherwise).
    policy = AcceptorPolicy(
        args.aet or "DICOM-NET",
        contexts,
        check_called_ae=args.aet is not None and not args.any_called_ae,
        access=tuple(AccessRule(ae) for ae in args.allow),
        max_pdu_length=args.max_pdu,
    )
    tls = None
    if args.tls:
        if not args.tls_cert or not args.tls_key:
            raise Failed("--tls needs --tls-cert and --tls-key for an SCP")
        tls = server_context(args.tls_cert, args.tls_key, client_ca=args.tls_ca, require_client_certificate=bool(args.tls_ca))
    watch_options(made, args)
    with made.opening():
        folder = StorageFolder(args.out, durable=not args.no_fsync, duplicates=args.duplicates, journal_dir=args.journal)
    made.folder = folder
    handlers: Handlers = folder.handlers()
    server = Server(
        policy, handlers, tls=tls, max_associations=args.max_associations, destinations=destinations,
        timeouts=Timeouts(acse=args.timeout, dimse=max(args.timeout, 60.0), network=args.idle_timeout, artim=args.artim_timeout),
        max_message_size=args.max_message_size, message_budget=args.message_budget,
        spill=Spill(args.spill_after, Path(args.spill_dir) if args.spill_dir else folder.spill_directory, Budget(args.spill_budget))
        if args.spill_budget > 0 else False,
    )
    if folder.recovered:
        logging.getLogger("dicom-net").info("%d instances written again from the journal", folder.recovered)
    return server, folder


async def _scp(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from .scp_start import Made

    folder: StorageFolder | None
    made = Made()  # what a failed start made is removed again
    try:
        if args.config:
            server, folder, host, port = _configured(args, made)
        else:
            if args.port is None or args.out is None:
                raise Failed("scp needs --port and --out, or --config")
            server, folder = _server(args, made)
            host, port = args.host or "0.0.0.0", args.port
        with made.opening():
            port = await server.start(host, port)
    except BaseException:
        made.undo()
        raise
    where = f", storing into {folder.root}" if folder is not None else ""
    title = server.policy.ae_title if server.policy.check_called_ae else f"{server.policy.ae_title} (any called AE title)"
    print(f"dicom-net scp {title} listening on {host}:{port}{where}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.close()
    if folder is not None:
        folder.close()
    return 0


async def _conformance(args: argparse.Namespace) -> int:
    import dataclasses
    import tempfile
    from pathlib import Path

    from .config import load as load_config
    from .conformance import probe, probe_retrieval, statement
    from .conformance_probe import retrieval_classes
    from .tls import client_context

    config = load_config(args.config)
    document = statement(config)
    text = document.to_html() if args.format == "html" else document.to_markdown()

    def output() -> int:  # the statement is written only when the probe (if asked) found it true
        if args.output:
            try:
                Path(args.output).write_text(text, encoding="utf-8")
            except OSError as exc:  # PATH: reason, as the other commands name a file
                raise Failed(f"{args.output}: cannot write ({exc.strerror or exc})") from None
        else:
            sys.stdout.write(text)
        return 0

    if not args.probe:
        return output()
    contradictions = 0
    for entity in config.entities:
        with tempfile.TemporaryDirectory() as scratch:
            # The probe only negotiates: the configured SCP runs on a scratch folder, not on its archive.
            probed = dataclasses.replace(entity, storage=Path(scratch) if entity.storage is not None else None)
            server, folder = probed.server()
            port = await server.start("127.0.0.1", 0)
            try:
                tls = client_context(args.tls_ca, certificate=args.tls_cert, key=args.tls_key) if entity.tls else None
                results = await probe(entity, "127.0.0.1", port, tls=tls)
            finally:
                await server.close()
                if folder is not None:
                    folder.close()
        bad = [r for r in results if r.contradicts]
        contradictions += len(bad)
        print(f"probe {entity.title}: {len(results)} presentation contexts asked, {len(bad)} contradict the statement", file=sys.stderr)
        for result in bad:
            print(f"  {result}", file=sys.stderr)
        if entity.storage is not None:
            with tempfile.TemporaryDirectory() as scratch:
                checks = await probe_retrieval(entity, scratch)  # the SCU side: C-MOVE and C-GET sub-operations
            wrong = [c for c in checks if c.contradicts]
            contradictions += len(wrong)
            if checks:
                sampled, sends = retrieval_classes(entity)
                part = "" if len(sampled) == sends else (
                    f" for {len(sampled)} of the {sends} SOP classes it sends (the first; the others are not probed as an SCU: "
                    "an association holds at most 128 presentation contexts)")
                print(f"probe {entity.title} as an SCU: {len(checks)} claims on C-MOVE/C-GET sub-operations checked{part}, "
                      f"{len(wrong)} contradicted", file=sys.stderr)
            elif entity.tls is not None:
                print(f"probe {entity.title} as an SCU: not checked (TLS)", file=sys.stderr)
            for check in wrong:
                print(f"  {check}", file=sys.stderr)
    if contradictions:
        raise Failed(f"the SCP contradicts {contradictions} claim(s) of the statement" + (f"; {args.output} not written" if args.output else ""))
    return output()


async def _index(args: argparse.Namespace) -> int:
    """``dicom-net index rebuild FOLDER``: the query index built again from the files."""
    from pathlib import Path

    from .index import rebuild

    folder = Path(args.folder)
    if not folder.is_dir():
        raise Failed(f"{folder} is not a folder")
    print(f"{folder}: query index rebuilt from {rebuild(folder)} files")
    return 0


def _stdout_gone() -> bool:
    """Whether standard output's reader has closed it (a pipe with no reader polls as an error)."""
    import select

    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return True
    except (OSError, ValueError):
        pass
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Only now, with a subcommand to run, the modules it needs are imported.
    import asyncio
    import logging
    import os
    import ssl

    from ..errors import DicomError

    logging.basicConfig(
        level=logging.INFO if args.verbose or args.command == "scp" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s" if args.command == "scp" else "dicom-net: %(message)s",
        stream=sys.stderr,
    )
    if args.command not in ("scp",) and not args.verbose:
        logging.getLogger("dicom_runtime.net").setLevel(logging.ERROR)  # the one-line reason says it
    runners = {
        "echo": _echo,
        "store": _store,
        "find": _find,
        "move": lambda a: _retrieve(a, True),
        "get": lambda a: _retrieve(a, False),
        "scp": _scp,
        "conformance": _conformance,
        "index": _index,
    }
    try:
        status: int = asyncio.run(runners[args.command](args))
        sys.stdout.flush()  # within the try: a closed pipe may show only now
        return status
    except BrokenPipeError as exc:
        if args.command == "scp" or not _stdout_gone():  # a peer's socket; or a server whose output is lost
            print(f"dicom-net {args.command}: {exc}", file=sys.stderr)
            return 1
        # the reader stopped (``| head``), as dicom-dump ends: no message, standard output goes
        # nowhere from now on (so that the interpreter's last flush fails no more), exit status 0
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (Failed, DicomError, OSError, ValueError, ssl.SSLError, KeyError) as exc:
        print(f"dicom-net {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
