"""Every route × every role × (own platform, child platform, other platform).

The matrix below is the access specification, written out by hand: a route added to
the app without an entry here fails ``test_every_route_is_in_the_matrix``.

Letters, one per scope (own, child, other):
  Y  allowed (2xx; a list includes the subject)
  H  allowed, but a list leaves the subject out (outside the jurisdiction)
  N  refused: 403, or 404 for a resident, card or platform outside the jurisdiction
     (answered as one that does not exist; refused reads of personal data still audited)
  -  not applicable: no such subject there (a community station has no children;
     residents and their cards belong to community stations only)

Each role is played by one clerk of ``World``: community clerk at community A1 (other:
its sibling A2), street clerk at street A (child: A1, other: B1), issuance operator, key
officer and administrator at Nanjing, auditor at Xuanwu district (child: A1, other: a
Suzhou community).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from cardsvc.cards.models import BlacklistEntry, Card, CardStatusChange
from cardsvc.cards.repository import CardRepository
from cardsvc.cards.rules import BLACKLISTED, CardState, card_check_character
from cardsvc.clerks.models import Clerk
from cardsvc.clerks.permissions import Role
from cardsvc.employers.models import Employer, EmploymentRelation
from cardsvc.insurance.models import ContributionLimit
from cardsvc.insurance.rules import Category, Scheme
from cardsvc.labour.models import LabourCase
from cardsvc.labour.rules import CaseKind, CaseStatus
from cardsvc.platforms.models import Platform, Window
from cardsvc.platforms.repository import PlatformRepository
from cardsvc.platforms.rules import Kind, Level
from cardsvc.platforms.schemas import PlatformCreate
from cardsvc.platforms.service import build_platform
from cardsvc.ratings.models import Rating
from cardsvc.residents.models import Resident
from cardsvc.residents.rules import Sex
from cardsvc.workflow.models import Application, ApplicationStep
from cardsvc.workflow.rules import Status, Step
from tests.cardsvc.conftest import Client, World, make_ssn
from tests.cardsvc.insurance_office import credit_code

PUBLIC = {
    ("GET", "/health"),
    ("POST", "/auth/login"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/redoc"),
    # A resident logs in with the code from a window, then the password (no token yet).
    ("POST", "/online/activate"),
    ("POST", "/online/login"),
}
# A resident's own routes: a resident's token only (no clerk's token is one).
RESIDENTS_ONLY = {
    ("POST", "/online/logout"),
    ("GET", "/online/me"),
    ("GET", "/online/me/accesses"),
}

# role → (clerk, own, child, other); None: no such platform.
PLAYERS: dict[Role, tuple[str, str, str | None, str]] = {
    Role.community_clerk: ("clerk_a1", "community_a1", None, "community_a2"),
    Role.street_clerk: ("street_a", "street_a", "community_a1", "community_b1"),
    Role.issuance_operator: ("operator", "city", "community_a1", "suzhou_community"),
    Role.key_officer: ("key_officer", "city", "community_a1", "suzhou_community"),
    Role.auditor: ("auditor", "county", "community_a1", "suzhou_community"),
    Role.administrator: ("city_admin", "city", "community_a1", "suzhou_community"),
}
C, S, O, K, A, D = (  # noqa: E741 - one letter per role keeps the matrix readable
    Role.community_clerk,
    Role.street_clerk,
    Role.issuance_operator,
    Role.key_officer,
    Role.auditor,
    Role.administrator,
)

_WINDOW_ROLES_ONLY = {C: "Y-N", S: "-YN", O: "-NN", K: "-NN", A: "-NN", D: "-NN"}
_CARD_READERS = {C: "Y-N", S: "-YN", O: "-YN", K: "-NN", A: "-YN", D: "-NN"}
_ADMIN_ONLY = {C: "N-N", S: "NNN", O: "NNN", K: "NNN", A: "NNN", D: "YYN"}
_RESIDENT_READERS = {C: "Y-N", S: "-YN", O: "-NN", K: "-NN", A: "-YN", D: "-NN"}

MATRIX: dict[tuple[str, str, str], dict[Role, str]] = {
    ("GET", "/auth/me", ""): {C: "Y-Y", S: "YYY", O: "YYY", K: "YYY", A: "YYY", D: "YYY"},
    ("POST", "/auth/logout", ""): {C: "Y-Y", S: "YYY", O: "YYY", K: "YYY", A: "YYY", D: "YYY"},
    ("POST", "/clerks", ""): _ADMIN_ONLY,
    ("POST", "/platforms", ""): _ADMIN_ONLY,
    ("GET", "/platforms", ""): {C: "Y-H", S: "YYH", O: "YYH", K: "YYH", A: "YYH", D: "YYH"},
    # A clerk looks up the platforms they see in the list (and their own ancestors).
    ("GET", "/platforms/{platform_id}", ""): {
        C: "Y-N",
        S: "YYN",
        O: "YYN",
        K: "YYN",
        A: "YYN",
        D: "YYN",
    },
    ("POST", "/platforms/{platform_id}/windows", ""): _ADMIN_ONLY,
    ("GET", "/clerks/{clerk_id}", ""): _ADMIN_ONLY,
    # A clerk sees the windows of the platforms they see.
    ("GET", "/windows/{window_id}", ""): {
        C: "Y-N",
        S: "YYN",
        O: "YYN",
        K: "YYN",
        A: "YYN",
        D: "YYN",
    },
    ("POST", "/residents", ""): _WINDOW_ROLES_ONLY,
    ("GET", "/residents", ""): {C: "Y-H", S: "-YH", O: "-NN", K: "-NN", A: "-YH", D: "-NN"},
    ("GET", "/residents/{resident_id}", ""): {
        C: "Y-N",
        S: "-YN",
        O: "-NN",
        K: "-NN",
        A: "-YN",
        D: "-NN",
    },
    ("GET", "/residents/{resident_id}/cards", ""): _CARD_READERS,
    ("POST", "/residents/{resident_id}/cards", ""): _WINDOW_ROLES_ONLY,
    ("GET", "/cards/{card_number}", ""): _CARD_READERS,
    ("GET", "/cards/{card_number}/history", ""): _CARD_READERS,
    ("POST", "/cards/{card_number}/{action}", "issue"): {
        C: "N-N",
        S: "-NN",
        O: "-YN",
        K: "-NN",
        A: "-NN",
        D: "-NN",
    },
    ("POST", "/cards/{card_number}/{action}", "activate"): {
        C: "Y-N",
        S: "-YN",
        O: "-YN",
        K: "-NN",
        A: "-NN",
        D: "-NN",
    },
    **{
        ("POST", "/cards/{card_number}/{action}", action): _WINDOW_ROLES_ONLY
        for action in ("temporary-loss", "loss", "lift-loss", "lock", "unlock", "cancel")
    },
    # Terminals keep the whole province's blacklist; any window may identify a card.
    ("GET", "/blacklist", ""): {C: "Y-Y", S: "-YY", O: "-YY", K: "-NN", A: "-YY", D: "-NN"},
    ("POST", "/identify", ""): {C: "Y-Y", S: "-YY", O: "-NN", K: "-NN", A: "-NN", D: "-NN"},
    # Employers are kept in the ledgers of street centres and community stations.
    ("POST", "/employers", ""): {C: "Y-N", S: "YYN", O: "NNN", K: "NNN", A: "NNN", D: "NNN"},
    ("GET", "/employers", ""): {C: "Y-H", S: "YYH", O: "-NN", K: "-NN", A: "-YH", D: "-NN"},
    ("GET", "/employers/{employer_id}", ""): {
        C: "Y-N",
        S: "YYN",
        O: "-NN",
        K: "-NN",
        A: "-YN",
        D: "-NN",
    },
    ("POST", "/employers/{employer_id}/employment-relations", ""): _WINDOW_ROLES_ONLY,
    ("POST", "/employment-relations/{relation_id}/end", ""): _WINDOW_ROLES_ONLY,
    **{
        ("GET", path, ""): _RESIDENT_READERS
        for path in (
            "/residents/{resident_id}/employment-relations",
            "/residents/{resident_id}/insurance",
            "/residents/{resident_id}/insurance/summary",
            "/residents/{resident_id}/insurance/contributions",
        )
    },
    ("GET", "/contribution-limits", ""): {
        C: "N-N",
        S: "NNN",
        O: "NNN",
        K: "NNN",
        A: "NNN",
        D: "YYH",
    },
    ("PUT", "/contribution-limits/{region_code}/{year}/{category}/{scheme}", ""): _ADMIN_ONLY,
    ("GET", "/residents/{resident_id}/employment", ""): {
        C: "Y-N",
        S: "-YN",
        O: "-NN",
        K: "-NN",
        A: "-YN",
        D: "-NN",
    },
    ("GET", "/residents/{resident_id}/summary", ""): {
        C: "Y-N",
        S: "-YN",
        O: "-NN",
        K: "-NN",
        A: "-YN",
        D: "-NN",
    },
    ("POST", "/residents/{resident_id}/online-access", ""): _WINDOW_ROLES_ONLY,
    ("GET", "/service-guide", ""): {C: "Y-Y", S: "YYY", O: "YYY", K: "YYY", A: "YYY", D: "YYY"},
    # One province, one guide: only the province's administrators set its time limits.
    ("PUT", "/service-guide/{item_code}/time-limit", ""): {
        C: "N-N",
        S: "NNN",
        O: "NNN",
        K: "NNN",
        A: "NNN",
        D: "NNN",
    },
    ("POST", "/applications", ""): _WINDOW_ROLES_ONLY,
    ("GET", "/applications", ""): {C: "Y-H", S: "-YH", O: "-NN", K: "-NN", A: "-YH", D: "-NN"},
    ("GET", "/applications/{application_id}", ""): {
        C: "Y-N",
        S: "-YN",
        O: "-NN",
        K: "-NN",
        A: "-YN",
        D: "-NN",
    },
    ("POST", "/labour-cases", ""): _WINDOW_ROLES_ONLY,
    # The window's terminal sends the rating the resident gave there.
    ("GET", "/ledgers/labour-force", ""): {
        C: "Y-H",
        S: "-YH",
        O: "-NN",
        K: "-NN",
        A: "-YH",
        D: "-NN",
    },
    **{
        ("GET", f"/ledgers/{name}", ""): {
            C: "Y-Y",
            S: "YYY",
            O: "NNN",
            K: "NNN",
            A: "YYY",
            D: "NNN",
        }
        for name in ("employment", "insurance-coverage")
    },
    # A window's terminal rates what that window did: no other window's business.
    ("POST", "/ratings", ""): {C: "Y-N", S: "-NN", O: "-NN", K: "-NN", A: "-NN", D: "-NN"},
    ("GET", "/ratings/{rating_id}", ""): {
        C: "N-N",
        S: "-YN",
        O: "-NN",
        K: "-NN",
        A: "-YN",
        D: "-YN",
    },
    **{
        ("GET", f"/reports/{name}", ""): {
            C: "N-N",
            S: "YYY",
            O: "NNN",
            K: "NNN",
            A: "YYY",
            D: "YYY",
        }
        for name in ("platform-compliance", "service-performance", "data-quality")
    },
    ("GET", "/labour-cases", ""): {C: "Y-H", S: "-YH", O: "-NN", K: "-NN", A: "-YH", D: "-NN"},
    ("GET", "/labour-cases/{case_id}", ""): {
        C: "Y-N",
        S: "-YN",
        O: "-NN",
        K: "-NN",
        A: "-YN",
        D: "-NN",
    },
    # Cases are handled by the street centre over the window that took them.
    ("POST", "/labour-cases/{case_id}/progress", ""): {
        C: "N-N",
        S: "-YN",
        O: "-NN",
        K: "-NN",
        A: "-NN",
        D: "-NN",
    },
    # First review: the station that took the application, never the street above it.
    ("POST", "/applications/{application_id}/{step}", "review"): {
        C: "Y-N",
        S: "-NN",
        O: "-NN",
        K: "-NN",
        A: "-NN",
        D: "-NN",
    },
    # Approval (or rejection after review): the street centre over it, never the station.
    **{
        ("POST", "/applications/{application_id}/{step}", step): {
            C: "N-N",
            S: "-YN",
            O: "-NN",
            K: "-NN",
            A: "-NN",
            D: "-NN",
        }
        for step in ("approve", "reject")
    },
}

# Routes whose refusals concern residents' or cards' data: each refusal is audited.
AUDITED_REFUSALS = {
    "/residents",
    "/residents/{resident_id}",
    "/residents/{resident_id}/cards",
    "/cards/{card_number}",
    "/cards/{card_number}/history",
    "/cards/{card_number}/{action}",
    "/identify",
    "/employers/{employer_id}/employment-relations",
    "/employment-relations/{relation_id}/end",
    "/residents/{resident_id}/employment-relations",
    "/residents/{resident_id}/insurance",
    "/residents/{resident_id}/insurance/summary",
    "/residents/{resident_id}/insurance/contributions",
    "/residents/{resident_id}/employment",
    "/residents/{resident_id}/summary",
    "/residents/{resident_id}/online-access",
    "/applications",
    "/applications/{application_id}",
    "/labour-cases",
    "/labour-cases/{case_id}",
    "/ledgers/labour-force",
    "/labour-cases/{case_id}/progress",
}

_numbers = itertools.count(1)


@dataclass
class Target:
    """What a request reaches for at one scope, made fresh inside a savepoint."""

    platform: Platform
    resident: Resident | None = None
    card: Card | None = None
    application: Application | None = None
    labour_case: LabourCase | None = None
    rating: Rating | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _resident(session: Session, platform: Platform) -> Resident:
    n = next(_numbers)
    birth = date(1950, 1, 1).replace(year=1950 + n // 400)
    resident = Resident(
        social_security_number=make_ssn(birth, sequence=2 * (n % 400 + 1)),
        name="李四",
        sex=Sex.female,
        birth_date=birth,
        ethnic_group="01",
        household_registration="江苏省南京市",
        current_address="江苏省南京市",
        platform_id=platform.id,
    )
    session.add(resident)
    session.flush()
    return resident


def _card(session: Session, resident: Resident, status: CardState) -> Card:
    n = next(_numbers)
    first8 = f"T{n:07d}"
    card = Card(
        resident_id=resident.id,
        resident=resident,
        card_number=first8 + card_check_character(first8),
        card_identification_code=None if status is CardState.in_production else _card_id(n),
        generation="3.00",
        key_version=1,
        issued_on=date(2024, 1, 1),
        expires_on=date(2034, 1, 1),
        status=status,
        order_reason="first",
    )
    session.add(card)
    session.flush()
    session.add(CardStatusChange(card_id=card.id, from_status=None, to_status=status))
    if status in BLACKLISTED:
        CardRepository(session).append_blacklist(
            BlacklistEntry(
                card_number=card.card_number,
                card_identification_code=card.card_identification_code,
                action="add",
                status=status,
            )
        )
    session.flush()
    return card


def _card_id(n: int) -> str:
    return f"320100D156000005{n:016X}"


# The state each action starts from.
_ACTION_STATE = {
    "issue": CardState.in_production,
    "activate": CardState.issued,
    "lift-loss": CardState.lost,
    "unlock": CardState.locked,
}


@dataclass
class Case:
    """How to reach a subject at a platform and what allowed looks like."""

    subject: str  # "none", "platform", "resident", "working_resident", "card", "application"…
    request: Callable[[Target], tuple[str, str, dict[str, Any]]]
    card_state: CardState = CardState.normal
    application_status: Status = Status.submitted
    listed: Callable[[httpx.Response, Target], bool] | None = None
    # The allowed status for a subject at a platform of this level (default: 200).
    allowed: Callable[[Level], int] = lambda _level: 200


_PURPOSE = {"purpose": "窗口业务办理"}


def _new_platform_body(target: Target) -> dict[str, Any]:
    platform = target.platform
    if platform.level is Level.city:
        code = {"320100": "320105", "320500": "320507"}[platform.region_code]
        return {
            "parent_id": platform.id,
            "kind": "county",
            "region_code": code,
            "base_name": "新区",
        }
    kind = {Level.county: "street", Level.street: "community"}.get(platform.level, "community")
    return {
        "parent_id": platform.id,
        "kind": kind,
        "region_code": platform.region_code,
        "base_name": "新建",
    }


def _identify_body(target: Target) -> dict[str, Any]:
    assert target.card is not None
    assert target.resident is not None
    return {
        "card_identification_code": target.card.card_identification_code,
        "card_number": target.card.card_number,
        "social_security_number": target.resident.social_security_number,
    }


def _action_case(action: str) -> Case:
    def request(target: Target) -> tuple[str, str, dict[str, Any]]:
        assert target.card is not None
        body: dict[str, Any] = {}
        if action == "issue":
            body["card_identification_code"] = _card_id(next(_numbers))
        if action == "cancel":
            body["cancel_reason"] = "death"
        return "POST", f"/cards/{target.card.card_number}/{action}", {"json": body}

    return Case("card", request, card_state=_ACTION_STATE.get(action, CardState.normal))


CASES: dict[tuple[str, str, str], Case] = {
    ("GET", "/auth/me", ""): Case("none", lambda t: ("GET", "/auth/me", {})),
    ("POST", "/auth/logout", ""): Case(
        "none", lambda t: ("POST", "/auth/logout", {}), allowed=lambda _level: 204
    ),
    ("POST", "/clerks", ""): Case(
        "platform",
        lambda t: (
            "POST",
            "/clerks",
            {
                "json": {
                    "username": f"new.clerk{next(_numbers)}",
                    "display_name": "新人",
                    "password": "a long enough password",
                    "role": "community_clerk",
                    "platform_id": t.platform.id,
                }
            },
        ),
        allowed=lambda _level: 201,
    ),
    ("POST", "/platforms", ""): Case(
        "platform",
        lambda t: ("POST", "/platforms", {"json": _new_platform_body(t)}),
        # Authorised, then refused by the hierarchy: a community station has no children.
        allowed=lambda level: 422 if level is Level.community else 201,
    ),
    ("GET", "/platforms", ""): Case(
        "platform",
        lambda t: ("GET", "/platforms", {"params": {"limit": 500}}),
        listed=lambda r, t: t.platform.id in {p["id"] for p in r.json()["items"]},
    ),
    ("GET", "/platforms/{platform_id}", ""): Case(
        "platform", lambda t: ("GET", f"/platforms/{t.platform.id}", {})
    ),
    ("POST", "/platforms/{platform_id}/windows", ""): Case(
        "platform",
        lambda t: ("POST", f"/platforms/{t.platform.id}/windows", {"json": {"name": "新窗口"}}),
        allowed=lambda _level: 201,
    ),
    ("GET", "/clerks/{clerk_id}", ""): Case(
        "platform", lambda t: ("GET", f"/clerks/{t.extra['clerk'].id}", {})
    ),
    ("GET", "/windows/{window_id}", ""): Case(
        "platform", lambda t: ("GET", f"/windows/{t.extra['window'].id}", {})
    ),
    ("POST", "/residents", ""): Case(
        "resident",
        lambda t: (
            "POST",
            "/residents",
            {
                "json": {
                    "social_security_number": make_ssn(
                        date(1988, 8, 8), 2 * (next(_numbers) % 499) + 2
                    ),
                    "name": "王五",
                    "sex": "2",
                    "birth_date": "1988-08-08",
                    "ethnic_group": "01",
                    "household_registration": "江苏省南京市",
                    "current_address": "江苏省南京市",
                    "platform_id": t.platform.id,
                }
            },
        ),
        allowed=lambda _level: 201,
    ),
    ("GET", "/residents", ""): Case(
        "resident",
        lambda t: ("GET", "/residents", {"params": {"limit": 500, **_PURPOSE}}),
        listed=lambda r, t: (
            t.resident is not None and t.resident.id in {x["id"] for x in r.json()["items"]}
        ),
    ),
    ("GET", "/residents/{resident_id}", ""): Case(
        "resident",
        lambda t: ("GET", f"/residents/{t.resident.id}", {"params": _PURPOSE}),  # type: ignore[union-attr]
    ),
    ("GET", "/residents/{resident_id}/cards", ""): Case(
        "card",
        lambda t: ("GET", f"/residents/{t.resident.id}/cards", {"params": _PURPOSE}),  # type: ignore[union-attr]
    ),
    ("POST", "/residents/{resident_id}/cards", ""): Case(
        "resident",
        lambda t: ("POST", f"/residents/{t.resident.id}/cards", {"json": {"reason": "first"}}),  # type: ignore[union-attr]
        allowed=lambda _level: 201,
    ),
    ("GET", "/cards/{card_number}", ""): Case(
        "card",
        lambda t: ("GET", f"/cards/{t.card.card_number}", {"params": _PURPOSE}),  # type: ignore[union-attr]
    ),
    ("GET", "/cards/{card_number}/history", ""): Case(
        "card",
        lambda t: ("GET", f"/cards/{t.card.card_number}/history", {"params": _PURPOSE}),  # type: ignore[union-attr]
    ),
    **{
        ("POST", "/cards/{card_number}/{action}", action): _action_case(action)
        for action in (
            "issue",
            "activate",
            "temporary-loss",
            "loss",
            "lift-loss",
            "lock",
            "unlock",
            "cancel",
        )
    },
    ("GET", "/blacklist", ""): Case(
        "card",
        lambda t: ("GET", "/blacklist", {"params": {"limit": 10000}}),
        card_state=CardState.lost,
        listed=lambda r, t: (
            t.card is not None
            and t.card.card_number in {e["card_number"] for e in r.json()["items"]}
        ),
    ),
    ("POST", "/identify", ""): Case(
        "card", lambda t: ("POST", "/identify", {"json": _identify_body(t)})
    ),
    ("POST", "/employers", ""): Case(
        "platform",
        lambda t: (
            "POST",
            "/employers",
            {
                "json": {
                    "unified_social_credit_code": credit_code(t.platform.region_code),
                    "name": "矩阵新登记有限公司",
                    "platform_id": t.platform.id,
                }
            },
        ),
        allowed=lambda _level: 201,
    ),
    ("GET", "/employers", ""): Case(
        "employer",
        lambda t: ("GET", "/employers", {"params": {"limit": 500}}),
        listed=lambda r, t: t.extra["employer"].id in {e["id"] for e in r.json()["items"]},
    ),
    ("GET", "/employers/{employer_id}", ""): Case(
        "employer", lambda t: ("GET", f"/employers/{t.extra['employer'].id}", {})
    ),
    ("POST", "/employers/{employer_id}/employment-relations", ""): Case(
        "resident",
        lambda t: (
            "POST",
            f"/employers/{t.extra['employer'].id}/employment-relations",
            {"json": {"resident_id": t.resident.id, "started_on": "2020-01-01"}},  # type: ignore[union-attr]
        ),
        allowed=lambda _level: 201,
    ),
    ("POST", "/employment-relations/{relation_id}/end", ""): Case(
        "employment",
        lambda t: (
            "POST",
            f"/employment-relations/{t.extra['relation'].id}/end",
            {"json": {"ended_on": "2021-06-30"}},
        ),
    ),
    **{
        ("GET", path, ""): Case(
            "resident",
            lambda t, path=path: (
                "GET",
                path.format(resident_id=t.resident.id),  # type: ignore[union-attr]
                {"params": _PURPOSE},
            ),
        )
        for path in (
            "/residents/{resident_id}/employment-relations",
            "/residents/{resident_id}/insurance",
            "/residents/{resident_id}/insurance/summary",
            "/residents/{resident_id}/insurance/contributions",
        )
    },
    ("GET", "/contribution-limits", ""): Case(
        "platform",
        lambda t: ("GET", "/contribution-limits", {"params": {"year": 2030, "limit": 500}}),
        listed=lambda r, t: t.platform.region_code in {x["region_code"] for x in r.json()["items"]},
    ),
    ("PUT", "/contribution-limits/{region_code}/{year}/{category}/{scheme}", ""): Case(
        "platform",
        lambda t: (
            "PUT",
            f"/contribution-limits/{t.platform.region_code}/2031/employee/pension",
            {"json": {"floor_fen": 500_000, "cap_fen": 2_500_000}},
        ),
        allowed=lambda _level: 201,
    ),
    ("GET", "/residents/{resident_id}/employment", ""): Case(
        "resident",
        lambda t: ("GET", f"/residents/{t.resident.id}/employment", {"params": _PURPOSE}),  # type: ignore[union-attr]
    ),
    ("GET", "/residents/{resident_id}/summary", ""): Case(
        "resident",
        lambda t: ("GET", f"/residents/{t.resident.id}/summary", {"params": _PURPOSE}),  # type: ignore[union-attr]
    ),
    ("POST", "/residents/{resident_id}/online-access", ""): Case(
        "resident",
        lambda t: ("POST", f"/residents/{t.resident.id}/online-access", {}),  # type: ignore[union-attr]
        allowed=lambda _level: 201,
    ),
    ("GET", "/service-guide", ""): Case("none", lambda t: ("GET", "/service-guide", {})),
    ("PUT", "/service-guide/{item_code}/time-limit", ""): Case(
        "platform",
        lambda t: (
            "PUT",
            "/service-guide/guaranteed_loan/time-limit",
            {"json": {"working_days": 12}},
        ),
    ),
    ("POST", "/applications", ""): Case(
        "resident",
        lambda t: (
            "POST",
            "/applications",
            {
                "json": {
                    "item_code": "entrepreneurship_service",
                    "resident_id": t.resident.id,  # type: ignore[union-attr]
                    "documents": ["居民身份证或社会保障卡"],
                    "details": {"kind": "consulting"},
                }
            },
        ),
        allowed=lambda _level: 201,
    ),
    ("GET", "/applications", ""): Case(
        "application",
        lambda t: ("GET", "/applications", {"params": {"limit": 500}}),
        listed=lambda r, t: (
            t.application is not None and t.application.id in {x["id"] for x in r.json()["items"]}
        ),
    ),
    ("GET", "/applications/{application_id}", ""): Case(
        "application",
        lambda t: ("GET", f"/applications/{t.application.id}", {"params": _PURPOSE}),  # type: ignore[union-attr]
    ),
    ("GET", "/ledgers/labour-force", ""): Case(
        "working_resident",
        lambda t: ("GET", "/ledgers/labour-force", {"params": {"limit": 500}}),
        listed=lambda r, t: (
            t.resident is not None
            and t.resident.id in {x["resident_id"] for x in r.json()["items"]}
        ),
    ),
    **{
        ("GET", f"/ledgers/{name}", ""): Case(
            "none", lambda t, name=name: ("GET", f"/ledgers/{name}", {})
        )
        for name in ("employment", "insurance-coverage")
    },
    ("POST", "/ratings", ""): Case(
        "application",
        lambda t: (
            "POST",
            "/ratings",
            {"json": {"score": 4, "service_ref": f"application:{t.application.id}"}},  # type: ignore[union-attr]
        ),
        allowed=lambda _level: 201,
    ),
    ("GET", "/ratings/{rating_id}", ""): Case(
        "rating",
        lambda t: ("GET", f"/ratings/{t.rating.id}", {}),  # type: ignore[union-attr]
    ),
    ("GET", "/reports/platform-compliance", ""): Case(
        "none", lambda t: ("GET", "/reports/platform-compliance", {})
    ),
    ("GET", "/reports/service-performance", ""): Case(
        "none",
        lambda t: (
            "GET",
            "/reports/service-performance",
            {"params": {"since": "2026-01-01", "until": "2027-01-01"}},
        ),
    ),
    ("GET", "/reports/data-quality", ""): Case(
        "none", lambda t: ("GET", "/reports/data-quality", {})
    ),
    ("POST", "/labour-cases", ""): Case(
        "resident",
        lambda t: (
            "POST",
            "/labour-cases",
            {
                "json": {
                    "kind": "complaint",
                    "resident_id": t.resident.id,  # type: ignore[union-attr]
                    "employer_name": "某某公司",
                    "summary": "拖欠工资三个月",
                }
            },
        ),
        allowed=lambda _level: 201,
    ),
    ("GET", "/labour-cases", ""): Case(
        "labour_case",
        lambda t: ("GET", "/labour-cases", {"params": {"limit": 500}}),
        listed=lambda r, t: (
            t.labour_case is not None and t.labour_case.id in {x["id"] for x in r.json()["items"]}
        ),
    ),
    ("GET", "/labour-cases/{case_id}", ""): Case(
        "labour_case",
        lambda t: ("GET", f"/labour-cases/{t.labour_case.id}", {"params": _PURPOSE}),  # type: ignore[union-attr]
    ),
    ("POST", "/labour-cases/{case_id}/progress", ""): Case(
        "labour_case",
        lambda t: (
            "POST",
            f"/labour-cases/{t.labour_case.id}/progress",  # type: ignore[union-attr]
            {"json": {"status": "handling", "note": "已约谈用人单位"}},
        ),
    ),
    **{
        ("POST", "/applications/{application_id}/{step}", step): Case(
            "application",
            lambda t, step=step: (  # type: ignore[misc]
                "POST",
                f"/applications/{t.application.id}/{step}",  # type: ignore[union-attr]
                {"json": {"note": "材料齐全"}},
            ),
            application_status=Status.submitted if step == "review" else Status.reviewed,
        )
        for step in ("review", "approve", "reject")
    },
}


@pytest.fixture
def suzhou(world: World, session: Session) -> Platform:
    """A community outside Nanjing: 'other platform' for city- and county-level clerks."""
    repository = PlatformRepository(session)
    parent = world.platforms["province"]
    for kind, region, base in [
        (Kind.city, "320500", "苏州市"),
        (Kind.county, "320508", "姑苏区"),
        (Kind.street, "320508", "平江"),
        (Kind.community, "320508", "平江路"),
    ]:
        data = PlatformCreate(parent_id=parent.id, kind=kind, region_code=region, base_name=base)
        parent = build_platform(repository, parent, data)
    session.commit()
    world.platforms["suzhou_community"] = parent
    return parent


def _app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, included routers flattened."""
    routes: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        assert route.path is not None
        routes |= {(method, route.path) for method in route.methods or () if method != "HEAD"}
    return routes


