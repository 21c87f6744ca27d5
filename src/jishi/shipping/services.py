"""Writes of the shipping domain."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from jishi.core import audit, regions
from jishi.core.actors import Actor
from jishi.core.money import Money
from jishi.core.permissions import check
from jishi.merchants.selectors import merchant_of
from jishi.shipping.errors import InvalidFeeTemplate
from jishi.shipping.models import FeeBasis, FeeRule, FeeTemplate
from jishi.shipping.permissions import SHIPPING_MANAGE


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


def _validate(data: TemplateInput) -> list[tuple[list[str], RuleInput]]:
    if data.basis not in FeeBasis.values:
        raise InvalidFeeTemplate(_("Choose per item or per kg."), field="basis")
    defaults = [rule for rule in data.rules if not rule.provinces]
    if len(defaults) != 1:
        raise InvalidFeeTemplate(_("Give exactly one rule for all other provinces."), field="rules")
    seen: set[str] = set()
    keyed = []
    for index, rule in enumerate(data.rules):
        found = [regions.province_named(name) for name in rule.provinces]
        if None in found:
            raise InvalidFeeTemplate(
                _("Choose provinces from the list (440000 or 广东省)."), field=f"rules.{index}.provinces"
            )
        keys = [province.code for province in found if province is not None]
        if seen.intersection(keys) or len(set(keys)) != len(keys):
            raise InvalidFeeTemplate(_("Each province may appear in one rule only."), field=f"rules.{index}.provinces")
        seen.update(keys)
        keyed.append((keys, rule))
    return keyed


@transaction.atomic
def fee_template_set(*, actor: Actor, data: TemplateInput) -> FeeTemplate:
    """Replace the actor's merchant's fee template with ``data``. Raises InvalidFeeTemplate, PermissionDenied."""
    check(actor, SHIPPING_MANAGE)
    merchant = merchant_of(actor)
    assert merchant is not None  # SHIPPING_MANAGE holds
    keyed = _validate(data)
    template, _created = FeeTemplate.objects.get_or_create(merchant=merchant)
    before = {"basis": template.basis, "free_above_minor": template.free_above_minor, "rules": template.rules.count()}
    template.basis = data.basis
    template.free_above_minor = data.free_above.minor if data.free_above is not None else None
    template.save()  # the row lock this UPDATE takes makes two concurrent replacements run one after the other
    template.rules.all().delete()
    FeeRule.objects.bulk_create(
        FeeRule(
            template=template,
            provinces=keys,
            first_fee_minor=rule.first_fee.minor,
            extra_fee_minor=rule.extra_fee.minor,
            position=position,
        )
        for position, (keys, rule) in enumerate(keyed)
    )
    audit.record(
        actor=actor,
        action="shipping.template_set",
        target=template,
        before=before,
        after={"basis": template.basis, "free_above_minor": template.free_above_minor, "rules": len(keyed)},
    )
    return FeeTemplate.objects.prefetch_related("rules").get(pk=template.pk)
