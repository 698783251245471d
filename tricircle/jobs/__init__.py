"""Durable cross-pod jobs: enqueue in the caller's transaction, run by workers."""