def test_every_route_is_in_the_matrix(app: FastAPI) -> None:
    in_matrix = {(method, path) for method, path, _variant in MATRIX}
    assert in_matrix | PUBLIC | RESIDENTS_ONLY == _app_routes(app)
    assert not in_matrix & PUBLIC
    assert not in_matrix & RESIDENTS_ONLY
    assert set(MATRIX) == set(CASES)
    for entry in MATRIX.values():
        assert set(entry) == set(Role)


def _outcome(case: Case, response: httpx.Response, target: Target) -> str:
    hidden = response.status_code == 404 and case.subject in (
        "resident",
        "card",
        "platform",
        "application",
        "labour_case",
        "rating",
        "employer",
        "employment",
        "clerk",
        "window",
    )
    if response.status_code == 403 or hidden:
        return "N"
    if response.status_code != case.allowed(target.platform.level):
        return f"?{response.status_code}"
    if case.listed is not None and not case.listed(response, target):
        return "H"
    return "Y"


def _application(
    session: Session, resident: Resident, status: Status, maker: Clerk, window: Window
) -> Application:
    """An entrepreneurship-service application taken (and reviewed) by ``maker`` at
    ``window``."""
    now = datetime.now(UTC)
    application = Application(
        item_code="entrepreneurship_service",
        resident_id=resident.id,
        platform_id=resident.platform_id,
        status=status,
        details={"kind": "consulting", "note": None},
        documents=["居民身份证或社会保障卡"],
        submitted_at=now,
        due_at=now + timedelta(days=7),
    )
    session.add(application)
    session.flush()
    steps = [(Step.submit, Status.submitted)]
    if status is Status.reviewed:
        steps.append((Step.review, Status.reviewed))
    for step, after in steps:
        session.add(
            ApplicationStep(
                application_id=application.id,
                step=step,
                status_after=after,
                clerk_id=maker.id,
                window_id=window.id,
                platform_id=maker.platform_id,
                at=now,
            )
        )
    session.flush()
    return application


