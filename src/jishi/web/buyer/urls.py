"""The buyer's pages: cart, checkout, paying, orders, after-sales, the account and the inbox."""

from django.urls import path

from jishi.web import aftersales as shared_aftersales
from jishi.web.buyer import account, aftersales, joining, pets, promotions, shopping

app_name = "buyer"
urlpatterns = [
    path("cart/", shopping.cart, name="cart"),
    path("cart/add/", shopping.cart_add, name="cart_add"),
    path("cart/lines/<int:line_id>/", shopping.cart_line_update, name="cart_line"),
    path("checkout/", shopping.checkout_page, name="checkout"),
    path("checkout/place/", shopping.checkout_submit, name="checkout_place"),
    path("pay/<str:number>/", shopping.cashier, name="cashier"),
    path("pay/<str:number>/start/", shopping.payment_start, name="payment_start"),
    path("pay/<str:number>/return/", shopping.payment_return, name="payment_return"),
    path("orders/", shopping.order_list, name="orders"),
    path("orders/<str:number>/", shopping.order_detail, name="order"),
    path("orders/<str:number>/cancel/", shopping.order_cancel, name="order_cancel"),
    path("orders/<str:number>/confirm/", shopping.order_confirm, name="order_confirm"),
    path("orders/<str:number>/leave-group/", shopping.order_leave_group, name="order_leave_group"),
    path("orders/<str:number>/aftersales/", aftersales.request_new, name="aftersales_new"),
    path("orders/<str:number>/pets/<int:sale_id>/delivery/", pets.pet_sale_delivery, name="pet_sale_delivery"),
    path("orders/<str:number>/pets/<int:sale_id>/arrival/", pets.pet_sale_arrival, name="pet_sale_arrival"),
    path("orders/<str:number>/pets/<int:sale_id>/claim/", pets.pet_sale_claim, name="pet_sale_claim"),
    path("orders/<str:number>/pets/<int:sale_id>/photos/<int:photo_id>/", pets.pet_sale_photo, name="pet_sale_photo"),
    path("aftersales/", aftersales.request_list, name="aftersales_list"),
    path("aftersales/<str:number>/", aftersales.request_detail, name="aftersales"),
    path("aftersales/<str:number>/act/", aftersales.request_act, name="aftersales_act"),
    path("aftersales/<str:number>/evidence/", shared_aftersales.evidence_add, name="aftersales_evidence"),
    path("login/", account.log_in, name="login"),
    path("signup/", account.sign_up, name="signup"),
    path("logout/", account.log_out, name="logout"),
    path("me/", account.me, name="me"),
    path("me/coupons/", promotions.wallet, name="coupons"),
    path("coupons/<int:template_id>/claim/", promotions.coupon_claim, name="coupon_claim"),
    path("account/", account.account, name="account"),
    path("account/addresses/", account.addresses, name="addresses"),
    path("account/addresses/<int:address_id>/", account.address_edit, name="address_edit"),
    path("account/addresses/<int:address_id>/delete/", account.address_delete, name="address_delete"),
    path("account/verification/", account.verification, name="verification"),
    path("apply/", joining.apply, name="apply"),
    path("account/invitations/", joining.invitations, name="invitations"),
    path("account/invitations/<int:invitation_id>/accept/", joining.invitation_accept, name="invitation_accept"),
    path("inbox/", joining.inbox, name="inbox"),
    path("inbox/read/", joining.inbox_read, name="inbox_read"),
]
