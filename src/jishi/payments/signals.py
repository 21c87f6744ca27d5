"""What the payments domain announces to the domains above it, which it must not import.

``orders_paid`` is sent inside the payment's transaction, after the orders
moved and the payment was booked in the ledger, with the orders that
payment moved (their lines loaded). A receiver runs in that transaction:
what it raises rolls the payment back, so a receiver raises only for a
broken invariant, never for a business refusal. Group buying seats its
members here.
"""

from django.dispatch import Signal

orders_paid = Signal()
order_refunded = Signal()
