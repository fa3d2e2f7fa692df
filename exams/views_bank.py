"""The authoring pages: bank browser, item editor with live preview, item page, review queue."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from exams import bank_selectors as selectors
from exams.bank import ItemContent, allowed_actions, item_create, item_edit_guard, items_bulk_retire, items_bulk_tag
from exams.bank import version_transition as transition
from exams.bank_authoring import MAX_ASSET_BYTES, asset_store, item_revise
from exams.forms_bank import ACTION_LABELS, BankFilterForm, BulkForm, ItemForm, OptionFormSet, TransitionForm
from exams.models import Item, ItemVersion
from exams.models.bank import ItemType, Scoring, VersionStatus
from exams.sanitize import plain_text

BANK_ROLES = (Role.AUTHOR, Role.REVIEWER, Role.PROGRAM_ADMIN)
EDITOR_ROLES = (Role.AUTHOR, Role.PROGRAM_ADMIN)

DONE = {
    "submit": gettext_lazy("Version %(number)s of %(ref)s sent to review."),
    "withdraw": gettext_lazy("Version %(number)s of %(ref)s withdrawn from review."),
    "return": gettext_lazy("Version %(number)s of %(ref)s returned to its author."),
    "approve": gettext_lazy("Version %(number)s of %(ref)s approved."),
    "retire": gettext_lazy("Version %(number)s of %(ref)s retired."),
}


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _form_errors_text(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(e) for e in errors)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


def _action_forms(version: ItemVersion, user) -> list[dict]:
    forms = []
    for action in allowed_actions(version, user):
        label = ACTION_LABELS[action]
        if action == "retire" and version.status == VersionStatus.DRAFT:
            label = _("Discard draft")
        form = TransitionForm(
            initial={"action": action},
            auto_id=f"id_{action}_%s",
            comment_label=_("%(action)s: your comment") % {"action": label},
        )
        forms.append({"action": action, "label": label, "form": form})
    return forms


# --- the bank browser ------------------------------------------------------------------------


@role_required(*BANK_ROLES)
def bank(request: HttpRequest) -> HttpResponse:
    choices = selectors.bank_choices()
    filters = BankFilterForm(request.GET, choices=choices)
    items = selectors.bank_items(**filters.filters())
    page = Paginator(items, filters.page_size()).get_page(request.GET.get("page"))
    for item in page:
        item.excerpt = plain_text(item.current_version.stem) if item.current_version else ""
    return render(
        request,
        "exams/bank/browser.html",
        {
            "filters": filters,
            "page": page,
            "bulk": BulkForm(choices=choices),
            "can_retire": request.user.has_role(Role.REVIEWER, Role.PROGRAM_ADMIN),
            "can_create": request.user.has_role(*EDITOR_ROLES),
            "is_reviewer": request.user.has_role(Role.REVIEWER),
        },
    )


@require_POST
@role_required(*BANK_ROLES)
def bank_bulk(request: HttpRequest) -> HttpResponse:
    choices = selectors.bank_choices(with_authors=False)
    form = BulkForm(request.POST, choices=choices)
    target = _next_url(request, reverse("exams:bank"))
    if not form.is_valid():
        messages.error(request, _form_errors_text(form))
        return redirect(target)
    data = form.cleaned_data
    selected = len(data["items"])
    try:
        if data["action"] == "tag":
            competencies = {c.pk: c for c in choices.competencies}
            levels = {lv.pk: lv for lv in choices.levels}
            changed = items_bulk_tag(
                items=data["items"],
                by=request.user,
                competency=competencies.get(data["competency"]),
                level=levels.get(data["level"]),
                difficulty=data["difficulty"],
                enemy_group=data["enemy_group"].strip() or None,
                add_tags=[data["add_tag"]],
            )
            message = _("Tags set on %(changed)s of %(selected)s selected items.") % {
                "changed": changed,
                "selected": selected,
            }
            if changed < selected:
                message += " " + _("The others already had these tags.")
        else:
            retired = items_bulk_retire(items=data["items"], by=request.user, comment=data["comment"])
            message = _("Retired %(retired)s of %(selected)s selected items.") % {
                "retired": retired,
                "selected": selected,
            }
            if retired < selected:
                message += " " + _("Items without an approved version were left as they are.")
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, _("Nothing was changed: %(reason)s") % {"reason": text})
    else:
        messages.success(request, message)
    return redirect(target)


# --- the item editor -------------------------------------------------------------------------


def _content_from(form: ItemForm, formset) -> ItemContent:
    data = form.cleaned_data
    return ItemContent(
        type=data["type"],
        stem=data["stem"],
        rationale=data.get("rationale", ""),
        scoring=data.get("scoring") or Scoring.ALL_OR_NOTHING,
        options=formset.option_data(),
    )


def _show_errors(error: ValidationError, form: ItemForm) -> list[str]:
    """Puts the service's errors on the fields they name; returns those about the options."""
    option_errors = []
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return option_errors
    for name, errors in error.error_dict.items():
        if name in ("options", "key"):
            prefix = _("Options") if name == "options" else _("Key")
            option_errors += [f"{prefix}: {message}" for e in errors for message in e.messages]
        else:
            form.add_error(name if name in form.fields else None, errors)
    return option_errors


