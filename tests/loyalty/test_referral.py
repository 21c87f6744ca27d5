"""One level of referral: both rewarded once when the invitee's first order completes; no self-referral."""

import pytest
from django.db.models import Sum

from jishi.accounts import services as accounts
from jishi.accounts.models import RealNameVerification
from jishi.core.money import Money
from jishi.loyalty import services
from jishi.loyalty.errors import InviteCodeInvalid, ReferralRefused
from jishi.loyalty.models import EntryKind, Member, PointsEntry, Referral, ReferralStatus
from jishi.orders import services as orders
from jishi.orders.models import Order
from jishi.payments import services as payments
from tests import factories
from tests.races import race

pytestmark = pytest.mark.django_db


def points(user) -> int:
    return Member.objects.filter(pk=user.pk).values_list("balance", flat=True).first() or 0


def _invited(inviter, invitee, *, device_in="browser-a", device_out="browser-b") -> Referral:
    code = services.invite_code_of(actor=inviter, device=device_in)
    return services.referral_bind(actor=invitee, code=code.lower(), device=device_out)


def test_the_first_completed_order_rewards_both_and_a_full_refund_takes_it_back(buyer, other_buyer, shop):
    referral = _invited(other_buyer, buyer)
    factories.address(buyer, is_default=True)
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    order = Order.objects.get(buyer=buyer)
    factories.complete(order)
    referral.refresh_from_db()
    assert (referral.status, referral.order_id) == (ReferralStatus.REWARDED, order.pk)
    assert points(other_buyer) == 500
    assert points(buyer) == 500 + order.total_minor // 100
    # a second order rewards nothing more
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    factories.complete(Order.objects.filter(buyer=buyer).latest("pk"))
    assert points(other_buyer) == 500
    # the first order refunded in full takes both rewards back
    payments.refund_create(order=order, amount=Money(order.total_minor, "CNY"), reason="退货", reference="all")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.VOID
    assert points(other_buyer) == 0
    assert PointsEntry.objects.filter(member_id=other_buyer.pk).aggregate(s=Sum("points"))["s"] == 0


def test_nobody_invites_themselves(buyer, other_buyer):
    code = services.invite_code_of(actor=buyer)
    with pytest.raises(ReferralRefused):
        services.referral_bind(actor=buyer, code=code)
    # the same browser
    with pytest.raises(ReferralRefused):
        _invited(buyer, other_buyer, device_in="one-phone", device_out="one-phone")
    # the same phone: the invitee ships to the inviter's own number
    buyer.phone = "13800001111"
    buyer.save()
    factories.address(other_buyer, phone="13800001111")
    with pytest.raises(ReferralRefused):
        _invited(buyer, other_buyer)
    assert not Referral.objects.exists()


def test_the_same_real_name_identity_is_refused(buyer, other_buyer):
    accounts.kyc_submit(actor=buyer, real_name="张三", id_number="11010519491231002X")
    RealNameVerification.objects.filter(user=buyer).update(status="rejected")  # so the number may be used again
    accounts.kyc_submit(actor=other_buyer, real_name="张三", id_number="11010519491231002X")
    with pytest.raises(ReferralRefused):
        _invited(buyer, other_buyer)


def test_a_member_who_already_bought_or_was_invited_names_no_inviter(buyer, other_buyer, shop):
    third = factories.user()
    _invited(other_buyer, buyer)
    with pytest.raises(ReferralRefused):
        _invited(third, buyer)
    factories.address(third, is_default=True)
    factories.pay(factories.place(third, (factories.sku_of(shop), 1)))
    with pytest.raises(ReferralRefused):
        _invited(buyer, third)
    with pytest.raises(InviteCodeInvalid):
        services.referral_bind(actor=third, code="NOSUCH99")


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_the_reward_is_booked_once_under_twenty_concurrent_completions(buyer, other_buyer, shop):
    _invited(other_buyer, buyer)
    factories.address(buyer, is_default=True)
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    order = Order.objects.get(buyer=buyer)
    staff = shop.merchant.memberships.first().user
    orders.order_ship(actor=staff, order_number=order.number, carrier="顺丰速运", tracking_number="SF1")
    orders.order_confirm_receipt(actor=buyer, order_number=order.number)
    Order.objects.filter(pk=order.pk).update(complete_at=order.placed_at)

    def complete(_worker):
        return orders.order_complete_due(order_id=order.pk)

    outcomes = race(list(range(20)), complete)
    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert Order.objects.get(pk=order.pk).status == "completed"
    # twenty receivers racing the same signal book nothing twice either
    race(list(range(20)), lambda _w: services._referral_reward(Order.objects.get(pk=order.pk), order.placed_at))
    assert points(other_buyer) == 500
    assert PointsEntry.objects.filter(kind=EntryKind.REFERRAL).count() == 2


def test_an_invitation_coupon_goes_to_both_and_an_unused_one_is_withdrawn_with_a_full_refund(
    admin_operator, buyer, other_buyer, shop
):
    from django.utils import timezone

    from jishi.loyalty.models import DEFAULTS
    from jishi.promotions import services as promotions
    from jishi.promotions.models import Coupon
    from jishi.promotions.pricing import CouponKind

    template = promotions.coupon_template_create(
        actor=admin_operator,
        data=promotions.CouponTemplateInput(
            name="邀请有礼券",
            kind=CouponKind.AMOUNT,
            amount=Money.parse("10.00", "CNY"),
            total_quantity=100,
            per_user_limit=10,
            valid_days=30,
            claimable=False,
        ),
        platform=True,
    )
    services.loyalty_settings_set(actor=admin_operator, values={**DEFAULTS, "invite_template_id": template.pk})
    referral = _invited(other_buyer, buyer)
    factories.address(buyer, is_default=True)
    factories.pay(factories.place(buyer, (factories.sku_of(shop), 1)))
    order = Order.objects.get(buyer=buyer)
    factories.complete(order)
    referral.refresh_from_db()
    assert {
        Coupon.objects.get(pk=referral.inviter_coupon_id).owner_id,
        Coupon.objects.get(pk=referral.invitee_coupon_id).owner_id,
    } == {
        other_buyer.pk,
        buyer.pk,
    }
    payments.refund_create(order=order, amount=Money(order.total_minor, "CNY"), reason="退货", reference="all")
    now = timezone.now()
    assert not Coupon.objects.filter(template=template, valid_until__gt=now).exists()  # both withdrawn, unused
