"""An insurance office for tests: actors of ``World``'s clerks, residents, employers and
bounds, made through the services as the workflow would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor
from cardsvc.employers import service as employers
from cardsvc.employers.models import Employer
from cardsvc.employers.rules import uscc_check_character
from cardsvc.employers.schemas import EmployerCreate, EmploymentStart
from cardsvc.insurance import limits, service
from cardsvc.insurance.models import Enrolment
from cardsvc.insurance.rules import Category, Scheme
from cardsvc.insurance.schemas import (
    EmployeeContributions,
    EnrolmentInput,
    LimitsInput,
    ResidentContribution,
)
from cardsvc.residents.models import Resident
from cardsvc.residents.rules import Sex
from tests.cardsvc.conftest import AUDIT_SECRET, World, make_ssn

TODAY = date(2026, 6, 15)
# Synthetic, valid codes: registration authority 9 (market regulation), category 1.
_codes = itertools.count(10_000_001)
_people = itertools.count(1)

# Employee schemes' rates (employer, personal) used by the tests.
RATES: dict[Scheme, tuple[str, str]] = {
    Scheme.pension: ("0.16", "0.08"),
    Scheme.medical: ("0.08", "0.02"),
    Scheme.unemployment: ("0.005", "0.005"),
    Scheme.work_injury: ("0.004", "0"),
    Scheme.maternity: ("0.008", "0"),
}


def credit_code(region: str = "320102") -> str:
    org = f"{next(_codes):08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(d) * w for d, w in zip(org, weights, strict=True)) % 11
    first17 = f"91{region}{org}" + {10: "X", 11: "0"}.get(check, str(check))
    return first17 + uscc_check_character(first17)


@dataclass
class Office:
    session: Session
    world: World

    def actor(self, clerk: str) -> Actor:
        who = self.world.clerks[clerk]
        return Actor(
            clerk_id=who.id,
            role=who.role,
            platform_id=who.platform_id,
            platform_path=who.platform.path,
            window_id=self.world.windows[clerk].id,
        )

    def audit(self, clerk: str) -> AuditTrail:
        return AuditTrail(self.session, self.actor(clerk), AUDIT_SECRET)

    def resident(
        self, community: str = "community_a1", birth: date = date(1980, 5, 1), sex: Sex = Sex.male
    ) -> Resident:
        n = next(_people)
        sequence = 2 * (n % 400) + (1 if sex is Sex.male else 2)
        resident = Resident(
            social_security_number=make_ssn(birth, sequence=sequence),
            name="王芳",
            sex=sex,
            birth_date=birth,
            ethnic_group="01",
            household_registration="江苏省南京市玄武区",
            current_address="江苏省南京市玄武区",
            platform_id=self.world.platforms[community].id,
            platform=self.world.platforms[community],
        )
        self.session.add(resident)
        self.session.flush()
        return resident

    def employer(self, platform: str = "street_a", clerk: str = "street_a") -> Employer:
        return employers.register_employer(
            self.session,
            self.actor(clerk),
            self.audit(clerk),
            EmployerCreate(
                unified_social_credit_code=credit_code(),
                name="南京玄武示例有限公司",
                platform_id=self.world.platforms[platform].id,
            ),
        )

    def employ(
        self, resident: Resident, employer: Employer, since: date, clerk: str = "clerk_a1"
    ) -> None:
        employers.start_employment(
            self.session,
            self.actor(clerk),
            self.audit(clerk),
            EmploymentStart(resident_id=resident.id, employer_id=employer.id, started_on=since),
            today=TODAY,
        )

    def bounds(
        self,
        years: range = range(2010, 2028),
        region: str = "320000",
        floor_fen: int = 400_000,
        cap_fen: int = 2_400_000,
    ) -> None:
        """Employees' bounds for every scheme, residents' grades for theirs (province-wide)."""
        for year in years:
            for scheme in Scheme:
                limits.set_limits(
                    self.session,
                    self.actor("admin"),
                    self.audit("admin"),
                    region,
                    year,
                    Category.employee,
                    scheme,
                    LimitsInput(floor_fen=floor_fen, cap_fen=cap_fen),
                )
            for scheme in (Scheme.pension, Scheme.medical):
                limits.set_limits(
                    self.session,
                    self.actor("admin"),
                    self.audit("admin"),
                    region,
                    year,
                    Category.resident,
                    scheme,
                    LimitsInput(
                        floor_fen=20_000,
                        cap_fen=500_000,
                        grades_fen=[20_000, 50_000, 100_000, 500_000],
                    ),
                )

    def enrol(
        self,
        resident: Resident,
        scheme: Scheme = Scheme.pension,
        employer: Employer | None = None,
        on: date = date(2020, 1, 1),
        clerk: str = "clerk_a1",
        **extra: object,
    ) -> Enrolment:
        return service.enrol(
            self.session,
            self.actor(clerk),
            self.audit(clerk),
            EnrolmentInput.model_validate(
                {
                    "resident_id": resident.id,
                    "scheme": scheme,
                    "category": Category.employee if employer else Category.resident,
                    "employer_id": employer.id if employer else None,
                    "enrolled_on": on.isoformat(),
                    **extra,
                }
            ),
            today=TODAY,
        )

    def declare(
        self,
        enrolment: Enrolment,
        first: str,
        last: str,
        base_fen: int = 800_000,
        paid: bool = True,
        clerk: str = "clerk_a1",
    ) -> Enrolment:
        employer_rate, personal_rate = RATES[enrolment.scheme]
        return service.declare_contributions(
            self.session,
            self.actor(clerk),
            self.audit(clerk),
            EmployeeContributions.model_validate(
                {
                    "enrolment_id": enrolment.id,
                    "first_period": first,
                    "last_period": last,
                    "base_fen": base_fen,
                    "employer_rate": Decimal(employer_rate),
                    "personal_rate": Decimal(personal_rate),
                    "paid": paid,
                }
            ),
            today=TODAY,
        )

    def pay_year(
        self, enrolment: Enrolment, year: int, amount_fen: int = 50_000, paid: bool = True
    ) -> Enrolment:
        return service.declare_contributions(
            self.session,
            self.actor("clerk_a1"),
            self.audit("clerk_a1"),
            ResidentContribution(
                enrolment_id=enrolment.id, year=year, amount_fen=amount_fen, paid=paid
            ),
            today=TODAY,
        )
