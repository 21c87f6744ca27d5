"""Operators' category tree and typed attributes: any depth, moves without cycles, retiring, kinds kept once used."""

import pytest
from django.tasks import task_backends

from jishi.catalog import selectors
from jishi.catalog import services as catalog
from jishi.catalog.errors import (
    AttributeInUse,
    CategoryCycle,
    CategoryInUse,
    InvalidAttribute,
    InvalidCategory,
    InvalidProduct,
)
from jishi.catalog.models import Category, Product, ProductAttributeValue
from jishi.catalog.tasks import products_reindex
from jishi.core.errors import PermissionDenied
from jishi.core.models import AuditEntry
from tests import factories
from tests.conftest import image_bytes
from tests.races import race

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return factories.user(email="catalog@example.com", operator_role="catalog")


def add(actor, name, parent=None, **kwargs):
    return catalog.category_add(actor=actor, name=name, parent_id=parent.pk if parent else None, **kwargs)


def test_a_catalog_manager_builds_a_tree_of_any_depth_with_icons(manager):
    # when
    pets = add(manager, "宠物", name_en="Pets", icon=image_bytes())
    food = add(manager, "宠物食品", pets)
    cat_food = add(manager, "猫粮", food)
    deeper = add(manager, "成猫粮", cat_food)
    # then
    assert [c.depth for c in (pets, food, cat_food, deeper)] == [0, 1, 2, 3]
    assert deeper.path == f"{pets.pk:06d}/{food.pk:06d}/{cat_food.pk:06d}/{deeper.pk:06d}/"
    assert pets.icon.name.endswith(".jpg")
    assert pets.icon.width == 64  # re-encoded, never larger than what was sent
    assert AuditEntry.objects.filter(action="category.create", actor_id=manager.pk).count() == 4


def test_others_may_not_touch_the_tree(reviewer, merchant_staff, buyer):
    for actor in (reviewer, merchant_staff, buyer):
        with pytest.raises(PermissionDenied):
            add(actor, "宠物")
    assert not Category.objects.exists()


def test_bad_names_and_a_parent_with_products_are_refused(manager, merchant_staff, leaf_category):
    factories.product(merchant_staff, leaf_category)
    with pytest.raises(InvalidCategory) as blank:
        add(manager, "   ")
    with pytest.raises(InvalidCategory) as twice:
        add(manager, leaf_category.name, leaf_category.parent)
    with pytest.raises(CategoryInUse) as holding:
        add(manager, "成猫粮", leaf_category)
    assert (blank.value.field, twice.value.field, holding.value.field) == ("name", "name", "parent_id")
    assert "1" in str(holding.value.message)


def test_moving_rewrites_the_subtree_and_refuses_a_cycle(manager):
    a = add(manager, "A")
    b = add(manager, "B", a)
    c = add(manager, "C", b)
    other = add(manager, "Other")
    # when
    moved = catalog.category_move(actor=manager, category_id=b.pk, parent_id=other.pk)
    # then
    c.refresh_from_db()
    assert moved.path == f"{other.pk:06d}/{b.pk:06d}/"
    assert moved.parent_id == other.pk
    assert c.path == f"{other.pk:06d}/{b.pk:06d}/{c.pk:06d}/"
    assert c.depth == 2
    assert set(selectors.category_subtree_ids(other)) == {other.pk, b.pk, c.pk}
    assert selectors.category_subtree_ids(a) == [a.pk]
    # under its own descendant, or itself: refused, nothing changed
    for target in (c, b):
        with pytest.raises(CategoryCycle) as refused:
            catalog.category_move(actor=manager, category_id=b.pk, parent_id=target.pk)
        assert refused.value.field == "parent_id"
    b.refresh_from_db()
    assert b.parent_id == other.pk
    # to the top level
    top = catalog.category_move(actor=manager, category_id=c.pk, parent_id=None)
    assert (top.path, top.depth, top.parent_id) == (f"{c.pk:06d}/", 0, None)


