"""Bar charts drawn on the server as SVG, from the masked cells only (pure: no database).

Each chart is an image for assistive technologies (``role="img"``, named by its ``<title>``
— ``aria-labelledby`` — and described by its ``<desc>`` — ``aria-describedby`` —, which lists
every value drawn); its table stands
beside it on the page, always. No JavaScript and no ``style`` attribute: the colours come
from classes of ``static/probatio/figures.css``, the geometry from SVG presentation
attributes, so a strict content-security policy has nothing to allow.

A masked cell (« < 5 », « secret », « n.s. ») is drawn as absent, with the words « masqué »
where its bar would be, and the description says « masqué »: the chart is built from
``Cell.text`` and ``Cell.value`` (None when masked), never from the figure's real values, and
its scale is the largest value *shown*.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from probatio.figures.rules import Masked

WIDTH = 640
LABEL_WIDTH = 210
VALUE_WIDTH = 70
BAR_HEIGHT = 14
BAR_GAP = 4
ROW_GAP = 12
TOP = 8
LEGEND_HEIGHT = 22
MAX_LABEL = 34


@dataclass(frozen=True)
class Series:
    key: str  # a column of the figure
    label: str


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def description(masked: Masked, series: list[Series], unit: str = "") -> str:
    """Every value drawn, in words: « Sursis probatoire : ouvertes 12, closes masqué (moins
    de 5) ; … »."""
    words = {"< 5": "masqué (moins de 5)", "secret": "masqué (secret statistique)"}
    words["n.s."] = "non significatif (moins de 5 personnes)"
    parts = []
    for row in masked.rows:
        values = []
        for s in series:
            cell = row.cells[masked.column_index(s.key)]
            text = words.get(cell.text, cell.text + (f" {unit}" if unit and cell.value else ""))
            values.append(f"{s.label.lower()} {text}" if len(series) > 1 else text)
        parts.append(f"{row.label} : {', '.join(values)}")
    if not parts:
        return "Aucune donnée sur la période."
    return " ; ".join(parts) + "."


def bar_chart(
    masked: Masked, series: list[Series], *, title: str, chart_id: str, unit: str = ""
) -> SafeString:
    """Horizontal bars, one group per row of the figure (its totals left out), one bar per
    series."""
    shown = [
        cell.value
        for row in masked.rows
        for s in series
        if (cell := row.cells[masked.column_index(s.key)]).value is not None
    ]
    top = max([v for v in shown if v > 0], default=0)
    group = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    legend = LEGEND_HEIGHT if len(series) > 1 else 0
    height = TOP + legend + max(1, len(masked.rows)) * (group + ROW_GAP) + 4
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    out = [
        f'<svg class="probatio-chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" focusable="false" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description(masked, series, unit))}</desc>',
    ]
    if legend:
        x = LABEL_WIDTH
        for index, s in enumerate(series):
            out.append(
                f'<rect class="probatio-chart__bar probatio-chart__bar--{index}" x="{x}" '
                f'y="{TOP}" width="12" height="12"/>'
                f'<text class="probatio-chart__text" x="{x + 16}" y="{TOP + 10}">'
                f"{escape(s.label)}</text>"
            )
            x += 24 + 7 * len(s.label)
    y = TOP + legend
    if not masked.rows:
        out.append(
            f'<text class="probatio-chart__text" x="0" y="{y + 14}">'
            "Aucune donnée sur la période.</text>"
        )
    for row in masked.rows:
        out.append(
            f'<text class="probatio-chart__label" x="{LABEL_WIDTH - 8}" '
            f'y="{y + group / 2 + 4:.0f}" text-anchor="end">{escape(_short(row.label))}</text>'
        )
        for index, s in enumerate(series):
            cell = row.cells[masked.column_index(s.key)]
            bar_y = y + index * (BAR_HEIGHT + BAR_GAP)
            if cell.value is None:
                word = "masqué" if cell.masked else cell.text
                out.append(
                    f'<text class="probatio-chart__masked" x="{LABEL_WIDTH + 4}" '
                    f'y="{bar_y + BAR_HEIGHT - 3}">{escape(word)}</text>'
                )
                continue
            length = (max(cell.value, 0) / top * span) if top else 0
            out.append(
                f'<rect class="probatio-chart__bar probatio-chart__bar--{index}" '
                f'x="{LABEL_WIDTH}" y="{bar_y}" width="{length:.1f}" height="{BAR_HEIGHT}"/>'
                f'<text class="probatio-chart__text" x="{LABEL_WIDTH + length + 4:.1f}" '
                f'y="{bar_y + BAR_HEIGHT - 3}">{escape(cell.text)}</text>'
            )
        y += group + ROW_GAP
    out.append("</svg>")
    return mark_safe("".join(out))
