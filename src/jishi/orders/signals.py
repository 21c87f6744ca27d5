"""What the orders domain announces to the domains above it, which it must not import.

``order_completed`` is sent inside the transaction that completed the order
(its after-sales window closed), with the order. A receiver runs in that
transaction: what it raises rolls the completion back, so a receiver raises
only for a broken invariant. Loyalty books the points the order earns here.

``order_shipped`` is sent, with the order, inside the transaction that
shipped it to an address (by ``order_ship``, once); shipping follows the parcel
from it, after commit.
"""

from django.dispatch import Signal

order_completed = Signal()
order_shipped = Signal()
