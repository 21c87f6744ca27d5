"""URLs of the sandbox gateway's hosted pages (mounted only when the sandbox is enabled)."""

from django.urls import path

from jishi.payments import sandbox_views

app_name = "sandbox"
urlpatterns = [path("pay/<str:trade_no>/", sandbox_views.pay, name="pay")]
