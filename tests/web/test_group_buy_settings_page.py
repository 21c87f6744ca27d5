"""The operator console's group-buy settings page (拼团/社区团购设置): the values in force and a form to change
them, for administrators only.

A saved change shows a success message and the new values; a value out of
range comes back on its field with what was typed, a 422 and nothing
written; anyone but an administrator is refused and nothing changes.
"""

import re
from typing import Any

import pytest
from django.urls import reverse

from jishi.community import services as community
from jishi.community.models import GroupBuySettings
from jishi.core.models import AuditEntry

pytestmark = pytest.mark.django_db

URL = "/operator/group-buy-settings/"
GOOD = {"team_window_hours": "48", "leader_rate": "12.5", "uncollected_days": "5"}


@pytest.fixture(autouse=True)
def _environment(settings: Any) -> None:
    settings.JISHI_TEAM_WINDOW_HOURS = 24
    settings.JISHI_LEADER_RATE_BP = 1000
    settings.JISHI_PICKUP_UNCOLLECTED_DAYS = 3


def _state() -> tuple[list[tuple[int, int, int, int | None]], int]:
    rows = GroupBuySettings.objects.values_list("team_window_hours", "leader_rate_bp", "uncollected_days", "updated_by")
    return list(rows), AuditEntry.objects.count()


def _input_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found, name
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


def _field_error(page: str, name: str) -> str:
    """The error shown under the field (form_field.html's ``<p class="error" id="id_<name>-error">``)."""
    found = re.search(rf'<p class="error" id="id_{name}-error">([^<]*)</p>', page)
    return found.group(1) if found else ""


def _in_force(page: str) -> tuple[str, str, str]:
    return tuple(  # type: ignore[return-value]
        re.search(rf'<dd class="current-{name}">([^<]*)</dd>', page).group(1)  # type: ignore[union-attr]
        for name in ("window", "rate", "days")
    )


def test_the_url_is_registered_under_the_console():
    assert reverse("operator:group_buy_settings") == URL


def test_before_any_save_the_page_shows_the_environments_values(english, admin_operator):
    english.force_login(admin_operator)
    response = english.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Group-buy settings</h1>" in page
    assert _in_force(page) == ("24", "10 %", "3")
    assert "Not saved yet: the server's configured values apply." in page
    assert [_input_value(page, n) for n in ("team_window_hours", "leader_rate", "uncollected_days")] == [
        "24",
        "10",
        "3",
    ]


def test_an_administrator_saves_them_and_sees_them_in_force(english, admin_operator):
    # given
    english.force_login(admin_operator)
    # when
    response = english.post(URL, GOOD, follow=True)
    # then
    assert response.redirect_chain == [(URL, 302)]
    page = response.content.decode()
    assert "Group-buy settings saved. They apply from now on." in page
    assert _in_force(page) == ("48", "12.5 %", "5")
    assert [_input_value(page, n) for n in ("team_window_hours", "leader_rate", "uncollected_days")] == [
        "48",
        "12.5",
        "5",
    ]
    assert re.search(r"Saved by .+ at \d{4}-\d\d-\d\d \d\d:\d\d\.", page)
    assert _state() == ([(48, 1250, 5, admin_operator.pk)], 1)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_id, entry.after["leader_rate_bp"]) == (
        "community.settings_set",
        admin_operator.pk,
        1250,
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"team_window_hours": "73"}, "team_window_hours", "A group may have 1 to 72 hours to fill."),
        ({"team_window_hours": "0"}, "team_window_hours", "A group may have 1 to 72 hours to fill."),
        (
            {"leader_rate": "100.5"},
            "leader_rate",
            "A commission rate is a percentage from 0 to 100 with at most two decimals.",
        ),
        (
            {"leader_rate": "1.234"},
            "leader_rate",
            "A commission rate is a percentage from 0 to 100 with at most two decimals.",
        ),
        ({"uncollected_days": "31"}, "uncollected_days", "An uncollected order is flagged after 1 to 30 days."),
        ({"uncollected_days": "abc"}, "uncollected_days", "Enter a whole number."),
        ({"leader_rate": ""}, "leader_rate", "This field is required."),
    ],
)
def test_a_bad_value_comes_back_on_its_field_and_nothing_is_written(english, admin_operator, change, field, message):
    # given the values saved once
    community.group_buy_settings_set(actor=admin_operator, team_window_hours=6, leader_rate="5", uncollected_days=2)
    english.force_login(admin_operator)
    before = _state()
    # when
    response = english.post(URL, {**GOOD, **change})
    # then
    assert response.status_code == 422
    page = response.content.decode()
    assert _field_error(page, field) == message
    others = {"team_window_hours", "leader_rate", "uncollected_days"} - {field}
    assert all(_field_error(page, other) == "" for other in others)
    assert _input_value(page, field) == change[field]  # what was typed stays
    assert _in_force(page) == ("6", "5 %", "2")  # the values in force, unchanged
    assert "Group-buy settings saved" not in page
    assert _state() == before


@pytest.mark.parametrize("who", ["anonymous", "buyer", "merchant_staff", "reviewer", "finance", "support"])
def test_the_page_and_its_post_are_refused_to_anyone_but_administrators(request, client, who):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    if user is not None:
        client.force_login(user)
    before = _state()
    for response in (client.get(URL), client.post(URL, GOOD)):
        if user is None:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("buyer:login"))
        else:
            assert response.status_code == 403, who
    assert _state() == before
    assert not GroupBuySettings.objects.exists()


def test_the_merchants_campaign_form_offers_the_saved_window(client, admin_operator, merchant_staff, shop):
    community.group_buy_settings_set(actor=admin_operator, team_window_hours=36, leader_rate="10", uncollected_days=3)
    client.force_login(merchant_staff)
    page = client.get(reverse("merchant:groupbuy_new"), {"product": shop.pk}).content.decode()
    assert _input_value(page, "window_hours") == "36"
