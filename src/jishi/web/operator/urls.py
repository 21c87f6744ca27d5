"""The operator console, under /operator/: reviews, merchants, money, promotions, group leaders and pickup points,
group-buy settings, users, orders, arbitration, audit."""

from django.urls import path

from jishi.web.operator import arbitration, community, console, loyalty, promotions, review, segments

app_name = "operator"
urlpatterns = [
    path("reconciliation/", console.reconciliation, name="reconciliation"),
    path("reconciliation/<int:issue_id>/", console.reconciliation_issue, name="reconciliation_issue"),
    path("aftersales/", arbitration.queue, name="arbitrations"),
    path("aftersales/<str:number>/", arbitration.detail, name="arbitration"),
    path("aftersales/<str:number>/decide/", arbitration.decide, name="arbitration_decide"),
    path("", review.home, name="home"),
    path("kyc/", review.kyc_queue, name="kyc"),
    path("kyc/<int:verification_id>/", review.kyc_decide, name="kyc_decide"),
    path("products/", review.product_queue, name="products"),
    path("products/<int:product_id>/", review.product_review, name="product"),
    path("products/<int:product_id>/decide/", review.product_decide, name="product_decide"),
    path("dashboard/", console.dashboard, name="dashboard"),
    path("export/orders.<str:fmt>", console.export_orders, name="export_orders"),
    path("export/ledger.<str:fmt>", console.export_ledger, name="export_ledger"),
    path("applications/", console.applications, name="applications"),
    path("applications/<int:application_id>/", console.application_detail, name="application"),
    path(
        "applications/<int:application_id>/documents/<str:document>/",
        console.application_document,
        name="application_document",
    ),
    path("applications/<int:application_id>/decide/", console.application_decide, name="application_decide"),
    path("merchants/", console.merchant_list, name="merchants"),
    path("merchants/<int:merchant_id>/", console.merchant_detail, name="merchant"),
    path("merchants/<int:merchant_id>/status/", console.merchant_status, name="merchant_status"),
    path("commission/", console.commission, name="commission"),
    path("commission/add/", console.commission_add, name="commission_add"),
    path("payouts/", console.payouts, name="payouts"),
    path("payouts/<str:number>/decide/", console.payout_decide, name="payout_decide"),
    path("promotions/", promotions.promotions, name="promotions"),
    path("promotions/coupons/new/", promotions.platform_coupon_new, name="promotions_coupon_new"),
    path("promotions/coupons/<int:template_id>/stop/", promotions.platform_coupon_stop, name="promotions_coupon_stop"),
    path(
        "promotions/coupons/<int:template_id>/codes/", promotions.platform_coupon_codes, name="promotions_coupon_codes"
    ),
    path("promotions/costs/", promotions.promotion_costs, name="promotion_costs"),
    path("flash/", promotions.flash, name="flash"),
    path("flash/sessions/new/", promotions.flash_session_new, name="flash_session_new"),
    path("flash/items/<int:item_id>/decide/", promotions.flash_decide, name="flash_decide"),
    path("leaders/", community.leaders, name="leaders"),
    path("leaders/<int:leader_id>/decide/", community.leader_decide, name="leader_decide"),
    path("leaders/<int:leader_id>/suspend/", community.leader_suspend, name="leader_suspend"),
    path("pickup-points/", community.pickup_points, name="pickup_points"),
    path("group-buy-settings/", community.group_buy_settings, name="group_buy_settings"),
    path("loyalty-settings/", loyalty.loyalty_settings, name="loyalty_settings"),
    path("users/", console.users, name="users"),
    path("users/<int:user_id>/", console.user_detail, name="user"),
    path("users/<int:user_id>/action/", console.user_action, name="user_action"),
    path("orders/", console.orders, name="orders"),
    path("orders/<str:number>/", console.order_detail, name="order"),
    path("audit/", console.audit, name="audit"),
    path("segments/", segments.segments, name="segments"),
    path("segments/<str:segment>/", segments.segment_members, name="segment_members"),
    path("segments/<str:segment>/coupons/", segments.segment_coupons, name="segment_coupons"),
]
