"""Pods and routing: the bottom clouds, who may use them, and where each resource lives."""
