"""The recommendations tables."""
