"""Categories and their typed attributes (operators' set-up and the demo loader)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import CharField, F, Max, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jishi.catalog import selectors
from jishi.catalog.errors import (
    AttributeInUse,
    AttributeNotFound,
    CategoryCycle,
    CategoryInUse,
    InvalidAttribute,
    InvalidCategory,
    TreeChanged,
)
from jishi.catalog.models import (
    CHOICE_KINDS,
    Attribute,
    AttributeChoice,
    AttributeKind,
    Category,
    Product,
    ProductAttributeValue,
    path_ids,
)
from jishi.catalog.permissions import CATALOG_MANAGE
from jishi.catalog.selectors import subtree_cache_key
from jishi.catalog.states import ProductStatus
from jishi.core import audit
from jishi.core.actors import Actor
from jishi.core.errors import InvalidInput
from jishi.core.images import process_upload
from jishi.core.permissions import check


@transaction.atomic
def category_create(
    *, name: str, parent: Category | None = None, slug: str = "", name_en: str = "", position: int = 0
) -> Category:
    """Add a category under ``parent`` (or at the root). Used by operators' set-up and the demo loader."""
    category = Category.objects.create(
        parent=parent,
        name=name,
        name_en=name_en,
        slug=slug or slugify(name_en or name) or uuid.uuid4().hex[:12],
        position=position,
        path="",
        depth=(parent.depth + 1) if parent else 0,
    )
    category.path = f"{parent.path if parent else ''}{category.pk:06d}/"
    Category.objects.filter(pk=category.pk).update(path=category.path)
    # Every ancestor's cached subtree (the search filter) now misses this category.
    stale = [subtree_cache_key(category.path[: end + 1]) for end, mark in enumerate(category.path) if mark == "/"]
    transaction.on_commit(lambda: cache.delete_many(stale))
    return category


def attribute_create(
    *,
    category: Category,
    code: str,
    name: str,
    kind: str,
    choices: list[str] | None = None,
    unit: str = "",
    required: bool = False,
    name_en: str = "",
    position: int = 0,
) -> Attribute:
    """Define a typed attribute on ``category`` (and so on its descendants)."""
    with transaction.atomic():
        attribute = Attribute.objects.create(
            category=category,
            code=code,
            name=name,
            name_en=name_en,
            kind=kind,
            unit=unit,
            required=required,
            position=position,
        )
        AttributeChoice.objects.bulk_create(
            AttributeChoice(attribute=attribute, value=value, position=i) for i, value in enumerate(choices or [])
        )
    return attribute


# Operators' writes: each checks CATALOG_MANAGE and is audited ---------------------------------------------------

MAX_DEPTH = 30  # paths hold 7 characters a level in 255
MAX_CHOICES = 100
LIVE_STATUSES = (ProductStatus.PUBLISHED, ProductStatus.PENDING_REVIEW)


def _name(value: str, field_name: str, limit: int, *, required: bool = True) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise InvalidCategory(_("This field is required."), field=field_name)
    if len(text) > limit:
        raise InvalidCategory(_("At most %(n)d characters.") % {"n": limit}, field=field_name)
    return text


def _forget_subtrees(*paths: str) -> None:
    """Drop the cached subtree of every category on ``paths`` (each ancestor's subtree changed) after commit."""
    stale = {subtree_cache_key(path[: end + 1]) for path in paths for end, mark in enumerate(path) if mark == "/"}
    transaction.on_commit(lambda: cache.delete_many(sorted(stale)))


def _check_parent(parent: Category | None) -> None:
    """A new child's parent must be active, not too deep, and hold no products of its own (products live in leaves)."""
    if parent is None:
        return
    if not parent.is_active:
        raise InvalidCategory(_("The parent category is retired."), field="parent_id")
    if parent.depth + 1 >= MAX_DEPTH:
        raise InvalidCategory(_("Categories nest at most %(n)d levels deep.") % {"n": MAX_DEPTH}, field="parent_id")
    held = Product.objects.filter(category=parent).count()
    if held:
        raise CategoryInUse(
            ngettext(
                "The parent category holds %(n)d product; products belong to the most specific category.",
                "The parent category holds %(n)d products; products belong to the most specific category.",
                held,
            )
            % {"n": held},
            field="parent_id",
        )


