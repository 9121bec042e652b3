# The integration fixtures (a connected Acme site, Jira over `responses`) serve here too.
from tests.integrations.conftest import acme_connection, jira_api  # noqa: F401
