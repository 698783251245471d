"""The compute API (Nova v2.1) of the gateway."""
