"""Public catalog API: categories, product detail and category attributes (the listing is in ``search.api``)."""

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema

from jishi.catalog import selectors
from jishi.catalog.schemas import (
    CategoryOut,
    ProductDetailOut,
    category_out,
    product_detail_data,
)
from jishi.core.api import Router, errors, public_read
from jishi.core.permissions import PUBLIC, requires

router = Router(tags=["catalog"])


@router.get("/categories", response={200: list[CategoryOut], **errors()})
@requires(PUBLIC)
def category_list(request: HttpRequest, response: HttpResponse) -> list[CategoryOut]:
    """The whole category tree in depth-first order (``parent_id`` links it)."""
    public_read(request, response)
    return [category_out(c) for c in selectors.category_list()]


@router.get("/products/{product_id}", response={200: ProductDetailOut, **errors(404)})
@requires(PUBLIC)
def product_detail(
    request: HttpRequest, response: HttpResponse, product_id: Annotated[int, Field(ge=1, le=2**53)]
) -> dict[str, Any]:
    public_read(request, response)
    return product_detail_data(product_id)


class AttributeDefinitionOut(Schema):
    code: str
    name: str
    kind: str
    unit: str
    required: bool
    choices: list[str]


@router.get("/categories/{category_id}/attributes", response={200: list[AttributeDefinitionOut], **errors(404)})
@requires(PUBLIC)
def category_attributes(
    request: HttpRequest, response: HttpResponse, category_id: Annotated[int, Field(ge=1, le=2**53)]
) -> list[AttributeDefinitionOut]:
    """The attributes a product of this category carries (its own and its ancestors')."""
    public_read(request, response)
    return [
        AttributeDefinitionOut(
            code=a.code,
            name=a.name,
            kind=a.kind,
            unit=a.unit,
            required=a.required,
            choices=[c.value for c in a.choices.all()],
        )
        for a in selectors.attributes_for_category(selectors.category_get(category_id))
    ]
