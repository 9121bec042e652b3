"""The small JQL subset the simulator understands.

Supported: clauses joined with AND --
``project = A`` / ``project in (A, B)``; ``key|issuekey|id|issue = X`` / ``in (...)`` taking
keys or numeric ids, and ``{>, >=, <, <=} N`` with a numeric id (Jira compares issue ids then); ``created|updated {>, >=, <, <=} X`` where X is epoch milliseconds, a
``yyyy/MM/dd HH:mm`` / ``yyyy-MM-dd HH:mm`` / date-only literal read in the *calling
account's* time zone (Jira's real behaviour), or a relative period such as ``-15m`` / ``"-4w 2d"``;
then ``ORDER BY`` up to 7 of created/updated/key/id with ASC/DESC.

Anything else is rejected with a 400 in Jira's error body shape, so a client never mistakes an
unsupported query for an empty result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from .constants import DAY_MS, MSG_UNBOUNDED
from .dates import to_ms, zone

DATE_FIELDS = {"created": "created", "createddate": "created", "updated": "updated"}
DATE_FIELDS["updateddate"] = "updated"
ISSUE_FIELDS = {"key", "issuekey", "id", "issue"}
SORT_FIELDS = {"created": "created", "updated": "updated", "key": "key", "issuekey": "key"}
SORT_FIELDS["id"] = "id"
MAX_SORT_FIELDS = 7
# Real Jira fields this subset does not evaluate: they get an "unsupported" message rather than
# Jira's "does not exist", so a developer knows the simulator (not the query) is the limit.
KNOWN_UNSUPPORTED = {
    "status", "statuscategory", "assignee", "reporter", "creator", "issuetype", "type",
    "priority", "labels", "component", "resolution", "resolutiondate", "resolved", "sprint",
    "text", "summary", "description", "comment", "parent", "fixversion", "due", "duedate",
    "rank", "lastviewed", "watcher", "epic", "environment",
}  # fmt: skip
DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
PERIOD_RE = re.compile(r"^([+-])?\s*((?:\d+\s*[wdhm]\s*)+)$", re.IGNORECASE)
PERIOD_PART_RE = re.compile(r"(\d+)\s*([wdhm])", re.IGNORECASE)
UNIT_MS = {"w": 7 * DAY_MS, "d": DAY_MS, "h": 3_600_000, "m": 60_000}
TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>>=|<=|!=|!~|=|>|<|~|\(|\)|,)
      | (?P<word>[^\s"'(),=<>!~]+)
    )""",
    re.VERBOSE,
)


class JqlError(ValueError):
    """A query Jira (or this subset) rejects; ``messages`` go into ``errorMessages``."""

    def __init__(self, *messages: str):
        super().__init__(messages[0])
        self.messages = list(messages)


@dataclass
class Token:
    kind: str  # "str", "op", "word", "eof"
    text: str
    pos: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


@dataclass
class Query:
    """A parsed, value-resolved query. Empty lists mean "no restriction of that kind"."""

    text: str
    projects: list[list[str]] = field(default_factory=list)  # one list per clause, AND-ed
    issues: list[list[str]] = field(default_factory=list)  # keys or numeric ids, per clause
    ranges: list[tuple[str, str, int]] = field(default_factory=list)  # (field, op, epoch ms)
    id_ranges: list[tuple[str, int]] = field(default_factory=list)  # (op, issue id)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, ascending)

    @property
    def bounded(self) -> bool:
        return bool(self.projects or self.issues or self.ranges or self.id_ranges)

    def cache_key(self) -> tuple:
        return (
            tuple(tuple(p) for p in self.projects),
            tuple(tuple(i) for i in self.issues),
            tuple(self.ranges),
            tuple(self.id_ranges),
            tuple(self.order),
        )


def parse(text: str, *, tz_name: str, now_ms: int, require_bound: bool = True) -> Query:
    """Parse ``text``; date literals are read in ``tz_name``, periods relative to ``now_ms``."""
    parser = _Parser(text or "", tz_name=tz_name, now_ms=now_ms)
    query = parser.parse()
    if require_bound and not query.bounded:
        raise JqlError(MSG_UNBOUNDED)
    return query


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            raise JqlError(_at(text, pos, f"The character '{text[pos]}' is a reserved character"))
        kind = match.lastgroup or "word"
        raw = match.group(kind)
        if kind == "str":
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        tokens.append(Token(kind, raw, match.start(kind)))
        pos = match.end()
    tokens.append(Token("eof", "", len(text)))
    return tokens


def _at(text: str, pos: int, message: str) -> str:
    return f"Error in the JQL Query: {message}. (line 1, character {pos + 1})"


