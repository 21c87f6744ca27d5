import pytest

from jishi.accounts.models import Address

pytestmark = pytest.mark.django_db

ADDRESS = {
    "receiver": "张三",
    "phone": "13812341234",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路 90 号",
}


def test_the_first_address_becomes_default_and_a_new_default_replaces_it(api, buyer):
    first = api("post", "/me/addresses", user=buyer, json=ADDRESS).json()
    second = api("post", "/me/addresses", user=buyer, json={**ADDRESS, "receiver": "李四", "is_default": True}).json()
    assert first["is_default"] is True
    listed = api("get", "/me/addresses", user=buyer).json()
    assert [a["id"] for a in listed] == [second["id"], first["id"]]
    assert [a["is_default"] for a in listed] == [True, False]
    assert "13812341234" not in Address.objects.get(pk=first["id"]).phone_sealed


def test_deleting_the_default_promotes_another(api, buyer):
    first = api("post", "/me/addresses", user=buyer, json=ADDRESS).json()
    second = api("post", "/me/addresses", user=buyer, json={**ADDRESS, "receiver": "李四"}).json()
    assert api("delete", f"/me/addresses/{first['id']}", user=buyer).status_code == 204
    assert Address.objects.get(pk=second["id"]).is_default is True


def test_a_buyer_cannot_see_or_change_another_buyers_address(api, buyer, other_buyer):
    # given
    address = api("post", "/me/addresses", user=buyer, json=ADDRESS).json()
    # when / then
    assert api("get", "/me/addresses", user=other_buyer).json() == []
    put = api("put", f"/me/addresses/{address['id']}", user=other_buyer, json={**ADDRESS, "receiver": "坏人"})
    assert put.status_code == 404
    assert api("delete", f"/me/addresses/{address['id']}", user=other_buyer).status_code == 404
    assert Address.objects.get(pk=address["id"]).receiver == "张三"


def test_a_bad_phone_is_refused_with_its_field_and_nothing_is_written(api, buyer):
    response = api("post", "/me/addresses", user=buyer, json={**ADDRESS, "phone": "12345678901"})
    assert response.status_code == 422
    assert response.json()["field"] == "phone"
    assert Address.objects.count() == 0
