"""Platform policies API: the platform settings (administrators) and the terms and privacy policy (published by
administrators, read by anyone)."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Field
from ninja.responses import Status

from jishi.accounts.auth import SIGNED_IN, actor_of
from jishi.core.api import DataOut, MoneyOut, Router, StrictIn, errors, money_out
from jishi.core.money import basis_points_to_percent
from jishi.core.permissions import PUBLIC, requires
from jishi.policies import selectors, services
from jishi.policies.models import PAYMENT_METHODS, LegalDocument
from jishi.policies.permissions import PLATFORM_SETTINGS

router = Router(tags=["legal"])
operator_router = Router(tags=["operator"], auth=SIGNED_IN)

LegalKindPath = Annotated[str, Field(max_length=16, examples=["terms", "privacy"])]
# A yuan amount as typed, checked by the service against its range (so an error names the setting's field).
YuanText = Annotated[str, Field(max_length=16, examples=["0", "8.00"])]


class PlatformSettingsIn(StrictIn):
    payment_minutes: Annotated[
        int, Field(strict=True, examples=[30], description="Minutes to pay an order before it is cancelled: 5 to 1440")
    ]
    flash_payment_minutes: Annotated[
        int, Field(strict=True, examples=[5], description="Minutes to pay a flash-sale order: 1 to 60")
    ]
    auto_confirm_days: Annotated[
        int, Field(strict=True, examples=[10], description="Days after shipping until receipt is confirmed: 1 to 30")
    ]
    aftersales_days: Annotated[
        int,
        Field(strict=True, examples=[7], description="Days after delivery that after-sales stays open: 0 to 30"),
    ]
    aftersales_turn_days: Annotated[
        int,
        Field(strict=True, examples=[7], description="Days each party has for its turn in an after-sales request"),
    ]
    payment_methods: Annotated[
        list[Annotated[str, Field(max_length=20)]],
        Field(
            max_length=len(PAYMENT_METHODS),
            examples=[["alipay", "wechatpay"]],
            description=f"Payment methods the cashier offers, at least one of: {', '.join(PAYMENT_METHODS)}",
        ),
    ]
    commission_rate: Annotated[
        str,
        Field(
            max_length=10,
            examples=["5", "5.5"],
            description="Commission in % where no rule applies: 0 to 50, at most two decimals",
        ),
    ]
    shipping_first_fee: Annotated[
        YuanText, Field(description="A shop without a fee template: the first item, in yuan (0 to 1000)")
    ]
    shipping_extra_fee: Annotated[YuanText, Field(description="... and each other item, in yuan (0 to 1000)")]
    shipping_free_above: Annotated[
        YuanText | None, Field(description="... delivered free at or above these goods, in yuan; null for never")
    ] = None


class PlatformSettingsOut(DataOut):
    payment_minutes: int
    flash_payment_minutes: int
    auto_confirm_days: int
    aftersales_days: int
    aftersales_turn_days: int
    payment_methods: list[str]
    commission_rate: str = Field(description="In %, as typed: 5, 5.5")
    shipping_first_fee: MoneyOut
    shipping_extra_fee: MoneyOut
    shipping_free_above: MoneyOut | None
    shipping_free: bool = Field(description="Both default fees are 0: a shop without a template delivers free")
    updated_by_id: int | None = Field(description="The administrator who saved them last; null until first saved")
    updated_at: str | None = Field(description="Null until first saved: the environment's values apply")


class LegalPublishIn(StrictIn):
    body: Annotated[str, Field(max_length=50_000, description="The full text of the new version")]


class LegalVersionOut(DataOut):
    kind: str
    version: int
    published_at: str
    published_by_id: int | None
    body: str


class LegalInForceOut(DataOut):
    kind: str
    version: int | None = Field(description="Null until a first version is published")
    published_at: str | None
    body: str = Field(description="Empty until a first version is published")


def _settings_out() -> PlatformSettingsOut:
    rules = selectors.platform_settings()
    return PlatformSettingsOut(
        payment_minutes=rules.payment_minutes,
        flash_payment_minutes=rules.flash_payment_minutes,
        auto_confirm_days=rules.auto_confirm_days,
        aftersales_days=rules.aftersales_days,
        aftersales_turn_days=rules.aftersales_turn_days,
        payment_methods=list(rules.payment_methods),
        commission_rate=basis_points_to_percent(rules.commission_bp),
        shipping_first_fee=money_out(rules.shipping_first_fee),
        shipping_extra_fee=money_out(rules.shipping_extra_fee),
        shipping_free_above=money_out(rules.shipping_free_above) if rules.shipping_free_above else None,
        shipping_free=rules.shipping_free,
        updated_by_id=rules.updated_by_id,
        updated_at=rules.updated_at.isoformat() if rules.updated_at else None,
    )


def _version_out(document: LegalDocument) -> LegalVersionOut:
    return LegalVersionOut(
        kind=document.kind,
        version=document.version,
        published_at=document.published_at.isoformat(),
        published_by_id=document.published_by_id,
        body=document.body,
    )


@operator_router.get("/platform-settings", response={200: PlatformSettingsOut, **errors(401, 403)})
@requires(PLATFORM_SETTINGS)
def operator_platform_settings(request: HttpRequest) -> PlatformSettingsOut:
    """The platform settings (平台设置): order time-outs, after-sales windows, payment methods, the default
    commission and shipping fee. The environment's until an administrator saves them."""
    return _settings_out()


