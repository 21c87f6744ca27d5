"""Django's admin shows every table to superusers, read-only, and nothing to anyone else."""

import pytest
from django.contrib import admin
from django.urls import reverse

from jishi.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return User.objects.create_superuser(email="root@example.com", password=factories.PASSWORD)


def _changelists():
    return [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry]


def test_every_jishi_model_is_registered():
    # given / when
    registered = {m._meta.label for m in admin.site._registry}
    # then
    from django.apps import apps

    ours = {m._meta.label for m in apps.get_models() if m.__module__.startswith("jishi.")}
    assert ours <= registered


def test_a_superuser_sees_every_list_and_may_change_nothing(client, superuser):
    # given some rows to show
    owner = factories.merchant_owner()
    factories.product(owner, factories.category_path("宠物", "猫粮"), reviewer=superuser)
    client.force_login(superuser)
    # when / then: every list renders
    for url in _changelists():
        assert client.get(url).status_code == 200, url
    # and nothing can be added, changed or deleted
    assert client.get(reverse("admin:catalog_product_add")).status_code == 403
    product = owner.membership.merchant.products.get()
    change = client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert client.post(reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"}).status_code == 403
    assert owner.membership.merchant.products.exists()


def test_staff_who_are_not_superusers_see_no_table(client):
    # given a staff account without superuser rights
    staff = factories.user(is_staff=True)
    client.force_login(staff)
    # when
    index = client.get(reverse("admin:index"))
    # then
    assert index.status_code == 200
    assert index.context["app_list"] == []
    assert client.get(reverse("admin:catalog_product_changelist")).status_code == 403
