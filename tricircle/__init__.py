"""Tricircle: one OpenStack API endpoint in front of many OpenStack clouds."""
