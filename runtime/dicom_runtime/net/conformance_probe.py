"""The probe of a Conformance Statement's claims (:mod:`.conformance`) against a running
SCP: :func:`probe` asks it for associations with every SOP class and transfer syntax the
statement claims, and some it does not; :func:`probe_retrieval` runs the AE and checks
what it does as an SCU of C-MOVE and C-GET sub-operations. Each answer that contradicts
the statement is a result whose ``contradicts`` is true."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..dictionary import all_uids
from ..errors import DicomError
from .association import AssociationError, ContextsRejected
from .pdu import AssociateAC
from .config import ApplicationEntity
from .presets import storage_sop_classes


def _name(uid: str) -> str:
    entry = all_uids().get(uid)
    return entry.name if entry is not None else uid


# The probe ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeResult:
    sop_class: str
    transfer_syntax: str
    claimed: bool
    accepted: bool
    result: int  # PS3.8 Table 9-18

    @property
    def contradicts(self) -> bool:
        return self.claimed != self.accepted

    def __str__(self) -> str:
        claim = "claimed" if self.claimed else "not claimed"
        answer = "accepted" if self.accepted else f"rejected ({self.result})"
        return f"{_name(self.sop_class)} with {_name(self.transfer_syntax)}: {claim}, {answer}"


def probe_cases(entity: ApplicationEntity, *, unclaimed: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str, bool]]:
    """(SOP class, transfer syntax, claimed) to ask for: every claimed pair; unclaimed SOP
    classes (a few storage classes, a made-up UID) and transfer syntaxes; and ``unclaimed``."""
    cases = [(u, t, True) for u in entity.sop_classes for t in entity.transfer_syntaxes]
    others = [u for u in storage_sop_classes() if u not in entity.sop_classes][:5] + ["1.2.826.0.1.3680043.10.99.1"]
    first = entity.sop_classes[0]
    syntaxes = [t for t in ("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2", "1.2.840.10008.1.2.1")
                if t not in entity.transfer_syntaxes]
    cases += [(u, entity.transfer_syntaxes[0], False) for u in others]
    cases += [(first, t, False) for t in syntaxes]
    cases += [(u, t, False) for u, t in unclaimed]
    return cases


async def probe(
    entity: ApplicationEntity,
    host: str,
    port: int,
    *,
    unclaimed: Sequence[tuple[str, str]] = (),
    tls: ssl.SSLContext | None = None,
) -> list[ProbeResult]:
    """Ask the SCP at host:port for each case of :func:`probe_cases`, one presentation
    context per case, in associations of at most ``max_contexts`` contexts."""
    from .aio import Proposal, associate

    cases = probe_cases(entity, unclaimed=unclaimed)
    results: list[ProbeResult] = []
    size = min(entity.max_contexts, 128)
    for start in range(0, len(cases), size):
        batch = cases[start : start + size]
        accepted: AssociateAC | None
        try:
            association = await associate(
                host, port, called_ae=entity.title, calling_ae=(entity.allow[0] if entity.allow else "PROBE"),
                contexts=[Proposal(u, (t,)) for u, t, _ in batch], tls=tls, server_hostname=host if tls else None,
            )
        except ContextsRejected as exc:
            accepted = exc.accept  # every context rejected, each with its result (released already)
        except AssociationError as exc:
            if "rejected" not in str(exc):
                raise
            results.extend(ProbeResult(u, t, claimed, False, -1) for u, t, claimed in batch)  # the whole association refused
            continue
        else:
            accepted = association.accepted
            await association.release()
        if accepted is None:
            raise DicomError(f"{host}:{port}: no A-ASSOCIATE-AC")
        by_id = {c.context_id: c for c in accepted.contexts}
        for index, (uid, syntax, claimed) in enumerate(batch):
            answer = by_id.get(2 * index + 1)
            ok = answer is not None and answer.result == 0 and answer.transfer_syntax == syntax
            results.append(ProbeResult(uid, syntax, claimed, ok, answer.result if answer is not None else -1))
    return results


# The probe of the SCU side: C-MOVE and C-GET sub-operations --------------------------


@dataclass(frozen=True)
class RetrievalCheck:
    """One claim about what the AE does as an SCU of C-STORE sub-operations, checked."""

    service: str  # "C-MOVE" or "C-GET"
    destination: str  # what the receiving side accepts
    claim: str
    holds: bool
    detail: str = ""

    @property
    def contradicts(self) -> bool:
        return not self.holds

    def __str__(self) -> str:
        verdict = "holds" if self.holds else f"contradicted: {self.detail}"
        return f"{self.service}, receiver accepting {self.destination}: {self.claim}: {verdict}"


_EXPLICIT, _IMPLICIT, _DEFLATED = "1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.1.99"


def retrieval_classes(entity: ApplicationEntity) -> tuple[tuple[str, ...], int]:
    """The SOP classes :func:`probe_retrieval` samples, and how many the AE sends: the first
    ones, as many as its C-MOVE sub-association and our C-GET association can propose a
    context for with each syntax sampled (at most 128 presentation contexts, PS3.8 9.3.2.2:
    per class, one per native or deflated syntax sampled and one with the native ones)."""
    from .conformance import _scu_classes  # the statement's (imported when run: no cycle)

    sends = _scu_classes(entity)
    sampled = max(1, sum(t in entity.transfer_syntaxes for t in (_EXPLICIT, _IMPLICIT, _DEFLATED)))
    return sends[: 126 // (sampled + 1)], len(sends)


def _samples(entity: ApplicationEntity) -> list[Any]:
    """One made-up instance per SOP class sampled (:func:`retrieval_classes`), and per native
    or deflated transfer syntax the AE accepts (so each is held in that syntax), all in one study."""
    import uuid

    from ..dataset import Dataset
    from .instances import Instance

    found: list[Instance] = []
    for sop_class in retrieval_classes(entity)[0]:
        for syntax in (t for t in (_EXPLICIT, _IMPLICIT, _DEFLATED) if t in entity.transfer_syntaxes):
            data = Dataset()
            data.add(0x00080016, "UI", sop_class)
            data.add(0x00080018, "UI", f"2.25.{uuid.uuid4().int}")
            data.add(0x00080060, "CS", "OT")
            data.add(0x00100010, "PN", "PROBE^CONFORMANCE")
            data.add(0x00100020, "LO", "PROBE-16")
            data.add(0x0020000D, "UI", _PROBE_STUDY)
            data.add(0x0020000E, "UI", _PROBE_STUDY + ".1")
            found.append(Instance.from_dataset(data, syntax))
    return found


_PROBE_STUDY = "2.25.160016001600160016"


async def probe_retrieval(entity: ApplicationEntity, storage: Any) -> list[RetrievalCheck]:
    """Run the AE (its configuration, storing into the scratch folder ``storage``) and check
    what it does as an SCU: C-MOVE to a receiver accepting every transfer syntax and to one
    accepting Implicit VR Little Endian only, and C-GET proposing every syntax and only that
    one. Checked: the contexts its sub-associations propose (the statement's "Proposed
    Presentation Contexts"), that every instance arrives, and byte for byte in its own
    syntax where the receiver accepts it, else transcoded with the same data set; for the
    SOP classes of :func:`retrieval_classes` (all, unless more than fit in an association)."""
    import dataclasses as dc
    from pathlib import Path

    from .aio import Handlers, Proposal, associate
    from .server import Server
    from .association import AcceptorPolicy
    from .instances import Instance
    from .presets import storage_transfer_syntaxes

    from .conformance import _scu_classes

    sends = _scu_classes(entity)
    sampled = retrieval_classes(entity)[0]
    if not sends or entity.tls is not None:
        return []
    samples = _samples(entity)
    if not samples:
        return []
    every = storage_transfer_syntaxes()
    receivers: dict[str, tuple[tuple[str, ...], Server, list[tuple[Any, Instance]]]] = {}
    for title, syntaxes in (("PROBE-ALL", every), ("PROBE-IMPLICIT", (_IMPLICIT,))):
        received: list[tuple[Any, Instance]] = []

        async def record(request: Any, into: list[tuple[Any, Instance]] = received) -> int:
            into.append((request.association.request, request.instance))
            return 0

        policy = AcceptorPolicy(title, {u: syntaxes for u in storage_sop_classes()}, check_called_ae=False)
        receivers[title] = (syntaxes, Server(policy, Handlers(store=record)), received)
    ports = {title: await server.start("127.0.0.1", 0) for title, (_, server, _) in receivers.items()}
    probed = dc.replace(entity, storage=Path(storage), move_destinations={t: ("127.0.0.1", p) for t, p in ports.items()}, allow=())
    server, folder = probed.server()
    port = await server.start("127.0.0.1", 0)
    checks: list[RetrievalCheck] = []
    by_uid = {s.sop_instance: s for s in samples}
    try:
        async with await associate("127.0.0.1", port, called_ae=entity.title, calling_ae="PROBE",
                                   contexts=[Proposal(s.sop_class, (s.transfer_syntax,)) for s in samples]) as scu:
            for sample in samples:
                status = await scu.store(sample)
                if not status.is_success:
                    raise DicomError(f"probe: {entity.title} did not store a {_name(sample.sop_class)} in {_name(sample.transfer_syntax)}: {status}")
        study_root = [u for u in entity.sop_classes if u in ("1.2.840.10008.5.1.4.1.2.2.2", "1.2.840.10008.5.1.4.1.2.2.3")]
        patient_root = [u for u in entity.sop_classes if u in ("1.2.840.10008.5.1.4.1.2.1.2", "1.2.840.10008.5.1.4.1.2.1.3")]

        def identifier(level_root: str) -> Any:
            from ..dataset import Dataset

            data = Dataset()
            if level_root == "study":
                data.add(0x00080052, "CS", "STUDY")
                data.add(0x0020000D, "UI", _PROBE_STUDY)
            else:
                data.add(0x00080052, "CS", "PATIENT")
                data.add(0x00100020, "LO", "PROBE-16")
            return data

        def verdicts(service: str, title: str, syntaxes: tuple[str, ...], got: list[Instance], status: Any, accepts: str = "") -> None:
            accepts = accepts or ("every transfer syntax" if len(syntaxes) > 1 else "Implicit VR Little Endian only")
            arrived = {i.sop_instance for i in got}
            missing = sorted(set(by_uid) - arrived)
            checks.append(RetrievalCheck(service, accepts, f"all {len(samples)} matching instances are sent (status {status})",
                                         not missing and status is not None and status.is_success, f"not received: {', '.join(missing)}"))
            wrong: list[str] = []
            for instance in got:
                original = by_uid.get(instance.sop_instance)
                if original is None:
                    wrong.append(f"{instance.sop_instance} was never stored")
                elif original.transfer_syntax in syntaxes:
                    if instance.transfer_syntax != original.transfer_syntax or instance.data.rstrip(b"\0") != original.data.rstrip(b"\0"):
                        wrong.append(f"{_name(original.transfer_syntax)} instance arrived in {_name(instance.transfer_syntax)}, "
                                     f"{'the same' if instance.data == original.data else 'other'} bytes")
                elif instance.transfer_syntax not in syntaxes or instance.dataset() != original.dataset():
                    wrong.append(f"{_name(original.transfer_syntax)} instance arrived in {_name(instance.transfer_syntax)}, data set "
                                 f"{'the same' if instance.dataset() == original.dataset() else 'changed'}")
            checks.append(RetrievalCheck(
                service, accepts, "instances are sent byte for byte in their own transfer syntax where the receiver accepts it, "
                "else transcoded to a native one with the same data set", not wrong, "; ".join(wrong),
            ))

        for root, models in (("study", study_root), ("patient", patient_root)):
            move = next((u for u in models if u.endswith(".2")), None)
            if move is None:
                continue
            for title, (syntaxes, _, received) in receivers.items():
                received.clear()
                async with await associate("127.0.0.1", port, called_ae=entity.title, calling_ae="PROBE", contexts=[move]) as scu:
                    responses = scu.move(identifier(root), title, sop_class=move)
                    async for _ in responses:
                        pass
                proposed = [c for rq, _ in received[:1] for c in rq.contexts]
                own = {s.transfer_syntax for s in samples}
                stray = [f"{_name(c.abstract_syntax)} with {', '.join(_name(t) for t in c.transfer_syntaxes)}" for c in proposed
                         if c.abstract_syntax not in sends or not set(c.transfer_syntaxes) <= own | {_EXPLICIT, _IMPLICIT}]
                uncovered = sorted({_name(s.transfer_syntax) for s in samples
                                    if not any(c.abstract_syntax == s.sop_class and s.transfer_syntax in c.transfer_syntaxes for c in proposed)})
                checks.append(RetrievalCheck(
                    "C-MOVE", "every transfer syntax" if len(syntaxes) > 1 else "Implicit VR Little Endian only",
                    "the sub-association proposes the SOP classes stated, each with the instance's own syntax, Explicit and Implicit VR Little Endian",
                    bool(proposed) and not stray and not uncovered,
                    "; ".join(([f"proposed beyond the statement: {'; '.join(stray)}"] if stray else [])
                              + ([f"no context proposed for {', '.join(uncovered)}"] if uncovered else [])
                              + ([] if proposed else ["no sub-association was opened"])),
                ))
                verdicts("C-MOVE", title, syntaxes, [i for _, i in received], responses.status)
            break
        for root, models in (("study", study_root), ("patient", patient_root)):
            get = next((u for u in models if u.endswith(".3")), None)
            if get is None:
                continue
            # the AE's compressed syntaxes first, then the native ones, in one context per class
            preferring = tuple(t for t in entity.transfer_syntaxes if t not in (_EXPLICIT, _IMPLICIT, _DEFLATED)) + (_EXPLICIT, _IMPLICIT)
            for syntaxes, single in ((every, False), ((_IMPLICIT,), False), (preferring, True)):
                if single and len(preferring) == 2:
                    continue
                got: list[Instance] = []

                async def keep(request: Any, into: list[Instance] = got) -> int:
                    into.append(request.instance)
                    return 0

                first = [t for t in (_EXPLICIT, _IMPLICIT, _DEFLATED) if t in syntaxes]
                wanted = first + [t for t in syntaxes if t not in first and t != "1.2.840.10008.1.2.2"]
                # each syntax in a context of its own, syntax by syntax, so the native and deflated ones fit for every class;
                # or (single) all in one, compressed first, as getscu +xs / --prefer-j2k-lossless propose
                contexts: list[Proposal | str] = [get] + (
                    [Proposal(u, syntaxes, scu_role=False, scp_role=True) for u in sampled][:127] if single
                    else [Proposal(u, (t,), scu_role=False, scp_role=True) for t in wanted for u in sampled][:126])
                async with await associate("127.0.0.1", port, called_ae=entity.title, calling_ae="PROBE", contexts=contexts) as scu:
                    responses = scu.get(identifier(root), sop_class=get, store=keep)
                    async for _ in responses:
                        pass
                    taken = tuple({c.transfer_syntax for c in scu.contexts.values() if c.scp}) if single else syntaxes
                label = f"{', '.join(_name(t) for t in syntaxes[:-2])} first, then the native ones, in one context" if single else ""
                verdicts("C-GET", "", taken, got, responses.status, label)
            break
    finally:
        await server.close()
        if folder is not None:
            folder.close()
        for _, receiver, _ in receivers.values():
            await receiver.close()
    return checks


__all__ = ["ProbeResult", "RetrievalCheck", "probe", "probe_cases", "probe_retrieval", "retrieval_classes"]
