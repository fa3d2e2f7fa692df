"""Reads of standards for pages: each a fixed number of queries, whatever the size."""

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from standards.models import Competency, Domain, Level, Standard


def standard_list() -> QuerySet[Standard]:
    return Standard.objects.annotate(
        domain_count=Count("domains", distinct=True),
        competency_count=Count("domains__competencies", distinct=True),
        level_count=Count("levels", distinct=True),
    ).order_by("code")


def standard_detail(code: str) -> Standard:
    return get_object_or_404(
        Standard.objects.prefetch_related(
            Prefetch(
                "domains",
                queryset=Domain.objects.order_by("order").prefetch_related(
                    Prefetch("competencies", queryset=Competency.objects.order_by("order"))
                ),
            ),
            Prefetch("levels", queryset=Level.objects.order_by("number").prefetch_related("behaviours")),
            "interview_questions",
        ),
        code=code,
    )
