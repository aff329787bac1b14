"""AFAS Profit: token forms, environments, the REST client, the connectors ZIP and the checks."""
