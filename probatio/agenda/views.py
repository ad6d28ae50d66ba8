from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


agenda = print_day = detail = set_status = move = write_note = ics = _todo
feed_manage = feed = person_appointments = book = _todo
