"""Identity failures that are the cloud's, not the caller's."""


class IdentityUnavailable(Exception):
    """Keystone could not be asked, or refused the gateway itself: 503, never 401."""