def _initial(item: Item | None) -> tuple[dict, list[dict]]:
    if item is None:
        return {"type": ItemType.SINGLE, "scoring": Scoring.ALL_OR_NOTHING}, [{} for _ in range(4)]
    version = item.current_version
    initial = {
        "type": version.type,
        "scoring": version.scoring,
        "stem": version.stem,
        "rationale": version.rationale,
        "competency": item.competency_id,
        "level": item.level_id,
        "difficulty": item.difficulty,
        "enemy_group": item.enemy_group,
        "tags": ", ".join(t.name for t in item.tags.all()),
    }
    options = [
        {"identifier": o.identifier, "text": o.text, "is_correct": o.is_correct, "feedback": o.feedback}
        for o in version.options.all()
    ]
    return initial, options


def _editor(request: HttpRequest, item: Item | None) -> HttpResponse:
    if item is not None:
        try:
            item_edit_guard(item=item, by=request.user)
        except ValidationError as error:
            messages.warning(request, " ".join(error.messages))
            return redirect("exams:item_detail", item.pk)
    choices = selectors.bank_choices(with_authors=False)
    initial, option_initial = _initial(item)
    data = request.POST if request.method == "POST" else None
    form = ItemForm(data, initial=initial, choices=choices)
    formset = OptionFormSet(data, initial=option_initial, prefix="options")
    option_errors: list[str] = []
    if data is not None and form.is_valid() and formset.is_valid():
        content = _content_from(form, formset)
        comment = form.cleaned_data["comment"]
        try:
            if item is None:
                item = item_create(content=content, tags=form.item_tags(), by=request.user, comment=comment)
                messages.success(request, _("Item %(ref)s saved as a draft.") % {"ref": item.ref})
            else:
                previous = item.current_version
                version, changed = item_revise(
                    item=item, content=content, tags=form.item_tags(), by=request.user, comment=comment
                )
                if not changed:
                    message = _("Tags saved. The text did not change, so there is no new version.")
                elif version.pk != previous.pk:
                    message = _(
                        "Version %(new)s created as a draft. Version %(old)s is unchanged and stays %(status)s."
                    ) % {"new": version.number, "old": previous.number, "status": previous.get_status_display().lower()}
                else:
                    message = _("Draft version %(number)s saved.") % {"number": version.number}
                messages.success(request, message)
        except ValidationError as error:
            option_errors = _show_errors(error, form)
        else:
            return redirect("exams:item_detail", item.pk)
    next_number = None
    if item is not None and item.current_version.status in (VersionStatus.APPROVED, VersionStatus.RETIRED):
        next_number = item.versions.order_by("-number").values_list("number", flat=True).first() + 1
    return render(
        request,
        "exams/bank/item_form.html",
        {
            "item": item,
            "form": form,
            "formset": formset,
            "option_errors": option_errors + list(formset.non_form_errors()),
            "next_number": next_number,
            "max_asset_mb": MAX_ASSET_BYTES // (1024 * 1024),
        },
        status=400 if data is not None else 200,
    )


