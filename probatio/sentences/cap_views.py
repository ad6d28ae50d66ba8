"""Placeholder while this module is written (answers 404)."""

from django.http import Http404


def index(request, **kwargs):
    raise Http404


def session_new(request, **kwargs):
    raise Http404


def session_detail(request, **kwargs):
    raise Http404


def session_pdf(request, **kwargs):
    raise Http404
