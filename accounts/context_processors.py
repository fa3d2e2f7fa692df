from accounts.navigation import entries_for


def navigation(request) -> dict:
    match = getattr(request, "resolver_match", None)
    return {"nav_entries": entries_for(request.user, match.view_name if match else "")}
