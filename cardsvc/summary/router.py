from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from cardsvc.cards.schemas import IdentifyRequest
from cardsvc.deps import ActorDep, AuditDep, ClaimsDep, PathRowId, Purpose, SessionDep
from cardsvc.errors import DomainError
from cardsvc.kit.batching import Batcher
from cardsvc.kit.database import Database
from cardsvc.kit.types import utcnow
from cardsvc.settings import Settings
from cardsvc.summary import identify, service
from cardsvc.summary.schemas import IdentifyAnswer, ResidentSummary

router = APIRouter(tags=["residents"])

IdentifyBatcher = Batcher[identify.Presented, IdentifyAnswer]
# Large enough that a batch serves every window of a busy city at once; small enough
# that its statements and its audit insert stay ordinary in size.
IDENTIFY_BATCH_SIZE = 128


def identify_batcher(database: Database, settings: Settings) -> IdentifyBatcher:
    """The batcher that serves identify (built in the app's lifespan).

    Every window of the province identifies the card a resident presents before anything
    else: the identifies that arrive while a batch runs form the next batch, which is
    one unit of work (one transaction, one lock of the audit chain, one commit)
    (``cardsvc.kit.batching``, bench/identify.py).
    """

    async def run(batch: list[identify.Presented]) -> list[IdentifyAnswer | DomainError]:
        return await database.run(identify.identify_batch, settings, batch, utcnow())

    return Batcher(run, max_size=IDENTIFY_BATCH_SIZE, in_flight=settings.identify_batches_in_flight)


async def get_identify_batcher(request: Request) -> IdentifyBatcher:
    batcher: IdentifyBatcher = request.app.state.identify_batcher
    return batcher


@router.post("/identify", response_model=IdentifyAnswer, tags=["cards"])
async def identify_card(
    body: IdentifyRequest,
    claims: ClaimsDep,
    batcher: Annotated[IdentifyBatcher, Depends(get_identify_batcher)],
) -> Response:
    """The card a terminal read, checked, and its holder's summary (audited).

    The clerk's token (401), the body (422), the clerk and window still active (401), the
    role and the card (403: blacklisted, not on record, or disagreeing with the register);
    every read and every refusal is audited.
    """
    answer = await batcher.submit(identify.Presented(claims, body))
    return Response(answer.model_dump_json(), media_type="application/json")


@router.get("/residents/{resident_id}/summary", response_model=ResidentSummary)
def resident_summary(
    resident_id: PathRowId, purpose: Purpose, actor: ActorDep, audit: AuditDep, session: SessionDep
) -> ResidentSummary:
    """Everything a window shows for a resident: identity, cards, employment status, open
    applications and labour cases (audited read)."""
    return service.resident_summary(session, actor, audit, resident_id, purpose, utcnow())
