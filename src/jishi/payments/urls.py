"""URLs of our pages on the way to a gateway."""

from django.urls import path

from jishi.payments import views

app_name = "gateway_forms"
urlpatterns = [
    path("unionpay/<str:token>/", views.unionpay_form, name="unionpay"),
    path("wechatpay/<str:token>/", views.wechatpay_qr, name="wechatpay"),
]
