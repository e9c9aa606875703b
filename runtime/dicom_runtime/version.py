"""The version every command reports: the installed package's (``0.3.0+ps3.2016c...``,
the toolkit's release and the editions its model was generated from).

The Implementation Version Name written into files' File Meta Information and sent in
A-ASSOCIATE requests (:data:`.fileformat.IMPLEMENTATION_VERSION_NAME`) is a short name of
at most 16 characters (SH), not this version.
"""

from __future__ import annotations


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dicom-typed")
    except PackageNotFoundError:  # running from a checkout that is not installed
        from dicom_model import __version__

        return str(__version__)
