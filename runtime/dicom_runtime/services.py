"""Types the generated SOP class constants and query identifiers are built from."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar


class SOPClass(str):
    """A SOP Class UID (``str``-valued) that knows what PS3.4 says of it.

    ``service_class`` is the PS3.4 annex's service class, ``dimse`` the DIMSE
    services the SOP class uses, ``iod_reference`` the PS3.3 section of its IOD
    (``"sect_A.3"``; ``""`` where it has none) and ``iod_class`` the name of the
    generated IOD class in ``dicom_model.iods`` (``""`` where PS3.3 lacks the IOD).
    """

    keyword: str
    name: str
    service_class: str
    dimse: tuple[str, ...]
    retired: bool
    meta: bool
    iod_reference: str
    in_dictionary: bool
    iod_class: str

    def __new__(
        cls,
        uid: str,
        *,
        keyword: str,
        name: str,
        service_class: str,
        dimse: tuple[str, ...],
        retired: bool,
        meta: bool = False,
        iod_reference: str = "",
        in_dictionary: bool = True,
        iod_class: str = "",
    ) -> SOPClass:
        self = super().__new__(cls, uid)
        self.keyword = keyword
        self.name = name
        self.service_class = service_class
        self.dimse = dimse
        self.retired = retired
        self.meta = meta
        self.iod_reference = iod_reference
        self.in_dictionary = in_dictionary
        self.iod_class = iod_class
        return self

    @property
    def uid(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"SOPClass({self.uid!r}, {self.keyword})"


class QueryItem:
    """Base of the generated sequence item classes of query identifiers."""

    def to_keys(self) -> dict[str, Any]:
        """The keys given (not ``None``), by keyword; items become lists of dicts."""
        result: dict[str, Any] = {}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if value is None:
                continue
            if isinstance(value, list):
                result[field.name] = [item.to_keys() for item in value]
            else:
                result[field.name] = value
        return result


class QueryIdentifier(QueryItem):
    """Base of the generated query identifiers (PS3.4 C.4.1.1.3, K.4.1.1.3).

    A subclass has exactly the keys its information model allows at its level, as
    keyword arguments; matching values are strings, so wildcards (``*``, ``?``),
    ranges (``20200101-20201231``) and UID lists (backslash-separated) are written
    as PS3.4 C.2.2.2 says.
    """

    INFORMATION_MODEL: ClassVar[str]
    QUERY_RETRIEVE_LEVEL: ClassVar[str]
    SOP_CLASSES: ClassVar[tuple[str, ...]]
    UNIQUE_KEYS: ClassVar[frozenset[str]]
    REQUIRED_KEYS: ClassVar[frozenset[str]]
    OPTIONAL_KEYS: ClassVar[frozenset[str]]

    def identifier(self) -> Mapping[str, Any]:
        """The identifier's keys, with Query/Retrieve Level where the model has levels."""
        keys = self.to_keys()
        if self.QUERY_RETRIEVE_LEVEL:
            keys = {"QueryRetrieveLevel": self.QUERY_RETRIEVE_LEVEL, **keys}
        return keys
