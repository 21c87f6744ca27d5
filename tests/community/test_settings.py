"""The platform's group-buy settings (拼团/社区团购设置): the default group window, the leaders' default commission and
the days after which an uncollected pickup is flagged.

Only administrators change them, each value is checked (422 naming its
field, nothing written), every change is audited with the values before
and after, and the group-buy code follows what was saved: a new 拼团
campaign's window, a paid pickup order's leader rate, the uncollected sweep.
Until the first save the environment's values apply.
"""

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from jishi.community import selectors
from jishi.community import services as community
from jishi.community.models import TEAM_WINDOW_HOURS_RANGE, Batch, GroupBuySettings, Pickup
from jishi.core.errors import DomainError
from jishi.core.models import AuditEntry
from jishi.groupbuy import selectors as groupbuy_selectors
from jishi.groupbuy.services import MAX_WINDOW_HOURS
from tests import factories
from tests.community.conftest import campaign, leader, order_for_pickup
from tests.groupbuy.conftest import campaign as team_campaign

pytestmark = pytest.mark.django_db

GOOD = {"team_window_hours": 48, "leader_rate": "12.5", "uncollected_days": 5}


@pytest.fixture
def environment(settings: Any) -> Any:
    settings.JISHI_TEAM_WINDOW_HOURS = 24
    settings.JISHI_LEADER_RATE_BP = 1000
    settings.JISHI_PICKUP_UNCOLLECTED_DAYS = 3
    return settings


def _state() -> tuple[list[tuple[int, int, int]], int]:
    rows = list(GroupBuySettings.objects.values_list("team_window_hours", "leader_rate_bp", "uncollected_days"))
    return rows, AuditEntry.objects.count()


def _values() -> tuple[int, int, int]:
    rules = selectors.group_buy_settings()
    return rules.team_window_hours, rules.leader_rate_bp, rules.uncollected_days


# Reading ---------------------------------------------------------------------------------------------------


def test_until_first_saved_the_environments_values_apply(environment, django_assert_num_queries):
    environment.JISHI_TEAM_WINDOW_HOURS = 36
    environment.JISHI_LEADER_RATE_BP = 750
    environment.JISHI_PICKUP_UNCOLLECTED_DAYS = 4
    with django_assert_num_queries(1):
        rules = selectors.group_buy_settings()
    assert (rules.team_window_hours, rules.leader_rate_bp, rules.uncollected_days) == (36, 750, 4)
    assert (rules.updated_by_id, rules.updated_by_name, rules.updated_at) == (None, "", None)
    assert selectors.default_leader_rate_bp() == 750
    assert groupbuy_selectors.default_window_hours() == 36
    assert not GroupBuySettings.objects.exists()  # reading writes nothing


def test_once_saved_the_saved_values_apply_whatever_the_environment_says(environment, admin_operator):
    community.group_buy_settings_set(actor=admin_operator, **GOOD)
    environment.JISHI_TEAM_WINDOW_HOURS = 6
    environment.JISHI_LEADER_RATE_BP = 300
    environment.JISHI_PICKUP_UNCOLLECTED_DAYS = 9
    assert _values() == (48, 1250, 5)
    assert selectors.default_leader_rate_bp() == 1250
    assert groupbuy_selectors.default_window_hours() == 48
    rules = selectors.group_buy_settings()
    assert (rules.updated_by_id, rules.updated_by_name) == (admin_operator.pk, str(admin_operator))
    assert rules.updated_at is not None


def test_the_settings_window_stops_where_a_group_buy_window_does():
    assert TEAM_WINDOW_HOURS_RANGE == (1, MAX_WINDOW_HOURS)  # a default the 拼团 service would refuse is no default