def _check_sibling_name(name: str, parent_id: int | None, exclude: int = 0) -> None:
    siblings = Category.objects.filter(parent_id=parent_id, name=name).exclude(pk=exclude)
    if siblings.exists():
        raise InvalidCategory(_("A category of this name already exists here."), field="name")


def _icon_file(category_id: int, data: bytes) -> ContentFile[bytes]:
    try:
        processed = process_upload(data, name_stem=f"c{category_id}-{uuid.uuid4().hex[:10]}")
    except InvalidInput as error:
        error.field = "icon"
        raise
    return processed.thumbnail


def _snapshot(category: Category) -> dict[str, object]:
    return {
        "name": category.name,
        "name_en": category.name_en,
        "parent_id": category.parent_id,
        "position": category.position,
        "icon": category.icon.name,
        "is_active": category.is_active,
    }


def category_add(
    *, actor: Actor, name: str, name_en: str = "", parent_id: int | None = None, icon: bytes | None = None
) -> Category:
    """Add a category at the end of its parent's children. Raises InvalidCategory, CategoryInUse, InvalidImage."""
    check(actor, CATALOG_MANAGE)
    name, name_en = _name(name, "name", 50), _name(name_en, "name_en", 80, required=False)
    with transaction.atomic():
        parent = selectors.category_get(parent_id) if parent_id else None
        _check_parent(parent)
        _check_sibling_name(name, parent_id)
        last = Category.objects.filter(parent=parent).aggregate(last=Max("position"))["last"]
        category = category_create(name=name, name_en=name_en, parent=parent, position=(last or 0) + 1)
        if icon:
            upload = _icon_file(category.pk, icon)
            category.icon.save(upload.name or "icon.jpg", upload, save=True)
        audit.record(actor=actor, action="category.create", target=category, after=_snapshot(category))
    return category


def category_update(
    *, actor: Actor, category_id: int, name: str, name_en: str = "", icon: bytes | None = None, drop_icon: bool = False
) -> Category:
    """Rename a category and set or drop its icon."""
    check(actor, CATALOG_MANAGE)
    name, name_en = _name(name, "name", 50), _name(name_en, "name_en", 80, required=False)
    with transaction.atomic():
        category = selectors.category_get(category_id)
        before = _snapshot(category)
        _check_sibling_name(name, category.parent_id, exclude=category.pk)
        category.name, category.name_en = name, name_en
        old_icon = category.icon.name
        if icon:
            upload = _icon_file(category.pk, icon)
            category.icon.save(upload.name or "icon.jpg", upload, save=False)
        elif drop_icon:
            category.icon = ""
        category.save(update_fields=["name", "name_en", "icon"])
        if old_icon and old_icon != category.icon.name:
            transaction.on_commit(lambda: category.icon.storage.delete(old_icon))
        audit.record(actor=actor, action="category.update", target=category, before=before, after=_snapshot(category))
    if (before["name"], before["name_en"]) != (category.name, category.name_en):  # an icon alone finds nothing new
        _reindex_subtree(category)
    return category


def _reindex_subtree(category: Category) -> None:
    """Products under a renamed or moved category are found by its new name and path (a task per product)."""
    ids = list(Product.objects.filter(category__path__startswith=category.path).values_list("pk", flat=True))
    if ids:
        from jishi.catalog.tasks import products_reindex  # the task calls back into the services

        transaction.on_commit(lambda: products_reindex.enqueue(product_ids=ids))


