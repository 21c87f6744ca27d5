"""A user's way into a merchant: applying to open a shop, accepting an invitation; and the inbox."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.core.errors import DomainError
from jishi.core.images import read_upload
from jishi.core.pagination import paginate
from jishi.core.permissions import AUTHENTICATED
from jishi.merchants import selectors as merchant_selectors
from jishi.merchants import services as merchants
from jishi.merchants.models import KIND_QUALIFICATIONS, QualificationKind
from jishi.merchants.permissions import MERCHANT_APPLY
from jishi.notifications import selectors as inbox_selectors
from jishi.notifications import services as notifications
from jishi.web.forms import ApplicationForm
from jishi.web.pages import page, page_number


def _application_input(form: ApplicationForm) -> merchants.ApplicationInput:
    data = dict(form.cleaned_data)
    permit = {name.removeprefix("permit_"): data.pop(name) for name in list(data) if name.startswith("permit_")}
    licence = data.pop("licence_image")
    qualifications = []
    if (
        any(permit[name] for name in ("number", "authority", "expires_on", "image"))
        or data["kind"] in KIND_QUALIFICATIONS
    ):
        image = permit.pop("image")
        qualifications.append(
            merchants.QualificationInput(
                kind=QualificationKind.ANIMAL_BUSINESS_PERMIT,
                **permit,
                image=read_upload(image) if image else b"",
            )
        )
    return merchants.ApplicationInput(
        **data, licence_image=read_upload(licence) if licence else b"", qualifications=qualifications
    )


@page(MERCHANT_APPLY)
def apply(request: HttpRequest) -> HttpResponse:
    """Apply to open a shop, and see earlier applications with their decisions."""
    actor = actor_of(request)
    form = ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            merchants.application_submit(actor=actor, data=_application_input(form))
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Application submitted. We will tell you when it has been reviewed."))
            return redirect("buyer:apply")
    history = merchant_selectors.applications_of(actor)[:10]
    context = {
        "form": form,
        "applications": history,
        "has_pending": any(a.status == "pending" for a in history),
        "membership": getattr(actor, "membership", None),
    }
    return render(request, "buyer/account/apply.html", context)


@page(AUTHENTICATED)
def invitations(request: HttpRequest) -> HttpResponse:
    return render(
        request, "buyer/account/invitations.html", {"invitations": merchants.invitations_for(actor_of(request))}
    )


@require_POST
@page(AUTHENTICATED)
def invitation_accept(request: HttpRequest, invitation_id: int) -> HttpResponse:
    membership = merchants.invitation_accept(actor=actor_of(request), invitation_id=invitation_id)
    messages.success(request, _("You have joined %(shop)s.") % {"shop": membership.merchant.name})
    return redirect("merchant:orders")


@page(AUTHENTICATED)
def inbox(request: HttpRequest) -> HttpResponse:
    notices = inbox_selectors.inbox_of(actor_of(request))
    return render(
        request, "buyer/account/inbox.html", {"page": paginate(notices, page=page_number(request), page_size=20)}
    )


@require_POST
@page(AUTHENTICATED)
def inbox_read(request: HttpRequest) -> HttpResponse:
    notification_id = request.POST.get("id")  # none: every message; anything but one of the user's: 404
    if notification_id is not None and not notification_id.isdecimal():
        raise Http404
    notifications.mark_read(actor=actor_of(request), notification_id=int(notification_id) if notification_id else None)
    return redirect("buyer:inbox")
