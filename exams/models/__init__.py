from exams.models.bank import Item, ItemAsset, ItemEvent, ItemOption, ItemVersion, Tag

__all__ = ["Item", "ItemAsset", "ItemEvent", "ItemOption", "ItemVersion", "Tag"]
