"""How ``cardsvc serve`` runs the app: uvicorn, one worker, the collector set for a server.

Everything built at start-up (the app, its routes and schemas, SQLAlchemy's mappers and
compiled statements, pydantic's validators) lives as long as the process. Left in the
collector's generations, it is traversed again by every full collection, and a busy
service triggers those often: a hundred windows' requests in flight keep their objects
alive past the young generations. ``gc.freeze()`` moves what exists at start-up out of
the collector's way; what requests create is collected as before. On identify at a
hundred concurrent windows this was worth about a third of the throughput
(bench/RESULTS.md). ``bench/identify_ceiling.py`` serves its bare endpoint through here
too, so that the comparison is of the endpoints alone.
"""

from __future__ import annotations

import gc
from typing import Any

import uvicorn


def serve(app: Any, host: str, port: int) -> None:
    """Serve ``app`` at ``host:port`` until interrupted."""
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, workers=1)