def _labour_case(session: Session, resident: Resident) -> LabourCase:
    now = datetime.now(UTC)
    case = LabourCase(
        kind=CaseKind.mediation,
        resident_id=resident.id,
        employer_name="某某公司",
        summary="拖欠工资",
        status=CaseStatus.received,
        platform_id=resident.platform_id,
        received_at=now,
        due_at=now + timedelta(days=15),
    )
    session.add(case)
    session.flush()
    return case


def _staff(session: Session, platform: Platform) -> tuple[Clerk, Window]:
    """The platform's first clerk and first window; made for a platform that has none
    (the Suzhou community has no staff of the world's own)."""
    clerk = session.scalars(select(Clerk).where(Clerk.platform_id == platform.id)).first()
    window = session.scalars(select(Window).where(Window.platform_id == platform.id)).first()
    if clerk is None:
        clerk = Clerk(
            username=f"matrix.clerk{next(_numbers)}",
            display_name="矩阵",
            password_hash="-",  # noqa: S106 - never logs in
            role=Role.community_clerk,
            platform_id=platform.id,
        )
        session.add(clerk)
    if window is None:
        window = Window(platform_id=platform.id, code=f"MX{next(_numbers)}", name="矩阵窗口")
        session.add(window)
    session.flush()
    return clerk, window


