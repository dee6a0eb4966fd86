"""The record kinds of the portal, declared on the low-code engine; importing this registers them all."""

from portal.kinds import activities, admin, users  # noqa: F401
