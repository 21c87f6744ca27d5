"""The reviews tables."""
