"""The case list's free-text search: a substring of the reference or the description, ASCII case ignored.

The meaning is the plain `%term%` ILIKE the list always had; the text indexes of migration 0008 only make it
fast. PostgreSQL answers that ILIKE from the `pg_trgm` GIN indexes by itself. SQLite needs the FTS5 trigram
table `case_search` named in the query: its MATCH finds candidates, and the LIKE keeps exactly the cases the
scan would have found (the trigram tokenizer folds the case of every alphabet, SQLite's LIKE only ASCII's).
Trigrams need three characters; a shorter term (漏水 is common) is a scan, as before. Figures: bench/README.md.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, column, func, literal_column, or_, select, table
from sqlalchemy.orm import Session
from sqlmodel import col

from db.models import Case

MIN_INDEXED_LENGTH = 3  # characters: a trigram index cannot answer shorter terms
SEARCH_TABLE = table("case_search", column("rowid"))  # migration 0008; SQLite only
# From this many index matches, fetching each matching case by id (about 1 ms per thousand at 1M cases) costs more
# than reading the cases along another index: the scope's, or the newest-first one for a page of dense matches.
COMMON_FROM = 5_000
WALK_DENSITY = 10  # a page is read newest-first when matches are at least this many times the rows up to its end
# Unicode categories without case: "Lo" is letters without case (Chinese), then digits, punctuation, spaces.
CASELESS_CATEGORIES = frozenset({"Lo", "Nd", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Zs"})


def like_pattern(term: str) -> str:
    """`%term%`, with LIKE's wildcards escaped: a typed "_" or "%" means that character, not "anything"."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def fts_phrase(term: str) -> str:
    """The term as one FTS5 string (a trigram phrase, so: contains this substring); quotes doubled."""
    return '"' + term.replace('"', '""') + '"'


def caseless(term: str) -> bool:
    """True for text of caseless characters only: Chinese, digits, punctuation, spaces (not Ⓐ, not combining marks)."""
    return all(unicodedata.category(c) in CASELESS_CATEGORIES and c.lower() == c == c.upper() for c in term)


def indexed(term: str, dialect: str) -> bool:
    """Whether the SQLite trigram table can answer `term` (three characters or more)."""
    return dialect == "sqlite" and len(term) >= MIN_INDEXED_LENGTH


def condition(term: str, dialect: str = "", *, by_id: bool = True) -> ColumnElement[bool]:
    """Cases whose reference or description contains `term` (already stripped, not empty).

    On SQLite the index's matches come as `id IN (...)`, which the planner always drives by (it guesses a
    subquery holds 25 rows); `by_id=False` writes `id + 0 IN (...)` so it reads along another index instead.
    """
    pattern = like_pattern(term)
    if dialect == "sqlite" or (dialect == "postgresql" and caseless(term)):
        # The same cases as ILIKE without lowering every text first (a third of a scan's time): SQLite's LIKE
        # ignores ASCII case as its lower() does (we never set case_sensitive_like), and a term without cased
        # letters has nothing for PostgreSQL's lower() to change.
        substring = or_(
            col(Case.reference).like(pattern, escape="\\"), col(Case.description).like(pattern, escape="\\")
        )
    else:
        substring = or_(
            col(Case.reference).ilike(pattern, escape="\\"), col(Case.description).ilike(pattern, escape="\\")
        )
    if not indexed(term, dialect):
        return substring
    candidates = select(SEARCH_TABLE.c.rowid).where(literal_column("case_search").op("MATCH")(fts_phrase(term)))
    case_id = col(Case.id) if by_id else col(Case.id) + 0
    return and_(case_id.in_(candidates), substring)


@dataclass(frozen=True)
class SearchPlan:
    """The search's conditions for a list's count and page, written for the planner (see `plan`)."""

    term: str
    dialect: str
    common: bool  # SQLite's index has at least COMMON_FROM matches
    narrowed: bool  # other conditions (scope, filters) restrict the cases too

    def count_condition(self) -> list[ColumnElement[bool]]:
        if not self.term:
            return []
        return [condition(self.term, self.dialect, by_id=not (self.common and self.narrowed))]

    def page_condition(self, *, matches: int, end: int) -> list[ColumnElement[bool]]:
        """For the page whose last row is number `end` of `matches`."""
        if not self.term:
            return []
        dense = end * WALK_DENSITY <= matches
        return [condition(self.term, self.dialect, by_id=not (self.common and (self.narrowed or dense)))]


def plan(session: Session, term: str, *, narrowed: bool) -> SearchPlan:
    """How to search for `term`: one count of the index's matches on SQLite decides (2–6 ms at 1M cases).

    Measured at 1M cases, 53,000 matches: by id, the count and the page take 50–80 ms each; a grid's cases read
    along its index, 14 and 7 ms; an unfiltered page read newest-first, 7 ms. Rare terms: by id, 3–4 ms.
    The weak spot: a filter that narrows little (status "closed", 90 % of cases) with a common term counts along
    that filter's index, about 0.2 s at 1M.
    """
    dialect = session.get_bind().dialect.name
    common = False
    if term and indexed(term, dialect):
        matches = (
            select(func.count())
            .select_from(SEARCH_TABLE)
            .where(literal_column("case_search").op("MATCH")(fts_phrase(term)))
        )
        common = session.execute(matches).scalar_one() >= COMMON_FROM
    return SearchPlan(term, dialect, common, narrowed)
