"""The leader centre (团长中心) under /leader/: applying, today's work, batches, pickup codes, the point's orders,
sharing campaigns and the commission earned (notifications link to /leader/earnings/)."""

from django.urls import path

from jishi.web.leader import views

app_name = "leader"
urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("batches/<int:batch_id>/", views.batch, name="batch"),
    path("verify/", views.verify, name="verify"),
    path("orders/", views.orders, name="orders"),
    path("share/", views.share, name="share"),
    path("earnings/", views.earnings, name="earnings"),
    path("earnings/bank-account/", views.bank_account, name="bank_account"),
    path("earnings/withdraw/", views.withdraw, name="withdraw"),
]
