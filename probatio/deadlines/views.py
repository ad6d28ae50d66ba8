from django.http import Http404


def schedule(request):  # replaced by the échéancier page
    raise Http404
