from accounts.navigation import entries_for


def navigation(request) -> dict:
    return {"nav_entries": entries_for(request.user, request.path)}
