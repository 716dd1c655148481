"""Fails at import on purpose, like a plugin whose dependency is missing."""

import fluentai_dependency_that_does_not_exist  # noqa: F401
