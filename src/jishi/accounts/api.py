"""Accounts API: sign-up, log-in, tokens, profile, addresses, real-name verification, KYC review."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.contrib.auth import logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from jishi.accounts import selectors, services
from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.accounts.errors import KycNotFound
from jishi.accounts.models import Address, RealNameVerification, User
from jishi.accounts.permissions import AUDIT_VIEW, KYC_REVIEW, USER_MANAGE
from jishi.core import regions
from jishi.core.api import Id, IsoDateTime, PageNumber, Router, StrictIn, client_ip, errors
from jishi.core.errors import InvalidInput
from jishi.core.pagination import paginate
from jishi.core.permissions import AUTHENTICATED, PUBLIC, requires

auth_router = Router(tags=["auth"])
me_router = Router(tags=["me"], auth=SIGNED_IN)
operator_router = Router(tags=["operator"], auth=SIGNED_IN)

Short = Annotated[str, Field(max_length=50)]
Password = Annotated[str, Field(min_length=1, max_length=128)]


class SignUpIn(StrictIn):
    identifier: Annotated[str, Field(min_length=3, max_length=254, description="E-mail address or mainland mobile")]
    password: Password
    display_name: Short = ""


class LogInIn(StrictIn):
    identifier: Annotated[str, Field(min_length=1, max_length=254)]
    password: Password
    token_name: Short = ""


class MerchantRoleOut(Schema):
    id: int
    name: str
    role: str


class MeOut(Schema):
    id: int
    display_name: str
    email: str | None
    phone: str
    operator_role: str
    merchant: MerchantRoleOut | None
    kyc_status: str | None


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime
    user: MeOut


class TokenInfoOut(Schema):
    id: int
    prefix: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked: bool


RegionCode = Annotated[str, Field(pattern=r"^\d{6}$", examples=["440300"])]


class AddressIn(StrictIn):
    """The place is ``region_code`` (from ``GET /regions``); or else province, city and district by full name."""

    receiver: Annotated[str, Field(min_length=1, max_length=40)]
    phone: Annotated[str, Field(min_length=11, max_length=16)]
    region_code: Annotated[
        str, Field(pattern=r"^(\d{6})?$", description="GB/T 2260 code of the district (or city, or province)")
    ] = ""
    province: Annotated[str, Field(max_length=30, examples=["广东省"])] = ""
    city: Annotated[str, Field(max_length=30, examples=["深圳市"])] = ""
    district: Annotated[str, Field(max_length=30, examples=["南山区"])] = ""
    detail: Annotated[str, Field(min_length=1, max_length=200)]
    postal_code: Annotated[str, Field(max_length=6)] = ""
    is_default: Annotated[bool, Field(strict=True)] = False


class AddressOut(Schema):
    id: int
    receiver: str
    phone: str
    region_code: str
    province: str
    city: str
    district: str
    detail: str
    postal_code: str
    is_default: bool


class KycSubmitIn(StrictIn):
    real_name: Annotated[str, Field(min_length=1, max_length=30)]
    id_number: Annotated[str, Field(min_length=1, max_length=18)]


class KycOut(Schema):
    id: int
    real_name: str
    id_number: str
    status: str
    rejection_reason: str
    submitted_at: dt.datetime
    reviewed_at: dt.datetime | None


class KycReviewOut(KycOut):
    user_id: int
    user: str


class KycPageOut(Schema):
    items: list[KycReviewOut]
    count: int
    page: int
    page_size: int


class RejectIn(StrictIn):
    reason: Annotated[str, Field(min_length=1, max_length=200)]


def _me(user: User) -> MeOut:
    membership = getattr(user, "membership", None) if hasattr(user, "membership") else None
    kyc = selectors.kyc_current_for(user)
    return MeOut(
        id=user.pk,
        display_name=user.display_name,
        email=user.email,
        phone=user.phone,  # the owner sees their own number
        operator_role=user.operator_role,
        merchant=(
            MerchantRoleOut(id=membership.merchant_id, name=membership.merchant.name, role=membership.role)
            if membership
            else None
        ),
        kyc_status=kyc.status if kyc else None,
    )


def _address(address: Address) -> AddressOut:
    return AddressOut(
        id=address.pk,
        receiver=address.receiver,
        phone=address.phone,  # only ever shown to the address book's owner
        region_code=address.region_code,
        province=address.province,
        city=address.city,
        district=address.district,
        detail=address.detail,
        postal_code=address.postal_code,
        is_default=address.is_default,
    )


def _kyc(verification: RealNameVerification) -> KycOut:
    return KycOut(
        id=verification.pk,
        real_name=verification.real_name_masked,
        id_number=verification.id_number_masked,
        status=verification.status,
        rejection_reason=verification.rejection_reason,
        submitted_at=verification.submitted_at,
        reviewed_at=verification.reviewed_at,
    )


def _address_input(payload: AddressIn) -> services.AddressInput:
    return services.AddressInput(**payload.dict())


@auth_router.post("/signup", response={201: MeOut, **errors(409)}, auth=None)
@requires(PUBLIC)
def sign_up(request: HttpRequest, payload: SignUpIn) -> Status:
    user = services.user_sign_up(
        identifier=payload.identifier, password=payload.password, display_name=payload.display_name
    )
    return Status(201, _me(user))


@auth_router.post("/login", response={200: TokenOut, **errors(401, 409, 429)}, auth=None)
@requires(PUBLIC)
def log_in(request: HttpRequest, payload: LogInIn, response: HttpResponse) -> TokenOut:
    """Exchange credentials for a bearer token. Throttled per account and per IP (429 with Retry-After).

    The answer is ``Cache-Control: no-store``: no cache keeps the token, and an
    ``Idempotency-Key`` repeat is refused (409 ``idempotency.not_replayable``)
    rather than handing the token out a second time.
    """
    user = services.user_log_in(identifier=payload.identifier, password=payload.password, ip=client_ip(request))
    response["Cache-Control"] = "no-store"
    token, secret = services.token_create(user=user, name=payload.token_name)
    return TokenOut(token=secret, expires_at=token.expires_at, user=_me(user))


@auth_router.post("/logout", response={204: None, **errors(401, 403)}, auth=SIGNED_IN)
@requires(AUTHENTICATED)
def log_out(request: HttpRequest) -> Status:
    """Revoke the bearer token used for this request, or end the browser session."""
    secret = getattr(request, "jishi_token", None)
    if secret:
        services.token_revoke(actor=actor_of(request), secret=secret)
    else:
        logout(request)
    return Status(204, None)


@me_router.get("", response={200: MeOut, **errors(401, 403)})
@requires(AUTHENTICATED)
def me(request: HttpRequest) -> MeOut:
    return _me(actor_of(request))


@me_router.get("/tokens", response={200: list[TokenInfoOut], **errors(401, 403)})
@requires(AUTHENTICATED)
def token_list(request: HttpRequest) -> list[TokenInfoOut]:
    return [
        TokenInfoOut(
            id=t.pk,
            prefix=t.prefix,
            name=t.name,
            created_at=t.created_at,
            expires_at=t.expires_at,
            last_used_at=t.last_used_at,
            revoked=t.revoked_at is not None,
        )
        for t in actor_of(request).api_tokens.all()[:100]
    ]


@me_router.delete("/tokens/{token_id}", response={204: None, **errors(401, 403, 404)})
@requires(AUTHENTICATED)
def token_revoke(request: HttpRequest, token_id: int) -> Status:
    services.token_revoke(actor=actor_of(request), token_id=token_id)
    return Status(204, None)


@me_router.get("/addresses", response={200: list[AddressOut], **errors(401, 403)})
@requires(AUTHENTICATED)
def address_list(request: HttpRequest) -> list[AddressOut]:
    return [_address(a) for a in selectors.address_list_for(actor_of(request))]


@me_router.post("/addresses", response={201: AddressOut, **errors(401, 403, 409)})
@requires(AUTHENTICATED)
def address_create(request: HttpRequest, payload: AddressIn) -> Status:
    address = services.address_create(actor=actor_of(request), data=_address_input(payload))
    return Status(201, _address(address))


@me_router.put("/addresses/{address_id}", response={200: AddressOut, **errors(401, 403, 404)})
@requires(AUTHENTICATED)
def address_update(request: HttpRequest, address_id: int, payload: AddressIn) -> AddressOut:
    address = services.address_update(
        actor=actor_of(request),
        address_id=address_id,
        data=_address_input(payload),
    )
    return _address(address)


@me_router.delete("/addresses/{address_id}", response={204: None, **errors(401, 403, 404)})
@requires(AUTHENTICATED)
def address_delete(request: HttpRequest, address_id: int) -> Status:
    services.address_delete(actor=actor_of(request), address_id=address_id)
    return Status(204, None)


@me_router.get("/kyc", response={200: KycOut, **errors(401, 403, 404)})
@requires(AUTHENTICATED)
def kyc_current(request: HttpRequest) -> KycOut:
    verification = selectors.kyc_current_for(actor_of(request))
    if verification is None:
        raise KycNotFound
    return _kyc(verification)


@me_router.post("/kyc", response={201: KycOut, **errors(401, 403, 409)})
@requires(AUTHENTICATED)
def kyc_submit(request: HttpRequest, payload: KycSubmitIn) -> Status:
    verification = services.kyc_submit(
        actor=actor_of(request),
        real_name=payload.real_name,
        id_number=payload.id_number,
    )
    return Status(201, _kyc(verification))


def _kyc_review(verification: RealNameVerification) -> KycReviewOut:
    return KycReviewOut(**_kyc(verification).dict(), user_id=verification.user_id, user=str(verification.user))


@operator_router.get("", response={200: KycPageOut, **errors(401, 403)})
@requires(KYC_REVIEW)
def kyc_queue(
    request: HttpRequest,
    status: Literal["pending", "approved", "rejected"] = "pending",
    page: Annotated[int, Field(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Field(ge=1, le=100)] = 20,
) -> KycPageOut:
    result = paginate(selectors.kyc_queue_for(actor_of(request), status=status), page=page, page_size=page_size)
    return KycPageOut(
        items=[_kyc_review(v) for v in result.items], count=result.count, page=result.page, page_size=page_size
    )


@operator_router.post("/{verification_id}/approve", response={200: KycReviewOut, **errors(401, 403, 404, 409)})
@requires(KYC_REVIEW)
def kyc_approve(request: HttpRequest, verification_id: int) -> KycReviewOut:
    return _kyc_review(services.kyc_approve(actor=actor_of(request), verification_id=verification_id))


@operator_router.post("/{verification_id}/reject", response={200: KycReviewOut, **errors(401, 403, 404, 409)})
@requires(KYC_REVIEW)
def kyc_reject(request: HttpRequest, verification_id: int, payload: RejectIn) -> KycReviewOut:
    verification = services.kyc_reject(
        actor=actor_of(request),
        verification_id=verification_id,
        reason=payload.reason,
    )
    return _kyc_review(verification)


# Self-service: password, forgotten password, contact details, profile and avatar ---------------------

Code = Annotated[str, Field(min_length=1, max_length=12, description="The 6-digit code that was sent")]
Identifier = Annotated[str, Field(min_length=3, max_length=254, description="E-mail address or mainland mobile")]
Channel = Literal["phone", "email"]


class PasswordChangeIn(StrictIn):
    current_password: Password
    new_password: Password


class PasswordResetRequestIn(StrictIn):
    identifier: Identifier


class PasswordResetConfirmIn(StrictIn):
    identifier: Identifier
    code: Code
    new_password: Password


class CodeSentOut(Schema):
    expires_in: Annotated[int, Field(description="Seconds the code is good for, once it arrives")]


class ContactCodeIn(StrictIn):
    channel: Channel
    value: Annotated[str, Field(min_length=3, max_length=254, description="The new mobile number or e-mail")]
    password: Password


class ContactChangeIn(StrictIn):
    channel: Channel
    value: Annotated[str, Field(min_length=3, max_length=254)]
    code: Code


class ProfileIn(StrictIn):
    display_name: Annotated[str, Field(max_length=50)]


class ProfileOut(Schema):
    display_name: str
    avatar_url: str | None
    masked_phone: str
    masked_email: str


def _profile(user: User) -> ProfileOut:
    return ProfileOut(
        display_name=user.display_name,
        avatar_url=user.avatar.url if user.avatar else None,
        masked_phone=user.masked_phone,
        masked_email=user.masked_email,
    )


def _code_sent() -> CodeSentOut:
    return CodeSentOut(expires_in=int(services.CODE_LIFETIME.total_seconds()))


@auth_router.post("/password-reset", response={200: CodeSentOut, **errors(429)}, auth=None)
@requires(PUBLIC)
def password_reset_request(request: HttpRequest, payload: PasswordResetRequestIn) -> CodeSentOut:
    """Send a 6-digit code to a mobile number or e-mail address, if it is an account's.

    The answer is the same whether or not there is such an account. Throttled per number or address
    (one a minute, five an hour) and per client address (429 ``accounts.too_many_codes`` with Retry-After).
    """
    services.password_reset_request(identifier=payload.identifier, ip=client_ip(request))
    return _code_sent()


@auth_router.post("/password-reset/confirm", response={204: None, **errors(429)}, auth=None)
@requires(PUBLIC)
def password_reset_confirm(request: HttpRequest, payload: PasswordResetConfirmIn) -> Status:
    """Set a new password with the code; every session and API token of the account ends.

    A wrong code is 422 ``accounts.code_invalid`` and changes nothing; five burn it, and an expired, used
    or burnt one is 422 ``accounts.code_expired``.
    """
    services.password_reset_confirm(
        identifier=payload.identifier, code=payload.code, new_password=payload.new_password, ip=client_ip(request)
    )
    return Status(204, None)


@me_router.post("/password", response={204: None, **errors(401, 403, 429)})
@requires(AUTHENTICATED)
def password_change(request: HttpRequest, payload: PasswordChangeIn) -> Status:
    """Change the password; needs the current one (422 ``accounts.wrong_password``, throttled like log-in).

    Every other session ends and every API token is revoked except the one this request came with (or,
    from the browser, its own session), which stays signed in.
    """
    token = getattr(request, "jishi_token", None)
    user = services.password_change(
        actor=actor_of(request),
        current_password=payload.current_password,
        new_password=payload.new_password,
        keep_token=token,
    )
    if not token:
        update_session_auth_hash(request, user)
    return Status(204, None)


@me_router.post("/contact/code", response={200: CodeSentOut, **errors(401, 403, 409, 429)})
@requires(AUTHENTICATED)
def contact_code(request: HttpRequest, payload: ContactCodeIn) -> CodeSentOut:
    """Send a code to a new mobile number or e-mail address; needs the current password.

    409 ``accounts.identifier_taken`` when another account has it.
    """
    services.contact_change_request(
        actor=actor_of(request),
        channel=payload.channel,
        value=payload.value,
        password=payload.password,
        ip=client_ip(request),
    )
    return _code_sent()


@me_router.post("/contact", response={200: MeOut, **errors(401, 403, 409, 429)})
@requires(AUTHENTICATED)
def contact_change(request: HttpRequest, payload: ContactChangeIn) -> MeOut:
    """Make the new mobile number or e-mail address the account's, with the code sent to it."""
    user = services.contact_change_confirm(
        actor=actor_of(request),
        channel=payload.channel,
        value=payload.value,
        code=payload.code,
        ip=client_ip(request),
    )
    return _me(user)


