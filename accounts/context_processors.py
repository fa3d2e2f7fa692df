from functools import cache

from accounts.navigation import entries_for


def navigation(request) -> dict:
    # Computed only when a template shows it: the exam screen and the PDFs have no navigation.
    @cache
    def nav_entries():
        return entries_for(request.user, request.path)

    return {"nav_entries": nav_entries}
