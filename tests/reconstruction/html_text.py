"""Descriptions written as NEMA's HTML (the innolitics transcription) turned back
into DocBook blocks: ``<p>`` into ``para``, a bold "Enumerated Values:" heading
with its ``<dl>`` into a titled ``variablelist``, a "Note" ``<div>`` into ``note``,
``<ol>``/``<ul>`` into ``orderedlist``/``itemizedlist``.
"""

from __future__ import annotations

import copy
import re

import lxml.html
from lxml import etree

from .book import db, sub, xref

_INLINE_EMPHASIS = {"strong": "bold", "b": "bold", "em": "italic", "i": "italic"}
_SCRIPTS = {"sub": "subscript", "sup": "superscript"}
_SECTION_LINK = re.compile(r"Section ([A-Z]{1,2}\.[0-9]+(?:\.[0-9]+)*)")
_BLOCKS = frozenset({"p", "div", "dl", "ol", "ul", "h3", "h4", "h5", "h6", "table"})


def _text(element: etree._Element) -> str:
    text: str = etree.tostring(element, method="text", encoding="unicode", with_tail=False)
    return text


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _inline(source: etree._Element, target: etree._Element) -> None:
    """Copy the text and inline markup of ``source`` into ``target``."""
    _append_text(target, source.text or "")
    for child in source:
        _inline_one(child, target)


def _inline_one(child: etree._Element, target: etree._Element) -> None:
    """One inline child of an HTML element, and its tail."""
    if isinstance(child.tag, str):
        name = child.tag.lower()
        if name in _INLINE_EMPHASIS:
            element = sub(target, "emphasis", role=_INLINE_EMPHASIS[name])
            _inline(child, element)
        elif name in _SCRIPTS:
            element = sub(target, _SCRIPTS[name])
            _inline(child, element)
        elif name == "br":
            _append_text(target, " ")
        elif name == "span" and child.get("href") is not None and (link := _SECTION_LINK.fullmatch(_clean(_text(child)))):
            # the transcription's link to a section ("See <span href>Section C.8.2.1.1.1</span>"):
            # an xref, as NEMA's DocBook has it
            target.append(xref(f"sect_{link.group(1)}"))
        else:  # span, a, abbr ...: their text
            _append_text(target, _text(child))
    _append_text(target, child.tail or "")


def _append_text(target: etree._Element, text: str) -> None:
    if len(target):
        last = target[-1]
        last.tail = (last.tail or "") + text
    else:
        target.text = (target.text or "") + text


def _fold(text: str | None) -> str | None:
    return re.sub(r"\s+", " ", text) if text else None


def _tidy(element: etree._Element) -> etree._Element:
    """Fold the whitespace of a para's text and tails (HTML puts a newline after ``<p>``)."""
    element.text = _fold(element.text)
    for node in element.iterdescendants():
        node.text = _fold(node.text)
        node.tail = _fold(node.tail)
    element.text = (element.text or "").lstrip() or None
    if len(element):
        element[-1].tail = (element[-1].tail or "").rstrip() or None
    else:
        element.text = (element.text or "").rstrip() or None
    return element


def _para_of(source: etree._Element) -> etree._Element:
    element = db("para")
    _inline(source, element)
    return _tidy(element)


def _only_strong(element: etree._Element) -> str | None:
    """The heading text of ``<p><strong>Enumerated Values:</strong></p>``, else None."""
    children = [c for c in element if isinstance(c.tag, str)]
    if len(children) == 1 and children[0].tag == "strong" and not _clean(element.text) and not _clean(children[0].tail):
        return _clean(_text(children[0]))
    return None


def blocks(container: etree._Element) -> list[etree._Element]:
    """The DocBook blocks for the content of one HTML container (td, div, dd, li)."""
    result: list[etree._Element] = []
    loose = db("para")  # text and inline elements outside any block

    def flush() -> None:
        nonlocal loose
        if _clean(etree.tostring(loose, method="text", encoding="unicode")):
            result.append(_tidy(loose))
        loose = db("para")

    loose.text = container.text or ""
    children = [c for c in container if isinstance(c.tag, str)]
    pending_title: str | None = None
    for child in children:
        name = child.tag.lower()
        if name not in _BLOCKS:
            _inline_one(child, loose)
            continue
        flush()
        if pending_title is not None and name != "dl":
            result.append(db("para", pending_title))
            pending_title = None
        if name == "p":
            heading = _only_strong(child)
            if heading is not None:
                pending_title = heading
            elif _clean(_text(child)) or len(child):
                result.append(_para_of(child))
        elif name == "dl":
            result.append(_variablelist(child, pending_title))
            pending_title = None
        elif name in ("ol", "ul"):
            listing = db("orderedlist" if name == "ol" else "itemizedlist")
            for item in child:
                if isinstance(item.tag, str) and item.tag == "li":
                    entry = sub(listing, "listitem")
                    for block in blocks(item) or [db("para")]:
                        entry.append(block)
            result.append(listing)
        elif name == "div":
            headings = [c for c in child if isinstance(c.tag, str)]
            if headings and headings[0].tag == "h3" and _clean(_text(headings[0])).startswith("Note"):
                note = db("note")
                body = [c for c in child if c is not headings[0]]
                shell = lxml.html.Element("div")
                for part in body:
                    shell.append(copy.deepcopy(part))
                for block in blocks(shell) or [db("para")]:
                    note.append(block)
                result.append(note)
            else:
                result.extend(blocks(child))
        else:  # headings, tables: their text as a paragraph
            text = _clean(_text(child))
            if text:
                result.append(db("para", text))
        if child.tail and _clean(child.tail):
            loose.text = child.tail
    flush()
    if pending_title is not None:
        result.append(db("para", pending_title))
    return result


def _variablelist(source: etree._Element, title: str | None) -> etree._Element:
    listing = db("variablelist", spacing="compact")
    if title:
        sub(listing, "title", title)
    entry: etree._Element | None = None
    for child in source:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "dt":
            entry = sub(listing, "varlistentry")
            sub(entry, "term", _clean(_text(child)))
        elif child.tag == "dd":
            if entry is None:
                entry = sub(listing, "varlistentry")
                sub(entry, "term", "")
            item = sub(entry, "listitem")
            for block in blocks(child) or [db("para")]:
                item.append(block)
            entry = None
    for orphan in listing.findall("{*}varlistentry"):
        if orphan.find("{*}listitem") is None:
            sub(sub(orphan, "listitem"), "para")
    return listing


def description(html: str) -> list[etree._Element]:
    """DocBook blocks for one description cell (``<td>...</td>`` or bare HTML)."""
    if not html or not html.strip():
        return []
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    cells = [c for c in fragment if isinstance(c.tag, str)]
    if len(cells) == 1 and cells[0].tag == "td" and not _clean(fragment.text):
        return blocks(cells[0])
    return blocks(fragment)
