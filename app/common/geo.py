"""Distances on the sphere and the cheap SQL-friendly bounding box around a point."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEG_LAT = 110.574


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lng: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) that contains every point within radius_km."""
    dlat = radius_km / KM_PER_DEG_LAT
    # Widen by the cosine at the box edge nearer the pole, so nothing inside is cut off.
    edge = min(89.9, abs(lat) + dlat)
    dlng = radius_km / (111.320 * math.cos(math.radians(edge)))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def nearest_district(lat: float, lng: float) -> str:
    from app.reference.taxonomy import districts

    return min(districts().values(), key=lambda d: haversine_km(lat, lng, d.lat, d.lng)).code