def test_search_finds_products_by_their_new_path(manager, merchant_staff, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    shoes = add(manager, "鞋")
    running = add(manager, "跑鞋", shoes)
    sport = add(manager, "运动")
    product = factories.product(merchant_staff, running, title="轻量竞速")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        catalog.category_move(actor=manager, category_id=running.pk, parent_id=sport.pk)
        catalog.category_update(actor=manager, category_id=sport.pk, name="运动户外")
    # then: each change asked for the products under it to be reindexed; running the tasks finds the new names
    queued = [r for r in task_backends["default"].results if r.task.name == "products_reindex"]
    assert [r.kwargs for r in queued] == [{"product_ids": [product.pk]}] * 2
    products_reindex.call(product_ids=[product.pk])
    product.refresh_from_db()
    assert {"运动", "户外", "跑鞋"} <= set(product.search_text.split())


def test_reorder_takes_every_sibling_once(manager):
    root = add(manager, "Root")
    x, y, z = (add(manager, n, root) for n in "XYZ")
    catalog.category_reorder(actor=manager, parent_id=root.pk, ordered_ids=[z.pk, x.pk, y.pk])
    assert list(Category.objects.filter(parent=root).order_by("position").values_list("name", flat=True)) == [
        "Z",
        "X",
        "Y",
    ]
    with pytest.raises(InvalidCategory):
        catalog.category_reorder(actor=manager, parent_id=root.pk, ordered_ids=[z.pk, x.pk])


def test_retiring_is_refused_with_the_count_of_live_products(manager, merchant_staff, leaf_category):
    factories.product(merchant_staff, leaf_category)
    factories.product(merchant_staff, leaf_category, title="第二款")
    draft = factories.product(merchant_staff, leaf_category, title="草稿", publish=False)
    root = Category.objects.get(pk=leaf_category.ancestor_ids()[0])
    with pytest.raises(CategoryInUse) as refused:
        catalog.category_retire(actor=manager, category_id=root.pk)
    assert "2" in str(refused.value.message)
    assert Category.objects.filter(is_active=False).count() == 0
    # once nothing is live there, the whole subtree retires and leaves what shoppers and merchants choose from
    for product in Product.objects.filter(status="published"):
        catalog.product_unlist(actor=merchant_staff, product_id=product.pk)
    catalog.category_retire(actor=manager, category_id=root.pk)
    assert not Category.objects.filter(is_active=True).exists()
    assert selectors.category_list() == []
    with pytest.raises(InvalidProduct) as retired:
        catalog.product_update(
            actor=merchant_staff,
            product_id=draft.pk,
            data=catalog.ProductInput(category_id=leaf_category.pk, title="草稿", skus=[]),
        )
    assert retired.value.code == "catalog.category_retired"
    # a subcategory cannot come back before its parent
    with pytest.raises(CategoryInUse):
        catalog.category_restore(actor=manager, category_id=leaf_category.pk)
    catalog.category_restore(actor=manager, category_id=root.pk)
    assert Category.objects.filter(is_active=False).count() == 0


def kinds(manager, category):
    colour = catalog.attribute_add(
        actor=manager,
        category_id=category.pk,
        data=catalog.AttributeInput(code="colour", name="颜色", kind="multi", choices=["红", "蓝", "黑"]),
    )
    waterproof = catalog.attribute_add(
        actor=manager,
        category_id=category.pk,
        data=catalog.AttributeInput(code="waterproof", name="防水", kind="boolean"),
    )
    weight = catalog.attribute_add(
        actor=manager,
        category_id=category.pk,
        data=catalog.AttributeInput(code="weight", name="重量", kind="number", unit="g", required=True),
    )
    return colour, waterproof, weight


def test_typed_attributes_take_the_values_of_their_kind(manager, merchant_staff):
    shoes = add(manager, "鞋")
    colour, waterproof, _weight = kinds(manager, shoes)
    # when
    product = factories.product(
        merchant_staff,
        shoes,
        attributes={"colour": ["红", "黑"], "waterproof": "true", "weight": "245"},
    )
    # then
    rows = ProductAttributeValue.objects.filter(product=product).select_related("attribute", "choice")
    assert sorted(r.display for r in rows if r.attribute_id == colour.pk) == ["红", "黑"]
    assert [r.bool_value for r in rows if r.attribute_id == waterproof.pk] == [True]
    assert "防水" in product.search_text
    bad = [
        ({"colour": ["绿"], "weight": "1"}, "attributes.colour"),
        ({"waterproof": "maybe", "weight": "1"}, "attributes.waterproof"),
        ({"colour": ["红"]}, "attributes.weight"),
        ({"weight": ["1", "2"]}, "attributes.weight"),
    ]
    for attributes, field in bad:
        with pytest.raises(InvalidProduct) as refused:
            factories.product(merchant_staff, shoes, attributes=attributes)
        assert refused.value.field == field


def test_attribute_definitions_are_checked(manager):
    shoes = add(manager, "鞋")
    running = add(manager, "跑鞋", shoes)
    kinds(manager, shoes)
    cases = [
        (catalog.AttributeInput(code="Colour!", name="x", kind="text"), "code"),
        (catalog.AttributeInput(code="colour", name="颜色", kind="text"), "code"),  # taken by the parent
        (catalog.AttributeInput(code="size", name="尺码", kind="choice"), "choices"),
        (catalog.AttributeInput(code="size", name="尺码", kind="text", choices=["S"]), "choices"),
        (catalog.AttributeInput(code="size", name="尺码", kind="text", unit="cm"), "unit"),
        (catalog.AttributeInput(code="size", name="尺码", kind="date"), "kind"),
    ]
    for data, field in cases:
        with pytest.raises(InvalidAttribute) as refused:
            catalog.attribute_add(actor=manager, category_id=running.pk, data=data)
        assert refused.value.field == field


def test_kind_and_used_values_are_kept_once_products_exist(manager, merchant_staff):
    shoes = add(manager, "鞋")
    colour, waterproof, _weight = kinds(manager, shoes)
    edit = catalog.AttributeInput(code="", name="颜色", kind="choice", choices=["红", "蓝", "黑"])
    # before any product, the kind may change
    catalog.attribute_update(actor=manager, attribute_id=colour.pk, data=edit)
    factories.product(merchant_staff, shoes, attributes={"colour": "红", "weight": "245"})
    with pytest.raises(AttributeInUse) as kind_kept:
        catalog.attribute_update(
            actor=manager, attribute_id=colour.pk, data=edit.__class__(**{**vars(edit), "kind": "multi"})
        )
    with pytest.raises(AttributeInUse) as value_kept:
        catalog.attribute_update(
            actor=manager, attribute_id=colour.pk, data=edit.__class__(**{**vars(edit), "choices": ["蓝"]})
        )
    with pytest.raises(AttributeInUse):
        catalog.attribute_remove(actor=manager, attribute_id=colour.pk)
    assert (kind_kept.value.field, value_kept.value.field) == ("kind", "choices")
    colour.refresh_from_db()
    assert colour.kind == "choice"
    assert [c.value for c in colour.choices.all()] == ["红", "蓝", "黑"]
    # an unused value goes, a new one comes, the order is the operator's
    catalog.attribute_update(
        actor=manager, attribute_id=colour.pk, data=edit.__class__(**{**vars(edit), "choices": ["白", "红", "蓝"]})
    )
    assert [c.value for c in colour.choices.all()] == ["白", "红", "蓝"]
    catalog.attribute_remove(actor=manager, attribute_id=waterproof.pk)
    assert AuditEntry.objects.filter(action__startswith="attribute.").count() == 6


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_crossing_moves_cannot_make_a_cycle(manager):
    a = add(manager, "A")
    b = add(manager, "B")
    # when: A under B and B under A at the same moment
    outcomes = race(
        [(a, b), (b, a)],
        lambda pair: catalog.category_move(actor=manager, category_id=pair[0].pk, parent_id=pair[1].pk),
    )
    # then: one moved; the other saw the cycle, or (PostgreSQL, having waited) that the tree changed under it
    names = sorted(type(o).__name__ for o in outcomes)
    assert names in (["Category", "CategoryCycle"], ["Category", "TreeChanged"])
    for c in Category.objects.all():
        assert c.path.endswith(f"{c.pk:06d}/")
        assert len(set(c.path.split("/"))) == c.depth + 2
