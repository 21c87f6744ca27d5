"""The operator console's 类目管理: the tree with counts, adding with an icon, renaming, moving (a cycle comes back
on its field with a 422), ordering, retiring, and each category's typed attributes. Catalog managers and
administrators only."""

import pytest

from jishi.catalog import services as catalog
from jishi.catalog.models import Attribute, Category
from tests import factories
from tests.conftest import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(english):
    user = factories.user(email="catalog@example.com", operator_role="catalog")
    english.force_login(user)
    return user


def post(client, url, data, came_from):
    return client.post(url, data, HTTP_REFERER=f"http://testserver{came_from}")


def test_others_are_refused(client, reviewer, merchant_staff):
    for user in (reviewer, merchant_staff):
        client.force_login(user)
        assert client.get("/operator/categories/").status_code == 403
        assert client.post("/operator/categories/add/", {"name": "宠物"}).status_code == 403
    assert not Category.objects.exists()


def test_the_tree_shows_every_level_with_its_counts(english, manager, merchant_staff, django_assert_max_num_queries):
    leaf = factories.category_path("宠物", "宠物食品", "猫粮")
    factories.product(merchant_staff, leaf)
    with django_assert_max_num_queries(12):
        page = english.get("/operator/categories/")
    body = page.content.decode()
    assert page.status_code == 200
    assert body.index("宠物食品") < body.index("猫粮")
    assert 'class="category-name indent-2"' in body
    assert "Categories" in body  # the console menu names the section


def test_adding_with_an_icon_then_renaming(english, manager):
    page = post(
        english,
        "/operator/categories/add/",
        {"_form": "add", "name": "宠物", "name_en": "Pets", "parent_id": "", "icon": _upload()},
        "/operator/categories/",
    )
    pets = Category.objects.get()
    assert page.status_code == 302
    assert page["Location"] == f"/operator/categories/{pets.pk}/"
    assert pets.icon
    assert pets.name_en == "Pets"
    detail = english.get(f"/operator/categories/{pets.pk}/").content.decode()
    assert pets.icon.url in detail
    post(
        english,
        f"/operator/categories/{pets.pk}/edit/",
        {"_form": "edit", "name": "宠物用品", "name_en": "Pet supplies", "drop_icon": "1"},
        f"/operator/categories/{pets.pk}/",
    )
    pets.refresh_from_db()
    assert (pets.name, pets.icon.name) == ("宠物用品", "")


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("icon.png", image_bytes(), content_type="image/png")


def test_a_cycle_comes_back_on_its_field(english, manager):
    a = catalog.category_add(actor=manager, name="A")
    b = catalog.category_add(actor=manager, name="B", parent_id=a.pk)
    page = post(
        english,
        f"/operator/categories/{a.pk}/edit/",
        {"_form": "move", "parent_id": str(b.pk)},
        f"/operator/categories/{a.pk}/",
    )
    assert page.status_code == 422
    assert "cannot move under itself" in page.content.decode()
    a.refresh_from_db()
    assert a.parent_id is None


def test_the_move_menu_offers_no_descendant(english, manager):
    a = catalog.category_add(actor=manager, name="A")
    b = catalog.category_add(actor=manager, name="B", parent_id=a.pk)
    other = catalog.category_add(actor=manager, name="Other")
    body = english.get(f"/operator/categories/{a.pk}/").content.decode()
    move = body[body.index('id="move-parent"') :]
    move = move[: move.index("</select>")]
    assert f'value="{other.pk}"' in move
    assert f'value="{b.pk}"' not in move


def test_ordering_siblings_up_and_down(english, manager):
    _x, y = (catalog.category_add(actor=manager, name=n) for n in "XY")
    post(english, f"/operator/categories/{y.pk}/shift/", {"direction": "up"}, "/operator/categories/")
    assert list(Category.objects.order_by("position").values_list("name", flat=True)) == ["Y", "X"]


def test_retiring_with_live_products_shows_the_count(english, manager, merchant_staff):
    leaf = factories.category_path("宠物", "猫粮")
    factories.product(merchant_staff, leaf)
    page = post(
        english, f"/operator/categories/{leaf.pk}/edit/", {"_form": "retire"}, f"/operator/categories/{leaf.pk}/"
    )
    assert page.status_code == 422
    assert "1 product is listed or under review" in page.content.decode()
    assert Category.objects.filter(is_active=False).count() == 0


def test_attributes_are_added_edited_and_refused_on_their_field(english, manager):
    shoes = catalog.category_add(actor=manager, name="鞋")
    url = f"/operator/categories/{shoes.pk}/"
    post(
        english,
        f"{url}attributes/add/",
        {
            "_form": "attribute",
            "code": "colour",
            "name": "颜色",
            "kind": "multi",
            "choices": "红\n蓝\n",
            "filterable": "1",
        },
        url,
    )
    colour = Attribute.objects.get()
    assert (colour.kind, colour.filterable, colour.searchable) == ("multi", True, False)
    assert [c.value for c in colour.choices.all()] == ["红", "蓝"]
    refused = post(
        english, f"{url}attributes/add/", {"_form": "attribute", "code": "size", "name": "尺码", "kind": "choice"}, url
    )
    assert refused.status_code == 422
    assert "List the values to choose from" in refused.content.decode()
    edit = f"/operator/attributes/{colour.pk}/"
    assert english.get(edit).status_code == 200
    post(
        english, f"{edit}edit/", {"_form": "attribute", "name": "主色", "kind": "multi", "choices": "红\n蓝\n黑"}, edit
    )
    colour.refresh_from_db()
    assert colour.name == "主色"
    assert colour.choices.count() == 3
    post(english, f"{edit}edit/", {"_form": "delete"}, edit)
    assert not Attribute.objects.exists()


def test_digits_that_are_not_ascii_are_no_id_and_never_a_500(english, manager):
    # "²" passes str.isdigit() but int() refuses it: the page treats it as no parent at all
    page = post(
        english,
        "/operator/categories/add/",
        {"_form": "add", "name": "宠物", "parent_id": "²"},
        "/operator/categories/",
    )
    assert page.status_code == 302
    assert Category.objects.get().parent_id is None
    assert english.get("/search/?page=²").status_code == 200