def category_move(*, actor: Actor, category_id: int, parent_id: int | None) -> Category:
    """Move a category (with everything under it) to the end of another parent's children, or to the top level.

    Raises CategoryCycle when the new parent is the category or lies under it. Concurrent moves are serialised by
    locking the top-level categories of both places, so two moves cannot make a cycle between them.
    """
    check(actor, CATALOG_MANAGE)
    with transaction.atomic():
        category = selectors.category_get(category_id)
        parent = selectors.category_get(parent_id) if parent_id else None
        roots = {path_ids(category.path)[0]} | ({path_ids(parent.path)[0]} if parent else set())
        list(Category.objects.select_for_update().filter(pk__in=roots).order_by("pk").values_list("pk", flat=True))
        category = selectors.category_get(category_id)  # as they are now that the roots are held
        parent = selectors.category_get(parent_id) if parent_id else None
        if {path_ids(category.path)[0]} | ({path_ids(parent.path)[0]} if parent else set()) != roots:
            raise TreeChanged
        if parent is not None and parent.path.startswith(category.path):
            raise CategoryCycle(field="parent_id")
        if category.parent_id == (parent.pk if parent else None):
            return category
        _check_parent(parent)
        height = Category.objects.filter(path__startswith=category.path).aggregate(deepest=Max("depth"))["deepest"]
        if parent is not None and parent.depth + 1 + (height - category.depth) >= MAX_DEPTH:
            raise InvalidCategory(_("Categories nest at most %(n)d levels deep.") % {"n": MAX_DEPTH}, field="parent_id")
        _check_sibling_name(category.name, parent.pk if parent else None, exclude=category.pk)
        before, old_path = _snapshot(category), category.path
        new_path = f"{parent.path if parent else ''}{category.pk:06d}/"
        shift = (parent.depth + 1 if parent else 0) - category.depth
        last = Category.objects.filter(parent=parent).aggregate(last=Max("position"))["last"]
        Category.objects.filter(pk=category.pk).update(parent=parent, position=(last or 0) + 1)
        Category.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1), output_field=CharField()),
            depth=F("depth") + shift,
        )
        category.refresh_from_db()
        _forget_subtrees(old_path, new_path)
        audit.record(actor=actor, action="category.move", target=category, before=before, after=_snapshot(category))
    _reindex_subtree(category)
    return category


def category_reorder(*, actor: Actor, parent_id: int | None, ordered_ids: list[int]) -> list[Category]:
    """Put a parent's children in the order given (every child named once)."""
    check(actor, CATALOG_MANAGE)
    with transaction.atomic():
        if parent_id:
            selectors.category_get(parent_id)
        children = {c.pk: c for c in Category.objects.select_for_update().filter(parent_id=parent_id)}
        if sorted(ordered_ids) != sorted(children):
            raise InvalidCategory(_("Name every subcategory of this parent once."), field="ordered_ids")
        before = [c.pk for c in sorted(children.values(), key=lambda c: (c.position, c.pk))]
        for position, pk in enumerate(ordered_ids, start=1):
            children[pk].position = position
        Category.objects.bulk_update(children.values(), ["position"])
        target = children[ordered_ids[0]].parent if parent_id else children[ordered_ids[0]]
        audit.record(
            actor=actor,
            action="category.reorder",
            target=target,  # type: ignore[arg-type]
            before={"parent_id": parent_id, "order": before},
            after={"parent_id": parent_id, "order": ordered_ids},
        )
    return [children[pk] for pk in ordered_ids]


def _set_active(actor: Actor, category_id: int, active: bool) -> Category:
    check(actor, CATALOG_MANAGE)
    with transaction.atomic():
        category = selectors.category_get(category_id)
        subtree = Category.objects.filter(path__startswith=category.path)
        if active and category.parent is not None and not category.parent.is_active:
            raise CategoryInUse(_("Restore the parent category first."), field="category_id")
        if not active:
            live = Product.objects.filter(category__in=subtree, status__in=LIVE_STATUSES).count()
            if live:
                raise CategoryInUse(
                    ngettext(
                        "%(n)d product is listed or under review in this category; unlist or move it first.",
                        "%(n)d products are listed or under review in this category; unlist or move them first.",
                        live,
                    )
                    % {"n": live},
                    field="category_id",
                )
        before = _snapshot(category)
        subtree.update(is_active=active)
        category.is_active = active
        audit.record(
            actor=actor,
            action="category.restore" if active else "category.retire",
            target=category,
            before=before,
            after=_snapshot(category),
        )
    return category