# Who may change them --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "buyer", "merchant", "reviewer", "finance", "support"])
def test_only_an_administrator_changes_them_and_a_refusal_changes_nothing(role, environment, buyer, merchant_staff):
    actor = {
        "anonymous": None,
        "buyer": buyer,
        "merchant": merchant_staff,
        **{name: factories.user(operator_role=name) for name in ("reviewer", "finance", "support")},
    }[role]
    before = _state()
    with pytest.raises(DomainError) as refused:
        community.group_buy_settings_set(actor=actor, **GOOD)
    expected = ("auth.not_authenticated", 401) if role == "anonymous" else ("auth.permission_denied", 403)
    assert (refused.value.code, refused.value.status) == expected
    assert _state() == before  # no settings row, no audit entry
    assert not GroupBuySettings.objects.exists()
    assert _values() == (24, 1000, 3)


# What they may be -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"team_window_hours": 0}, "community.window_out_of_range", "team_window_hours"),
        ({"team_window_hours": 73}, "community.window_out_of_range", "team_window_hours"),
        ({"team_window_hours": -24}, "community.window_out_of_range", "team_window_hours"),
        ({"team_window_hours": "24"}, "community.window_out_of_range", "team_window_hours"),
        ({"team_window_hours": True}, "community.window_out_of_range", "team_window_hours"),
        ({"leader_rate": "100.01"}, "community.invalid_rate", "leader_rate"),
        ({"leader_rate": "101"}, "community.invalid_rate", "leader_rate"),
        ({"leader_rate": "-1"}, "community.invalid_rate", "leader_rate"),
        ({"leader_rate": "12.345"}, "community.invalid_rate", "leader_rate"),
        ({"leader_rate": "1e2"}, "community.invalid_rate", "leader_rate"),
        ({"leader_rate": "十"}, "community.invalid_rate", "leader_rate"),
        ({"leader_rate": ""}, "community.invalid_rate", "leader_rate"),
        ({"uncollected_days": 0}, "community.days_out_of_range", "uncollected_days"),
        ({"uncollected_days": 31}, "community.days_out_of_range", "uncollected_days"),
    ],
)
def test_a_value_out_of_range_is_refused_on_its_field_and_nothing_is_written(
    change, code, field, environment, admin_operator
):
    community.group_buy_settings_set(actor=admin_operator, **GOOD)
    before = _state()
    with pytest.raises(DomainError) as refused:
        community.group_buy_settings_set(actor=admin_operator, **{**GOOD, "team_window_hours": 12, **change})
    assert (refused.value.code, refused.value.status, refused.value.field) == (code, 422, field)
    assert _state() == before
    assert _values() == (48, 1250, 5)


def test_a_refused_first_save_writes_no_row(environment, admin_operator):
    with pytest.raises(DomainError):
        community.group_buy_settings_set(actor=admin_operator, **{**GOOD, "uncollected_days": 31})
    assert _state() == ([], 0)


@pytest.mark.parametrize(
    ("typed", "basis_points"),
    [("0", 0), ("0.05", 5), ("10", 1000), ("12.5", 1250), ("12.50 %", 1250), (" 8%", 800), ("100", 10_000)],
)
def test_the_rate_is_a_percentage_kept_exactly_in_basis_points(typed, basis_points, environment, admin_operator):
    community.group_buy_settings_set(actor=admin_operator, **{**GOOD, "leader_rate": typed})
    assert GroupBuySettings.objects.get().leader_rate_bp == basis_points


def test_the_bounds_themselves_are_allowed(environment, admin_operator):
    community.group_buy_settings_set(actor=admin_operator, team_window_hours=1, leader_rate="0", uncollected_days=1)
    assert _values() == (1, 0, 1)
    community.group_buy_settings_set(actor=admin_operator, team_window_hours=72, leader_rate="100", uncollected_days=30)
    assert _values() == (72, 10_000, 30)


