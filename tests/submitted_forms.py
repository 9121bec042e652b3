"""What a browser sends when a page's form is submitted as rendered, read from the page's HTML.

The settings round-trip tests GET a page, take one of its forms with ``form_data`` and post
it back: that is what an admin does who opens a settings page and presses Save without
changing anything. The rules followed are the HTML standard's "constructing the entry list":
https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#constructing-the-form-data-set

- disabled controls and controls without a name are left out;
- checkboxes and radio buttons only when checked (their value, "on" without one);
- a select sends its selected options; a single select with none selected sends its first
  option; an option without a value attribute sends its text;
- a textarea drops the one newline that follows its start tag, and sends its line breaks
  as CRLF; text-like inputs lose their line breaks (the value sanitization algorithm);
- submit, reset, button, image and file inputs send nothing here (no button is clicked by
  name on these pages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

NOT_SENT = {"submit", "reset", "button", "image", "file"}
NO_LINE_BREAKS = {"text", "search", "tel", "password", "url", "email", "hidden"}


@dataclass
class Form:
    action: str
    method: str
    entries: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)

    def data(self) -> dict[str, list[str]]:
        """The entries as the test client takes them: each name with its values, in order."""
        data: dict[str, list[str]] = {}
        for name, value in self.entries:
            data.setdefault(name, []).append(value)
        return data


@dataclass
class _Select:
    name: str
    multiple: bool
    disabled: bool
    options: list[tuple[str, bool, bool]] = field(default_factory=list)  # value, selected, off
    option: dict | None = None  # the option being read: its attributes and text so far


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: _Select | None = None
        self.textarea: tuple[str, bool, list[str]] | None = None
        self.button: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.form = Form(attributes.get("action") or "", (attributes.get("method") or "get"))
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input":
            self._input(attributes)
        elif tag == "select":
            self.select = _Select(
                attributes.get("name") or "", "multiple" in attributes, "disabled" in attributes
            )
        elif tag == "option" and self.select is not None:
            self._end_option()
            self.select.option = {"attributes": attributes, "text": []}
        elif tag == "textarea":
            self.textarea = (attributes.get("name") or "", "disabled" in attributes, [])
        elif tag == "button":
            self.button = []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[2].append(data)
        elif self.select is not None and self.select.option is not None:
            self.select.option["text"].append(data)
        if self.button is not None:
            self.button.append(data)

    def handle_endtag(self, tag):
        if self.form is None:
            return
        if tag == "form":
            self.form = None
        elif tag == "option" and self.select is not None:
            self._end_option()
        elif tag == "select" and self.select is not None:
            self._end_option()
            self._send_select(self.select)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, disabled, parts = self.textarea
            text = "".join(parts)
            text = text[1:] if text.startswith("\n") else text
            if name and not disabled:
                self.form.entries.append((name, re.sub(r"\r\n|\r|\n", "\r\n", text)))
            self.textarea = None
        elif tag == "button" and self.button is not None:
            self.form.buttons.append(" ".join("".join(self.button).split()))
            self.button = None

    def _input(self, attributes):
        kind = (attributes.get("type") or "text").lower()
        name = attributes.get("name")
        if kind in {"submit", "button"}:
            self.form.buttons.append(attributes.get("value") or "")
        if not name or "disabled" in attributes or kind in NOT_SENT:
            return
        value = attributes.get("value")
        if kind in {"checkbox", "radio"}:
            if "checked" in attributes:
                self.form.entries.append((name, "on" if value is None else value))
            return
        value = value or ""
        if kind in NO_LINE_BREAKS:
            value = re.sub(r"[\r\n]", "", value)
        if kind in {"email", "url"}:
            value = value.strip()
        self.form.entries.append((name, value))

    def _end_option(self):
        option = self.select.option
        if option is None:
            return
        attributes = option["attributes"]
        text = " ".join("".join(option["text"]).split())
        value = attributes.get("value", text) or ""
        self.select.options.append((value, "selected" in attributes, "disabled" in attributes))
        self.select.option = None

    def _send_select(self, select: _Select):
        if not select.name or select.disabled:
            return
        chosen = [value for value, selected, off in select.options if selected and not off]
        if not select.multiple:
            chosen = chosen[-1:]  # the last selected option wins in a single select
            if not chosen:
                chosen = [value for value, _selected, off in select.options if not off][:1]
        self.form.entries.extend((select.name, value) for value in chosen)


def forms_on(html: str) -> list[Form]:
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader.forms


def form_data(html: str, *, button: str, action: str | None = None) -> dict[str, list[str]]:
    """The data the form with the button labelled `button` (and posting to `action`, where
    several have that button) sends when it is submitted as is."""
    found = [
        form
        for form in forms_on(html)
        if button in form.buttons and (action is None or form.action == action)
    ]
    assert len(found) == 1, f"{len(found)} forms with a {button!r} button"
    return found[0].data()
