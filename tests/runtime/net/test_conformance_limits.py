"""The Conformance Statement lists every limit the server applies (issue #20 B), with the
values the server runs with: the configured ones and those no setting changes."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from dicom_runtime.net import aio, association, server, storage
from dicom_runtime.net.conformance import FIXED_LIMITS, statement
from dicom_runtime.net.config import load

ARCHIVE = Path(__file__).resolve().parents[3] / "examples" / "archive.toml"


def _parameters(text: str) -> dict[str, list[str]]:
    section = text.split("A.4.4.2 Parameters", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split(" | ") for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    return {row[0].strip(): [c.strip() for c in row[1:]] for row in rows[1:]}


def test_every_limit_is_listed_with_the_server_s_value(tmp_path: Path) -> None:
    config = load(ARCHIVE)
    text = statement(config).to_markdown()
    rows = _parameters(text)
    ae = config.entities[0]
    expected = {
        "Maximum PDU size received": str(ae.max_pdu),
        "Maximum simultaneous associations": str(ae.max_associations),
        "Largest data set received (bytes)": str(ae.max_message_size),
        "Unfinished messages of all associations in memory, at most (bytes)": str(ae.message_budget),
        "Data set moved to a temporary file beyond (bytes)": str(ae.spill_after),
        "Data sets in temporary files of all associations, at most (bytes)": str(ae.spill_budget),
        "Idle association timeout (s)": f"{ae.timeouts.network:g}",
        "Requests waiting for answers per association before it stops reading (TCP then holds the peer back)": "32",
        "Bytes of those requests per association before it stops reading": "67108864",
        "Unfinished A-ASSOCIATE-RQs of all connections not associated yet, at most (bytes)": "16777216",
        "Longest PDU read before the association is established (bytes)": "1048576",
        "Bytes read and ignored after an A-ABORT before the connection is reset": "1048576",
        "Acknowledged instances not yet written to their files, at most (bytes; then C-STORE waits)": "67108864",
        "Least maximum PDU length of a requestor served (bytes; 0, no maximum, is served; a smaller one is an "
        "A-ASSOCIATE-RJ, rejected-permanent, service-user, no-reason-given; a C-MOVE destination announcing less is "
        "released, the sub-operations failed)": "1024",
        "Largest data set of a request other than C-STORE decoded (a C-FIND, C-MOVE or C-GET identifier: larger is "
        "C000; an N-service's data set: 0110), bytes": "16777216",
        "Least average rate of a DIMSE message being received once the idle timeout has passed since its first PDV "
        "(bytes a second; a PDU must be complete within the idle timeout of its first byte; slower is an A-ABORT)": "1024",
    }
    for name, value in expected.items():
        assert rows[name] == [value], (name, rows.get(name))
    assert rows["Connections served at once"][0].startswith("a third of the open-file limit less 32, at least 8")
    # the constants are the ones the server runs with
    assert (aio.QUEUED_REQUESTS, aio.QUEUED_BYTES, aio.DEFAULT_UNASSOCIATED_BUDGET) == (32, 64 << 20, 16 << 20)
    assert (association.ASSOCIATION_PDU_LIMIT, aio.IGNORED_AFTER_ABORT, storage.BACKLOG_LIMIT, server.FILES_RESERVED) == (
        1 << 20, 1 << 20, 64 << 20, 32)
    assert len(FIXED_LIMITS) == 9
    assert "they cannot be set in the configuration or on the command line" in text


def test_the_running_server_has_the_stated_unassociated_budget_and_connection_limit(tmp_path: Path) -> None:
    import dataclasses

    entity = dataclasses.replace(load(ARCHIVE).entities[0], storage=tmp_path)

    async def run() -> tuple[int, int, int]:
        scp, folder = entity.server()
        await scp.start("127.0.0.1", 0)
        try:
            return scp.unassociated_budget, scp.max_connections, scp.file_limit
        finally:
            await scp.close()
            if folder is not None:
                folder.close()

    budget, connections, files = asyncio.run(run())
    import resource

    assert budget == 16 * 1024 * 1024
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    assert files == (soft if soft != resource.RLIM_INFINITY else 1 << 16)  # raised at start: the soft limit now
    assert connections == max(8, (files - 32) // 3)


def test_readme_s_limits_are_in_the_statement() -> None:
    """README says the Conformance Statement lists the limits it names: each is there."""
    text = statement(load(ARCHIVE)).to_markdown()
    readme = re.sub(r"\s+", " ", (ARCHIVE.parents[1] / "README.md").read_text())
    assert "The Conformance Statement (A.4.4.2 Parameters) lists these limits" in readme
    assert "A.4.4.2 Parameters" in text
    for phrase in ("16777216", "A-ASSOCIATE-RQ", "67108864", "open-file limit", "Requests waiting for answers"):
        assert phrase in text, phrase
    assert re.search(r"\| Requests waiting for answers[^|]*\| 32 \|", text)
