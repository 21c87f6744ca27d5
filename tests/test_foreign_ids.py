"""An id that is not the caller's is a 404, never an answer as if it were theirs."""

import pytest
from django.urls import reverse

from jishi.accounts import services as accounts
from jishi.accounts.models import ApiToken
from jishi.notifications.models import Notification
from jishi.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_revoking_someone_elses_token_is_not_found_and_leaves_it_working(api, buyer, other_buyer):
    theirs, secret = accounts.token_create(user=other_buyer)
    mine, _ = accounts.token_create(user=buyer)
    response = api("delete", f"/me/tokens/{theirs.pk}", user=buyer)
    assert response.status_code == 404
    assert response.json()["code"] == "accounts.token_not_found"
    assert api("get", "/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert api("delete", "/me/tokens/999999", user=buyer).status_code == 404
    # one's own token: revoked, and revoking it again is still fine
    assert api("delete", f"/me/tokens/{mine.pk}", user=buyer).status_code == 204
    assert api("delete", f"/me/tokens/{mine.pk}", user=buyer).status_code == 204
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None


def test_marking_someone_elses_message_read_is_not_found_and_leaves_it_unread(api, buyer, other_buyer):
    theirs = notify(other_buyer, "test", "给别人的消息")
    mine = notify(buyer, "test", "我的消息")
    response = api("post", "/notifications/read", user=buyer, json={"id": theirs.pk})
    assert response.status_code == 404
    assert response.json() == {"code": "notifications.not_found", "message": response.json()["message"], "field": "id"}
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert api("post", "/notifications/read", user=buyer, json={"id": mine.pk}).json() == {"marked": 1}
    assert api("post", "/notifications/read", user=buyer, json={"id": mine.pk}).json() == {"marked": 0}


def test_the_inbox_page_refuses_someone_elses_message_too(client, buyer, other_buyer):
    theirs = notify(other_buyer, "test", "给别人的消息")
    client.force_login(buyer)
    assert client.post(reverse("web:inbox_read"), {"id": theirs.pk}).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    mine = notify(buyer, "test", "我的消息")
    assert client.post(reverse("web:inbox_read"), {"id": mine.pk}).status_code == 302
    assert Notification.objects.get(pk=mine.pk).read_at is not None
