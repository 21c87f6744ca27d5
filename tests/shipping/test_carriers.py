"""The couriers the forms suggest are one list, served to any client by the API."""

import pytest

from jishi.shipping.carriers import CARRIERS


@pytest.mark.django_db
def test_anyone_gets_the_courier_list_the_forms_suggest(client):
    # given / when
    answer = client.get("/api/v1/carriers")
    # then
    assert answer.status_code == 200
    assert answer.json() == list(CARRIERS)
    assert "顺丰速运" in answer.json()
