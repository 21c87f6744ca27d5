"""Operator catalog API: the category tree (any depth, ordered, with icons, retired or not) and typed attributes."""

from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, File, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.catalog import selectors, services
from jishi.catalog.models import Attribute
from jishi.catalog.permissions import CATALOG_MANAGE
from jishi.catalog.schemas import CategoryOut, category_out
from jishi.catalog.selectors import CategoryNode
from jishi.core.api import BodyId, Id, Router, StrictIn, errors
from jishi.core.images import read_upload
from jishi.core.permissions import requires

router = Router(tags=["operator"], auth=SIGNED_IN)


class CategoryNodeOut(CategoryOut):
    position: int
    is_active: bool
    products: int = Field(description="Products in this category itself, in any status.")
    live_products: int = Field(description="Products listed or under review in this category and under it.")
    attributes: int = Field(description="Attributes defined on this category itself.")


class CategoryAddIn(StrictIn):
    name: Annotated[str, Field(min_length=1, max_length=50)]
    name_en: Annotated[str, Field(max_length=80)] = ""
    parent_id: BodyId | None = None


class CategoryRenameIn(StrictIn):
    name: Annotated[str, Field(min_length=1, max_length=50)]
    name_en: Annotated[str, Field(max_length=80)] = ""


class CategoryMoveIn(StrictIn):
    parent_id: BodyId | None = Field(None, description="The new parent; null for the top level.")


class CategoryReorderIn(StrictIn):
    parent_id: BodyId | None = None
    ordered_ids: Annotated[list[BodyId], Field(min_length=1, max_length=500)]


Kind = Literal["text", "number", "choice", "multi", "boolean"]


class AttributeEditIn(StrictIn):
    name: Annotated[str, Field(min_length=1, max_length=40)]
    name_en: Annotated[str, Field(max_length=60)] = ""
    kind: Kind
    unit: Annotated[str, Field(max_length=10)] = ""
    required: bool = False
    filterable: bool = True
    searchable: bool = True
    choices: Annotated[list[Annotated[str, Field(max_length=60)]], Field(max_length=100)] = []


class AttributeAddIn(AttributeEditIn):
    code: Annotated[str, Field(min_length=1, max_length=40, description="Lower-case letters, digits, underscores.")]


class AttributeAdminOut(Schema):
    id: int
    category_id: int
    code: str
    name: str
    name_en: str
    kind: str
    unit: str
    required: bool
    filterable: bool
    searchable: bool
    position: int
    choices: list[str]


def _flatten(nodes: list[CategoryNode]) -> list[CategoryNodeOut]:
    out: list[CategoryNodeOut] = []
    for node in nodes:
        out.append(
            CategoryNodeOut(
                **category_out(node.category).model_dump(),
                position=node.category.position,
                is_active=node.category.is_active,
                products=node.products,
                live_products=node.live,
                attributes=node.attributes,
            )
        )
        out += _flatten(node.children)
    return out


def _node(request: HttpRequest, category_id: int) -> CategoryNodeOut:
    found = [n for n in _flatten(selectors.category_tree_for_operators(actor_of(request))) if n.id == category_id]
    return found[0]


def attribute_admin_out(attribute: Attribute) -> AttributeAdminOut:
    return AttributeAdminOut(
        id=attribute.pk,
        category_id=attribute.category_id,
        code=attribute.code,
        name=attribute.name,
        name_en=attribute.name_en,
        kind=attribute.kind,
        unit=attribute.unit,
        required=attribute.required,
        filterable=attribute.filterable,
        searchable=attribute.searchable,
        position=attribute.position,
        choices=[c.value for c in attribute.choices.all()],
    )


def _attribute_input(payload: AttributeEditIn, code: str = "") -> services.AttributeInput:
    return services.AttributeInput(
        code=code,
        name=payload.name,
        name_en=payload.name_en,
        kind=payload.kind,
        unit=payload.unit,
        required=payload.required,
        filterable=payload.filterable,
        searchable=payload.searchable,
        choices=payload.choices,
    )


@router.get("/categories", response={200: list[CategoryNodeOut], **errors(401, 403)})
@requires(CATALOG_MANAGE)
def category_tree(request: HttpRequest) -> list[CategoryNodeOut]:
    """Every category, retired ones too, depth first with siblings by position, and what lies in each."""
    return _flatten(selectors.category_tree_for_operators(actor_of(request)))


@router.post("/categories", response={201: CategoryNodeOut, **errors(401, 403, 404, 409)})
@requires(CATALOG_MANAGE)
def category_add(request: HttpRequest, payload: CategoryAddIn) -> Status:
    """Add a category at the end of its parent's children (a parent holding products of its own is refused)."""
    category = services.category_add(
        actor=actor_of(request), name=payload.name, name_en=payload.name_en, parent_id=payload.parent_id
    )
    return Status(201, _node(request, category.pk))


