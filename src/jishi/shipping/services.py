"""Writes of the shipping domain: fee templates, and following parcels (subscriptions and their callbacks)."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from jishi.core import audit
from jishi.core.actors import Actor
from jishi.core.permissions import check
from jishi.core.transactions import after_commit
from jishi.merchants.selectors import merchant_of
from jishi.orders.services import order_confirm_by_set
from jishi.orders.states import OrderStatus
from jishi.shipping import selectors, tracking
from jishi.shipping.carriers import carrier_named, normalised
from jishi.shipping.errors import BadCallback, SubscriptionNotFound, TrackingUnavailable, UnknownTrackingAdapter
from jishi.shipping.fees import RuleInput, TemplateInput, checked
from jishi.shipping.models import (
    FeeRule,
    FeeTemplate,
    SubscriptionState,
    TrackingEvent,
    TrackingStatus,
    TrackingSubscription,
)
from jishi.shipping.permissions import SHIPPING_MANAGE

# The inputs of fee_template_set, where callers have always found them.
__all__ = ["RuleInput", "TemplateInput", "fee_template_set"]


@transaction.atomic
def fee_template_set(*, actor: Actor, data: TemplateInput) -> FeeTemplate:
    """Replace the actor's merchant's fee template with ``data`` (its rules and the areas not served).

    Idempotent: the same ``data`` again leaves the same template. Checked by
    :func:`fees.checked` before anything is written. Raises InvalidFeeTemplate, PermissionDenied.
    """
    check(actor, SHIPPING_MANAGE)
    merchant = merchant_of(actor)
    assert merchant is not None  # SHIPPING_MANAGE holds
    table = checked(data)
    template, _created = FeeTemplate.objects.get_or_create(merchant=merchant)
    before = {
        "basis": template.basis,
        "free_above_minor": template.free_above_minor,
        "rules": template.rules.count(),
        "not_served": list(template.not_served),
    }
    template.basis = table.basis
    template.free_above_minor = table.free_above.minor if table.free_above is not None else None
    template.not_served = list(table.not_served)
    template.save()  # the row lock this UPDATE takes makes two concurrent replacements run one after the other
    template.rules.all().delete()
    FeeRule.objects.bulk_create(
        FeeRule(
            template=template,
            provinces=list(rule.provinces),
            first_fee_minor=rule.first_fee.minor,
            extra_fee_minor=rule.extra_fee.minor,
            position=position,
        )
        for position, rule in enumerate(table.rules)
    )
    audit.record(
        actor=actor,
        action="shipping.template_set",
        target=template,
        before=before,
        after={
            "basis": template.basis,
            "free_above_minor": template.free_above_minor,
            "rules": len(table.rules),
            "not_served": template.not_served,
        },
    )
    return FeeTemplate.objects.prefetch_related("rules").get(pk=template.pk)


# Seconds before asking an aggregator that could not be reached again; after the last, the parcel is not tracked.
SUBSCRIBE_RETRY_DELAYS = (60, 300, 1800, 3600, 3 * 3600, 6 * 3600)


def callback_url(adapter_code: str) -> str:
    """Where ``adapter_code``'s aggregator calls back (the site's configured address)."""
    return f"{settings.JISHI_SITE_URL}{reverse('api:tracking_callback', args=[adapter_code])}"


def parcel_follow(sender: object, order: Any, **kwargs: Any) -> None:
    """``order_shipped`` receiver: subscribe to the parcel after commit, in a task (a slow aggregator never
    holds up shipping)."""
    from jishi.shipping.tasks import tracking_subscribe

    after_commit(tracking_subscribe.enqueue, order.pk)


def _subscription_for(order_id: int) -> TrackingSubscription | None:
    """The order's subscription, made on first call: pending, or failed at once when nothing can follow it."""
    existing = TrackingSubscription.objects.filter(order_id=order_id).first()
    if existing is not None:
        return existing
    order = selectors.order_to_track(order_id)
    if order is None:
        return None
    carrier = carrier_named(order.carrier)
    adapter = tracking.current()
    error = "" if carrier is not None else "carrier not listed"
    error = error or ("" if adapter is not None else "no tracking service")
    try:
        with transaction.atomic():
            return TrackingSubscription.objects.create(
                order_id=order_id,
                carrier_code=carrier.code if carrier is not None else "",
                number=normalised(order.tracking_number),
                adapter=adapter.code if adapter is not None else settings.JISHI_TRACKING_ADAPTER,
                state=SubscriptionState.FAILED if error else SubscriptionState.PENDING,
                last_error=error,
            )
    except IntegrityError:  # a concurrent run made it first
        return TrackingSubscription.objects.filter(order_id=order_id).first()


def _subscription_update(subscription: TrackingSubscription, **changes: Any) -> None:
    TrackingSubscription.objects.filter(pk=subscription.pk, state=SubscriptionState.PENDING).update(
        **changes, updated_at=timezone.now()
    )


