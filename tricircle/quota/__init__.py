"""One quota per project across all pods: limits, usage and reservations kept at the top.

A create reserves what it asks for in the top database (one transaction, the project's
row locked), is forwarded, then commits its reservation into the usage of the pod that
took it, or releases it. Usage is kept per pod, so the reconciler can correct each pod's
share from what the pod counts and a pod that is down keeps its last known share.
"""
