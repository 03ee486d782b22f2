"""The time zones a learner chooses from: today's IANA zones (``zone.tab``, one or more per
country, no deprecated aliases such as ``Asia/Calcutta``), grouped by region and named by
country and city. Aliases a browser may still report map to their current zone.

The tables come from the ``tzdata`` package, so the list is the same on every system.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

UTC = "UTC"
REGIONS = {
    "Africa": "Africa",
    "America": "Americas",
    "Antarctica": "Antarctica",
    "Arctic": "Arctic",
    "Asia": "Asia",
    "Atlantic": "Atlantic",
    "Australia": "Australia",
    "Europe": "Europe",
    "Indian": "Indian Ocean",
    "Pacific": "Pacific",
}


@dataclass(frozen=True)
class Zone:
    name: str  # IANA name, e.g. "Asia/Kolkata"
    label: str  # "India — Kolkata"
    region: str  # "Asia"


def _table(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def current_zones() -> tuple[Zone, ...]:
    """Every current zone, by region then label; UTC first."""
    countries = {row[0]: row[1] for row in _table("iso3166.tab")}
    zones = [Zone(UTC, "UTC — Coordinated Universal Time", "UTC")]
    for row in _table("zone.tab"):
        codes, name = row[0], row[2]
        comment = row[3] if len(row) > 3 else ""
        prefix, _, place = name.partition("/")
        if prefix not in REGIONS:
            continue
        city = place.rsplit("/", 1)[-1].replace("_", " ")
        country = countries.get(codes.split(",")[0], codes)
        label = f"{country} — {city}" + (f" ({comment})" if comment else "")
        zones.append(Zone(name, label, REGIONS[prefix]))
    order = {region: i for i, region in enumerate(["UTC", *REGIONS.values()])}
    return tuple(sorted(zones, key=lambda z: (order[z.region], z.label.casefold())))


@cache
def zone_groups() -> dict[str, list[Zone]]:
    """Region → its zones, for a select with option groups."""
    groups: dict[str, list[Zone]] = {}
    for zone in current_zones():
        groups.setdefault(zone.region, []).append(zone)
    return groups


@cache
def aliases() -> dict[str, str]:
    """Old or alternative name → the current zone it means (``Asia/Calcutta`` →
    ``Asia/Kolkata``), for names that lead to a listed zone."""
    listed = {z.name for z in current_zones()}
    links: dict[str, str] = {}
    text = resources.files("tzdata.zoneinfo").joinpath("tzdata.zi").read_text(encoding="utf-8")
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L":
            links[parts[2]] = parts[1]
    result = {}
    for alias, target in links.items():
        for _ in range(5):  # a link may point at another link
            if target in listed or target not in links:
                break
            target = links[target]
        if target in listed and alias not in listed:
            result[alias] = target
    result.setdefault("Etc/UTC", UTC)
    return result


def current_zone(name: str | None) -> str | None:
    """The listed zone ``name`` means (itself, or the zone an alias points to); None when
    it is not a zone a learner can choose."""
    if not name:
        return None
    if name in {z.name for z in current_zones()}:
        return name
    return aliases().get(name)


def zone_label(name: str | None) -> str:
    """A stored zone in words ("India — Kolkata"); the raw name when it is not listed."""
    current = current_zone(name)
    return next(
        (z.label for z in current_zones() if z.name == current), (name or "").replace("_", " ")
    )
