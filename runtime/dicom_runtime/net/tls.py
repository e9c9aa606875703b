"""TLS for DICOM associations: the BCP 195 profiles of PS3.15 Annex B.

``profile="bcp195"`` is the BCP 195 TLS Secure Transport Connection Profile
(TLS 1.2 or later, the IETF's recommended suites); ``profile="extended-bcp195"``
is the Extended BCP 195 profile: TLS 1.2 or later and, for TLS 1.2, only the
AES-GCM suites PS3.15 lists (DHE/ECDHE with RSA or ECDSA). TLS 1.3 suites are all
AEAD suites and are left as the TLS library offers them.
"""

from __future__ import annotations

import ssl
from pathlib import Path

#: The TLS 1.2 suites of the Extended BCP 195 profile, in OpenSSL names (PS3.15 B.11).
EXTENDED_BCP195_CIPHERS = ":".join(
    (
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "DHE-RSA-AES128-GCM-SHA256",
        "DHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
    )
)
#: The BCP 195 profile: forward secrecy and AEAD first, as RFC 7525 recommends.
BCP195_CIPHERS = EXTENDED_BCP195_CIPHERS + ":ECDHE+AESGCM:DHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!RC4:!3DES"

PROFILES = {"bcp195": BCP195_CIPHERS, "extended-bcp195": EXTENDED_BCP195_CIPHERS}


def _base(purpose: ssl.Purpose, profile: str) -> ssl.SSLContext:
    if profile not in PROFILES:
        raise ValueError(f"unknown TLS profile {profile!r}: one of {', '.join(PROFILES)}")
    context = ssl.create_default_context(purpose)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(PROFILES[profile])
    return context


def server_context(
    certificate: str | Path,
    key: str | Path,
    *,
    client_ca: str | Path | None = None,
    require_client_certificate: bool = False,
    profile: str = "bcp195",
) -> ssl.SSLContext:
    """For an SCP: its certificate and key; with ``client_ca``, clients' certificates are
    verified (required with ``require_client_certificate``)."""
    context = _base(ssl.Purpose.CLIENT_AUTH, profile)
    context.load_cert_chain(str(certificate), str(key))
    if client_ca is not None:
        context.load_verify_locations(str(client_ca))
        context.verify_mode = ssl.CERT_REQUIRED if require_client_certificate else ssl.CERT_OPTIONAL
    elif require_client_certificate:
        raise ValueError("require_client_certificate needs client_ca")
    return context


def client_context(
    ca: str | Path | None = None,
    *,
    certificate: str | Path | None = None,
    key: str | Path | None = None,
    check_hostname: bool = True,
    profile: str = "bcp195",
) -> ssl.SSLContext:
    """For an SCU: trust ``ca`` (else the system's), optionally present a client certificate."""
    context = _base(ssl.Purpose.SERVER_AUTH, profile)
    if ca is not None:
        context.load_verify_locations(str(ca))
    context.check_hostname = check_hostname
    if certificate is not None:
        context.load_cert_chain(str(certificate), str(key) if key is not None else None)
    return context