@operator_router.put("/platform-settings", response={200: PlatformSettingsOut, **errors(401, 403)})
@requires(PLATFORM_SETTINGS)
def operator_platform_settings_set(request: HttpRequest, payload: PlatformSettingsIn) -> PlatformSettingsOut:
    """Save the platform settings, all at once (audited); they apply to orders, shipments, requests and quotes from
    now on. 422 ``policies.setting_out_of_range`` or ``policies.payment_methods_invalid``, naming the field."""
    services.platform_settings_set(actor=actor_of(request), **payload.model_dump())
    return _settings_out()


@operator_router.get("/legal/{kind}", response={200: list[LegalVersionOut], **errors(401, 403, 404)})
@requires(PLATFORM_SETTINGS)
def operator_legal_versions(request: HttpRequest, kind: LegalKindPath) -> list[LegalVersionOut]:
    """Every published version of the terms (``terms``) or privacy policy (``privacy``), newest first."""
    return [_version_out(document) for document in selectors.legal_versions_for(actor_of(request), kind)]


@operator_router.post("/legal/{kind}", response={201: LegalVersionOut, **errors(401, 403, 404, 409)})
@requires(PLATFORM_SETTINGS)
def operator_legal_publish(request: HttpRequest, kind: LegalKindPath, payload: LegalPublishIn) -> Status:
    """Publish a new version (the previous number + 1), in force at once (audited). The text already in force
    publishes nothing and answers that version. 422 ``policies.legal_body_invalid``; 409 when concurrent publishes
    kept taking the number."""
    document = services.legal_publish(actor=actor_of(request), kind=kind, body=payload.body)
    return Status(201, _version_out(document))


@router.get("/legal/{kind}", response={200: LegalInForceOut, **errors(404)})
@requires(PUBLIC)
def legal_in_force(request: HttpRequest, kind: LegalKindPath) -> LegalInForceOut:
    """The terms (``terms``) or privacy policy (``privacy``) in force: its version, when it was published and its
    text. Before a first version is published: version and date null, text empty."""
    document = selectors.legal_in_force(kind)
    if document is None:
        return LegalInForceOut(kind=kind, version=None, published_at=None, body="")
    return LegalInForceOut(
        kind=document.kind,
        version=document.version,
        published_at=document.published_at.isoformat(),
        body=document.body,
    )
