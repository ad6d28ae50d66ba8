"""Placeholder while this module is written (answers 404)."""

from django.http import Http404


def import_page(request, **kwargs):
    raise Http404
