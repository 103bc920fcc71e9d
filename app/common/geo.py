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


# The reference data holds each district's centroid, not its boundary, so a point is checked
# against centroids with room for borders: a stated code is accepted when its centroid is
# among the NEAREST_FEW nearest to the point, or no farther than RATIO times the nearest
# centroid plus SLACK_KM. Large counties reach far from their centroid; tiny central districts
# sit close together; both stay accepted near their borders, while a code from the far side
# of the city (巫溪 for a point in 渝北) is refused.
NEAREST_FEW = 4
RATIO = 2.0
SLACK_KM = 10.0


def district_for_point(lat: float, lng: float, code: str | None) -> str:
    """The district for a point: derived when `code` is None, else `code` when plausible.

    Raises ValueError (with a message naming the nearest districts) for a code the point
    contradicts.
    """
    from app.reference.taxonomy import districts

    ranked = sorted(
        ((haversine_km(lat, lng, d.lat, d.lng), d) for d in districts().values()),
        key=lambda item: (item[0], item[1].code),
    )
    if code is None:
        return ranked[0][1].code
    nearest_km = ranked[0][0]
    for rank, (km, district) in enumerate(ranked):
        if district.code == code:
            if rank < NEAREST_FEW or km <= RATIO * nearest_km + SLACK_KM:
                return code
            names = "、".join(f"{d.name} {d.code}" for _km, d in ranked[:3])
            raise ValueError(
                f"the point ({lat}, {lng}) is {km:.0f} km from the centre of {district.name} "
                f"{code}; it lies near {names}: correct the code or the coordinates, or omit "
                "the code to derive it"
            )
    raise ValueError("not a Chongqing district code (see GET /v1/districts)")