def category_retire(*, actor: Actor, category_id: int) -> Category:
    """Retire a category and everything under it. Refused (CategoryInUse, with the count) while products are live."""
    return _set_active(actor, category_id, False)


def category_restore(*, actor: Actor, category_id: int) -> Category:
    """Bring a retired category (and everything under it) back; its parent must be active."""
    return _set_active(actor, category_id, True)


# Attributes -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributeInput:
    code: str
    name: str
    kind: str
    name_en: str = ""
    unit: str = ""
    required: bool = False
    filterable: bool = True
    searchable: bool = True
    choices: list[str] = field(default_factory=list)


CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _clean_choices(kind: str, values: list[str]) -> list[str]:
    choices = list(dict.fromkeys(" ".join(c.split()) for c in values if c.strip()))
    if kind not in CHOICE_KINDS:
        if choices:
            raise InvalidAttribute(_("Only a choice has values to choose from."), field="choices")
        return []
    if not choices:
        raise InvalidAttribute(_("List the values to choose from."), field="choices")
    if len(choices) > MAX_CHOICES or any(len(c) > 60 for c in choices):
        raise InvalidAttribute(_("At most 100 values of at most 60 characters each."), field="choices")
    return choices


def _clean_attribute(data: AttributeInput) -> AttributeInput:
    code = data.code.strip()
    if not CODE.match(code):
        raise InvalidAttribute(
            _("Use 1 to 40 lower-case letters, digits and underscores, starting with a letter."), field="code"
        )
    if data.kind not in AttributeKind.values:
        raise InvalidAttribute(_("Choose a kind of attribute."), field="kind")
    name, name_en, unit = " ".join(data.name.split()), " ".join(data.name_en.split()), data.unit.strip()
    if not name or len(name) > 40:
        raise InvalidAttribute(_("Give a name of 1 to 40 characters."), field="name")
    if len(name_en) > 60:
        raise InvalidAttribute(_("At most %(n)d characters.") % {"n": 60}, field="name_en")
    if unit and data.kind != AttributeKind.NUMBER:
        raise InvalidAttribute(_("Only a number has a unit."), field="unit")
    if len(unit) > 10:
        raise InvalidAttribute(_("At most %(n)d characters.") % {"n": 10}, field="unit")
    return AttributeInput(
        code=code,
        name=name,
        kind=data.kind,
        name_en=name_en,
        unit=unit,
        required=data.required,
        filterable=data.filterable,
        searchable=data.searchable,
        choices=_clean_choices(data.kind, data.choices),
    )


def _attribute_snapshot(attribute: Attribute) -> dict[str, object]:
    return {
        "code": attribute.code,
        "name": attribute.name,
        "kind": attribute.kind,
        "unit": attribute.unit,
        "required": attribute.required,
        "filterable": attribute.filterable,
        "choices": [c.value for c in attribute.choices.all()],
    }


def _products_under(category: Category) -> int:
    return Product.objects.filter(category__path__startswith=category.path).count()


