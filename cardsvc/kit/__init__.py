"""Infrastructure shared by every domain package, with no domain words in it.

``base`` the declarative base · ``types`` column types and the clock · ``database`` engines,
sessions and admission · ``uow`` the unit of work · ``bulk`` bulk inserts (COPY) ·
``dialect`` per-database helpers · ``batching`` group commit for hot paths.

Nothing here imports a database driver at import time: models import ``base`` and
``types`` only.
"""
