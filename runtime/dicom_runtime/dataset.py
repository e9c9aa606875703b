"""The data model of PS3.5 Section 7: data sets of data elements, sequences of items.

Values are given decoded (a value read from bytes is decoded when first asked for,
see :class:`DataElement`): ``str`` (or ``list[str]`` for several values) for the
string VRs, ``int``/``float`` (or lists) for the binary numbers, ``int`` tags for
AT, ``bytes`` for OB, OW, OD, OF, OL, OV and UN, ``list[Dataset]`` for SQ, and
:class:`EncapsulatedPixelData` for pixel data in an encapsulated transfer syntax.
A large value read from a file may stay on disk as :class:`DeferredValue` until
it is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any, Union

from .codec import decode_value
from .dictionary import get_entry
from .tag_text import tag_text

if TYPE_CHECKING:
    # To mypy, Dataset is the data class it was (dicom_model.dataset.Dataset, a data class of
    # keyword fields for the type checker, takes its __init__ from it). At run time the class
    # writes its own __init__, __eq__ and __repr__: ``dataclasses`` (and the ``inspect`` it
    # imports) would cost a command's start-up more than reading a small file.
    from dataclasses import dataclass, field
else:

    def dataclass(cls: type) -> type:
        return cls

    def field(*, default: Any = None, **_: Any) -> Any:
        return default


class EncapsulatedPixelData:
    """Pixel data of an encapsulated transfer syntax (PS3.5 A.4), kept as read.

    ``offsets`` is the Basic Offset Table item's value (possibly empty) and
    ``fragments`` the following items' values, unchanged. (Equality and repr by the
    fields, as the data class it was; the module does not import ``dataclasses``, whose
    ``inspect`` costs a command's start-up more than reading a small file.)
    """

    __slots__ = ("offsets", "fragments")
    __match_args__ = ("offsets", "fragments")

    offsets: bytes
    fragments: list[bytes]

    def __init__(self, offsets: bytes, fragments: list[bytes]) -> None:
        self.offsets = offsets
        self.fragments = fragments

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__ or not isinstance(other, EncapsulatedPixelData):
            return NotImplemented
        return (self.offsets, self.fragments) == (other.offsets, other.fragments)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the data class was

    def __repr__(self) -> str:
        return f"{type(self).__name__}(offsets={self.offsets!r}, fragments={self.fragments!r})"

    def encode(self) -> bytes:
        """The Pixel Data value field: its items (Basic Offset Table, fragments) and the
        Sequence Delimitation Item, in Little Endian (PS3.5 A.4)."""
        parts = []
        for chunk in (self.offsets, *self.fragments):
            parts.append(b"\xfe\xff\x00\xe0" + len(chunk).to_bytes(4, "little") + chunk)
        parts.append(b"\xfe\xff\xdd\xe0\x00\x00\x00\x00")
        return b"".join(parts)

    @classmethod
    def decode(cls, data: bytes, *, source: str = "") -> EncapsulatedPixelData:
        """The inverse of :meth:`encode`: DicomDecodeError if ``data`` is not such items."""
        from .reader import EXPLICIT_LE, Reader

        value, end = Reader(data, EXPLICIT_LE, source=source).encapsulated(0, len(data), EXPLICIT_LE, "(7FE0,0010)")
        if end != len(data):
            from .errors import DicomDecodeError

            raise DicomDecodeError("bytes after the Sequence Delimitation Item", offset=end, path="(7FE0,0010)", source=source)
        return value


class DeferredValue:
    """A value left in the file until it is asked for (lazy reading).

    :meth:`read` gives the value field's bytes as they are in the file (the writer
    writes them unchanged); :meth:`decode` gives the value as the reader would have
    given it (``vr``, ``little_endian`` and ``codec`` say how). Equality and repr by the
    fields, as the data class it was.
    """

    __slots__ = ("length", "load", "vr", "little_endian", "codec")
    __match_args__ = ("length", "load", "vr", "little_endian", "codec")

    length: int
    load: Callable[[], bytes]
    vr: str
    little_endian: bool
    codec: str

    def __init__(
        self, length: int, load: Callable[[], bytes], vr: str = "OB", little_endian: bool = True, codec: str = "ascii"
    ) -> None:
        self.length = length
        self.load = load
        self.vr = vr
        self.little_endian = little_endian
        self.codec = codec

    def _fields(self) -> tuple[int, Callable[[], bytes], str, bool, str]:
        return (self.length, self.load, self.vr, self.little_endian, self.codec)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__ or not isinstance(other, DeferredValue):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the data class was

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(length={self.length!r}, load={self.load!r}, vr={self.vr!r}, "
            f"little_endian={self.little_endian!r}, codec={self.codec!r})"
        )

    def read(self) -> bytes:
        return self.load()

    def decode(self) -> Value:
        """The decoded value (bytes for the bulk VRs)."""
        return decode_value(self.read(), self.vr, self.little_endian, self.codec)


Value = Union[
    None,
    str,
    list[str],
    int,
    float,
    list[int],
    list[float],
    bytes,
    list["Dataset"],
    EncapsulatedPixelData,
    DeferredValue,
]


class FileRange:
    """Where a bulk value that is a view on a mapped file lies in that file: asked for as
    ``bytes``, it is read from the file (``os.pread`` by ``read_at``) rather than copied
    through the map, so the map's pages do not come in beside the copy (copied through
    the map when the file cannot give it)."""

    __slots__ = ("read_at", "position")

    def __init__(self, read_at: Callable[[int, int], bytes | None], position: int) -> None:
        self.read_at = read_at
        self.position = position

    def read(self, length: int) -> bytes | None:
        """The bytes from the file; None when it cannot give them (no longer the same file)."""
        return self.read_at(self.position, length)


class DeferredItems:
    """How the items of a sequence whose bytes the reader has checked (they read without an
    error and change nothing read after them) are read when the sequence's value is first
    asked for (:meth:`read`: the value field's bytes to the items); see the reader."""

    __slots__ = ()

    def read(self, field: bytes) -> list[Dataset]:
        raise NotImplementedError


class DataElement:
    """One data element: tag, VR and value.

    A value read from bytes is decoded when it is first asked for (lazy reading): the
    element keeps the value field's bytes and how to decode them (byte order and
    character set as they were where it was read), and :attr:`value` decodes them once.
    The reader checks at read time everything that could make the decoding fail, so
    asking for a value never raises. Large pixel data read from a file stays a
    view on the file (:meth:`view`) until :attr:`value` is asked for or set (see
    :func:`dicom_runtime.fileformat.read_file`).

    Equality compares tag, VR, value and ``undefined_length`` (not ``raw`` or
    ``read_as_un``), as the data class it was.
    """

    __slots__ = ("tag", "vr", "_value", "_context", "undefined_length", "raw", "read_as_un")

    tag: int
    vr: str
    undefined_length: bool  # an SQ or item read with undefined length
    #: The value field as read (text VRs): written back as it is while ``value`` is
    #: still what these bytes decode to, so an unchanged value keeps its bytes.
    raw: bytes | None
    #: Read as UN in explicit VR and decoded by the VR the dictionary gives: while the
    #: value is unchanged it is written back as UN with its bytes (``raw``), as it was.
    read_as_un: bool

    def __init__(
        self,
        tag: int,
        vr: str,
        value: Value | memoryview,
        undefined_length: bool = False,
        raw: bytes | None = None,
        read_as_un: bool = False,
        _context: tuple[bool, str] | FileRange | DeferredItems | None = None,
    ) -> None:
        """``_context`` (the reader's): ``value`` is a value field's bytes, to be decoded as
        ``vr`` (little endian?, Python codec) when first asked for; the reader has checked
        that they decode (a number VR's length is a multiple of its size)."""
        self.tag = tag
        self.vr = vr
        self._value = value
        self._context = _context
        self.undefined_length = undefined_length
        self.raw = raw
        self.read_as_un = read_as_un

    @property
    def value(self) -> Value:
        # Safe between threads: a decoded value is stored before the context is cleared,
        # and the bytes read here are decoded only while they are bytes (a decoded value of
        # a non-bulk VR never is; a bulk one decodes to itself).
        context = self._context
        field = self._value
        if context is None or not isinstance(field, (bytes, memoryview)):
            return field  # type: ignore[return-value]
        value: Value
        if isinstance(field, memoryview):  # a bulk value still a view: its bytes, copied once
            read = context.read(field.nbytes) if isinstance(context, FileRange) else None
            value = read if read is not None else bytes(field)
        elif isinstance(context, tuple):
            value = decode_value(field, self.vr, context[0], context[1])
        elif isinstance(context, FileRange):
            value = field
        else:  # a sequence's items, read now from its value field
            value = context.read(field)
        self._value = value
        self._context = None
        return value

    @value.setter
    def value(self, value: Value) -> None:
        self._value = value
        self._context = None

    @property
    def decoded(self) -> bool:
        """Whether the value is decoded (or was set) rather than still the bytes as read."""
        return self._context is None

    def view(self) -> Value | memoryview:
        """The value, except that a bulk value still as read is given as it is held,
        without copying: a read-only ``memoryview`` on the mapped file for a large one
        (``bytes`` otherwise)."""
        field = self._value
        if self._context is not None and isinstance(field, memoryview):
            return field
        return self.value

    @property
    def keyword(self) -> str:
        entry = get_entry(self.tag)
        return entry.keyword if entry is not None else ""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DataElement):
            return NotImplemented
        return (
            self.tag == other.tag
            and self.vr == other.vr
            and self.value == other.value
            and self.undefined_length == other.undefined_length
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, as the data class was

    def __reduce__(self) -> tuple[type[DataElement], tuple[int, str, Value, bool, bytes | None, bool]]:
        """Copies and pickles hold the decoded value (never a view on a mapped file)."""
        return (DataElement, (self.tag, self.vr, self.value, self.undefined_length, self.raw, self.read_as_un))

    def __repr__(self) -> str:
        return f"{tag_text(self.tag)} {self.vr} {self.value!r}"


#: An element as the reader leaves it in a data set until it is asked for: (VR, value field,
#: ``raw``, decoding context), the arguments of its :class:`DataElement` but the tag (its key).
#: A tuple costs a quarter of an element object, and most elements read are never asked for.
ReadElement = tuple[str, bytes, Union[bytes, None], Union[tuple[bool, str], None]]


def _made(elements: dict[int, DataElement | ReadElement], tag: int, record: ReadElement) -> DataElement:
    """The element of a :data:`ReadElement`, kept in its place (asked for again, the same object)."""
    vr, field_, raw, context = record
    element = elements[tag] = DataElement(tag, vr, field_, False, raw, False, context)
    return element


@dataclass
class Dataset(MutableMapping[int, DataElement]):
    """A data set: data elements by tag, iterated in ascending tag order.

    ``Dataset(elements)`` takes a dict of elements by tag (kept, not copied). Equality
    compares the elements only, and repr shows them, as the data class it was. A data set
    read from bytes holds most of its elements as :data:`ReadElement` records until they are
    asked for (by tag, keyword, :meth:`elements`, iteration of items or values): every
    element given is a :class:`DataElement`.
    """

    _elements: dict[int, DataElement | ReadElement] = field(default_factory=dict)
    #: The File Meta Information a data set was read with (kept by :func:`dicom_runtime.typed.read`
    #: so that writing it back keeps the meta elements that stay true, e.g. Source AE Title).
    file_meta: Dataset | None = field(default=None, compare=False, repr=False)
    #: An item read with undefined length (True) or a defined one (False); None: as its
    #: sequence (the writer then follows the sequence's ``undefined_length``).
    undefined_length: bool | None = field(default=None, compare=False, repr=False)
    __match_args__ = ("_elements", "file_meta", "undefined_length")

    def __init__(
        self,
        _elements: dict[int, DataElement] | dict[int, DataElement | ReadElement] | None = None,
        file_meta: Dataset | None = None,
        undefined_length: bool | None = None,
    ) -> None:
        _set(self, "_elements", {} if _elements is None else _elements)
        _set(self, "file_meta", file_meta)
        _set(self, "undefined_length", undefined_length)

    @property
    def read_problems(self) -> Sequence[tuple[str, str, str]]:
        """Of a data set read from bytes: what they have that PS3.5 forbids and was read all
        the same (an element out of ascending tag order, a tag twice in one data set, a File
        Meta Information Group Length that is not the group's length), as (tag path,
        message, citation); validation reports each. Items read later add theirs. Not
        compared and not copied: a data set made or changed in code has none."""
        found: Sequence[tuple[str, str, str]] = self.__dict__.get("_read_problems", ())
        return found

    def _all(self) -> dict[int, DataElement | ReadElement]:
        """The elements by tag, every record made an element."""
        elements = self._elements
        for tag, element in elements.items():
            if element.__class__ is tuple:
                break
        else:
            return elements
        for tag, element in list(elements.items()):
            if isinstance(element, tuple):
                _made(elements, tag, element)
        return elements

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__ or not isinstance(other, Dataset):
            return NotImplemented
        return self._all() == other._all()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the data class was

    def __repr__(self) -> str:
        return f"{type(self).__name__}(_elements={self._all()!r})"

    @classmethod
    def empty(cls) -> Dataset:
        """A new empty data set (what ``cls()`` makes, without its keyword ``__setattr__``:
        the reader makes one per item)."""
        dataset = object.__new__(cls)
        _set(dataset, "_elements", {})
        _set(dataset, "file_meta", None)
        _set(dataset, "undefined_length", None)
        return dataset

    def __getitem__(self, key: int | str) -> DataElement:
        """The element of a tag, or of a keyword (``dataset["PatientName"]``); KeyError if absent."""
        tag = key if isinstance(key, int) else _tag_of(key)
        element = self._elements[tag]
        if isinstance(element, tuple):
            return _made(self._elements, tag, element)
        return element

    def __setitem__(self, key: int, element: DataElement) -> None:
        if element.tag != key:
            raise ValueError(f"element {element.tag:08X} stored under {key:08X}")
        self._elements[key] = element

    def __contains__(self, key: object) -> bool:
        """Whether an element of a tag, or of a keyword (``"PatientName" in dataset``), is present."""
        if isinstance(key, str):
            entry = get_entry(key)
            return entry is not None and entry.tag in self._elements
        return key in self._elements

    def __delitem__(self, key: int | str) -> None:
        del self._elements[key if isinstance(key, int) else _tag_of(key)]

    # Attributes by keyword (``dataset.PatientName``: get, set, delete; dicom_runtime.keywords
    # says what they give and take). Defined for run time only: to mypy a plain Dataset has
    # no keyword attributes, so a misspelt one is an error; dicom_model.dataset.Dataset, the
    # same class at run time, declares one annotation per PS3.6 keyword.
    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> object:
            from .keywords import get_value, keyword_entry

            entry = keyword_entry(name)
            if entry is None:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            return get_value(self, entry)

        def __setattr__(self, name: str, value: object) -> None:
            if name in _FIELDS:
                object.__setattr__(self, name, value)
                return
            from .keywords import keyword_entry, set_value

            entry = keyword_entry(name)
            if entry is None:
                raise AttributeError(f"{name!r} is not a keyword of the data dictionary: a Dataset takes only those")
            set_value(self, entry, value)

        def __delattr__(self, name: str) -> None:
            from .keywords import keyword_entry

            entry = keyword_entry(name)
            if name in _FIELDS or entry is None:
                object.__delattr__(self, name)
                return
            if entry.tag not in self._elements:
                raise AttributeError(f"{name} is not in the data set")
            del self._elements[entry.tag]

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._elements))

    def __len__(self) -> int:
        return len(self._elements)

    def add(self, tag: int, vr: str, value: Value) -> DataElement:
        element = DataElement(tag, vr, value)
        self._elements[tag] = element
        return element

    def value(self, key: int | str) -> Value:
        """The value of a tag or keyword; ``None`` if the element is absent."""
        tag = key if isinstance(key, int) else _tag_of(key)
        element = self._elements.get(tag)
        if element is None:
            return None
        if isinstance(element, tuple):
            element = _made(self._elements, tag, element)
        return element.value

    def elements(self) -> Iterator[DataElement]:
        elements = self._elements
        for tag in sorted(elements):
            element = elements[tag]
            if isinstance(element, tuple):
                element = _made(elements, tag, element)
            yield element


_FIELDS = frozenset({"_elements", "file_meta", "undefined_length"})
_set = object.__setattr__


def _tag_of(keyword: str) -> int:
    from .dictionary import lookup

    return lookup(keyword).tag
