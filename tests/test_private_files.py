"""Licences, permits and after-sales evidence are private: no public URL, only views that check who asks."""

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jishi.aftersales import services as aftersales
from jishi.core.storage import PrivateStorage, move_public_files, private_storage
from jishi.merchants import services as merchants
from jishi.merchants.models import MerchantApplication
from tests import factories
from tests.conftest import image_bytes
from tests.merchants.test_onboarding import _company, _permit

pytestmark = pytest.mark.django_db


def _private_files():
    """``(model, field, name)`` of every stored file whose field keeps it in private storage."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(getattr(field, "storage", None), PrivateStorage):
                for name in model._default_manager.exclude(**{field.attname: ""}).values_list(field.attname, flat=True):
                    yield model, field, name


@pytest.fixture
def documents(buyer, merchant_staff, leaf_category, api):
    """A shop application with its licence and permit, and a refund request with a photo as evidence."""
    permit = _permit(image=image_bytes())
    application = merchants.application_submit(actor=buyer, data=_company(qualifications=[permit]))
    placement = factories.place(buyer, (factories.sku_of(factories.product(merchant_staff, leaf_category)), 1))
    factories.pay(placement)
    order = placement.orders[0]
    lines = [{"order_line_id": order.lines.get().pk, "quantity": 1}]
    body = {"order_number": order.number, "kind": "refund", "reason": "不想要了", "lines": lines}
    number = api("post", "/aftersales", user=buyer, json=body).json()["number"]
    photo = SimpleUploadedFile("photo.png", image_bytes(), content_type="image/png")
    evidence = aftersales.evidence_add(actor=buyer, number=number, upload=photo)
    return application, number, evidence


def test_every_private_file_is_outside_media_under_a_name_nobody_can_guess(documents):
    files = list(_private_files())
    assert {(model.__name__, field.name) for model, field, _name in files} == {
        ("MerchantApplication", "licence_image"),
        ("Qualification", "image"),
        ("Evidence", "file"),
    }
    for _model, _field, name in files:
        assert re.fullmatch(r"(licences|qualifications|evidence)/\d{4}/[A-Za-z0-9_-]{32}\.\w+", name)
        assert (settings.JISHI_PRIVATE_ROOT / name).is_file()
        assert not (settings.MEDIA_ROOT / name).exists()
    with pytest.raises(ValueError, match="no URL"):
        private_storage.url(files[0][2])


def test_no_route_serves_a_private_file_to_anyone_who_asks(documents, other_buyer):
    stranger = Client()
    stranger.force_login(other_buyer)
    for _model, _field, name in _private_files():
        for client in (Client(), stranger):
            for url in (f"/media/{name}", f"/private/{name}", f"/static/{name}"):
                assert client.get(url).status_code == 404, url
            assert client.get(f"/media/../private/{name}").status_code == 400  # a way out of media is refused


def test_the_views_hand_documents_only_to_who_may_see_them(documents, buyer, other_buyer, reviewer):
    application, number, evidence = documents
    licence = reverse("operator:application_document", args=[application.pk, "licence"])
    evidence_url = f"/api/v1/aftersales/{number}/evidence/{evidence.pk}"
    desk, owner, stranger = Client(), Client(), Client()
    desk.force_login(reviewer)
    owner.force_login(buyer)
    stranger.force_login(other_buyer)
    for answer in (desk.get(licence), owner.get(evidence_url)):
        assert answer.status_code == 200
        assert answer["Cache-Control"] == "private, no-store"
    assert Client().get(licence).status_code == 302  # to the log-in page
    assert stranger.get(licence).status_code == 403
    assert Client().get(evidence_url).status_code == 401
    assert stranger.get(evidence_url).status_code == 404


def test_files_uploaded_before_are_moved_out_of_media_under_new_names(buyer):
    application = merchants.application_submit(actor=buyer, data=_company())
    old = "licences/2026/11/licence.png"
    (settings.MEDIA_ROOT / "licences/2026/11").mkdir(parents=True)
    (settings.MEDIA_ROOT / old).write_bytes(image_bytes())
    MerchantApplication.objects.filter(pk=application.pk).update(licence_image=old)
    assert move_public_files(MerchantApplication, "licence_image", "licences") == 1
    moved = MerchantApplication.objects.get(pk=application.pk).licence_image.name
    assert moved != old
    assert (settings.JISHI_PRIVATE_ROOT / moved).read_bytes() == image_bytes()
    assert not (settings.MEDIA_ROOT / old).exists()
    assert move_public_files(MerchantApplication, "licence_image", "licences") == 0  # and running it again is harmless
