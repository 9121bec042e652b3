"""Issue text: summaries and Atlassian Document Format (ADF) bodies.

Bodies mix the node types a real walker meets: paragraphs, headings, lists, task lists,
code blocks, mentions, inline/block cards, link marks, media, panels, emoji, status lozenges,
dates and hard breaks. URLs in them point at the issue's pull requests and linked documents.
"""

from __future__ import annotations

import random

from .seeding import stable_uuid

VERBS = (
    "Fix", "Add", "Refactor", "Remove", "Migrate", "Investigate", "Improve", "Document",
    "Speed up", "Harden", "Support", "Upgrade", "Split", "Retry", "Validate", "Cache",
)  # fmt: skip
OBJECTS = (
    "login redirect", "invoice export", "payment webhook", "search indexer", "password reset flow",
    "audit log", "CSV import", "rate limiter", "session cookies", "dashboard charts",
    "notification emails", "feature flags", "billing cron", "S3 uploads", "SSO callback",
    "onboarding wizard", "API pagination", "error pages", "Postgres connection pool",
    "mobile push tokens", "release pipeline", "timezone handling", "user avatars", "GraphQL schema",
)  # fmt: skip
QUALIFIERS = (
    "", "", "for EU customers", "on Safari", "under load", "after deploy", "in staging",
    "for admins", "when the token expires", "behind the proxy", "(follow-up)", "v2",
)  # fmt: skip
EPIC_THEMES = (
    "Billing revamp", "SSO for enterprise", "Mobile offline mode", "Q3 reliability",
    "Search relevance", "Self-serve onboarding", "Data export API", "Accessibility pass",
)  # fmt: skip
PLACEHOLDER_SUMMARIES = ("TBD", "fix", "todo", "test", "asdf", "WIP", "?")
SENTENCES = (
    "Customers report intermittent failures since the last release.",
    "We should keep the old behaviour behind a flag until the migration is done.",
    "Steps to reproduce are in the support ticket.",
    "This blocks the enterprise rollout.",
    "The current implementation retries forever and floods the logs.",
    "Numbers from last week show p95 latency doubled.",
    "Agreed in planning to timebox this to two days.",
    "Design is attached below.",
    "Make sure the metrics dashboard is updated as well.",
    "No user-facing change expected.",
)  # fmt: skip
COMMENT_LINES = (
    "Looks good to me.", "Can you add a test for the edge case?", "Deployed to staging.",
    "I could not reproduce this locally.", "Blocked on the API change.", "PR is up for review.",
    "Moving this to the next sprint.", "QA passed.", "Reopening: still happens on mobile.",
    "Thanks, merged.", "Pairing on this tomorrow.", "Root cause was a missing index.",
)  # fmt: skip
CRITERIA = (
    "The page loads in under 2 seconds", "Errors are shown inline", "Existing data is migrated",
    "Works for SSO users", "An audit log entry is written", "Feature flag defaults to off",
)  # fmt: skip
CODE = ("retry(max_attempts=5, backoff=2.0)", "SELECT count(*) FROM invoices WHERE paid IS NULL;")
EMOJI = ((":thumbsup:", "1f44d"), (":warning:", "26a0"), (":rocket:", "1f680"))


def summary(rng: random.Random, is_epic: bool) -> str:
    if rng.random() < 0.04:
        return rng.choice(PLACEHOLDER_SUMMARIES)
    if is_epic:
        return rng.choice(EPIC_THEMES)
    return " ".join(
        p for p in (rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(QUALIFIERS)) if p
    )


def text(value: str, *marks: dict) -> dict:
    node: dict = {"type": "text", "text": value}
    if marks:
        node["marks"] = list(marks)
    return node


def paragraph(*content: dict) -> dict:
    return {"type": "paragraph", "content": list(content)}


def mention(user_json: dict) -> dict:
    name = user_json["displayName"]
    return {"type": "mention", "attrs": {"id": user_json["accountId"], "text": f"@{name}"}}


def link(label: str, url: str) -> dict:
    return text(label, {"type": "link", "attrs": {"href": url}})


def _list(kind: str, items: list[str]) -> dict:
    return {
        "type": kind,
        "content": [{"type": "listItem", "content": [paragraph(text(i))]} for i in items],
    }


def _task_list(rng: random.Random, seed: int, items: list[str]) -> dict:
    return {
        "type": "taskList",
        "attrs": {"localId": stable_uuid(seed, "tasks")},
        "content": [
            {
                "type": "taskItem",
                "attrs": {"localId": stable_uuid(seed, i), "state": rng.choice(("TODO", "DONE"))},
                "content": [text(item)],
            }
            for i, item in enumerate(items)
        ],
    }


