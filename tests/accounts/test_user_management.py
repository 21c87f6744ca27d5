"""Support disables users, signs them out everywhere and reads the audit log."""

import pytest
from django.test import Client
from django.urls import reverse

from jishi.accounts import services
from jishi.accounts.models import ApiToken, User
from jishi.core.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db


def test_disabling_a_user_ends_their_sessions_and_tokens_and_is_audited(api, client, support, buyer):
    client.force_login(buyer)
    assert client.get(reverse("buyer:account")).status_code == 200
    _, secret = services.token_create(user=buyer)

    response = api(
        "post", f"/operator/users/{buyer.pk}/status", user=support, json={"active": False, "reason": "fraud"}
    )

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert client.get(reverse("buyer:account")).status_code == 302  # the session is gone
    token_check = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert token_check.status_code == 401
    entry = AuditEntry.objects.get(action="accounts.user_disabled")
    assert (entry.actor_id, entry.target_id, entry.reason) == (support.pk, str(buyer.pk), "fraud")
    assert entry.before == {"is_active": True}


def test_sign_out_everywhere_keeps_the_account_but_ends_every_session(api, client, support, buyer):
    client.force_login(buyer)
    services.token_create(user=buyer)
    response = api("post", f"/operator/users/{buyer.pk}/sign-out", user=support, json={"reason": "lost phone"})
    assert response.json() == {"tokens_revoked": 1}
    assert client.get(reverse("buyer:account")).status_code == 302
    assert User.objects.get(pk=buyer.pk).is_active
    assert not ApiToken.objects.filter(user=buyer, revoked_at__isnull=True).exists()
    buyer.refresh_from_db()
    client.force_login(buyer)  # signing in again works
    assert client.get(reverse("buyer:account")).status_code == 200


def test_support_cannot_disable_an_operator_or_itself_but_an_admin_can(api, support, admin_operator, finance):
    for target in (finance, support):
        response = api(
            "post", f"/operator/users/{target.pk}/status", user=support, json={"active": False, "reason": "x"}
        )
        assert response.status_code == 409
        assert response.json()["code"] == "accounts.user_protected"
    assert User.objects.get(pk=finance.pk).is_active
    response = api(
        "post", f"/operator/users/{finance.pk}/status", user=admin_operator, json={"active": False, "reason": "left"}
    )
    assert response.status_code == 200


def test_a_reason_is_required_and_unknown_users_are_404(api, support, buyer):
    response = api("post", f"/operator/users/{buyer.pk}/status", user=support, json={"active": False, "reason": ""})
    assert response.status_code == 422
    assert response.json()["field"] == "reason"
    assert api("get", "/operator/users/99999999", user=support).status_code == 404
    assert User.objects.get(pk=buyer.pk).is_active


def test_user_search_finds_by_whole_mobile_and_shows_only_masked_details(api, support):
    found = factories.user(email=None, phone="13912345678", display_name="小林")
    factories.user(email="someone@example.com")
    rows = api("post", "/operator/users/search", user=support, json={"q": "139 1234 5678"}).json()
    assert [r["id"] for r in rows] == [found.pk]
    assert rows[0]["phone"] == "139****5678"
    by_email = api("get", "/operator/users?q=someone@example", user=support).json()
    assert [r["email"] for r in by_email] == ["s***e@example.com"]
    assert "13912345678" not in api("get", f"/operator/users/{found.pk}", user=support).content.decode()


def test_a_mobile_number_is_never_searched_for_in_a_url(api, client, support):
    found = factories.user(email=None, phone="13912345678")
    refused = api("get", "/operator/users?q=13912345678", user=support)
    assert refused.status_code == 422
    assert refused.json()["code"] == "accounts.phone_in_url"
    # the console's form posts the number and lists the result under a token that means nothing elsewhere
    client.force_login(support)
    sent = client.post(reverse("operator:users"), {"q": "13912345678", "status": ""})
    assert sent.status_code == 302
    assert "139" not in sent["Location"]
    page = client.get(sent["Location"])
    assert reverse("operator:user", args=[found.pk]) in page.content.decode()
    other = Client()
    other.force_login(support)
    assert "13912345678" not in other.get(sent["Location"]).content.decode()  # another session: no such search


def test_the_audit_log_filters_by_action_target_and_actor(api, support, admin_operator, buyer, other_buyer):
    services.user_set_active(actor=support, user_id=buyer.pk, active=False, reason="a")
    services.user_set_active(actor=admin_operator, user_id=other_buyer.pk, active=False, reason="b")
    services.user_set_active(actor=admin_operator, user_id=other_buyer.pk, active=True, reason="c")

    def reasons(query):
        return [e["reason"] for e in api("get", f"/operator/audit?{query}", user=support).json()]

    assert reasons("action=accounts.user_disabled") == ["b", "a"]
    assert reasons(f"target_type=accounts.user&target_id={other_buyer.pk}") == ["c", "b"]
    assert reasons(f"actor_id={support.pk}") == ["a"]
    assert reasons("action=accounts.") == ["c", "b", "a"]
    assert reasons("since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z") == []
