"""Name search on the persons' stored ``search_text`` (docs/search.md).

``search_text`` is folded in Python when a person is saved (``core.text.fold``: lower case, no
accents, hyphens and apostrophes as spaces) and the typed query is folded by the same function,
so both databases compare the same words:

- **exact words** (both databases): every word of the query appears in the text, anywhere in a
  name — « dup » finds « Dupont », « DUPÔNT » finds « Dupont ». On PostgreSQL the GIN trigram
  index (migration ``people.0012``) serves this ``LIKE '%word%'``.
- **near spellings** (PostgreSQL only, ``pg_trgm``): every word of three letters or more is
  close to a word of the text (``%>``, word similarity at least ``pg_trgm``'s threshold, 0.6 by
  default) — « Dupond » finds « Dupont »; shorter words must still appear as such. Ranked by
  similarity. The search page offers them when the exact words find nobody.
"""

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connections
from django.db.models import CharField, F, Func, QuerySet, Value

from probatio.core.text import fold

# Below three letters a word has no trigram of its own: no near spelling is looked for.
NEAR_MIN_LENGTH = 3


def words_of(query: str) -> list[str]:
    """The query's words, folded as the stored text is."""
    return fold(query).split()


def near_spellings_supported(using: str = "default") -> bool:
    """Whether the database answers near spellings (PostgreSQL's ``pg_trgm``)."""
    return connections[using].vendor == "postgresql"


def with_words(qs: QuerySet, query: str) -> QuerySet:
    """``qs`` restricted to the persons whose search text holds every word of ``query``."""
    for word in words_of(query):
        qs = qs.filter(search_text__contains=word)
    return qs


def near_words(query: str) -> list[str]:
    """The words compared by spelling (the others must appear as typed)."""
    return [word for word in words_of(query) if len(word) >= NEAR_MIN_LENGTH]


def with_near_words(qs: QuerySet, query: str) -> QuerySet:
    """``qs`` restricted to the persons whose names are spelt close to ``query``, annotated with
    ``near_score`` (the sum of the words' similarities, higher is closer). PostgreSQL only;
    a query without a word of three letters or more finds nobody."""
    near = near_words(query)
    if not near:
        return qs.none().annotate(near_score=Value(0.0))
    score = None
    for word in words_of(query):
        if len(word) < NEAR_MIN_LENGTH:
            qs = qs.filter(search_text__contains=word)
            continue
        # ``search_text %> word``: the operator the trigram index serves.
        qs = qs.filter(TrigramWordSimilar(F("search_text"), word))
        similarity = TrigramWordSimilarity(word, "search_text")
        score = similarity if score is None else score + similarity
    return qs.annotate(near_score=score)


def found_order() -> tuple:
    """The list's order (surname, first names) for the persons a query found, written
    ``surname || ''`` so that PostgreSQL cannot read it from the (service, surname, first_names)
    index: for a frequent word it would walk the service's persons in name order until 25
    match — through every name before « Martin » for « martin » — instead of finding the
    matches (trigram index) and sorting them. Same order on both databases."""
    unindexed_surname = Func(
        F("surname"),
        Value(""),
        template="(%(expressions)s)",
        arg_joiner=" || ",
        output_field=CharField(),
    )
    return (unindexed_surname.asc(), "first_names", "pk")