class _Parser:
    def __init__(self, text: str, *, tz_name: str, now_ms: int):
        self.text = text
        self.tz_name = tz_name
        self.now_ms = now_ms
        self.tokens = _tokenize(text)
        self.i = 0

    # -- token helpers -----------------------------------------------------------------------
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, token: Token, message: str) -> JqlError:
        return JqlError(_at(self.text, token.pos, message))

    def expect_word(self, word: str) -> None:
        token = self.take()
        if token.upper != word:
            raise self.fail(token, f"Expecting '{word}' but got '{token.text or 'EOF'}'")

    # -- grammar -----------------------------------------------------------------------------
    def parse(self) -> Query:
        query = Query(text=self.text)
        if self.peek().upper != "ORDER" and self.peek().kind != "eof":
            self.clause(query)
            while self.peek().upper == "AND":
                self.take()
                self.clause(query)
        token = self.peek()
        if token.upper in {"OR", "NOT"}:
            raise self.fail(token, f"the Jira simulator does not support '{token.upper}'")
        if token.upper == "ORDER":
            self.take()
            self.expect_word("BY")
            self.order_by(query)
        token = self.peek()
        if token.kind != "eof":
            raise self.fail(token, f"Expecting either 'OR' or 'AND' but got '{token.text}'")
        return query

    def clause(self, query: Query) -> None:
        token = self.take()
        if token.kind == "op" and token.text == "(":
            raise self.fail(token, "the Jira simulator does not support parenthesised clauses")
        if token.upper == "NOT":
            raise self.fail(token, "the Jira simulator does not support 'NOT'")
        if token.kind not in {"word", "str"}:
            raise self.fail(token, f"Expecting a field name but got '{token.text or 'EOF'}'")
        name = token.text.lower()
        operator = self.operator()
        if name == "project":
            query.projects.append(self.value_list(operator, token, name))
        elif name in ISSUE_FIELDS and operator in {">", ">=", "<", "<="}:
            value = self.take()
            if value.kind not in {"word", "str"} or not value.text.strip().isdigit():
                raise self.fail(
                    value, f"the Jira simulator compares {name} with numeric issue ids only"
                )
            query.id_ranges.append((operator, int(value.text)))
        elif name in ISSUE_FIELDS:
            query.issues.append([v.upper() for v in self.value_list(operator, token, name)])
        elif name in DATE_FIELDS:
            if operator not in {">", ">=", "<", "<="}:
                raise self.fail(
                    token, f"the Jira simulator does not support '{operator}' on {name}"
                )
            value = self.take()
            query.ranges.append((DATE_FIELDS[name], operator, self.date_value(value, name)))
        elif name in KNOWN_UNSUPPORTED:
            raise self.fail(token, f"the Jira simulator does not support the field '{token.text}'")
        else:
            raise JqlError(
                f"Field '{token.text}' does not exist or you do not have permission to view it."
            )

    def operator(self) -> str:
        token = self.take()
        if token.kind == "op" and token.text in {"=", "!=", ">", ">=", "<", "<=", "~", "!~"}:
            return token.text
        if token.upper == "IN":
            return "in"
        if token.upper in {"NOT", "IS", "WAS", "CHANGED"}:
            raise self.fail(
                token, f"the Jira simulator does not support the operator '{token.text}'"
            )
        raise self.fail(token, f"Expecting operator but got '{token.text or 'EOF'}'")

    def value_list(self, operator: str, field_token: Token, name: str) -> list[str]:
        if operator == "=":
            return [self.literal()]
        if operator != "in":
            raise self.fail(
                field_token, f"the Jira simulator does not support '{operator}' on {name}"
            )
        opening = self.take()
        if opening.text != "(" or opening.kind != "op":
            raise self.fail(opening, f"Expecting '(' but got '{opening.text or 'EOF'}'")
        values = [self.literal()]
        while self.peek().kind == "op" and self.peek().text == ",":
            self.take()
            values.append(self.literal())
        closing = self.take()
        if closing.text != ")" or closing.kind != "op":
            raise self.fail(closing, f"Expecting ')' but got '{closing.text or 'EOF'}'")
        return values

    def literal(self) -> str:
        token = self.take()
        if token.kind not in {"word", "str"} or token.upper in {"AND", "OR", "ORDER"}:
            raise self.fail(token, f"Expecting a value but got '{token.text or 'EOF'}'")
        if self.peek().kind == "op" and self.peek().text == "(":
            raise self.fail(
                token, f"the Jira simulator does not support functions ('{token.text}()')"
            )
        return token.text

    def date_value(self, token: Token, name: str) -> int:
        if token.kind not in {"word", "str"}:
            raise self.fail(token, f"Expecting a date but got '{token.text or 'EOF'}'")
        if self.peek().kind == "op" and self.peek().text == "(":
            raise self.fail(
                token, f"the Jira simulator does not support functions ('{token.text}()')"
            )
        raw = token.text.strip()
        if raw.isdigit():
            return int(raw)  # epoch milliseconds: an absolute instant, no zone involved
        for fmt in DATE_FORMATS:
            try:
                local = datetime.strptime(raw, fmt)
            except ValueError:
                continue
            return to_ms(local.replace(tzinfo=zone(self.tz_name)))
        period = PERIOD_RE.match(raw)
        if period:
            sign = -1 if period.group(1) == "-" else 1
            parts = PERIOD_PART_RE.findall(period.group(2))
            return self.now_ms + sign * sum(int(n) * UNIT_MS[u.lower()] for n, u in parts)
        raise JqlError(
            f"Date value '{raw}' for field '{name}' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', "
            "or a period format e.g. '-5d', '4w 2d'."
        )

    def order_by(self, query: Query) -> None:
        while True:
            token = self.take()
            if token.kind not in {"word", "str"}:
                raise self.fail(token, f"Expecting a field name but got '{token.text or 'EOF'}'")
            name = token.text.lower()
            if name not in SORT_FIELDS:
                if name in KNOWN_UNSUPPORTED:
                    raise self.fail(token, f"the Jira simulator cannot order by '{token.text}'")
                raise JqlError(f"Not able to sort using field '{token.text}'.")
            ascending = True
            if self.peek().upper in {"ASC", "DESC"}:
                ascending = self.take().upper == "ASC"
            query.order.append((SORT_FIELDS[name], ascending))
            if len(query.order) > MAX_SORT_FIELDS:
                raise JqlError(f"The ORDER BY clause may contain at most {MAX_SORT_FIELDS} fields.")
            if not (self.peek().kind == "op" and self.peek().text == ","):
                return
            self.take()
