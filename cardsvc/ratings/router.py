from __future__ import annotations

from fastapi import APIRouter, Response

from cardsvc.deps import ActorDep, PathRowId, SessionDep
from cardsvc.kit.types import utcnow
from cardsvc.ratings import service
from cardsvc.ratings.schemas import RatingCreate, RatingOut

router = APIRouter(tags=["ratings"])


@router.post("/ratings", response_model=RatingOut, status_code=201)
def rate(body: RatingCreate, actor: ActorDep, session: SessionDep, response: Response) -> RatingOut:
    """The resident's rating of the service just given at this window (好差评)."""
    rating = service.rate(session, actor, body, utcnow())
    response.headers["Location"] = f"/ratings/{rating.id}"
    return RatingOut.model_validate(rating)


@router.get("/ratings/{rating_id}", response_model=RatingOut)
def read_rating(rating_id: PathRowId, actor: ActorDep, session: SessionDep) -> RatingOut:
    """One rating, within the clerk's jurisdiction."""
    return RatingOut.model_validate(service.read_rating(session, actor, rating_id))