def test_the_database_keeps_one_row_in_range(environment, admin_operator):
    community.group_buy_settings_set(actor=admin_operator, **GOOD)
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupBuySettings.objects.create(pk=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupBuySettings.objects.filter(pk=1).update(leader_rate_bp=10_001)
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupBuySettings.objects.filter(pk=1).update(team_window_hours=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupBuySettings.objects.filter(pk=1).update(uncollected_days=31)
    assert _values() == (48, 1250, 5)


# The audit log ----------------------------------------------------------------------------------------------


def test_each_change_is_audited_with_the_values_before_and_after(environment, admin_operator):
    # given the environment's values
    # when an administrator saves, then saves a change, then saves the same values again
    first = community.group_buy_settings_set(actor=admin_operator, **GOOD)
    community.group_buy_settings_set(actor=admin_operator, **{**GOOD, "leader_rate": "8"})
    community.group_buy_settings_set(actor=admin_operator, **{**GOOD, "leader_rate": "8.00"})
    # then two entries: the first from the environment's values, the second from the first save; the repeat none
    entries = list(AuditEntry.objects.filter(action="community.settings_set").order_by("pk"))
    assert [(e.actor_id, e.target_type, e.target_id) for e in entries] == [
        (admin_operator.pk, "community.groupbuysettings", str(first.pk)),
        (admin_operator.pk, "community.groupbuysettings", str(first.pk)),
    ]
    assert [(e.before, e.after) for e in entries] == [
        (
            {"team_window_hours": 24, "leader_rate_bp": 1000, "uncollected_days": 3},
            {"team_window_hours": 48, "leader_rate_bp": 1250, "uncollected_days": 5},
        ),
        (
            {"team_window_hours": 48, "leader_rate_bp": 1250, "uncollected_days": 5},
            {"team_window_hours": 48, "leader_rate_bp": 800, "uncollected_days": 5},
        ),
    ]
    assert AuditEntry.objects.count() == 2
    assert GroupBuySettings.objects.count() == 1


# The group-buy code follows them ----------------------------------------------------------------------------


def test_a_new_team_campaign_without_a_window_gets_the_saved_default(
    environment, admin_operator, merchant_staff, shop, leaf_category
):
    community.group_buy_settings_set(actor=admin_operator, **{**GOOD, "team_window_hours": 60})
    made = team_campaign(merchant_staff, shop, (2, "79.00"), hours=None)
    assert made.window_minutes == 60 * 60
    other = factories.product(merchant_staff, leaf_category, title="冻干鸡肉猫零食", price="25.50", stock=5)
    given = team_campaign(merchant_staff, other, (2, "19.00"), hours=5)
    assert given.window_minutes == 5 * 60  # a shop's own window is kept


@pytest.fixture
def ready_pickup(reviewer, admin_operator, merchant_staff, shop_sku, buyer) -> Any:
    """A paid pickup order at a leader's point, arrived there (ready) and not collected."""
    head = leader(reviewer, admin_operator)
    community.point_choose(actor=buyer, point_id=head.leader.point.pk)
    factories.address(buyer, is_default=True)
    running = campaign(merchant_staff, shop_sku)
    order = order_for_pickup(buyer, shop_sku)
    type(running).objects.filter(pk=running.pk).update(cutoff_at=timezone.now() - dt.timedelta(seconds=1))
    community.campaigns_cut_off_due()
    batch = Batch.objects.get()
    community.batch_send(actor=merchant_staff, batch_id=batch.pk)
    community.batch_arrive(actor=head, batch_id=batch.pk)
    return Pickup.objects.get(order=order)


def test_uncollected_orders_are_flagged_after_the_saved_days(environment, admin_operator, ready_pickup):
    # given an order ready for 4 days, and the environment's 3 days raised to 5 by an administrator
    Pickup.objects.filter(pk=ready_pickup.pk).update(ready_at=timezone.now() - dt.timedelta(days=4))
    community.group_buy_settings_set(actor=admin_operator, **{**GOOD, "uncollected_days": 5})
    # when the sweep runs, then it is not flagged yet
    assert community.pickups_flag_uncollected() == 0
    assert Pickup.objects.get(pk=ready_pickup.pk).flagged_at is None
    # when the administrator lowers them to 4 days, then it is
    community.group_buy_settings_set(actor=admin_operator, **{**GOOD, "uncollected_days": 4})
    assert community.pickups_flag_uncollected() == 1
    assert Pickup.objects.get(pk=ready_pickup.pk).flagged_at is not None


def test_a_paid_pickup_order_earns_the_saved_leader_rate(
    environment, admin_operator, reviewer, merchant_staff, shop_sku, buyer
):
    community.group_buy_settings_set(actor=admin_operator, **{**GOOD, "leader_rate": "7.25"})
    head = leader(reviewer, admin_operator)
    community.point_choose(actor=buyer, point_id=head.leader.point.pk)
    factories.address(buyer, is_default=True)
    campaign(merchant_staff, shop_sku)  # no rate of its own
    order = order_for_pickup(buyer, shop_sku)
    community.group_buy_settings_set(actor=admin_operator, **{**GOOD, "leader_rate": "20"})  # after it was paid
    assert Pickup.objects.get(order=order).leader_rate_bp == 725


# The API --------------------------------------------------------------------------------------------------------


def test_the_api_reads_and_saves_them(api, environment, admin_operator):
    read = api("get", "/operator/group-buy-settings", user=admin_operator)
    assert read.status_code == 200
    assert read.json() == {
        "team_window_hours": 24,
        "leader_rate": "10",
        "uncollected_days": 3,
        "updated_by_id": None,
        "updated_at": None,
    }
    saved = api("put", "/operator/group-buy-settings", user=admin_operator, json=GOOD)
    assert saved.status_code == 200
    body = saved.json()
    assert {k: body[k] for k in ("team_window_hours", "leader_rate", "uncollected_days", "updated_by_id")} == {
        "team_window_hours": 48,
        "leader_rate": "12.5",
        "uncollected_days": 5,
        "updated_by_id": admin_operator.pk,
    }
    assert dt.datetime.fromisoformat(body["updated_at"]) <= timezone.now()
    assert api("get", "/operator/group-buy-settings", user=admin_operator).json() == body


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"team_window_hours": 100}, "community.window_out_of_range", "team_window_hours"),
        ({"leader_rate": "100.5"}, "community.invalid_rate", "leader_rate"),
        ({"uncollected_days": 0}, "community.days_out_of_range", "uncollected_days"),
    ],
)
def test_the_api_answers_a_bad_value_with_its_code_and_field(api, environment, admin_operator, change, code, field):
    refused = api("put", "/operator/group-buy-settings", user=admin_operator, json={**GOOD, **change})
    assert refused.status_code == 422
    assert refused.json()["code"] == code
    assert refused.json()["field"] == field
    assert _state() == ([], 0)


def test_the_api_refuses_a_number_typed_as_text_and_unknown_fields(api, environment, admin_operator):
    as_text = api("put", "/operator/group-buy-settings", user=admin_operator, json={**GOOD, "uncollected_days": "5"})
    assert (as_text.status_code, as_text.json()["field"]) == (422, "uncollected_days")
    extra = api("put", "/operator/group-buy-settings", user=admin_operator, json={**GOOD, "updated_by_id": 1})
    assert (extra.status_code, extra.json()["code"]) == (422, "request.unknown_field")
    missing = api("put", "/operator/group-buy-settings", user=admin_operator, json={"leader_rate": "5"})
    assert missing.status_code == 422
    assert _state() == ([], 0)


@pytest.mark.parametrize("method", ["get", "put"])
def test_the_api_is_for_administrators(api, environment, method, buyer, reviewer):
    json = GOOD if method == "put" else None
    assert api(method, "/operator/group-buy-settings", json=json).status_code == 401
    assert api(method, "/operator/group-buy-settings", user=buyer, json=json).status_code == 403
    assert api(method, "/operator/group-buy-settings", user=reviewer, json=json).status_code == 403
    assert _state() == ([], 0)
