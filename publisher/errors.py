"""The errors of the product, named for what went wrong, each safe to show a user.

The CLI turns any of these into one line and an exit code; HTTP surfaces map them to their own
formats. Nothing below a boundary formats errors for humans.
"""

from __future__ import annotations


class PublisherError(Exception):
    """Base class: the message is complete and safe to print."""

    exit_code = 1


class ConfigError(PublisherError):
    """A setting or command-line value is not acceptable."""

    exit_code = 2


class StoreUnavailable(PublisherError):
    """The store's database URL cannot be opened or reached."""

    exit_code = 3


class RuleViolation(PublisherError):
    """An operation would create a history the VLOK rules do not allow."""

    exit_code = 4


class NotFound(PublisherError):
    """A referenced unit, building, parcel or procedure does not exist in the store."""

    exit_code = 5
