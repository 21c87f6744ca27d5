"""Merchant catalog API: the actor's own products, SKUs and images. Another merchant's rows are 404."""

from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, File, Form, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.catalog import selectors, services
from jishi.catalog.permissions import PRODUCT_MANAGE
from jishi.catalog.schemas import (
    Amount,
    ImageOut,
    MerchantProductOut,
    MerchantSkuOut,
    image_out,
    merchant_product_out,
    merchant_sku_out,
    parse_amount,
)
from jishi.core.api import BodyId, Id, Router, StrictIn, errors
from jishi.core.images import read_upload
from jishi.core.pagination import paginate
from jishi.core.permissions import requires

router = Router(tags=["merchant"], auth=SIGNED_IN)


class OptionIn(StrictIn):
    name: Annotated[str, Field(min_length=1, max_length=20)]
    values: Annotated[list[Annotated[str, Field(min_length=1, max_length=30)]], Field(min_length=1, max_length=30)]


class SkuIn(StrictIn):
    options: Annotated[
        dict[Annotated[str, Field(max_length=20)], Annotated[str, Field(max_length=30)]], Field(max_length=3)
    ] = {}
    price: Amount
    compare_at_price: Amount | None = None
    stock: Annotated[int, Field(ge=0, le=1_000_000, strict=True)]
    code: Annotated[str, Field(max_length=40)] = ""
    weight_grams: Annotated[int, Field(ge=0, le=1_000_000, strict=True)] = 0


AttributeValueIn = (
    Annotated[str, Field(max_length=200)] | Annotated[list[Annotated[str, Field(max_length=60)]], Field(max_length=50)]
)


class ProductIn(StrictIn):
    category_id: BodyId
    title: Annotated[str, Field(min_length=1, max_length=120)]
    subtitle: Annotated[str, Field(max_length=200)] = ""
    description: Annotated[str, Field(max_length=20_000)] = ""
    # A multiple choice takes a list of its values; yes or no takes "true" or "false".
    attributes: Annotated[
        dict[
            Annotated[str, Field(max_length=40)],
            Annotated[str, Field(max_length=200)]
            | Annotated[list[Annotated[str, Field(max_length=60)]], Field(max_length=50)],
        ],
        Field(max_length=50),
    ] = {}
    options: Annotated[list[OptionIn], Field(max_length=3)] = []
    skus: Annotated[list[SkuIn], Field(min_length=1, max_length=200)]


class SkuPatchIn(StrictIn):
    price: Amount | None = None
    compare_at_price: Amount | None = None
    clear_compare_at_price: Annotated[bool, Field(strict=True)] = False
    stock: Annotated[int, Field(ge=0, le=1_000_000, strict=True)] | None = None


class ImageOrderIn(StrictIn):
    image_ids: Annotated[list[BodyId], Field(max_length=12)]


class MerchantProductPageOut(Schema):
    items: list[MerchantProductOut]
    count: int
    page: int
    page_size: int


def product_input(payload: ProductIn) -> services.ProductInput:
    return services.ProductInput(
        category_id=payload.category_id,
        title=payload.title,
        subtitle=payload.subtitle,
        description=payload.description,
        attributes=payload.attributes,
        options=[services.OptionInput(name=o.name, values=o.values) for o in payload.options],
        skus=[
            services.SkuInput(
                options=s.options,
                price=parse_amount(s.price, f"skus.{i}.price"),
                compare_at_price=parse_amount(s.compare_at_price, f"skus.{i}.compare_at_price")
                if s.compare_at_price
                else None,
                stock=s.stock,
                code=s.code,
                weight_grams=s.weight_grams,
            )
            for i, s in enumerate(payload.skus)
        ],
    )


def _product(request: HttpRequest, product_id: int) -> MerchantProductOut:
    return merchant_product_out(selectors.product_get_for_merchant(actor_of(request), product_id))


