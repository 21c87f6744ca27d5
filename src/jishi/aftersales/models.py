"""After-sales requests, the lines they cover, their timeline and the evidence both sides upload."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from jishi.aftersales.states import Kind, Party, Reason, Status
from jishi.core import crypto
from jishi.core.money import CURRENCY, MoneyField
from jishi.core.phrases import shown
from jishi.core.storage import UnguessableName, private_storage


class AftersalesRequest(models.Model):
    """A buyer's request about one order: money back, goods back, or goods exchanged.

    ``amount_minor`` is what the buyer asks to get back (0 for an exchange);
    ``refund_number`` names the payments refund once the money is on its
    way. ``respond_by`` is the deadline of whoever's turn it is; the sweep
    acts for them when it passes.
    """

    number = models.CharField(max_length=24, unique=True)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="aftersales")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="aftersales")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="aftersales")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(max_length=60)
    description = models.CharField(max_length=500, blank=True)
    amount_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, default=CURRENCY)
    respond_by = models.DateTimeField(null=True, blank=True)
    # Where the goods go back, given by the shop when it accepts a return or an exchange (sealed: it holds a phone).
    return_address_sealed = models.TextField(blank=True)
    return_carrier = models.CharField(max_length=40, blank=True)
    return_tracking = models.CharField(max_length=40, blank=True)
    replacement_carrier = models.CharField(max_length=40, blank=True)
    replacement_tracking = models.CharField(max_length=40, blank=True)
    merchant_reply = models.CharField(max_length=500, blank=True)
    decision = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refund_number = models.CharField(max_length=24, blank=True)
    return_address = crypto.SealedText("return_address_sealed", context="aftersales.return_address")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes: ClassVar = [
            models.Index(fields=["status", "respond_by"], name="aftersales_due"),
            models.Index(fields=["merchant", "status", "-created_at"], name="aftersales_merchant_queue"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="aftersales_amount_gte_0"),
            # One open request per order: a second one waits until the first is settled.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=["requested", "awaiting_return", "return_shipped", "rejected", "arbitration"]),
                name="aftersales_one_open_per_order",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    amount = MoneyField("amount_minor")

    @property
    def reason_display(self) -> str:
        """A reason chosen from the list in the reader's language; one written by the buyer as written."""
        return str(Reason(self.reason).label) if self.reason in Reason.values else self.reason


class AftersalesLine(models.Model):
    request = models.ForeignKey(AftersalesRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ("id",)
        constraints: ClassVar = [models.CheckConstraint(condition=Q(quantity__gte=1), name="aftersales_line_qty_gte_1")]

    def __str__(self) -> str:
        return f"{self.order_line_id} × {self.quantity}"


class AftersalesEvent(models.Model):
    """One step of a request's timeline: who did what, from which status to which, and what they said."""

    request = models.ForeignKey(AftersalesRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    party = models.CharField(max_length=20, choices=Party.choices)
    note = models.CharField(max_length=500, blank=True)
    note_phrase = models.JSONField(null=True, blank=True)  # core.phrases: the note in any reader's language
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status or '-'} → {self.to_status}"

    @property
    def note_shown(self) -> str:
        return shown(self.note, self.note_phrase)


class Evidence(models.Model):
    """A photo, a PDF or a message one side put before the other (and the platform)."""

    request = models.ForeignKey(AftersalesRequest, on_delete=models.CASCADE, related_name="evidence")
    party = models.CharField(max_length=20, choices=Party.choices)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=UnguessableName("evidence"), storage=private_storage, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(file="") | ~Q(message=""), name="aftersales_evidence_not_empty")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.party}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