@me_router.get("/profile", response={200: ProfileOut, **errors(401, 403)})
@requires(AUTHENTICATED)
def profile(request: HttpRequest) -> ProfileOut:
    return _profile(actor_of(request))


@me_router.patch("/profile", response={200: ProfileOut, **errors(401, 403)})
@requires(AUTHENTICATED)
def profile_update(request: HttpRequest, payload: ProfileIn) -> ProfileOut:
    """Set the nickname (display name); an empty one shows the masked mobile number or e-mail instead."""
    return _profile(services.profile_update(actor=actor_of(request), display_name=payload.display_name))


@me_router.post("/avatar", response={200: ProfileOut, **errors(401, 403)})
@requires(AUTHENTICATED)
def avatar_upload(request: HttpRequest, avatar: File[UploadedFile]) -> ProfileOut:
    """Upload a JPEG, PNG or WebP avatar up to 2 MB; it is re-encoded (no metadata) to at most 400 px."""
    return _profile(services.avatar_set(actor=actor_of(request), upload=avatar))


@me_router.delete("/avatar", response={200: ProfileOut, **errors(401, 403)})
@requires(AUTHENTICATED)
def avatar_delete(request: HttpRequest) -> ProfileOut:
    return _profile(services.avatar_remove(actor=actor_of(request)))


