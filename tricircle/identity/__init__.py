"""Identity: Keystone token validation, the request context and policy."""
