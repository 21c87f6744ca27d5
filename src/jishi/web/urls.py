"""Pages, per audience: storefront, account, merchant centre, operator console."""

from django.urls import path

from jishi.web.views import account, buying, merchant, merchant_orders, operator, storefront

app_name = "web"
urlpatterns = [
    path("", storefront.home, name="home"),
    path("search/", storefront.search, name="search"),
    path("c/<slug:slug>/", storefront.search, name="category"),
    path("p/<int:product_id>/", storefront.product_detail, name="product"),
    path("cart/", buying.cart, name="cart"),
    path("cart/add/", buying.cart_add, name="cart_add"),
    path("cart/lines/<int:line_id>/", buying.cart_line_update, name="cart_line"),
    path("checkout/", buying.checkout_page, name="checkout"),
    path("checkout/place/", buying.checkout_submit, name="checkout_place"),
    path("pay/<str:number>/", buying.cashier, name="cashier"),
    path("pay/<str:number>/start/", buying.payment_start, name="payment_start"),
    path("pay/<str:number>/return/", buying.payment_return, name="payment_return"),
    path("orders/", buying.order_list, name="orders"),
    path("orders/<str:number>/", buying.order_detail, name="order"),
    path("orders/<str:number>/cancel/", buying.order_cancel, name="order_cancel"),
    path("orders/<str:number>/confirm/", buying.order_confirm, name="order_confirm"),
    path("login/", account.log_in, name="login"),
    path("signup/", account.sign_up, name="signup"),
    path("logout/", account.log_out, name="logout"),
    path("account/", account.account, name="account"),
    path("account/addresses/", account.addresses, name="addresses"),
    path("account/addresses/<int:address_id>/", account.address_edit, name="address_edit"),
    path("account/addresses/<int:address_id>/delete/", account.address_delete, name="address_delete"),
    path("account/verification/", account.verification, name="verification"),
    path("merchant/", merchant.products, name="merchant_products"),
    path("merchant/products/new/", merchant.product_new, name="merchant_product_new"),
    path("merchant/products/<int:product_id>/", merchant.product_edit, name="merchant_product_edit"),
    path("merchant/products/<int:product_id>/submit/", merchant.product_submit, name="merchant_product_submit"),
    path("merchant/products/<int:product_id>/unlist/", merchant.product_unlist, name="merchant_product_unlist"),
    path("merchant/products/<int:product_id>/images/", merchant.image_upload, name="merchant_image_upload"),
    path(
        "merchant/products/<int:product_id>/images/<int:image_id>/delete/",
        merchant.image_delete,
        name="merchant_image_delete",
    ),
    path("merchant/orders/", merchant_orders.order_list, name="merchant_orders"),
    path("merchant/orders/<str:number>/", merchant_orders.order_detail, name="merchant_order"),
    path("merchant/orders/<str:number>/ship/", merchant_orders.order_ship, name="merchant_order_ship"),
    path("operator/", operator.home, name="operator_home"),
    path("operator/kyc/", operator.kyc_queue, name="operator_kyc"),
    path("operator/kyc/<int:verification_id>/", operator.kyc_decide, name="operator_kyc_decide"),
    path("operator/products/", operator.product_queue, name="operator_products"),
    path("operator/products/<int:product_id>/", operator.product_review, name="operator_product"),
    path("operator/products/<int:product_id>/decide/", operator.product_decide, name="operator_product_decide"),
]
