"""The leader centre (团长中心) under /leader/: applying, today's work, batches, pickup codes, the point's orders."""

from django.urls import path

from jishi.web.leader import views

app_name = "leader"
urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("batches/<int:batch_id>/", views.batch, name="batch"),
    path("verify/", views.verify, name="verify"),
    path("orders/", views.orders, name="orders"),
]
