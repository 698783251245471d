"""How Tricircle marks what it creates in a pod, so it can tell those from the pod's own."""

# A server's metadata item; the reconciler looks for it, clients never see it.
MARK_KEY, MARK_VALUE = "tricircle", "managed"
