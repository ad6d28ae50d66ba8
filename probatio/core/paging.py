from django.core.paginator import Page, Paginator


def paginate(request, queryset, per_page: int = 25, *, count: int | None = None) -> Page:
    """The page asked for (``?page=``). ``count``: the number of rows when the caller already
    knows it (a headline figure of the same queryset), which saves the paginator's COUNT."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # a cached property: set, it is not computed
    return paginator.get_page(request.GET.get("page"))
