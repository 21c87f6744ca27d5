"""The favourites tables."""