@role_required(*EDITOR_ROLES)
def item_create_view(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@role_required(*EDITOR_ROLES)
def item_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Item.objects.select_related("current_version").prefetch_related("tags"), pk=pk)
    return _editor(request, item)


@require_POST
@role_required(*EDITOR_ROLES)
def item_preview(request: HttpRequest) -> HttpResponse:
    """The editor's live preview: what the candidate will see of the unsaved form, key left out."""
    kind = request.POST.get("type", "")
    content = ItemContent(
        type=kind if kind in ItemType.values else ItemType.SINGLE,
        stem=request.POST.get("stem", ""),
        options=OptionFormSet(request.POST, prefix="options").option_data(),
    )
    return render(request, "exams/bank/_candidate_view.html", {"view": selectors.candidate_view(content)})


@require_POST
@role_required(*EDITOR_ROLES)
def asset_upload(request: HttpRequest) -> JsonResponse:
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": _("Choose an image file.")}, status=400)
    if upload.size > MAX_ASSET_BYTES:
        return JsonResponse({"error": _("Images can be up to 2 MB.")}, status=400)
    try:
        asset = asset_store(data=upload.read(), name=upload.name, by=request.user)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"url": asset.file.url, "name": asset.original_name})


# --- the item page ---------------------------------------------------------------------------


def _may_edit(item: Item, user) -> bool:
    if not user.has_role(*EDITOR_ROLES):
        return False
    try:
        item_edit_guard(item=item, by=user)
    except (ValidationError, PermissionDenied):
        return False
    return True


def _version_by_number(versions: list[ItemVersion], value: str | None) -> ItemVersion | None:
    return next((v for v in versions if str(v.number) == value), None)


@role_required(*BANK_ROLES)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_for_page(pk)
    versions = list(item.versions.all())  # newest first
    current = next(v for v in versions if v.pk == item.current_version_id)
    diff_new = _version_by_number(versions, request.GET.get("new")) or versions[0]
    diff_old = _version_by_number(versions, request.GET.get("old")) or (versions[1] if len(versions) > 1 else None)
    return render(
        request,
        "exams/bank/item_detail.html",
        {
            "item": item,
            "current": current,
            "versions": versions,
            "preview": selectors.candidate_view(ItemContent.of(current)),
            "actions": _action_forms(current, request.user),
            "can_edit": _may_edit(item, request.user),
            "events": selectors.item_events(item),
            "diff_old": diff_old,
            "diff_new": diff_new,
            "diff": selectors.version_diff(diff_old, diff_new) if diff_old and diff_old != diff_new else None,
        },
    )


@require_POST
@role_required(*BANK_ROLES)
def item_transition(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    version = get_object_or_404(ItemVersion.objects.select_related("item"), pk=version_pk, item_id=pk)
    target = _next_url(request, reverse("exams:item_detail", args=[pk]))
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors_text(form))
        return redirect(target)
    action = form.cleaned_data["action"]
    try:
        transition(version=version, action=action, by=request.user, comment=form.cleaned_data["comment"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, DONE[action] % {"number": version.number, "ref": version.item.ref})
    return redirect(target)


# --- the review queue ------------------------------------------------------------------------


@role_required(Role.REVIEWER)
def review_queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.review_queue(reviewer=request.user), 20).get_page(request.GET.get("page"))
    entries = [
        {
            "version": version,
            "preview": selectors.candidate_view(ItemContent.of(version)),
            "approve": TransitionForm(
                initial={"action": "approve"},
                auto_id=f"id_approve_{version.pk}_%s",
                comment_label=_("Approval comment"),
            ),
            "return": TransitionForm(
                initial={"action": "return"},
                auto_id=f"id_return_{version.pk}_%s",
                comment_label=_("What must change before approval?"),
            ),
        }
        for version in page
    ]
    return render(request, "exams/bank/review_queue.html", {"page": page, "entries": entries})
