"""SCP/SCU Role Selection (PS3.7 D.3.3.4): the acceptor answers with the roles it supports.
The SCP granted the requestor the SCP role for every SOP class it asked it for, Study Root FIND
and Verification included, where this AE is never SCU towards it; now only for storage SOP
classes (the C-STORE sub-operations of a C-GET). Against pynetdicom, whose requestor reads
the A-ASSOCIATE-AC's role items."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_runtime.net import blocking
from tests.runtime.net.helpers import CT, STUDY_FIND, STUDY_GET, VERIFICATION, ScpProcess, ct_instance, tool


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("roles")
    process = ScpProcess(folder / "out", folder / "scp.log").start()
    yield process
    assert process.stop() == 0


def _answered_roles(port: int) -> dict[str, tuple[bool, bool]]:
    """(SCU role, SCP role) that the A-ASSOCIATE-AC answers for each SOP class pynetdicom asked both for."""
    from pynetdicom import AE, build_role
    from pynetdicom.pdu_primitives import SCP_SCU_RoleSelectionNegotiation

    ae = AE(ae_title="ROLES")
    classes = (VERIFICATION, STUDY_FIND, STUDY_GET, CT)
    for uid in classes:
        ae.add_requested_context(uid)
    association = ae.associate("127.0.0.1", port, ae_title="OURSCP", ext_neg=[build_role(uid, scu_role=True, scp_role=True) for uid in classes])
    assert association.is_established
    try:
        items = [i for i in association.acceptor.user_information if isinstance(i, SCP_SCU_RoleSelectionNegotiation)]
        return {str(i.sop_class_uid): (bool(i.scu_role), bool(i.scp_role)) for i in items}
    finally:
        association.release()


def test_the_scp_role_is_granted_to_the_requestor_for_storage_classes_only(scp: ScpProcess) -> None:
    assert _answered_roles(scp.port) == {
        VERIFICATION: (True, False),
        STUDY_FIND: (True, False),
        STUDY_GET: (True, False),
        CT: (True, True),  # C-GET's C-STORE sub-operations: we are SCU, the requestor SCP
    }


def test_a_private_sop_class_keeps_the_role_it_was_granted() -> None:
    """A SOP class the dictionary does not know may be a private storage class, stored and
    retrieved by C-GET like any other: its SCP role is granted as before."""
    from dicom_runtime.net.negotiation import AcceptorPolicy, reversible

    policy = AcceptorPolicy("OURSCP", {})
    assert reversible("1.2.826.0.1.3680043.10.99.1", policy)
    assert not reversible(STUDY_FIND, policy) and not reversible(VERIFICATION, policy)
    assert reversible(CT, policy) and not reversible(CT, AcceptorPolicy("OURSCP", {}, accept_scp_role=False))


def test_a_get_still_receives_through_the_granted_role(scp: ScpProcess, tmp_path: Path) -> None:
    """dcmtk's getscu, which asks the SCP role for the storage classes, still gets the instance."""
    instance = ct_instance(4401, size=200, study="1.2.826.0.1.3680043.10.1.44")
    with blocking.associate("127.0.0.1", scp.port, called_ae="OURSCP", contexts=[CT]) as scu:
        assert scu.store(instance).is_success
    run = subprocess.run([tool("getscu"), "-S", "-aec", "OURSCP", "-od", str(tmp_path), "-k", "QueryRetrieveLevel=STUDY",
                          "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.1.44", "127.0.0.1", str(scp.port)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(list(tmp_path.iterdir())) == 1, run.stdout + run.stderr
