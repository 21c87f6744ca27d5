"""What the orders domain announces to the domains above it, which it must not import.

``order_completed`` is sent inside the transaction that completed the order
(its after-sales window closed), with the order. A receiver runs in that
transaction: what it raises rolls the completion back, so a receiver raises
only for a broken invariant. Loyalty books the points the order earns here.
"""

from django.dispatch import Signal

order_completed = Signal()
