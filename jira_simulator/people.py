"""The ~40 users of a site.

Some people are *shared*: they exist on every site of a simulator with the same Atlassian
account (same accountId and email, as one Atlassian account really is global), so a workspace
with two sites can match them. Others belong to one site. About a third hide their email (the
``emailAddress`` key is then absent, as with Jira's privacy settings), one user is deleted
("Former user", inactive, no email) and two are integrations (``accountType: "app"``):
Automation for Jira, which moves issues, and GitHub for Jira, which posts PR links.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .constants import DEMO_EMAIL, DEMO_TIMEZONE, LIMITED_EMAIL, LIMITED_TIMEZONE
from .seeding import derive_seed, hex_digest, stable_uuid

FIRST_NAMES = (
    "Ana", "Bruno", "Chen", "Dara", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas", "Kavya",
    "Lars", "Maya", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor",
    "Wen", "Ximena", "Yusuf", "Zoe", "Aiko", "Bilal", "Carmen", "Dmitri", "Esther", "Farah",
)  # fmt: skip
LAST_NAMES = (
    "Silva", "Okafor", "Nguyen", "Schmidt", "Kowalski", "Haddad", "Tanaka", "Moreau", "Rossi",
    "Johansson", "Patel", "Garcia", "Novak", "Ivanova", "Mensah", "Larsen", "Costa", "Ahmed",
    "Fischer", "Kim", "Murphy", "Yilmaz", "Dubois", "Singh",
)  # fmt: skip
USER_ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "America/Los_Angeles")
SHARED_POOL_SIZE = 24
SHARED_PER_SITE = 18
LOCAL_PER_SITE = 18


@dataclass(frozen=True)
class User:
    account_id: str
    display_name: str
    email: str | None  # None: hidden by the user's privacy settings (key absent in JSON)
    time_zone: str = "UTC"
    active: bool = True
    account_type: str = "atlassian"

    def as_json(self) -> dict:
        """The user reference embedded in issues, comments and changelogs."""
        data = {
            "accountId": self.account_id,
            "avatarUrls": {"48x48": f"https://avatar.example/{self.account_id[-8:]}.png"},
            "displayName": self.display_name,
            "active": self.active,
            "timeZone": self.time_zone,
            "accountType": self.account_type,
        }
        if self.email:
            data["emailAddress"] = self.email
        return data


def _account_id(rng: random.Random, *parts: object) -> str:
    # Older accounts look like "5b10a2844c20165700ede21g", newer ones like "712020:<uuid>".
    if rng.random() < 0.6:
        return "5" + hex_digest(*parts, length=22) + rng.choice("abcdefg")
    return "712020:" + stable_uuid(*parts)


def _person(seed: int, namespace: str, number: int, email_domain: str) -> User:
    rng = random.Random(derive_seed(seed, namespace, number))
    first = FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]
    last = LAST_NAMES[rng.randrange(len(LAST_NAMES))]
    hidden = rng.random() < 0.3
    email = None if hidden else f"{first}.{last}{number}@{email_domain}".lower()
    return User(
        account_id=_account_id(rng, seed, namespace, number),
        display_name=f"{first} {last}",
        email=email,
        time_zone=rng.choice(USER_ZONES),
    )


def build_users(seed: int, subdomain: str) -> list[User]:
    """Index 0 is the demo account, 1 the limited account; the last three are special accounts."""
    users = [
        User(
            _account_id(random.Random(seed), seed, "demo"), "Demo User", DEMO_EMAIL, DEMO_TIMEZONE
        ),
        User(
            _account_id(random.Random(seed + 1), seed, "limited"),
            "Lim Ited",
            LIMITED_EMAIL,
            LIMITED_TIMEZONE,
        ),
    ]
    site_rng = random.Random(derive_seed(seed, subdomain, "people"))
    shared = sorted(site_rng.sample(range(SHARED_POOL_SIZE), SHARED_PER_SITE))
    users += [_person(seed, "shared", n, "acme.example") for n in shared]
    users += [_person(seed, subdomain, n, f"{subdomain}.example") for n in range(LOCAL_PER_SITE)]
    users.append(
        User(
            _account_id(site_rng, seed, subdomain, "former"),
            "Former user",
            None,
            "UTC",
            active=False,
        )
    )
    users.append(
        User(
            "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077",
            "Automation for Jira",
            None,
            "UTC",
            account_type="app",
        )
    )
    users.append(
        User(
            "557058:950f9f5b-3d6d-4e1d-954a-21367ae9ac75",
            "GitHub for Jira",
            None,
            "UTC",
            account_type="app",
        )
    )
    return users