# User management and the audit log (operator console) ------------------------------------------

users_router = Router(tags=["operator users"], auth=SIGNED_IN)


class OperatorUserOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    operator_role: str
    merchant: str | None
    is_active: bool
    date_joined: dt.datetime


class UserStatusIn(StrictIn):
    active: Annotated[bool, Field(strict=True)]
    reason: Annotated[str, Field(min_length=1, max_length=200)]


class SignOutIn(StrictIn):
    reason: Annotated[str, Field(max_length=200)] = ""


class SignedOutOut(Schema):
    tokens_revoked: int


class AuditEntryOut(Schema):
    id: int
    actor_id: int | None
    actor: str | None
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    request_id: str
    created_at: dt.datetime


def operator_user_out(user: User) -> OperatorUserOut:
    membership = getattr(user, "membership", None)
    return OperatorUserOut(
        id=user.pk,
        name=user.display_name,
        email=user.masked_email,
        phone=user.masked_phone,
        operator_role=user.operator_role,
        merchant=membership.merchant.name if membership else None,
        is_active=user.is_active,
        date_joined=user.date_joined,
    )


UserStatusFilter = Literal["", "active", "disabled"]


@users_router.get("/users", response={200: list[OperatorUserOut], **errors(401, 403)})
@requires(USER_MANAGE)
def user_list(
    request: HttpRequest,
    q: Annotated[str, Field(max_length=254, description="E-mail (or part), or id; a mobile number: POST /search")] = "",
    status: UserStatusFilter = "",
    page: PageNumber = 1,
) -> list[OperatorUserOut]:
    """Users with their personal details masked, newest first.

    A mobile number in ``q`` is refused (422 ``accounts.phone_in_url``): an
    address ends up in access logs and browser histories, so a number is
    searched for with ``POST /operator/users/search``.
    """
    if selectors.is_phone_query(q):
        raise InvalidInput(
            _("Search by mobile number with POST /api/v1/operator/users/search, so that it stays out of URLs."),
            code="accounts.phone_in_url",
            field="q",
        )
    return _user_page(request, q, status, page)


