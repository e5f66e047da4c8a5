"""Infrastructure shared by every domain package, with no domain words in it.

``base`` the declarative base · ``types`` column types and the clock · ``database`` engines,
sessions and admission · ``uow`` the unit of work · ``bulk`` bulk inserts (COPY) ·
``dialect`` per-database helpers · ``batching`` group commit for hot paths · ``text`` the
text rule of every input · ``progress`` how long work reports how far it has got.

Models import ``base`` and ``types`` only, and those import no database driver (``bulk``
does: COPY goes through psycopg).
"""
