"""The service kit: what every OpenStack service at the gateway stands on.

A facade (compute, volume, ...) is a description of its service (`service`), the
routes that differ from plain forwarding, and the calls below: pod calls with the
user's token and the negotiated version (`calls`), routed resources (`routed`),
pod choice (`placement`), copies of what the top owns (`copies`).
"""
