"""Operator console: its overview and the KYC and product review queues (a pet listing shows the animal's
particulars and what the listing rules flagged)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts import selectors as accounts_selectors
from jishi.accounts import services as accounts
from jishi.accounts.auth import actor_of
from jishi.accounts.permissions import KYC_REVIEW, OPERATOR
from jishi.catalog import selectors as catalog_selectors
from jishi.catalog import services as catalog
from jishi.catalog.permissions import PRODUCT_REVIEW
from jishi.core.pagination import paginate
from jishi.ledger import selectors as ledger_selectors
from jishi.ledger.permissions import FINANCE_VIEW
from jishi.ledger.states import PayoutStatus
from jishi.merchants import selectors as merchant_selectors
from jishi.merchants.permissions import APPLICATION_REVIEW
from jishi.pets import selectors as pet_selectors
from jishi.web.pages import decide, page, page_number
from jishi.web.pet_listing import flags_of, particulars, record_counts


@page(OPERATOR)
def home(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    context = {
        "kyc_pending": accounts_selectors.kyc_queue_for(actor).count() if KYC_REVIEW.allows(actor) else None,
        "products_pending": (
            catalog_selectors.product_review_queue(actor).count() if PRODUCT_REVIEW.allows(actor) else None
        ),
        "applications_pending": (
            merchant_selectors.application_queue(actor).count() if APPLICATION_REVIEW.allows(actor) else None
        ),
        "payouts_pending": (
            ledger_selectors.payouts_for_operator(actor, status=PayoutStatus.REQUESTED).count()
            if FINANCE_VIEW.allows(actor)
            else None
        ),
    }
    return render(request, "operator/home.html", context)


@page(KYC_REVIEW)
def kyc_queue(request: HttpRequest) -> HttpResponse:
    queue = accounts_selectors.kyc_queue_for(actor_of(request))
    return render(request, "operator/kyc.html", {"page": paginate(queue, page=page_number(request), page_size=20)})


@require_POST
@page(KYC_REVIEW)
def kyc_decide(request: HttpRequest, verification_id: int) -> HttpResponse:
    actor = actor_of(request)
    decide(
        request,
        approve=lambda: accounts.kyc_approve(actor=actor, verification_id=verification_id),
        reject=lambda reason: accounts.kyc_reject(actor=actor, verification_id=verification_id, reason=reason),
        messages_=(_("Verification approved."), _("Verification rejected.")),
    )
    return redirect("operator:kyc")


@page(PRODUCT_REVIEW)
def product_queue(request: HttpRequest) -> HttpResponse:
    queue = catalog_selectors.product_review_queue(actor_of(request))
    result = paginate(queue, page=page_number(request), page_size=20)
    pets = pet_selectors.pets_of_products(product.pk for product in result.items)
    pet_flags = {product_id: flags_of(pet) for product_id, pet in pets.items()}
    return render(request, "operator/products.html", {"page": result, "pet_flags": pet_flags})


@page(PRODUCT_REVIEW)
def product_review(request: HttpRequest, product_id: int) -> HttpResponse:
    product = catalog_selectors.product_get_for_review(actor_of(request), product_id)
    context: dict[str, object] = {"product": product}
    pet = pet_selectors.pet_of_product(product.pk)
    if pet is not None:
        records, proven = record_counts(pet, pet_selectors.checkpoint_latest())
        context |= {
            "pet": pet,
            "pet_flags": flags_of(pet),
            "pet_particulars": particulars(pet),
            "pet_records": records,
            "pet_proven": proven,
            "photo_urls": {image.pk: image.thumbnail.url for image in product.images.all()},
        }
    return render(request, "operator/product_review.html", context)


@require_POST
@page(PRODUCT_REVIEW)
def product_decide(request: HttpRequest, product_id: int) -> HttpResponse:
    actor = actor_of(request)
    decided = decide(
        request,
        approve=lambda: catalog.product_approve(actor=actor, product_id=product_id),
        reject=lambda reason: catalog.product_reject(actor=actor, product_id=product_id, reason=reason),
        messages_=(_("Product published."), _("Product rejected.")),
    )
    if not decided:
        return redirect("operator:product", product_id=product_id)
    return redirect("operator:products")
