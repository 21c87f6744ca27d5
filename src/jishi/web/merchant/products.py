"""Merchant centre: the merchant's products, the product editor, images and review submission."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.catalog import selectors, services
from jishi.catalog.permissions import PRODUCT_MANAGE
from jishi.catalog.states import ProductStatus
from jishi.core.errors import DomainError
from jishi.core.images import read_upload
from jishi.core.pagination import paginate
from jishi.web.merchant import product_form
from jishi.web.pages import is_htmx, page, page_number


@page(PRODUCT_MANAGE)
def products(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in ProductStatus.values:
        status = ""
    result = paginate(
        selectors.product_list_for_merchant(actor_of(request), status=status or None).order_by("-updated_at", "-id"),
        page=page_number(request),
        page_size=20,
    )
    return render(
        request,
        "merchant/products.html",
        {"page": result, "status": status, "product_statuses": ProductStatus.choices},
    )


def _render_editor(request: HttpRequest, state: product_form.EditorState, product: object = None) -> HttpResponse:
    context = {
        "state": state,
        "product": product,
        "categories": product_form.leaf_categories(),
        "attribute_fields": state.attribute_fields(),
        "option_rows": state.option_rows(),
        "grid": state.grid(),
    }
    template = "merchant/product_form.html#editor" if is_htmx(request) else "merchant/product_form.html"
    return render(request, template, context, status=422 if state.errors and not is_htmx(request) else 200)


def _save(request: HttpRequest, state: product_form.EditorState, product_id: int | None) -> HttpResponse | None:
    """Create or update from the posted state; None when the editor must be shown again with errors."""
    data = product_form.to_input(state)
    if data is None:
        return None
    actor = actor_of(request)
    try:
        if product_id is None:
            product_id = services.product_create(actor=actor, data=data).pk
        else:
            services.product_update(actor=actor, product_id=product_id, data=data)
        if request.POST.get("action") == "submit":
            services.product_submit(actor=actor, product_id=product_id)
            messages.success(request, _("Saved and sent for review."))
        else:
            messages.success(request, _("Saved."))
    except DomainError as exc:
        if exc.status == 404 and exc.field is None:
            raise
        state.errors[exc.field or "form"] = exc.message
        return None
    return redirect("merchant:product_edit", product_id=product_id)


def _editor(request: HttpRequest, product_id: int | None) -> HttpResponse:
    product = selectors.product_get_for_merchant(actor_of(request), product_id) if product_id else None
    if request.method != "POST":
        if product is not None:
            state = product_form.state_from_product(product)
        else:
            state = product_form.EditorState(category=None)
            state.regenerate_rows()
        return _render_editor(request, state, product)
    state = product_form.state_from_post(request.POST)
    if request.POST.get("action") == "refresh":
        state.regenerate_rows()
        return _render_editor(request, state, product)
    return _save(request, state, product_id) or _render_editor(request, state, product)


@page(PRODUCT_MANAGE)
def product_new(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@page(PRODUCT_MANAGE)
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    return _editor(request, product_id)


@require_POST
@page(PRODUCT_MANAGE)
def product_submit(request: HttpRequest, product_id: int) -> HttpResponse:
    services.product_submit(actor=actor_of(request), product_id=product_id)
    messages.success(request, _("Sent for review."))
    return redirect("merchant:product_edit", product_id=product_id)


@require_POST
@page(PRODUCT_MANAGE)
def product_unlist(request: HttpRequest, product_id: int) -> HttpResponse:
    services.product_unlist(actor=actor_of(request), product_id=product_id)
    messages.success(request, _("Taken off sale."))
    return redirect("merchant:product_edit", product_id=product_id)


@require_POST
@page(PRODUCT_MANAGE)
def image_upload(request: HttpRequest, product_id: int) -> HttpResponse:
    upload = request.FILES.get("image")
    if upload is None:
        messages.error(request, _("Choose an image to upload."))
    else:
        services.image_add(
            actor=actor_of(request), product_id=product_id, data=read_upload(upload), alt=request.POST.get("alt", "")
        )
        messages.success(request, _("Image added."))
    return redirect("merchant:product_edit", product_id=product_id)


@require_POST
@page(PRODUCT_MANAGE)
def image_delete(request: HttpRequest, product_id: int, image_id: int) -> HttpResponse:
    services.image_delete(actor=actor_of(request), product_id=product_id, image_id=image_id)
    messages.success(request, _("Image removed."))
    return redirect("merchant:product_edit", product_id=product_id)