class UserSearchIn(StrictIn):
    q: Annotated[str, Field(max_length=254, description="E-mail (or part), whole mobile number, or id")] = ""
    status: UserStatusFilter = ""
    page: PageNumber = 1


@users_router.post("/users/search", response={200: list[OperatorUserOut], **errors(401, 403)})
@requires(USER_MANAGE)
def user_search(request: HttpRequest, payload: UserSearchIn) -> list[OperatorUserOut]:
    """Users found by mobile number (or anything ``GET /users`` takes), with the query kept out of the URL."""
    return _user_page(request, payload.q, payload.status, payload.page)


def _user_page(request: HttpRequest, query: str, status: str, page: int) -> list[OperatorUserOut]:
    users = selectors.users_for_operator(actor_of(request), query=query, status=status)
    return [operator_user_out(u) for u in paginate(users, page=page, page_size=50).items]


@users_router.get("/users/{user_id}", response={200: OperatorUserOut, **errors(401, 403, 404)})
@requires(USER_MANAGE)
def user_detail(request: HttpRequest, user_id: Id) -> OperatorUserOut:
    return operator_user_out(selectors.user_get_for_operator(actor_of(request), user_id))


@users_router.post("/users/{user_id}/status", response={200: OperatorUserOut, **errors(401, 403, 404, 409)})
@requires(USER_MANAGE)
def user_status(request: HttpRequest, user_id: Id, payload: UserStatusIn) -> OperatorUserOut:
    """Disable (which signs the user out everywhere) or enable an account, with the reason."""
    user = services.user_set_active(
        actor=actor_of(request), user_id=user_id, active=payload.active, reason=payload.reason
    )
    return operator_user_out(user)


