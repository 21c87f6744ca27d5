"""The fee rules without the database: a template checked, and a parcel priced against one.

The saved template (``selectors``) and a template the merchant is still
editing (the preview) are priced by the same function, so the preview shows
what checkout will charge.
"""

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from jishi.core import regions
from jishi.core.money import Money
from jishi.shipping.errors import InvalidFeeTemplate
from jishi.shipping.models import FeeBasis


@dataclass(frozen=True)
class Parcel:
    """What one merchant ships in one order."""

    items: int
    grams: int
    goods_total: Money


@dataclass(frozen=True)
class RuleInput:
    provinces: list[str]
    first_fee: Money
    extra_fee: Money


@dataclass(frozen=True)
class TemplateInput:
    basis: str
    rules: list[RuleInput]
    free_above: Money | None = None
    # Provinces (code or name) the merchant does not deliver to.
    not_served: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    provinces: tuple[str, ...]  # GB/T 2260 province codes; empty for the default rule
    first_fee: Money
    extra_fee: Money


@dataclass(frozen=True)
class Table:
    """A checked template: provinces as codes, the rules in their order."""

    basis: str
    rules: tuple[Rule, ...]
    free_above: Money | None = None
    not_served: tuple[str, ...] = ()


@dataclass(frozen=True)
class Priced:
    """A parcel priced: where to, whether the shop delivers there, and the fee (None where it does not)."""

    province: regions.Region | None  # None: the address names no province on the list
    delivers: bool
    fee: Money | None
    free: bool = False  # the goods reached the free-delivery threshold
    rule: int | None = None  # the index of the rule that set the fee


def province_of(text: str) -> regions.Region | None:
    """The province ``text`` names: a province's code, name or short name, or any code inside it (440305)."""
    return regions.province_named(text) or regions.province_of(text)


def _codes(names: list[str], field_name: str) -> list[str]:
    found = [regions.province_named(name) for name in names]
    if None in found:
        raise InvalidFeeTemplate(_("Choose provinces from the list (440000 or 广东省)."), field=field_name)
    return [province.code for province in found if province is not None]


def _checked_rules(rules: list[RuleInput]) -> tuple[Rule, ...]:
    defaults = [rule for rule in rules if not rule.provinces]
    if len(defaults) != 1:
        raise InvalidFeeTemplate(_("Give exactly one rule for all other provinces."), field="rules")
    seen: set[str] = set()
    checked = []
    for index, rule in enumerate(rules):
        keys = _codes(rule.provinces, f"rules.{index}.provinces")
        if seen.intersection(keys) or len(set(keys)) != len(keys):
            raise InvalidFeeTemplate(_("Each province may appear in one rule only."), field=f"rules.{index}.provinces")
        if rule.first_fee.minor < 0 or rule.extra_fee.minor < 0:
            raise InvalidFeeTemplate(_("A fee cannot be negative."), field=f"rules.{index}.first_fee")
        seen.update(keys)
        checked.append(Rule(tuple(keys), rule.first_fee, rule.extra_fee))
    return tuple(checked)


def _checked_not_served(names: list[str], rules: tuple[Rule, ...]) -> tuple[str, ...]:
    codes = sorted(set(_codes(names, "not_served")))
    in_rules = {code for rule in rules for code in rule.provinces}
    both = [code for code in codes if code in in_rules]
    if both:
        raise InvalidFeeTemplate(
            _("%(province)s has a fee rule, so it cannot also be an area not served.")
            % {"province": regions.name_of(both[0])},
            field="not_served",
        )
    if len(codes) == len(regions.provinces()):
        raise InvalidFeeTemplate(_("Deliver to at least one province."), field="not_served")
    return tuple(codes)


def checked(data: TemplateInput) -> Table:
    """``data`` checked and with every province as its code.

    One rule has no provinces (the default); a province appears in one rule
    at most and is either in a rule or not served, never both; at least one
    province is served; fees and the threshold are not negative. Raises
    InvalidFeeTemplate naming the field (``basis``, ``rules``,
    ``rules.<i>.provinces``, ``rules.<i>.first_fee``, ``free_above``, ``not_served``).
    """
    if data.basis not in FeeBasis.values:
        raise InvalidFeeTemplate(_("Choose per item or per kg."), field="basis")
    if data.free_above is not None and data.free_above.minor < 0:
        raise InvalidFeeTemplate(_("The threshold cannot be negative."), field="free_above")
    rules = _checked_rules(data.rules)
    not_served = _checked_not_served(data.not_served, rules)
    return Table(basis=data.basis, rules=rules, free_above=data.free_above, not_served=not_served)


def _rule_for(table: Table, code: str) -> int | None:
    named = next((index for index, rule in enumerate(table.rules) if code and code in rule.provinces), None)
    if named is not None:
        return named
    return next((index for index, rule in enumerate(table.rules) if not rule.provinces), None)


def price(table: Table | None, *, province: str, parcel: Parcel) -> Priced:
    """The delivery fee for ``parcel`` to ``province`` (as :func:`province_of` reads it) under ``table``.

    No table: delivered free. A province the table does not serve: not
    delivered, no fee. Goods at or above the free threshold: free. Otherwise
    the province's rule (else the default): by item, ``first_fee`` for the
    first and ``extra_fee`` for each other; by weight, the same per started
    kilogram (at least one).
    """
    found = province_of(province)
    zero = Money.zero(parcel.goods_total.currency)
    if table is None:
        return Priced(found, delivers=True, fee=zero)
    if found is not None and found.code in table.not_served:
        return Priced(found, delivers=False, fee=None)
    if table.free_above is not None and parcel.goods_total >= table.free_above:
        return Priced(found, delivers=True, fee=zero, free=True)
    index = _rule_for(table, found.code if found is not None else "")
    if index is None:
        return Priced(found, delivers=True, fee=zero)
    rule = table.rules[index]
    units = parcel.items if table.basis == FeeBasis.ITEM else max(1, math.ceil(parcel.grams / 1000))
    return Priced(found, delivers=True, fee=rule.first_fee + rule.extra_fee * max(0, units - 1), rule=index)
