"""The daily check-in, tiers by a rolling 12 months of spend, and the rules operators keep."""

import datetime as dt

import pytest
from django.utils import timezone

from jishi.core.errors import PermissionDenied
from jishi.core.models import AuditEntry
from jishi.core.money import Money
from jishi.loyalty import selectors, services
from jishi.loyalty.errors import AlreadyCheckedIn, SettingOutOfRange, TiersNotRising
from jishi.loyalty.models import DEFAULTS, EntryKind, LoyaltySettings, Member, PointsEntry, Tier

pytestmark = pytest.mark.django_db


def test_checking_in_seven_days_running_earns_the_streak_bonus(buyer):
    start = timezone.now()
    for day in range(7):
        entry = services.check_in(actor=buyer, now=start + dt.timedelta(days=day))
    assert entry.points == 5 + 20
    assert Member.objects.get(pk=buyer.pk).balance == 7 * 5 + 20
    standing = selectors.standing(buyer, now=start + dt.timedelta(days=6))
    assert (standing.streak, standing.checked_in_today) == (7, True)


def test_a_missed_day_starts_the_streak_again_and_a_second_tap_is_refused(buyer):
    start = timezone.now()
    services.check_in(actor=buyer, now=start)
    with pytest.raises(AlreadyCheckedIn):
        services.check_in(actor=buyer, now=start)
    services.check_in(actor=buyer, now=start + dt.timedelta(days=2))
    assert Member.objects.get(pk=buyer.pk).streak == 1
    assert selectors.standing(buyer, now=start + dt.timedelta(days=4)).streak == 0  # broken: shown as 0
    assert PointsEntry.objects.filter(kind=EntryKind.CHECK_IN).count() == 2


def _spent(user, minor: int, days_ago: int) -> None:
    services._post(
        user.pk,
        EntryKind.EARN_ORDER,
        0,
        f"test:spend:{user.pk}:{days_ago}:{minor}",
        spend_minor=minor,
    )
    PointsEntry.objects.filter(key=f"test:spend:{user.pk}:{days_ago}:{minor}").update(
        created_at=timezone.now() - dt.timedelta(days=days_ago)
    )


def test_the_tier_follows_the_last_twelve_months_of_spend(buyer):
    _spent(buyer, 300_000, days_ago=400)  # a year and more ago: does not count
    _spent(buyer, 120_000, days_ago=200)
    assert services.tier_recompute(user_id=buyer.pk, now=timezone.now()) == Tier.SILVER
    standing = selectors.standing(buyer)
    assert (standing.tier, standing.next_tier, standing.to_next) == (
        Tier.SILVER,
        Tier.GOLD,
        Money(500_000 - 120_000, "CNY"),
    )
    _spent(buyer, 400_000, days_ago=10)
    services.tiers_recompute()
    assert Member.objects.get(pk=buyer.pk).tier == Tier.GOLD
    # half a year on, the ¥1,200 has aged out
    services.tiers_recompute(now=timezone.now() + dt.timedelta(days=170))
    assert Member.objects.get(pk=buyer.pk).tier == Tier.SILVER


def _values(**changes: int) -> dict[str, int]:
    return {**DEFAULTS, **changes}


def test_an_administrator_sets_the_rules_audited_and_the_same_values_record_nothing(admin_operator):
    services.loyalty_settings_set(actor=admin_operator, values=_values(points_per_yuan=50, gold_minor=600_000))
    services.loyalty_settings_set(actor=admin_operator, values=_values(points_per_yuan=50, gold_minor=600_000))
    rules = selectors.rules()
    assert (rules.points_per_yuan, rules.gold_minor, rules.value(100)) == (50, 600_000, Money(200, "CNY"))
    (entry,) = AuditEntry.objects.filter(action="loyalty.settings_set")
    assert (entry.before["points_per_yuan"], entry.after["points_per_yuan"]) == (100, 50)


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"gold_minor": 100_000}, TiersNotRising, "gold_minor"),
        ({"diamond_minor": 400_000}, TiersNotRising, "diamond_minor"),
        ({"max_share_percent": 0}, SettingOutOfRange, "max_share_percent"),
        ({"silver_multiplier": 90}, SettingOutOfRange, "silver_multiplier"),
    ],
)
def test_rules_out_of_order_or_range_are_refused_and_nothing_is_saved(admin_operator, changes, error, field):
    with pytest.raises(error) as refused:
        services.loyalty_settings_set(actor=admin_operator, values=_values(**changes))
    assert refused.value.field == field
    assert not LoyaltySettings.objects.exists()


def test_only_administrators_set_the_rules(reviewer, buyer):
    for actor in (reviewer, buyer):
        with pytest.raises(PermissionDenied):
            services.loyalty_settings_set(actor=actor, values=_values())