def _rating(session: Session, platform: Platform) -> Rating:
    clerk, window = _staff(session, platform)
    rating = Rating(
        score=5,
        service_ref=f"labour_case:{next(_numbers)}",
        clerk_id=clerk.id,
        window_id=window.id,
        platform_id=platform.id,
    )
    session.add(rating)
    session.flush()
    return rating


def _target(session: Session, case: Case, platform: Platform) -> Target | None:
    target = Target(platform)
    if case.subject == "rating":
        if platform.level is not Level.community:
            return None
        target.rating = _rating(session, platform)
        return target
    if case.subject == "labour_case":
        if platform.level is not Level.community:
            return None
        target.resident = _resident(session, platform)
        target.labour_case = _labour_case(session, target.resident)
        return target
    if case.subject == "application":
        if platform.level is not Level.community:
            return None
        target.resident = _resident(session, platform)
        maker, window = _staff(session, platform)
        target.application = _application(
            session, target.resident, case.application_status, maker, window
        )
        return target
    if case.subject == "working_resident":  # of working age
        if platform.level is not Level.community:
            return None
        target.resident = _resident(session, platform)
        target.resident.birth_date = date(1990, 6, 1)
        session.flush()
        return target
    if case.subject == "employer":
        if platform.level not in (Level.street, Level.community):
            return None
        target.extra["employer"] = _employer(session, platform)
    if case.subject in ("resident", "card", "employment"):
        if platform.level is not Level.community:
            return None
        if case.request is CASES[("POST", "/residents", "")].request:
            return target
        target.resident = _resident(session, platform)
        target.extra["employer"] = _employer(session, platform)
        if case.subject == "card":
            target.card = _card(session, target.resident, case.card_state)
        if case.subject == "employment":
            relation = EmploymentRelation(
                resident_id=target.resident.id,
                employer_id=target.extra["employer"].id,
                started_on=date(2020, 1, 1),
            )
            session.add(relation)
            session.flush()
            target.extra["relation"] = relation
    if case.subject == "platform" and case.request in (
        CASES[("GET", "/clerks/{clerk_id}", "")].request,
        CASES[("GET", "/windows/{window_id}", "")].request,
    ):
        clerk, window = _staff(session, platform)
        target.extra.update(window=window, clerk=clerk)
    if (
        case.subject == "platform"
        and case.request is CASES[("GET", "/contribution-limits", "")].request
    ):
        session.add(
            ContributionLimit(
                region_code=platform.region_code,
                year=2030,
                scheme=Scheme.pension,
                category=Category.employee,
                floor_fen=500_000,
                cap_fen=2_500_000,
            )
        )
        session.flush()
    return target


