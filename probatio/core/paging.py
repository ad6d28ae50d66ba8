from django.core.paginator import Page, Paginator
from django.db.models import Count, Window


def paginate(request, queryset, per_page: int = 25, *, count: int | None = None) -> Page:
    """The page asked for (``?page=``). ``count``: the number of rows when the caller already
    knows it (a headline figure of the same queryset), which saves the paginator's COUNT."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # a cached property: set, it is not computed
    return paginator.get_page(request.GET.get("page"))


def paginate_in_one_query(request, queryset, per_page: int) -> Page:
    """The page asked for (``?page=``) and the number of rows in one query: a window count
    over the filtered rows beside the page's own (for a page whose query budget has no room
    for the paginator's COUNT). A number past the last page, or not a number, gives the
    first."""
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        number = 1
    counted = queryset.annotate(rows_in_all=Window(Count("pk")))
    rows = list(counted[(number - 1) * per_page : number * per_page])
    if not rows and number > 1:
        number = 1
        rows = list(counted[:per_page])
    paginator = Paginator(queryset, per_page)
    paginator.count = rows[0].rows_in_all if rows else 0  # a cached property: set, not counted
    return Page(rows, number, paginator)
