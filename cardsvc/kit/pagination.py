"""Pages of a list: the rows asked for, how many there are in all, and the next page.

Every list the service answers is a ``Page``: ``items``, ``total`` and the link to the
``next`` page (None on the last one). A repository builds its statement, ordered on a
unique key, and hands it to ``paginate`` with the ``PageRequest``; a service maps the
``Slice`` it gets back (masking, schemas); the route (``cardsvc.deps.Paging``) turns it
into a ``Page`` with its links.

Counting is what makes a total expensive: a county clerk's residents are hundreds of
thousands of rows. So ``paginate``
- reads one row more than the page (that row says whether a next page exists: the
  ``next`` link never depends on the count);
- does not count at all when the page is the last one (``offset`` + the rows found);
- otherwise counts at most ``COUNT_CAP`` rows past the page's end, through the same
  statement (its indexes): a larger list answers ``total`` = that bound with
  ``total_exact`` false, "at least this many". Deeper pages count further, as reading
  them already walks that far (bench/resident_lists.py, bench/RESULTS.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import Session

T = TypeVar("T")
U = TypeVar("U")

# Rows counted past the end of the page asked for, at most, before ``total`` says
# "at least" (GitLab stops its counts at the same 10,000).
COUNT_CAP = 10_000


@dataclass(frozen=True)
class PageRequest:
    """``limit`` rows from ``offset`` (both already validated at the edge)."""

    limit: int
    offset: int = 0


@dataclass(frozen=True)
class Slice(Generic[T]):
    """One page of a list as the database gave it."""

    items: Sequence[T]
    total: int
    total_exact: bool
    more: bool  # rows follow this page
    request: PageRequest

    def map(self, convert: Callable[[T], U]) -> Slice[U]:
        return self.with_items([convert(item) for item in self.items])

    def with_items(self, items: Sequence[U]) -> Slice[U]:
        """The same page holding ``items`` (the same rows, converted or reloaded)."""
        return Slice(items, self.total, self.total_exact, self.more, self.request)


def paginate(session: Session, statement: Select[T], page: PageRequest) -> Slice[T]:
    """The page of ``statement``'s single-entity (or single-column) rows that ``page``
    asks for, with the total counted as the module's docstring says.

    ``statement`` must be ordered on a unique key, so pages neither repeat nor skip rows.
    """
    rows = session.scalars(statement.limit(page.limit + 1).offset(page.offset)).all()
    more = len(rows) > page.limit
    items = rows[: page.limit]
    if not more and (items or page.offset == 0):
        return Slice(items, page.offset + len(items), True, False, page)
    bound = page.offset + page.limit + COUNT_CAP
    total = _count(session, statement, bound)
    return Slice(items, min(total, bound), total <= bound, more, page)


def _count(session: Session, statement: Select[Any], bound: int) -> int:
    """Rows of ``statement``, counting no further than ``bound`` + 1."""
    rows = (
        statement.order_by(None)
        .with_only_columns(literal_column("1"), maintain_column_froms=True)
        .limit(bound + 1)
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(rows)) or 0


def query_with(query: Sequence[tuple[str, str]], **changes: object) -> str:
    """``query`` (a URL's parameters, in order) with ``changes`` replacing or adding
    parameters, URL-encoded."""
    kept = [(name, value) for name, value in query if name not in changes]
    return urlencode(kept + [(name, str(value)) for name, value in changes.items()])


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int = Field(
        description=(
            "How many match in all when `total_exact`; otherwise at least this many "
            f"(counting stops {COUNT_CAP:,} rows past the page asked for)"
        )
    )
    total_exact: bool
    next: str | None = Field(
        description="The next page (path and query, also sent as `Link: <…>; rel=\"next\"`); "
        "null on the last page"
    )
