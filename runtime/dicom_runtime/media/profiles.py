"""General Purpose Media Storage Application Profiles (PS3.11) and their transfer syntaxes.

PS3.11 is not in this project's mirror of the standard; the profiles' names and transfer
syntaxes below are its General Purpose profiles' (uncompressed: Explicit VR Little Endian
only; the JPEG and JPEG 2000 ones add those compressions). An instance whose transfer
syntax the profile does not allow is written in Explicit VR Little Endian when it is in
a native one (Implicit VR, Big Endian, Deflated), and refused when it is compressed.
"""

from __future__ import annotations

EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
_JPEG = (
    "1.2.840.10008.1.2.4.50",  # JPEG Baseline (Process 1)
    "1.2.840.10008.1.2.4.51",  # JPEG Extended (Process 2 & 4)
    "1.2.840.10008.1.2.4.57",  # JPEG Lossless, Non-Hierarchical (Process 14)
    "1.2.840.10008.1.2.4.70",  # JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [SV1])
)
_J2K = (
    "1.2.840.10008.1.2.4.90",  # JPEG 2000 Image Compression (Lossless Only)
    "1.2.840.10008.1.2.4.91",  # JPEG 2000 Image Compression
)


class Profile:
    """A media profile: its name and the transfer syntaxes its instances may have
    (None: any; the files are kept as they are). Immutable, compared by value.

    A plain class rather than a frozen dataclass: ``dicom-media --help`` needs the profiles'
    names, and ``dataclasses`` (with the ``inspect`` it imports) costs about a third of what
    the whole command may take to start (#19)."""

    __slots__ = ("name", "transfer_syntaxes", "description")

    name: str
    transfer_syntaxes: tuple[str, ...] | None
    description: str

    def __init__(self, name: str, transfer_syntaxes: tuple[str, ...] | None, description: str) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "transfer_syntaxes", transfer_syntaxes)
        object.__setattr__(self, "description", description)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a Profile is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a Profile is immutable")

    def _key(self) -> tuple[str, tuple[str, ...] | None, str]:
        return (self.name, self.transfer_syntaxes, self.description)

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if isinstance(other, Profile) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Profile(name={self.name!r}, transfer_syntaxes={self.transfer_syntaxes!r}, description={self.description!r})"

    def allows(self, transfer_syntax: str) -> bool:
        return self.transfer_syntaxes is None or transfer_syntax in self.transfer_syntaxes


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("STD-GEN-CD", (EXPLICIT_VR_LITTLE_ENDIAN,), "General Purpose CD-R Interchange"),
        Profile("STD-GEN-DVD-RAM", (EXPLICIT_VR_LITTLE_ENDIAN,), "General Purpose DVD-RAM Interchange"),
        Profile("STD-GEN-USB", (EXPLICIT_VR_LITTLE_ENDIAN,), "General Purpose USB and Flash Memory Interchange"),
        Profile("STD-GEN-DVD-JPEG", (EXPLICIT_VR_LITTLE_ENDIAN, *_JPEG), "General Purpose DVD Interchange with JPEG"),
        Profile("STD-GEN-DVD-J2K", (EXPLICIT_VR_LITTLE_ENDIAN, *_J2K), "General Purpose DVD Interchange with JPEG 2000"),
        Profile("STD-GEN-USB-JPEG", (EXPLICIT_VR_LITTLE_ENDIAN, *_JPEG), "General Purpose USB and Flash Memory with JPEG"),
        Profile("STD-GEN-USB-J2K", (EXPLICIT_VR_LITTLE_ENDIAN, *_J2K), "General Purpose USB and Flash Memory with JPEG 2000"),
        Profile("STD-GEN-BD-JPEG", (EXPLICIT_VR_LITTLE_ENDIAN, *_JPEG), "General Purpose BD Interchange with JPEG"),
        Profile("STD-GEN-BD-J2K", (EXPLICIT_VR_LITTLE_ENDIAN, *_J2K), "General Purpose BD Interchange with JPEG 2000"),
        Profile("ANY", None, "no profile: every instance kept in its own transfer syntax"),
    )
}
DEFAULT_PROFILE = "STD-GEN-CD"


def get_profile(name: str) -> Profile:
    """The profile of a name; KeyError listing the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown media profile {name!r}: one of {', '.join(PROFILES)}") from None
