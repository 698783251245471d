"""The image API (Glance v2) of the gateway."""
