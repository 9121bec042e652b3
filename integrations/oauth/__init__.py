"""Connect with Atlassian (OAuth 2.0 3LO): everything OAuth, in one package.

- `atlassian.py` — the only HTTP to Atlassian's OAuth endpoints (authorize URL, token
  exchange and refresh, the sites a consent covers, the consenting account).
- `flow.py` — the authorization-code flow as plain functions: start, callback, the site
  picker, Reconnect.
- `grants.py` — the rows of `AtlassianGrant` (one per consent, its encrypted tokens):
  the only code that writes them, under the grant's lock.
- `tokens.py` — access tokens for Jira calls, refreshed (and rotated) one at a time.
- `forms.py`, `views.py` — the site picker's form and thin views over `flow`.
"""
