"""Distances on the ground, for "near me": pickup points, pets for sale.

Places are kept as integer millionths of a degree (about 0.1 m), so they
compare and sort exactly on SQLite and PostgreSQL alike. A search asks the
database for a bounding box on those integers (indexable everywhere), then
measures the exact great-circle distance here.
"""

from __future__ import annotations

import math

EARTH_KM = 6371.0088
KM_PER_DEGREE = 111.195  # along a meridian


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance (haversine), in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def box_e6(latitude: float, longitude: float, within_km: float, prefix: str = "") -> dict[str, int]:
    """Filter arguments (``latitude_e6__gte`` …) for the box around a place that holds every point within
    ``within_km`` of it; ``prefix`` names a related model (``"point__"``)."""
    dlat = within_km / KM_PER_DEGREE
    dlng = within_km / (KM_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    return {
        f"{prefix}latitude_e6__gte": round((latitude - dlat) * 1e6),
        f"{prefix}latitude_e6__lte": round((latitude + dlat) * 1e6),
        f"{prefix}longitude_e6__gte": round((longitude - dlng) * 1e6),
        f"{prefix}longitude_e6__lte": round((longitude + dlng) * 1e6),
    }
