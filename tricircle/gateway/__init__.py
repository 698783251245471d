"""The gateway: the OpenStack APIs that clients call, in front of the pods."""