@users_router.post("/users/{user_id}/sign-out", response={200: SignedOutOut, **errors(401, 403, 404, 409)})
@requires(USER_MANAGE)
def user_sign_out(request: HttpRequest, user_id: Id, payload: SignOutIn) -> SignedOutOut:
    """End every session of the user and revoke their API tokens."""
    revoked = services.user_sign_out_everywhere(actor=actor_of(request), user_id=user_id, reason=payload.reason)
    return SignedOutOut(tokens_revoked=revoked)


class AuditFilters(Schema):
    action: Annotated[str, Field(max_length=80, description="An action or its prefix, e.g. ledger.")] = ""
    target_type: Annotated[str, Field(max_length=80, examples=["merchants.merchant"])] = ""
    target_id: Annotated[str, Field(max_length=64)] = ""
    actor_id: Id | None = None
    since: IsoDateTime | None = None
    until: IsoDateTime | None = None
    page: PageNumber = 1


@users_router.get("/audit", response={200: list[AuditEntryOut], **errors(401, 403)})
@requires(AUDIT_VIEW)
def audit(request: HttpRequest, filters: Query[AuditFilters]) -> list[AuditEntryOut]:
    """The audit log, newest first. Entries are never edited or deleted."""
    entries = selectors.audit_log(actor_of(request), **filters.dict(exclude={"page"}))
    return [
        AuditEntryOut(
            id=e.pk,
            actor_id=e.actor_id,
            actor=str(e.actor) if e.actor else None,
            action=e.action,
            target_type=e.target_type,
            target_id=e.target_id,
            before=e.before,
            after=e.after,
            reason=e.reason,
            request_id=e.request_id,
            created_at=e.created_at,
        )
        for e in paginate(entries, page=filters.page, page_size=50).items
    ]


# The national list of divisions (GB/T 2260) an address is chosen from -----------------------------

regions_router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str


def _regions(found: list[regions.Region]) -> list[RegionOut]:
    return [RegionOut(code=region.code, name=region.name) for region in found]


@regions_router.get("", response={200: list[RegionOut], **errors()})
@requires(PUBLIC)
def region_provinces(request: HttpRequest) -> list[RegionOut]:
    """Provinces, municipalities, autonomous regions and SARs, by GB/T 2260 code."""
    return _regions(regions.provinces())


@regions_router.get("/{code}/cities", response={200: list[RegionOut], **errors()})
@requires(PUBLIC)
def region_cities(request: HttpRequest, code: RegionCode) -> list[RegionOut]:
    """A province's cities (a municipality is its own city, under its own code); empty where there are none."""
    return _regions(regions.cities(code))


@regions_router.get("/{code}/districts", response={200: list[RegionOut], **errors()})
@requires(PUBLIC)
def region_districts(request: HttpRequest, code: RegionCode) -> list[RegionOut]:
    """A city's districts and counties; empty where the city has none."""
    return _regions(regions.districts(code))
