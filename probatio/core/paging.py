from django.core.paginator import Page, Paginator


def paginate(request, queryset, per_page: int = 25) -> Page:
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))
