"""Operator console: 类目管理 — the category tree (add, rename, icon, move, order, retire) and each category's typed
attributes. For administrators and catalog managers (CATALOG_MANAGE). The services check everything; a refused post
comes back on the page it came from with the error beside its field."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.accounts.auth import actor_of
from jishi.catalog import selectors, services
from jishi.catalog.models import Attribute, AttributeKind, Category
from jishi.catalog.permissions import CATALOG_MANAGE
from jishi.catalog.selectors import CategoryNode
from jishi.core.images import read_upload
from jishi.web.pages import page

MAX_INDENT = 8  # deeper categories line up with the eighth level


def _flags(attribute: Attribute | None) -> dict[str, str]:
    """The attribute form's check boxes as posted ("1" or ""); a new attribute is filterable and searched."""
    if attribute is None:
        return {"required": "", "filterable": "1", "searchable": "1"}
    return {name: "1" if getattr(attribute, name) else "" for name in ("required", "filterable", "searchable")}


def _rows(nodes: list[CategoryNode]) -> list[dict[str, object]]:
    """The tree depth first, each row knowing whether it can go up or down among its siblings."""
    rows: list[dict[str, object]] = []
    for i, node in enumerate(nodes):
        rows.append(
            {"node": node, "first": i == 0, "last": i == len(nodes) - 1, "indent": min(node.category.depth, MAX_INDENT)}
        )
        rows += _rows(node.children)
    return rows


def _find(nodes: list[CategoryNode], category_id: int) -> CategoryNode | None:
    for node in nodes:
        if node.category.pk == category_id:
            return node
        if (found := _find(node.children, category_id)) is not None:
            return found
    return None


def _parents(request: HttpRequest, exclude: Category | None = None) -> list[dict[str, object]]:
    """Categories a category may go under, labelled with their path (not itself nor anything under it)."""
    everything = selectors.category_list_for_operators(actor_of(request))
    by_id = {c.pk: c for c in everything}
    return [
        {"id": c.pk, "label": " › ".join(by_id[i].name for i in c.ancestor_ids() if i in by_id), "active": c.is_active}
        for c in everything
        if exclude is None or not c.path.startswith(exclude.path)
    ]


def _id(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdecimal() and 0 < int(value) < 2**53 else None


def _icon(request: HttpRequest) -> bytes | None:
    upload = request.FILES.get("icon")
    return read_upload(upload) if upload else None


@page(CATALOG_MANAGE)
def categories(request: HttpRequest) -> HttpResponse:
    tree = selectors.category_tree_for_operators(actor_of(request))
    return render(request, "operator/catalog/categories.html", {"rows": _rows(tree), "parents": _parents(request)})


@require_POST
@page(CATALOG_MANAGE)
def category_add(request: HttpRequest) -> HttpResponse:
    category = services.category_add(
        actor=actor_of(request),
        name=request.POST.get("name", ""),
        name_en=request.POST.get("name_en", ""),
        parent_id=_id(request.POST.get("parent_id", "")),
        icon=_icon(request),
    )
    messages.success(request, _("Category “%(name)s” added.") % {"name": category.name})
    return redirect("operator:category", category.pk)


@require_POST
@page(CATALOG_MANAGE)
def category_shift(request: HttpRequest, category_id: int) -> HttpResponse:
    """Swap a category with its sibling above or below."""
    category = selectors.category_get(category_id)
    tree = selectors.category_tree_for_operators(actor_of(request))
    parent = _find(tree, category.parent_id) if category.parent_id else None
    siblings = [n.category.pk for n in (parent.children if parent else tree)]
    i = siblings.index(category.pk)
    j = i - 1 if request.POST.get("direction") == "up" else i + 1
    if 0 <= j < len(siblings):
        siblings[i], siblings[j] = siblings[j], siblings[i]
        services.category_reorder(actor=actor_of(request), parent_id=category.parent_id, ordered_ids=siblings)
    return redirect(f"{reverse('operator:categories')}#category-{category.pk}")


@page(CATALOG_MANAGE)
def category(request: HttpRequest, category_id: int) -> HttpResponse:
    found = selectors.category_get(category_id)
    own = selectors.category_attributes_own(found)
    inherited = [a for a in selectors.attributes_for_category(found) if a.category_id != found.pk]
    context = {
        "category": found,
        "ancestors": selectors.category_ancestors(found)[:-1],
        "parents": _parents(request, exclude=found),
        "own": own,
        "inherited": inherited,
        "kinds": AttributeKind.choices,
        "flags": _flags(None),
        "node": _find(selectors.category_tree_for_operators(actor_of(request)), found.pk),
    }
    return render(request, "operator/catalog/category.html", context)


@require_POST
@page(CATALOG_MANAGE)
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    action = request.POST.get("_form", "")
    actor = actor_of(request)
    if action == "move":
        services.category_move(actor=actor, category_id=category_id, parent_id=_id(request.POST.get("parent_id", "")))
        messages.success(request, _("Category moved."))
    elif action == "retire":
        services.category_retire(actor=actor, category_id=category_id)
        messages.success(request, _("Category retired, with everything under it."))
    elif action == "restore":
        services.category_restore(actor=actor, category_id=category_id)
        messages.success(request, _("Category restored, with everything under it."))
    else:
        services.category_update(
            actor=actor,
            category_id=category_id,
            name=request.POST.get("name", ""),
            name_en=request.POST.get("name_en", ""),
            icon=_icon(request),
            drop_icon=request.POST.get("drop_icon") == "1",
        )
        messages.success(request, _("Category saved."))
    return redirect("operator:category", category_id)


def _attribute_input(request: HttpRequest, code: str = "") -> services.AttributeInput:
    data = request.POST
    return services.AttributeInput(
        code=code or data.get("code", ""),
        name=data.get("name", ""),
        name_en=data.get("name_en", ""),
        kind=data.get("kind", ""),
        unit=data.get("unit", ""),
        required=data.get("required") == "1",
        filterable=data.get("filterable") == "1",
        searchable=data.get("searchable") == "1",
        choices=[line for line in data.get("choices", "").splitlines() if line.strip()][:101],
    )


@require_POST
@page(CATALOG_MANAGE)
def attribute_add(request: HttpRequest, category_id: int) -> HttpResponse:
    attribute = services.attribute_add(actor=actor_of(request), category_id=category_id, data=_attribute_input(request))
    messages.success(request, _("Attribute “%(name)s” added.") % {"name": attribute.name})
    return redirect(f"{reverse('operator:category', args=[category_id])}#attributes")


@page(CATALOG_MANAGE)
def attribute(request: HttpRequest, attribute_id: int) -> HttpResponse:
    found = selectors.attribute_get_for_operators(actor_of(request), attribute_id)
    context = {
        "attribute": found,
        "category": found.category,
        "kinds": AttributeKind.choices,
        "choices_text": "\n".join(c.value for c in found.choices.all()),
        "flags": _flags(found),
    }
    return render(request, "operator/catalog/attribute.html", context)


@require_POST
@page(CATALOG_MANAGE)
def attribute_edit(request: HttpRequest, attribute_id: int) -> HttpResponse:
    found = selectors.attribute_get_for_operators(actor_of(request), attribute_id)
    if request.POST.get("_form") == "delete":
        services.attribute_remove(actor=actor_of(request), attribute_id=found.pk)
        messages.success(request, _("Attribute removed."))
    else:
        services.attribute_update(actor=actor_of(request), attribute_id=found.pk, data=_attribute_input(request))
        messages.success(request, _("Attribute saved."))
    return redirect("operator:category", found.category_id)
