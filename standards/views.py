from django.shortcuts import render

from standards import selectors


def standard_list(request):
    return render(request, "standards/list.html", {"standards": selectors.standard_list()})


def standard_detail(request, code: str):
    return render(request, "standards/detail.html", {"standard": selectors.standard_detail(code)})
