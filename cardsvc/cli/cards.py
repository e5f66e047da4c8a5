"""``cardsvc cards``: card housekeeping run by the operator or a timer."""

from __future__ import annotations

import click

from cardsvc.cli.database import opened
from cardsvc.cli.shared import COUNT, Failed, command_settings, system_audit
from cardsvc.cli.terminal import progress


@click.group()
def cards() -> None:
    """Card housekeeping."""


@cards.command("lapse-temporary-losses", short_help="Lapse temporary losses past their period.")
@click.option("--batch", type=COUNT, default=500, help="Cards per transaction.")
def lapse_temporary_losses(batch: int) -> None:
    """Lapse the temporary loss reports whose period is over (CARDSVC_TEMPORARY_LOSS_LAPSE).

    One transaction per batch: a long sweep never holds many locks, and an interrupted
    one keeps the batches it finished (run it again for the rest). Cards a window holds
    at that moment are left for the next sweep, or lapse when next read.
    """
    from cardsvc.cards.lifecycle import lapse_temporary_losses as lapse
    from cardsvc.cards.lifecycle import temporary_losses_due
    from cardsvc.kit.types import utcnow

    settings = command_settings()
    lapsed = 0
    with opened(settings) as database, progress() as display:
        with database.unit_of_work() as session:
            due = temporary_losses_due(session, settings, utcnow())
        task = display.task("lapsing temporary losses", total=due, unit="cards")
        try:
            while True:
                with database.unit_of_work() as session:
                    done = lapse(
                        session, system_audit(session, settings), settings, utcnow(), limit=batch
                    )
                lapsed += done
                task(lapsed, max(due, lapsed))
                if done < batch:
                    break
        except KeyboardInterrupt:
            raise Failed(
                f"interrupted: {lapsed} temporary loss report(s) lapsed and kept; run it again "
                "for the rest"
            ) from None
    click.echo(f"{lapsed} temporary loss report(s) lapsed")