def tracking_subscribe(*, order_id: int) -> dt.timedelta | None:
    """Ask the tracking adapter to follow a shipped order's parcel (the task after shipping calls it).

    The subscription is made on the first call, failed at once for a courier
    not on the list or when no adapter runs. Idempotent: a parcel subscribed
    (or refused for good) is left alone. No transaction is held while the
    aggregator is asked. Returns how long to wait before asking again when it
    could not be reached (None once the retries are used up: the parcel is
    then not tracked), otherwise None.
    """
    subscription = _subscription_for(order_id)
    if subscription is None or subscription.state != SubscriptionState.PENDING:
        return None
    attempts = subscription.attempts + 1
    try:
        adapter = tracking.get(subscription.adapter)
        adapter.subscribe(subscription, callback_url(adapter.code))
    except (tracking.TrackingRefused, UnknownTrackingAdapter) as refused:
        reason = refused.reason if isinstance(refused, tracking.TrackingRefused) else "adapter not running"
        _subscription_update(subscription, state=SubscriptionState.FAILED, last_error=reason, attempts=attempts)
        return None
    except TrackingUnavailable:
        if attempts > len(SUBSCRIBE_RETRY_DELAYS):
            _subscription_update(
                subscription, state=SubscriptionState.FAILED, last_error="unreachable", attempts=attempts
            )
            return None
        _subscription_update(subscription, last_error="unreachable", attempts=attempts)
        return dt.timedelta(seconds=SUBSCRIBE_RETRY_DELAYS[attempts - 1])
    _subscription_update(subscription, state=SubscriptionState.SUBSCRIBED, last_error="", attempts=attempts)
    return None


def tracking_callback_receive(*, adapter_code: str, body: bytes | None, headers: Mapping[str, str]) -> int:
    """Record what an aggregator's callback says about a parcel; returns how many events were new.

    The signature is verified before anything in the body is read, and a
    callback that fails — or a body too large to be one (None) — changes
    nothing. Events are recorded for every order sent under the number; the
    same callback twice records them once. A new 已签收 event starts the
    auto-confirm clock (:func:`_confirm_clock_start`). Raises
    UnknownTrackingAdapter (404), BadCallback (400), BadSignature (403),
    SubscriptionNotFound (404: a number no order was shipped with).
    """
    adapter = tracking.get(adapter_code)
    if body is None:
        raise BadCallback(field="param")
    events = adapter.parse_callback(body, headers)
    if not events:  # 快递100 says "no record yet" (or stopped following) with an empty history: nothing to add
        return 0
    subscriptions = selectors.subscriptions_for_number(adapter=adapter.code, number=normalised(events[0].number))
    if not subscriptions:
        raise SubscriptionNotFound(field="param")
    return sum(_events_record(subscription, events) for subscription in subscriptions)


@transaction.atomic
def _events_record(subscription: TrackingSubscription, events: list[tracking.Event]) -> int:
    known = set(subscription.events.values_list("time", "description"))
    new: dict[tuple[dt.datetime, str], tracking.Event] = {}
    for event in events:
        if (event.time, event.description) not in known:
            new.setdefault((event.time, event.description), event)
    TrackingEvent.objects.bulk_create(
        [
            TrackingEvent(
                subscription=subscription,
                time=event.time,
                status=event.status,
                description=event.description,
                location=event.location,
            )
            for event in new.values()
        ],
        ignore_conflicts=True,  # a concurrent callback recorded it first
    )
    delivered = [event.time for event in new.values() if event.status == TrackingStatus.DELIVERED]
    if delivered:
        TrackingSubscription.objects.filter(pk=subscription.pk).update(
            state=SubscriptionState.ENDED, updated_at=timezone.now()
        )
        _confirm_clock_start(subscription.order_id, delivered_at=min(delivered))
    return len(new)


def _confirm_clock_start(order_id: int, *, delivered_at: dt.datetime) -> None:
    """The parcel was signed for: the buyer's receipt is confirmed for them
    ``JISHI_ORDER_AUTO_CONFIRM_AFTER_DELIVERY_DAYS`` after that, instead of the clock that started at shipping.

    Both ways: a parcel signed for early confirms sooner, one signed for late
    (after the shipping clock would have run out less the days) later, so no
    order is confirmed before its buyer has had the parcel that long. Only a
    shipped order not on hold: a buyer who confirmed, an order completed, an
    after-sales request open keep their clocks.
    """
    order = selectors.order_for_tracking(order_id)
    if order is None or order.status != OrderStatus.SHIPPED or order.on_hold:
        return
    days = dt.timedelta(days=settings.JISHI_ORDER_AUTO_CONFIRM_AFTER_DELIVERY_DAYS)
    confirm_by = min(delivered_at, timezone.now()) + days
    if order.confirm_by == confirm_by or order_confirm_by_set(order_id=order_id, confirm_by=confirm_by) is None:
        return
    audit.record(
        actor=None,
        action="shipping.parcel_signed_for",
        target=order,
        before={"confirm_by": order.confirm_by.isoformat() if order.confirm_by else None},
        after={"confirm_by": confirm_by.isoformat(), "signed_for_at": delivered_at.isoformat()},
    )
