"""Cross-pod lists: ask the pods in parallel, merge their sorted pages, page exactly."""
