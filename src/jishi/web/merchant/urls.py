"""The merchant centre, under /merchant/: products, orders, after-sales, finance, promotions, group buys, community
group buys, team, qualifications."""

from django.urls import path

from jishi.web.merchant import aftersales, centre, community, groupbuy, orders, products, promotions

app_name = "merchant"
urlpatterns = [
    path("aftersales/", aftersales.queue, name="aftersales"),
    path("aftersales/return-address/", aftersales.return_address, name="return_address"),
    path("aftersales/<str:number>/", aftersales.detail, name="aftersales_detail"),
    path("aftersales/<str:number>/act/", aftersales.act, name="aftersales_act"),
    path("", products.products, name="products"),
    path("products/new/", products.product_new, name="product_new"),
    path("products/<int:product_id>/", products.product_edit, name="product_edit"),
    path("products/<int:product_id>/submit/", products.product_submit, name="product_submit"),
    path("products/<int:product_id>/unlist/", products.product_unlist, name="product_unlist"),
    path("products/<int:product_id>/images/", products.image_upload, name="image_upload"),
    path("products/<int:product_id>/images/<int:image_id>/delete/", products.image_delete, name="image_delete"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<str:number>/", orders.order_detail, name="order"),
    path("orders/<str:number>/ship/", orders.order_ship, name="order_ship"),
    path("orders/<str:number>/phone/", orders.order_phone, name="order_phone"),
    path("dashboard/", centre.dashboard, name="dashboard"),
    path("finance/", centre.finance, name="finance"),
    path("finance/bank-account/", centre.bank_account, name="bank_account"),
    path("finance/withdraw/", centre.withdraw, name="withdraw"),
    path("export/orders.<str:fmt>", centre.export_orders, name="export_orders"),
    path("export/ledger.<str:fmt>", centre.export_ledger, name="export_ledger"),
    path("promotions/", promotions.overview, name="promotions"),
    path("promotions/coupons/new/", promotions.coupon_new, name="promotions_coupon_new"),
    path("promotions/coupons/<int:template_id>/stop/", promotions.coupon_stop, name="promotions_coupon_stop"),
    path("promotions/coupons/<int:template_id>/codes/", promotions.coupon_codes, name="promotions_coupon_codes"),
    path("promotions/thresholds/new/", promotions.threshold_new, name="promotions_threshold_new"),
    path("promotions/thresholds/<int:promotion_id>/stop/", promotions.threshold_stop, name="promotions_threshold_stop"),
    path("promotions/limited-prices/new/", promotions.limited_new, name="promotions_limited_new"),
    path("promotions/limited-prices/<int:promotion_id>/stop/", promotions.limited_stop, name="promotions_limited_stop"),
    path("promotions/flash/apply/", promotions.flash_apply, name="promotions_flash_apply"),
    path("group-buys/", groupbuy.campaign_list, name="groupbuy"),
    path("group-buys/new/", groupbuy.campaign_new, name="groupbuy_new"),
    path("group-buys/<int:campaign_id>/stop/", groupbuy.campaign_stop, name="groupbuy_stop"),
    path("community/", community.community_list, name="community"),
    path("community/new/", community.community_new, name="community_new"),
    path("community/<int:campaign_id>/stop/", community.community_stop, name="community_stop"),
    path("community/batches/", community.community_batches, name="community_batches"),
    path("community/batches/<int:batch_id>/", community.community_batch, name="community_batch"),
    path("community/batches/<int:batch_id>/send/", community.community_batch_send, name="community_batch_send"),
    path("team/", centre.team, name="team"),
    path("team/invite/", centre.invite, name="invite"),
    path("qualifications/", centre.qualifications, name="qualifications"),
    path("qualifications/add/", centre.qualification_add, name="qualification_add"),
]