@router.get("/products", response={200: MerchantProductPageOut, **errors(401, 403)})
@requires(PRODUCT_MANAGE)
def product_list(
    request: HttpRequest,
    status: Literal["draft", "pending_review", "published", "rejected", "unlisted"] | None = None,
    page: Annotated[int, Field(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Field(ge=1, le=100)] = 20,
) -> MerchantProductPageOut:
    products = selectors.product_list_for_merchant(actor_of(request), status=status).prefetch_related(
        "attribute_values__attribute", "attribute_values__choice", "options__values", "skus__stock"
    )
    result = paginate(products, page=page, page_size=page_size)
    return MerchantProductPageOut(
        items=[merchant_product_out(p) for p in result.items], count=result.count, page=page, page_size=page_size
    )


@router.post("/products", response={201: MerchantProductOut, **errors(401, 403, 404)})
@requires(PRODUCT_MANAGE)
def product_create(request: HttpRequest, payload: ProductIn) -> Status:
    """Create a draft product with options and one SKU per option combination."""
    product = services.product_create(actor=actor_of(request), data=product_input(payload))
    return Status(201, _product(request, product.pk))


@router.get("/products/{product_id}", response={200: MerchantProductOut, **errors(401, 403, 404)})
@requires(PRODUCT_MANAGE)
def product_detail(request: HttpRequest, product_id: Id) -> MerchantProductOut:
    return _product(request, product_id)


@router.put("/products/{product_id}", response={200: MerchantProductOut, **errors(401, 403, 404, 409)})
@requires(PRODUCT_MANAGE)
def product_update(request: HttpRequest, product_id: Id, payload: ProductIn) -> MerchantProductOut:
    """Replace the product's content and SKUs. Editing a published product sends it back to review."""
    services.product_update(actor=actor_of(request), product_id=product_id, data=product_input(payload))
    return _product(request, product_id)


@router.post("/products/{product_id}/submit", response={200: MerchantProductOut, **errors(401, 403, 404, 409)})
@requires(PRODUCT_MANAGE)
def product_submit(request: HttpRequest, product_id: Id) -> MerchantProductOut:
    services.product_submit(actor=actor_of(request), product_id=product_id)
    return _product(request, product_id)


@router.post("/products/{product_id}/unlist", response={200: MerchantProductOut, **errors(401, 403, 404, 409)})
@requires(PRODUCT_MANAGE)
def product_unlist(request: HttpRequest, product_id: Id) -> MerchantProductOut:
    services.product_unlist(actor=actor_of(request), product_id=product_id)
    return _product(request, product_id)


@router.patch("/skus/{sku_id}", response={200: MerchantSkuOut, **errors(401, 403, 404, 409)})
@requires(PRODUCT_MANAGE)
def sku_update(request: HttpRequest, sku_id: Id, payload: SkuPatchIn) -> MerchantSkuOut:
    """Change a SKU's price or stock; the product stays on sale."""
    sku = services.sku_update(
        actor=actor_of(request),
        sku_id=sku_id,
        price=parse_amount(payload.price, "price") if payload.price else None,
        compare_at_price=parse_amount(payload.compare_at_price, "compare_at_price")
        if payload.compare_at_price
        else None,
        clear_compare_at=payload.clear_compare_at_price,
        stock=payload.stock,
    )
    return merchant_sku_out(selectors.sku_get_for_merchant(actor_of(request), sku.pk))


@router.post("/products/{product_id}/images", response={201: ImageOut, **errors(401, 403, 404, 409)})
@requires(PRODUCT_MANAGE)
def image_upload(
    request: HttpRequest,
    product_id: Id,
    image: File[UploadedFile],
    alt: Form[str] = "",
) -> Status:
    """Upload a JPEG, PNG or WebP image (content-checked, re-encoded, thumbnailed)."""
    added = services.image_add(actor=actor_of(request), product_id=product_id, data=read_upload(image), alt=alt)
    return Status(201, image_out(added))


@router.delete("/products/{product_id}/images/{image_id}", response={204: None, **errors(401, 403, 404)})
@requires(PRODUCT_MANAGE)
def image_delete(request: HttpRequest, product_id: Id, image_id: Id) -> Status:
    services.image_delete(actor=actor_of(request), product_id=product_id, image_id=image_id)
    return Status(204, None)


@router.put("/products/{product_id}/image-order", response={200: list[ImageOut], **errors(401, 403, 404)})
@requires(PRODUCT_MANAGE)
def image_reorder(request: HttpRequest, product_id: Id, payload: ImageOrderIn) -> list[ImageOut]:
    images = services.image_reorder(actor=actor_of(request), product_id=product_id, image_ids=payload.image_ids)
    return [image_out(i) for i in images]
