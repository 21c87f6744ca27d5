from jishi.orders.models import Order
from jishi.payments import sandbox
from jishi.payments import services as payments
from tests import factories


def test_smoke(buyer, shop, other_shop, home, notify_through_client):
    placement = factories.place(buyer, (factories.sku_of(shop), 2), (factories.sku_of(other_shop), 1))
    assert len(placement.orders) == 2
    url = payments.payment_start(
        actor=buyer,
        intent_number=placement.intent.number,
        gateway_code="sandbox",
        notify_url="http://testserver/api/v1/payments/notify/sandbox",
        return_url="http://testserver/pay/x/return/",
    )
    trade_no = url.rstrip("/").split("/")[-1]
    sandbox.trade_pay(trade_no=trade_no)
    assert sandbox.trade_notify(trade_no=trade_no) is None
    assert notify_through_client == ["success"]
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}
