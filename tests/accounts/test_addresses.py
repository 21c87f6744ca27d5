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


@pytest.mark.parametrize(
    ("place", "field"),
    [
        ({"province": "火星", "city": "深圳市", "district": "南山区"}, "province"),
        ({"province": "广东省", "city": "杭州市", "district": "西湖区"}, "city"),
        ({"province": "广东省", "city": "深圳市", "district": "西湖区"}, "district"),
        ({"province": "广东省", "city": "深圳市", "district": ""}, "district"),
        ({"region_code": "440300"}, "region_code"),  # a city that has districts: the district is needed
        ({"region_code": "999999"}, "region_code"),
    ],
)
def test_a_place_not_on_the_national_list_is_refused(api, buyer, place, field):
    body = {key: value for key, value in ADDRESS.items() if key not in ("province", "city", "district")} | place
    response = api("post", "/me/addresses", user=buyer, json=body)
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("core.invalid_region", field)
    assert api("get", "/me/addresses", user=buyer).json() == []


@pytest.mark.parametrize(
    ("region_code", "names"),
    [
        ("440305", ("广东省", "深圳市", "南山区")),
        ("110105", ("北京市", "北京市", "朝阳区")),  # a municipality is its own city
        ("429004", ("湖北省", "仙桃市", "")),  # a county-level city governed by the province
        ("810000", ("香港特别行政区", "", "")),
    ],
)
def test_an_address_is_chosen_by_code_and_named_from_the_list(api, buyer, region_code, names):
    body = {key: value for key, value in ADDRESS.items() if key not in ("province", "city", "district")}
    created = api("post", "/me/addresses", user=buyer, json=body | {"region_code": region_code}).json()
    assert (created["region_code"], created["province"], created["city"], created["district"]) == (region_code, *names)


def test_the_cascading_lists_come_from_the_api(api):
    provinces = api("get", "/regions").json()
    assert {"code": "440000", "name": "广东省"} in provinces
    assert len(provinces) == 34
    assert {"code": "440300", "name": "深圳市"} in api("get", "/regions/440000/cities").json()
    assert {"code": "440305", "name": "南山区"} in api("get", "/regions/440300/districts").json()
    assert api("get", "/regions/110000/cities").json() == [{"code": "110000", "name": "北京市"}]
    assert api("get", "/regions/abc/cities").status_code == 422
