"""Summons (convocation) pages: generate the PDF, download it, record that it was sent."""

from django.http import Http404


def summons_create(request, pk):  # to be written
    raise Http404


def summons_download(request, pk):  # to be written
    raise Http404


def summons_sent(request, pk):  # to be written
    raise Http404
