"""What an export contains: every item's current version unless it is retired."""

from django.db.models import Prefetch, QuerySet

from exams.models import Item, ItemOption
from exams.models.bank import VersionStatus


def items_for_export() -> QuerySet[Item]:
    return (
        Item.objects.filter(current_version__isnull=False)
        .exclude(current_version__status=VersionStatus.RETIRED)
        .select_related("competency__domain__standard", "level", "current_version", "created_by")
        .prefetch_related(
            "tags",
            Prefetch("current_version__options", queryset=ItemOption.objects.order_by("position")),
        )
        .order_by("ref")
    )


def item_tag_names(item: Item) -> list[str]:
    return sorted(tag.name for tag in item.tags.all())
