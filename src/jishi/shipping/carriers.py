"""The couriers offered when a parcel is sent: a shop's shipment, a buyer's return, a replacement.

Shops may still type another courier's name; this list is what the forms suggest and the API serves.
"""

CARRIERS = ("顺丰速运", "京东物流", "中通快递", "圆通速递", "韵达快递", "申通快递", "EMS", "极兔速递")