def attribute_add(*, actor: Actor, category_id: int, data: AttributeInput) -> Attribute:
    """Define an attribute on a category; its code must be free on the category's ancestors and descendants."""
    check(actor, CATALOG_MANAGE)
    clean = _clean_attribute(data)
    with transaction.atomic():
        category = selectors.category_get(category_id)
        related = Q(category__path__startswith=category.path) | Q(category_id__in=category.ancestor_ids())
        if Attribute.objects.filter(related, code=clean.code).exists():
            raise InvalidAttribute(
                _("This category or a related one already has an attribute of this code."), field="code"
            )
        last = Attribute.objects.filter(category=category).aggregate(last=Max("position"))["last"]
        attribute = attribute_create(
            category=category,
            code=clean.code,
            name=clean.name,
            name_en=clean.name_en,
            kind=clean.kind,
            unit=clean.unit,
            required=clean.required,
            choices=clean.choices,
            position=(last or 0) + 1,
        )
        Attribute.objects.filter(pk=attribute.pk).update(filterable=clean.filterable, searchable=clean.searchable)
        attribute.refresh_from_db()
        audit.record(actor=actor, action="attribute.create", target=attribute, after=_attribute_snapshot(attribute))
    return attribute


def _attribute_get(attribute_id: int) -> Attribute:
    attribute = Attribute.objects.select_related("category").filter(pk=attribute_id).first()
    if attribute is None:
        raise AttributeNotFound(field="attribute_id")
    return attribute


def _set_choices(attribute: Attribute, values: list[str]) -> None:
    """Keep the values still listed (in the new order), add the new ones; a value products use cannot go."""
    existing = {c.value: c for c in attribute.choices.all()}
    dropped = [c for value, c in existing.items() if value not in values]
    used = ProductAttributeValue.objects.filter(choice__in=dropped).values("product").distinct().count()
    if used:
        raise AttributeInUse(
            ngettext("%(n)d product uses a value you removed.", "%(n)d products use a value you removed.", used)
            % {"n": used},
            field="choices",
        )
    AttributeChoice.objects.filter(pk__in=[c.pk for c in dropped]).delete()
    kept = []
    for position, value in enumerate(values):
        choice = existing.get(value) or AttributeChoice(attribute=attribute, value=value)
        choice.position = position
        kept.append(choice)
    AttributeChoice.objects.bulk_create([c for c in kept if c.pk is None])
    AttributeChoice.objects.bulk_update([c for c in kept if c.pk is not None], ["position"])


def attribute_update(*, actor: Actor, attribute_id: int, data: AttributeInput) -> Attribute:
    """Change an attribute. Its code never changes; its kind only while no product lies under its category."""
    check(actor, CATALOG_MANAGE)
    with transaction.atomic():
        attribute = _attribute_get(attribute_id)
        clean = _clean_attribute(AttributeInput(**{**vars(data), "code": attribute.code}))
        before = _attribute_snapshot(attribute)
        if clean.kind != attribute.kind:
            held = _products_under(attribute.category)
            if held:
                raise AttributeInUse(
                    ngettext(
                        "%(n)d product lies under this category; its attributes keep their kind.",
                        "%(n)d products lie under this category; its attributes keep their kind.",
                        held,
                    )
                    % {"n": held},
                    field="kind",
                )
        for name in ("name", "name_en", "kind", "unit", "required", "filterable", "searchable"):
            setattr(attribute, name, getattr(clean, name))
        attribute.save()
        _set_choices(attribute, clean.choices)
        audit.record(
            actor=actor,
            action="attribute.update",
            target=attribute,
            before=before,
            after=_attribute_snapshot(attribute),
        )
    return attribute


def attribute_remove(*, actor: Actor, attribute_id: int) -> None:
    """Remove an attribute no product carries a value of (AttributeInUse with the count otherwise)."""
    check(actor, CATALOG_MANAGE)
    with transaction.atomic():
        attribute = _attribute_get(attribute_id)
        used = ProductAttributeValue.objects.filter(attribute=attribute).values("product").distinct().count()
        if used:
            raise AttributeInUse(
                ngettext(
                    "%(n)d product has a value for this attribute.",
                    "%(n)d products have a value for this attribute.",
                    used,
                )
                % {"n": used},
                field="attribute_id",
            )
        audit.record(actor=actor, action="attribute.delete", target=attribute, before=_attribute_snapshot(attribute))
        attribute.delete()
