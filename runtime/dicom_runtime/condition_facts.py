"""Facts that condition sentences state in words, decided by hand-written rules.

Some clauses of PS3.3's conditions name no attribute, yet the data set often tells
whether they hold. The generator compiles such a clause, where it knows the words
(``dicom_codegen.conditions.FACT_PHRASES``), to :class:`~dicom_runtime.conditions.Fact`
with the rule's name; :func:`decide` answers True or False where the data set tells,
and None (with the reason) where it does not, so that the condition is reported as
not checked, never as met (the convention of every condition not compiled).

``paired_body_part``: "the body part examined is a paired structure" (General Series
Module, Table C.7-5a, Laterality (0020,0060), Type 2C). Decided from Body Part Examined
(0018,0015) against two lists of its Defined Terms (PS3.16 Annex L, "Correspondence of
Anatomic Region Codes and Body Part Examined Defined Terms"): the parts that come as a
left and a right one (:data:`PAIRED_BODY_PARTS`) and the single, midline or whole-body
ones (:data:`UNPAIRED_BODY_PARTS`), by anatomy. The lists were written from the Defined
Terms as known here, not read from PS3.16 (the standard's mirror has no PS3.16): a term
of them that Annex L lacks does no harm, it never matches. A term on neither list (URETER, SINUS,
a term of a later edition, a local one), an empty or absent Body Part Examined is not
decided: the body part may still be paired, as Anatomic Region Sequence (0008,2218)
would say in codes, which this rule does not read.

dciodvfy (dicom3tools) decides the same clause differently where the data set does not
tell: it takes every body part not on its own list of unpaired ones as paired, so an
absent Body Part Examined, or one it does not know, requires Laterality there. We report
those as not checked. Its list also leaves out SACRUM, SELLA and MANDIBLE (single bones
and a single fossa, unpaired here) and has URETER (left out here: the ureters are a pair,
though examined together as a rule).
"""

from __future__ import annotations

from collections.abc import Callable

from .conditions import _has_value, _values

#: Body Part Examined terms of structures that come as a left and a right one.
PAIRED_BODY_PARTS = frozenset(
    "ACJOINT ADRENAL ANKLE ARM AXILLA BREAST CALCANEUS CAROTID CLAVICLE EAR ELBOW EXTREMITY EYE FEMUR FIBULA "
    "FINGER FOOT FOREARM HAND HEEL HIP HUMERUS KIDNEY KNEE LEG LOWLIMB LUNG ORBIT OVARY PAROTID PATELLA RADIUS "
    "RIB SCAPULA SHOULDER SIJOINT SUBMANDIBULAR TESTIS THIGH THUMB TIBIA TMJ TOE ULNA UPRLIMB WRIST ZYGOMA".split()
)

#: Body Part Examined terms of single (midline, regional or whole-body) structures.
UNPAIRED_BODY_PARTS = frozenset(
    "ABDOMEN ABDOMENPELVIS AORTA BLADDER BRAIN CHEST CHESTABDOMEN CHESTABDPELVIS COCCYX COLON CSPINE CTSPINE "
    "DUODENUM ESOPHAGUS FACE GALLBLADDER HEAD HEADNECK HEART JAW LARYNX LIVER LSPINE LSSPINE MANDIBLE MAXILLA "
    "MEDIASTINUM NECK NECKCHEST NECKCHESTABDOMEN NECKCHESTABDPELV NOSE PANCREAS PELVIS PROSTATE RECTUM SACRUM "
    "SELLA SKULL SPINE SPLEEN SSPINE STERNUM STOMACH THYROID TLSPINE TRACHEA TSPINE UTERUS WHOLEBODY".split()
)

assert not PAIRED_BODY_PARTS & UNPAIRED_BODY_PARTS


def _paired_body_part(obj: object) -> tuple[bool | None, str]:
    values = _values(obj, "BodyPartExamined")
    if values is None:
        return None, "Body Part Examined (0018,0015) is outside this object"
    if not values or not _has_value(values):
        state = "empty" if values else "absent"
        return None, f"Body Part Examined (0018,0015) is {state}: the data set does not say which body part"
    terms = [v.strip().upper() for v in values if isinstance(v, str) and v.strip()]
    if any(t in PAIRED_BODY_PARTS for t in terms):
        return True, ""
    if terms and all(t in UNPAIRED_BODY_PARTS for t in terms):
        return False, ""
    shown = "\\".join(terms) or str(values[0])
    return None, f"Body Part Examined (0018,0015) {shown!r} is on neither the paired nor the unpaired list"


#: Each fact's rule: (True/False/None, why it is None).
RULES: dict[str, Callable[[object], tuple[bool | None, str]]] = {
    "paired_body_part": _paired_body_part,
}


def decide(name: str, obj: object) -> tuple[bool | None, str]:
    """Whether the fact ``name`` holds of ``obj``: True or False, or None and the reason."""
    rule = RULES.get(name)
    if rule is None:
        return None, f"no rule decides the fact {name!r}"
    return rule(obj)