# Before "/categories/{category_id}", which would otherwise take this path.
@router.post("/categories/reorder", response={200: list[CategoryNodeOut], **errors(401, 403, 404)})
@requires(CATALOG_MANAGE)
def category_reorder(request: HttpRequest, payload: CategoryReorderIn) -> list[CategoryNodeOut]:
    """Order a parent's children (each named once); answers them in their new order."""
    ordered = services.category_reorder(
        actor=actor_of(request), parent_id=payload.parent_id, ordered_ids=payload.ordered_ids
    )
    nodes = {n.id: n for n in _flatten(selectors.category_tree_for_operators(actor_of(request)))}
    return [nodes[c.pk] for c in ordered]


@router.patch("/categories/{category_id}", response={200: CategoryNodeOut, **errors(401, 403, 404)})
@requires(CATALOG_MANAGE)
def category_rename(request: HttpRequest, category_id: Id, payload: CategoryRenameIn) -> CategoryNodeOut:
    category = selectors.category_get(category_id)
    services.category_update(
        actor=actor_of(request), category_id=category.pk, name=payload.name, name_en=payload.name_en
    )
    return _node(request, category_id)


@router.post("/categories/{category_id}/icon", response={200: CategoryNodeOut, **errors(401, 403, 404, 413)})
@requires(CATALOG_MANAGE)
def category_icon(request: HttpRequest, category_id: Id, icon: File[UploadedFile]) -> CategoryNodeOut:
    """Set the icon (a JPEG, PNG or WebP image, content-checked and re-encoded at 400 px)."""
    category = selectors.category_get(category_id)
    services.category_update(
        actor=actor_of(request),
        category_id=category.pk,
        name=category.name,
        name_en=category.name_en,
        icon=read_upload(icon),
    )
    return _node(request, category_id)


@router.delete("/categories/{category_id}/icon", response={200: CategoryNodeOut, **errors(401, 403, 404)})
@requires(CATALOG_MANAGE)
def category_icon_drop(request: HttpRequest, category_id: Id) -> CategoryNodeOut:
    category = selectors.category_get(category_id)
    services.category_update(
        actor=actor_of(request), category_id=category.pk, name=category.name, name_en=category.name_en, drop_icon=True
    )
    return _node(request, category_id)


@router.post("/categories/{category_id}/move", response={200: CategoryNodeOut, **errors(401, 403, 404, 409)})
@requires(CATALOG_MANAGE)
def category_move(request: HttpRequest, category_id: Id, payload: CategoryMoveIn) -> CategoryNodeOut:
    """Move a category with everything under it; under itself or its own subcategory is refused (422)."""
    services.category_move(actor=actor_of(request), category_id=category_id, parent_id=payload.parent_id)
    return _node(request, category_id)


@router.post("/categories/{category_id}/retire", response={200: CategoryNodeOut, **errors(401, 403, 404, 409)})
@requires(CATALOG_MANAGE)
def category_retire(request: HttpRequest, category_id: Id) -> CategoryNodeOut:
    """Retire a category and everything under it; refused (409, with the count) while products are live there."""
    services.category_retire(actor=actor_of(request), category_id=category_id)
    return _node(request, category_id)


@router.post("/categories/{category_id}/restore", response={200: CategoryNodeOut, **errors(401, 403, 404, 409)})
@requires(CATALOG_MANAGE)
def category_restore(request: HttpRequest, category_id: Id) -> CategoryNodeOut:
    services.category_restore(actor=actor_of(request), category_id=category_id)
    return _node(request, category_id)


@router.get("/categories/{category_id}/attributes", response={200: list[AttributeAdminOut], **errors(401, 403, 404)})
@requires(CATALOG_MANAGE)
def attribute_list(request: HttpRequest, category_id: Id) -> list[AttributeAdminOut]:
    """The attributes defined on this category itself (a product also carries its ancestors')."""
    return [attribute_admin_out(a) for a in selectors.category_attributes_own(selectors.category_get(category_id))]


@router.post("/categories/{category_id}/attributes", response={201: AttributeAdminOut, **errors(401, 403, 404, 409)})
@requires(CATALOG_MANAGE)
def attribute_add(request: HttpRequest, category_id: Id, payload: AttributeAddIn) -> Status:
    attribute = services.attribute_add(
        actor=actor_of(request), category_id=category_id, data=_attribute_input(payload, payload.code)
    )
    return Status(201, attribute_admin_out(selectors.attribute_get_for_operators(actor_of(request), attribute.pk)))


@router.put("/attributes/{attribute_id}", response={200: AttributeAdminOut, **errors(401, 403, 404, 409)})
@requires(CATALOG_MANAGE)
def attribute_update(request: HttpRequest, attribute_id: Id, payload: AttributeEditIn) -> AttributeAdminOut:
    """Change an attribute (its code stays). A kind change is refused (409) once products lie under its category;
    removing a value products use is refused too."""
    services.attribute_update(actor=actor_of(request), attribute_id=attribute_id, data=_attribute_input(payload))
    return attribute_admin_out(selectors.attribute_get_for_operators(actor_of(request), attribute_id))


@router.delete("/attributes/{attribute_id}", response={204: None, **errors(401, 403, 404, 409)})
@requires(CATALOG_MANAGE)
def attribute_remove(request: HttpRequest, attribute_id: Id) -> Status:
    """Remove an attribute no product has a value for."""
    services.attribute_remove(actor=actor_of(request), attribute_id=attribute_id)
    return Status(204, None)