def _employer(session: Session, platform: Platform) -> Employer:
    employer = Employer(
        unified_social_credit_code=credit_code(platform.region_code),
        name="矩阵测试有限公司",
        region_code=platform.region_code,
        platform_id=platform.id,
    )
    session.add(employer)
    session.flush()
    return employer


def _refusals(connection: Connection) -> int:
    return (
        connection.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "refused")
        )
        or 0
    )


@pytest.mark.parametrize("key", list(MATRIX), ids=lambda k: f"{k[0]} {k[1]} {k[2]}".strip())
def test_route_matrix(
    key: tuple[str, str, str],
    client: Client,
    world: World,
    suzhou: Platform,
    connection: Connection,
) -> None:
    case = CASES[key]
    found: dict[Role, str] = {}
    for role, (clerk, *scopes) in PLAYERS.items():
        letters = ""
        for scope in scopes:
            if scope is None:
                letters += "-"
                continue
            savepoint = connection.begin_nested()
            session = Session(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
            target = _target(session, case, world.platforms[scope])
            session.commit()
            if target is None:
                letters += "-"
                savepoint.rollback()
                continue
            method, url, options = case.request(target)
            before = _refusals(connection)
            headers = {**world.headers(clerk), "Idempotency-Key": f"matrix-{next(_numbers):08d}"}
            response = client.request(method, url, headers=headers, **options)
            letter = _outcome(case, response, target)
            if letter == "N" and key[1] in AUDITED_REFUSALS and _refusals(connection) != before + 1:
                letter = "N(unaudited)"
            letters += letter
            savepoint.rollback()
        found[role] = letters
    assert found == MATRIX[key]


def _dummy(path: str) -> str:
    return path.format(
        resident_id=1,
        platform_id=1,
        card_number="D2143569X",
        action="lock",
        application_id=1,
        step="review",
        item_code="guaranteed_loan",
        case_id=1,
        rating_id=1,
        employer_id=1,
        relation_id=1,
        region_code="320102",
        year=2026,
        category="employee",
        scheme="pension",
        clerk_id=1,
        window_id=1,
    )


@pytest.mark.parametrize("authorization", [None, "Bearer forged.token", "Basic abc"])
def test_every_protected_route_needs_a_token(
    app: FastAPI, client: Client, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in sorted(_app_routes(app) - PUBLIC):
        response = client.request(method, _dummy(path), headers=headers, json={})
        assert response.status_code == 401, (method, path)
        assert response.headers["content-type"] == "application/problem+json"


def test_public_routes_answer_without_a_token(client: Client) -> None:
    for method, path in sorted(PUBLIC):
        response = client.request(method, path, json={})
        assert response.status_code in (200, 422), (method, path)
