"""Atlassian Document Format (ADF) to plain text, and the URLs hidden in ADF.

Jira Cloud's v3 API returns issue descriptions and comment bodies as ADF: a
JSON tree of ``{"type", "attrs", "content", "text", "marks"}`` nodes. Atlassian
adds node types over time and data written by apps or old migrations is not
always well formed, so everything here is defensive: unknown node types are
walked for their text, wrong types are ignored, and nothing raises.

Public API:

- ``adf_to_text(doc) -> str``
- ``adf_urls(doc) -> list[str]``
- ``adf_text_and_urls(doc) -> tuple[str, list[str]]``: both, in one walk of the tree
  where it can (a sync reads both of every description and comment)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

__all__ = ["adf_text_and_urls", "adf_to_text", "adf_urls"]

# Real documents are rarely more than ~10 levels deep; the cap only exists so
# that hostile or corrupted input cannot exhaust the interpreter stack.
MAX_DEPTH = 100
# Bounds total work, which a depth cap alone does not: a node that lists the
# same child twice on every level is shallow but exponential to walk.
MAX_NODES = 100_000

# Nodes that flow inside a line of text. Everything else is treated as a block.
_INLINE_TYPES = frozenset(
    {
        "text",
        "hardBreak",
        "mention",
        "emoji",
        "inlineCard",
        "status",
        "date",
        "mediaInline",
        "placeholder",
        "inlineExtension",
    }
)
_CARD_TYPES = frozenset({"inlineCard", "blockCard", "embedCard"})
# Inline nodes rendered as a standalone token that must not touch adjacent words.
_ATOM_TYPES = frozenset({"inlineCard", "mention", "status", "date"})
_MEDIA_TYPES = frozenset({"media", "mediaSingle", "mediaGroup", "mediaInline"})
# Rendered by `_Renderer.inline` from their own fields, never from their children.
_LEAF_INLINE_TYPES = (
    frozenset({"text", "hardBreak", "mention", "emoji", "status", "date", "placeholder"})
    | _CARD_TYPES
    | _MEDIA_TYPES
)
# Containers whose only job is layout or decoration: their text is their content.
_TRANSPARENT_TYPES = frozenset(
    {"doc", "panel", "expand", "nestedExpand", "layoutSection", "layoutColumn"}
)

_BARE_URL_RE = re.compile(r"https?://[^\s<>\"'`|\\^{}]+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?*"
_MANY_NEWLINES_RE = re.compile(r"\n{3,}")
_TRAILING_SPACE_RE = re.compile(r"[ \t]+$", re.MULTILINE)


def adf_to_text(doc: Any) -> str:
    """Render an ADF document as readable plain text.

    ``None`` gives ``""`` and a plain string (an API v2 body) is returned as is.
    Paragraphs are separated by blank lines; lists are rendered as ``- item`` /
    ``1. item`` / ``[x] item`` with nested lists indented by two spaces; code
    blocks are fenced with ``````` lines; quotes are prefixed with ``> ``; tables
    become one line per row with cells joined by `` | ``. Media is dropped.

    Never raises: malformed nodes are skipped and unknown node types contribute
    their ``content`` (or ``text``). The final tidy (trailing spaces stripped,
    3+ newlines collapsed to 2) also applies inside code blocks.
    """
    if doc is None:
        return ""
    if isinstance(doc, str):
        return doc
    if isinstance(doc, list):
        doc = {"type": "doc", "content": doc}
    if not isinstance(doc, dict):
        return ""
    return _tidy(_Renderer().block(doc, 0))


def adf_text_and_urls(doc: Any) -> tuple[str, list[str]]:
    """``(adf_to_text(doc), adf_urls(doc))``, in one walk of the tree when it can.

    The renderer notes the URLs of every node it enters, in document order. When it
    leaves part of the tree unvisited that ``adf_urls`` would walk (children of a media
    or text node, a depth or size cap reached), the URLs are read by a walk of their
    own, so the result is always the same as the two calls'.
    """
    if isinstance(doc, str):
        return doc, adf_urls(doc)
    if isinstance(doc, list):
        doc = {"type": "doc", "content": doc}
    if not isinstance(doc, dict):
        return "", []
    renderer = _Renderer(found=[])
    text = _tidy(renderer.block(doc, 0))
    if renderer.found is None or renderer.walked > MAX_NODES:
        return text, adf_urls(doc)
    return text, _http_urls(renderer.found)


def _tidy(text: str) -> str:
    # Most texts have neither: a substring test is a fraction of a regex pass.
    if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):
        text = _TRAILING_SPACE_RE.sub("", text)
    if "\n\n\n" in text:
        text = _MANY_NEWLINES_RE.sub("\n\n", text)
    return text.strip("\n")


def adf_urls(doc: Any) -> list[str]:
    """Return every http(s) URL in the document, in document order, de-duplicated.

    Sources: ``inlineCard``/``blockCard``/``embedCard`` ``attrs.url``, ``link``
    mark ``href``s, and bare URLs typed into text. A plain string (API v2 body)
    is scanned for bare URLs.
    """
    found: list[str] = []
    if isinstance(doc, list):
        doc = {"type": "doc", "content": doc}
    if isinstance(doc, str):
        found.extend(_bare_urls(doc))
    else:
        for node in _walk(doc):
            _node_urls(node, found)
    return _http_urls(found)


def _node_urls(node: dict, found: list[str]) -> None:
    """Add the URLs `node` itself holds (not its children's) to `found`.

    Called for every node of every description and comment a sync reads: the common
    case (a text node without marks or URL) is kept to a few dictionary reads.
    """
    node_type = node.get("type")
    if node_type.__class__ is str and node_type in _CARD_TYPES:
        found.append(_card_url(_attrs(node)))
    text = node.get("text")
    if text.__class__ is str:
        if "marks" in node:
            found.append(_link_href(node))
        # Every bare URL has "://" (the pattern asks for it); most text has none.
        if "://" in text:
            found.extend(_bare_urls(text))


def _http_urls(found: list[str]) -> list[str]:
    """The http(s) URLs of `found`, each once, in order."""
    seen: set[str] = set()
    urls = []
    for url in found:
        if url and url not in seen and _is_http_url(url):
            seen.add(url)
            urls.append(url)
    return urls


class _Renderer:
    """Recursive ADF renderer carrying the node budget shared by one document.

    With `found`, it also collects the URLs of the nodes it enters (see
    `adf_text_and_urls`); `found` becomes None once it skips a part of the tree that
    `adf_urls` walks, so that the caller knows to walk the tree for them instead.
    """

    # Text nodes rendered by `_text` rather than `inline` (the same result, in less time);
    # tests turn it off to compare the two.
    fast_text = True

    def __init__(self, found: list[str] | None = None) -> None:
        self.nodes_left = MAX_NODES
        self.found = found
        self.walked = 0  # nodes whose URLs were collected (`adf_urls` stops at MAX_NODES)

    def _admit(self, node: Any, depth: int) -> bool:
        if not isinstance(node, dict):
            return False
        if depth > MAX_DEPTH or self.nodes_left <= 0:
            self.found = None
            return False
        self.nodes_left -= 1
        if self.found is not None:
            self.walked += 1
            _node_urls(node, self.found)
        return True

    def _skip_children(self, node: dict) -> None:
        """Note that `node`'s children, if any, are left unvisited."""
        if self.found is not None and any(
            isinstance(c, dict) for c in _as_list(node.get("content"))
        ):
            self.found = None

    # -- block context ---------------------------------------------------------

    def blocks(self, nodes: Any, depth: int) -> list[str]:
        """Render a content list as separate non-empty blocks.

        Runs of inline nodes (e.g. text placed directly in ``doc`` by a buggy
        writer) are glued together into a single paragraph.
        """
        out: list[str] = []
        run: list[Any] = []
        for node in _as_list(nodes):
            if _is_inline(node):
                run.append(node)
                continue
            if run:
                out.append(self.inlines(run, depth))
                run = []
            out.append(self.block(node, depth))
        if run:
            out.append(self.inlines(run, depth))
        return [block for block in out if block.strip()]

    def block(self, node: Any, depth: int) -> str:
        if not self._admit(node, depth):
            return ""
        node_type = _type(node)
        content = node.get("content")
        depth += 1

        if node_type in ("paragraph", "heading"):
            return self.inlines(content, depth).strip("\n")
        if node_type in ("bulletList", "orderedList"):
            return self.list_items(node, depth)
        if node_type == "taskList":
            return self.task_list(content, depth)
        if node_type == "codeBlock":
            self._code_urls(content, depth)
            code = "".join(
                child["text"]
                for child in _as_list(content)
                if isinstance(child, dict) and isinstance(child.get("text"), str)
            )
            # Code often ends with a newline; the fence goes right after it.
            code = code.rstrip("\n")
            return f"```\n{code}\n```" if code.strip() else ""
        if node_type == "blockquote":
            quoted = "\n\n".join(self.blocks(content, depth))
            if not quoted:
                return ""
            return "\n".join(f"> {line}" for line in quoted.split("\n"))
        if node_type == "rule":
            self._skip_children(node)
            return "---"
        if node_type in _CARD_TYPES:
            self._skip_children(node)
            return _card_url(_attrs(node))
        if node_type in _MEDIA_TYPES:
            self._skip_children(node)
            return ""
        if node_type == "table":
            return self.table(content, depth)
        if node_type in ("expand", "nestedExpand"):
            # The title is author-written text (e.g. "Acceptance criteria").
            title = _str_attr(node, "title").strip()
            return "\n\n".join(([title] if title else []) + self.blocks(content, depth))
        if node_type in _TRANSPARENT_TYPES or isinstance(content, list):
            return "\n\n".join(self.blocks(content, depth))
        if node_type not in _KNOWN_BLOCK_TYPES:
            return self.inline(node, depth)
        return ""

    def _code_urls(self, content: Any, depth: int) -> None:
        """The URLs of a code block's children, which are read as text, not rendered.

        Counted as `adf_urls` counts them: against the depth cap, not the node budget
        (the renderer never spent it on them).
        """
        if self.found is None:
            return
        for child in _as_list(content):
            if not isinstance(child, dict):
                continue
            if depth > MAX_DEPTH or isinstance(child.get("content"), list):
                self.found = None
                return
            self.walked += 1
            _node_urls(child, self.found)

    def list_items(self, node: dict, depth: int) -> str:
        number = _list_start(node) if node.get("type") == "orderedList" else None
        lines: list[str] = []
        for item in _as_list(node.get("content")):
            if _type(item) in ("bulletList", "orderedList"):
                # Some converters nest a list directly in a list, not in a listItem.
                nested = self.block(item, depth)
                if nested:
                    lines.append(_indent(nested, "  "))
                continue
            if not self._admit(item, depth):
                continue
            text = "\n".join(self.blocks(item.get("content"), depth + 1))
            marker = "- " if number is None else f"{number}. "
            if number is not None:
                number += 1
            if text:
                lines.append(marker + _indent(text, "  ", first=False))
        return "\n".join(lines)

    def task_list(self, content: Any, depth: int) -> str:
        lines: list[str] = []
        for item in _as_list(content):
            if isinstance(item, dict) and item.get("type") == "taskItem":
                if not self._admit(item, depth):
                    continue
                box = "[x] " if _str_attr(item, "state").upper() == "DONE" else "[ ] "
                text = "\n".join(self.blocks(item.get("content"), depth + 1))
                lines.append(box + _indent(text, "  ", first=False))
            elif isinstance(item, dict) and item.get("type") == "taskList":
                # Jira nests a sub-task list as a sibling of the taskItems.
                nested = self.block(item, depth)
                if nested:
                    lines.append(_indent(nested, "  "))
            else:
                lines.extend(self.blocks([item], depth))
        return "\n".join(lines)

    def table(self, rows: Any, depth: int) -> str:
        lines: list[str] = []
        for row in _as_list(rows):
            if not self._admit(row, depth):
                continue
            cells = []
            for cell in _as_list(row.get("content")):
                if not self._admit(cell, depth + 1):
                    continue
                text = " ".join(self.blocks(cell.get("content"), depth + 2))
                cells.append(" ".join(text.split()))
            if any(cells):
                lines.append(" | ".join(cells))
        return "\n".join(lines)

    # -- inline context --------------------------------------------------------

    def inlines(self, nodes: Any, depth: int) -> str:
        out = ""
        previous_atom = False
        fast_text = self.fast_text
        for node in _as_list(nodes):
            if fast_text and node.__class__ is dict and node.get("type") == "text":
                # Most nodes of every description and comment are text runs: rendered
                # here as `inline` renders them, without its dispatch on the node type.
                piece = self._text(node, depth)
                if previous_atom and _needs_space(out, piece):
                    out += " "
                out += piece
                previous_atom = False
                continue
            piece = self.inline(node, depth)
            atom = _type(node) in _ATOM_TYPES
            # Editors often put a card or mention right against the next word
            # ("…/pull/12@Ana"), which would glue a URL to a name.
            if (atom or previous_atom) and _needs_space(out, piece):
                out += " "
            out += piece
            previous_atom = atom and bool(piece)
        return out

    def _text(self, node: dict, depth: int) -> str:
        """`inline` of a text node: its URLs noted, its text and link rendered."""
        if depth > MAX_DEPTH or self.nodes_left <= 0:
            self.found = None
            return ""
        self.nodes_left -= 1
        text = node.get("text")
        href = _link_href(node) if "marks" in node else ""
        if self.found is not None:
            self.walked += 1
            # As `_node_urls` does for a text node.
            if text.__class__ is str:
                if "marks" in node:
                    self.found.append(href)
                if "://" in text:
                    self.found.extend(_bare_urls(text))
            # A text node's children, if any, are never rendered (`_skip_children`).
            if "content" in node:
                self._skip_children(node)
        # As `_text_with_link` renders it.
        if not isinstance(text, str):
            return ""
        if not href or text.strip() == href:
            return text
        if not text.strip():
            return href
        return f"{text} ({href})"

    def inline(self, node: Any, depth: int) -> str:
        if not self._admit(node, depth):
            return ""
        node_type = _type(node)
        attrs = _attrs(node)

        if node_type in _LEAF_INLINE_TYPES:
            # Rendered from its own fields: children, if any, stay unvisited.
            self._skip_children(node)
        if node_type == "text":
            return _text_with_link(node)
        if node_type == "hardBreak":
            return "\n"
        if node_type == "mention":
            return _mention(attrs)
        if node_type == "emoji":
            return _str_attr(node, "text") or _str_attr(node, "shortName")
        if node_type in _CARD_TYPES:
            return _card_url(attrs)
        if node_type == "status":
            return _str_attr(node, "text")
        if node_type == "date":
            return _date(attrs.get("timestamp"))
        if node_type in _MEDIA_TYPES or node_type == "placeholder":
            # Placeholders are editor hints ("Type here..."), not content.
            return ""
        if node_type in _KNOWN_BLOCK_TYPES:
            # A block inside a paragraph is malformed; keep it on its own lines.
            rendered = self.block(node, depth)
            return f"\n{rendered}\n" if rendered else ""
        content = node.get("content")
        if isinstance(content, list):
            if node_type in _INLINE_TYPES or all(_is_inline(child) for child in content):
                return self.inlines(content, depth + 1)
            return "\n".join(self.blocks(content, depth + 1))
        text = node.get("text")
        return text if isinstance(text, str) else ""


# -- node helpers ---------------------------------------------------------------


def _type(node: Any) -> str:
    node_type = node.get("type") if isinstance(node, dict) else None
    return node_type if isinstance(node_type, str) else ""


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _attrs(node: dict) -> dict:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, dict) else {}


def _str_attr(node: dict, key: str) -> str:
    value = _attrs(node).get(key)
    return value if isinstance(value, str) else ""


def _is_inline(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    node_type = _type(node)
    if node_type in _INLINE_TYPES:
        return True
    # Unknown leaf carrying text: treat like a text node.
    return node_type not in _KNOWN_BLOCK_TYPES and not isinstance(node.get("content"), list)


_KNOWN_BLOCK_TYPES = frozenset(
    {
        "paragraph",
        "heading",
        "bulletList",
        "orderedList",
        "listItem",
        "taskList",
        "taskItem",
        "codeBlock",
        "blockquote",
        "rule",
        "table",
        "tableRow",
        "tableHeader",
        "tableCell",
        "blockCard",
        "embedCard",
        "media",
        "mediaSingle",
        "mediaGroup",
    }
    | _TRANSPARENT_TYPES
)


def _indent(text: str, prefix: str, *, first: bool = True) -> str:
    lines = text.split("\n")
    return "\n".join(
        line if (index == 0 and not first) or not line else prefix + line
        for index, line in enumerate(lines)
    )


def _needs_space(before: str, after: str) -> bool:
    if not before or not after or before[-1].isspace() or after[0].isspace():
        return False
    return before[-1] not in "([{" and after[0] not in ",.;:!?)]}"


def _list_start(node: dict) -> int:
    order = _attrs(node).get("order")
    if isinstance(order, bool):
        return 1
    if isinstance(order, float) and order.is_integer():
        order = int(order)
    if isinstance(order, str) and order.strip().isdigit():
        order = int(order.strip())
    return order if isinstance(order, int) and 0 <= order < 10**9 else 1


def _link_href(node: dict) -> str:
    for mark in _as_list(node.get("marks")):
        if isinstance(mark, dict) and mark.get("type") == "link":
            href = _attrs(mark).get("href")
            if isinstance(href, str) and href.strip():
                return href.strip()
    return ""


def _text_with_link(node: dict) -> str:
    text = node.get("text")
    if not isinstance(text, str):
        return ""
    href = _link_href(node)
    if not href or text.strip() == href:
        return text
    if not text.strip():
        return href
    return f"{text} ({href})"


def _mention(attrs: dict) -> str:
    text = attrs.get("text")
    if isinstance(text, str) and text.strip():
        text = text.strip()
        return text if text.startswith("@") else "@" + text
    account_id = attrs.get("id")
    if isinstance(account_id, str) and account_id.strip():
        return "@" + account_id.strip()
    return ""


def _card_url(attrs: dict) -> str:
    url = attrs.get("url")
    if isinstance(url, str):
        return url.strip()
    # Smart links may carry JSON-LD in attrs.data instead of a url.
    data = attrs.get("data")
    if isinstance(data, dict) and isinstance(data.get("url"), str):
        return data["url"].strip()
    return ""


def _date(timestamp: Any) -> str:
    # ADF stores the date as epoch milliseconds, usually as a *string*.
    try:
        millis = float(timestamp) if not isinstance(timestamp, bool) else None
        if millis is None:
            return ""
        return datetime.fromtimestamp(millis / 1000, tz=UTC).date().isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


# -- URL helpers ----------------------------------------------------------------


def _walk(doc: Any) -> Iterator[dict]:
    """Yield dict nodes in document (pre-)order, bounded in depth and count."""
    budget = MAX_NODES
    stack: list[tuple[Any, int]] = [(doc, 0)]
    while stack and budget > 0:
        node, depth = stack.pop()
        if not isinstance(node, dict) or depth > MAX_DEPTH:
            continue
        budget -= 1
        yield node
        content = node.get("content")
        if isinstance(content, list):
            stack.extend((child, depth + 1) for child in reversed(content))


def _bare_urls(text: str) -> list[str]:
    return [_trim_url(match.group(0)) for match in _BARE_URL_RE.finditer(text)]


def _trim_url(url: str) -> str:
    """Drop sentence punctuation glued to a URL, keeping balanced brackets."""
    while url:
        last = url[-1]
        unbalanced = (last == ")" and url.count("(") < url.count(")")) or (
            last == "]" and url.count("[") < url.count("]")
        )
        if last not in _TRAILING_PUNCTUATION and not unbalanced:
            break
        url = url[:-1]
    return url


def _is_http_url(url: str) -> bool:
    return _is_http_url_kept(url) if url.__class__ is str else _is_http(url)


def _is_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


# The same URLs come back in an issue's description, comments and links.
_is_http_url_kept = functools.lru_cache(maxsize=4096)(_is_http)