def description(seed: int, *, users: list[dict], pr_urls: list[str], doc_urls: list[str]) -> dict:
    """A deterministic ADF document for one issue; ``users`` are candidates for mentions."""
    rng = random.Random(seed)
    content: list[dict] = []
    first = [text(rng.choice(SENTENCES) + " ")]
    if users and rng.random() < 0.35:
        first += [text("cc "), mention(rng.choice(users)), text(" ")]
    if pr_urls and rng.random() < 0.6:
        first += [text("Fix in "), {"type": "inlineCard", "attrs": {"url": rng.choice(pr_urls)}}]
    content.append(paragraph(*first))
    if rng.random() < 0.4:
        lines = rng.sample(SENTENCES, 2)
        content.append(paragraph(text(lines[0]), {"type": "hardBreak"}, text(lines[1])))
    if doc_urls:
        url = rng.choice(doc_urls)
        if rng.random() < 0.5:
            content.append(paragraph(text("Spec: "), link("design doc", url)))
        else:
            content.append({"type": "blockCard", "attrs": {"url": url}})
    roll = rng.random()
    if roll < 0.25:
        criteria = rng.sample(CRITERIA, rng.randint(2, 4))
        content.append(
            {"type": "heading", "attrs": {"level": 3}, "content": [text("Acceptance criteria")]}
        )
        if rng.random() < 0.5:
            content.append(_task_list(rng, seed, criteria))
        else:
            content.append(_list(rng.choice(("bulletList", "orderedList")), criteria))
    elif roll < 0.45:
        content.append({"type": "heading", "attrs": {"level": 2}, "content": [text("Notes")]})
        content.append(_list("bulletList", rng.sample(SENTENCES, 2)))
    if rng.random() < 0.15:
        content.append(
            {
                "type": "codeBlock",
                "attrs": {"language": "python"},
                "content": [text(rng.choice(CODE))],
            }
        )
    if rng.random() < 0.1:
        content.append(
            {
                "type": "mediaSingle",
                "attrs": {"layout": "center"},
                "content": [
                    {
                        "type": "media",
                        "attrs": {
                            "id": stable_uuid(seed, "media"),
                            "type": "file",
                            "collection": "",
                            "width": 1280,
                            "height": 720,
                        },
                    }
                ],
            }
        )
    if rng.random() < 0.08:
        shortcut, code = rng.choice(EMOJI)
        content.append(
            {
                "type": "panel",
                "attrs": {"panelType": "warning"},
                "content": [
                    paragraph(
                        {"type": "emoji", "attrs": {"shortName": shortcut, "id": code}},
                        text(" Rollout needs a feature flag "),
                        {"type": "status", "attrs": {"text": "BLOCKED", "color": "red"}},
                    )
                ],
            }
        )
    return {"type": "doc", "version": 1, "content": content}


def comment_body(seed: int, *, users: list[dict], pr_urls: list[str]) -> dict:
    # Choices come straight from the seed's bits: comments are the most numerous bodies, and
    # seeding a Random per comment would dominate the cost of a search page.
    line = COMMENT_LINES[seed % len(COMMENT_LINES)]
    roll, pick = (seed >> 8) % 100, seed >> 16
    content = [text(line)]
    if users and roll < 20:
        content = [mention(users[pick % len(users)]), text(" " + line)]
    elif pr_urls and roll < 35:
        content += [
            text(" See "),
            {"type": "inlineCard", "attrs": {"url": pr_urls[pick % len(pr_urls)]}},
        ]
    elif roll < 40:
        content.append(
            {"type": "date", "attrs": {"timestamp": str(1_767_225_600_000 + pick % 10**9)}}
        )
    doc = [paragraph(*content)]
    if (seed >> 40) % 100 < 15:
        doc.append(paragraph(text(SENTENCES[(seed >> 48) % len(SENTENCES)], {"type": "em"})))
    return {"type": "doc", "version": 1, "content": doc}


def plain_comment(message: str) -> dict:
    return {"type": "doc", "version": 1, "content": [paragraph(text(message))]}


PR_COMMENT_SHAPES = ("inlineCard", "blockCard", "link")


def pr_link_comment(url: str, shape: str) -> dict:
    """A comment announcing a pull request, as integrations and people post them: a smart
    link inline or as a block, or plain text with a link mark (fact sheet section 10)."""
    number = url.rsplit("/", 1)[-1]
    if shape == "blockCard":
        content = [
            paragraph(text("Pull request opened:")),
            {"type": "blockCard", "attrs": {"url": url}},
        ]
    elif shape == "inlineCard":
        content = [paragraph(text("Linked "), {"type": "inlineCard", "attrs": {"url": url}})]
    else:
        content = [
            paragraph(
                text("Fix is in "), text(f"PR #{number}", {"type": "link", "attrs": {"href": url}})
            )
        ]
    return {"type": "doc", "version": 1, "content": content}
