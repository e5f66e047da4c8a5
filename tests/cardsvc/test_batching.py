"""The Batcher: what arrives while a batch runs forms the next; each item gets its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import pytest

from cardsvc.kit.batching import Batcher, BatchFailedError


class Recorder:
    """A batch function that records its batches, held open until released."""

    def __init__(self, answer: Callable[[int], int | Exception] = lambda n: n * 10) -> None:
        self.batches: list[list[int]] = []
        self.answer = answer
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, items: list[int]) -> Sequence[int | Exception]:
        self.batches.append(list(items))
        await self.gate.wait()
        return [self.answer(item) for item in items]


def run(coroutine: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(coroutine())


def test_a_lone_request_runs_at_once_alone() -> None:
    async def scenario() -> None:
        recorder = Recorder()
        batcher = Batcher(recorder, max_size=8)
        assert await batcher.submit(1) == 10
        assert await batcher.submit(2) == 20
        assert recorder.batches == [[1], [2]]

    run(scenario)


def test_requests_arriving_while_a_batch_runs_form_the_next_batch() -> None:
    async def scenario() -> None:
        recorder = Recorder()
        recorder.gate.clear()
        batcher = Batcher(recorder, max_size=100)
        first = asyncio.create_task(batcher.submit(1))
        await asyncio.sleep(0)  # the first batch starts and waits at the gate
        await asyncio.sleep(0)
        later = [asyncio.create_task(batcher.submit(n)) for n in range(2, 7)]
        await asyncio.sleep(0)
        recorder.gate.set()
        assert await first == 10
        assert [await task for task in later] == [20, 30, 40, 50, 60]
        assert recorder.batches == [[1], [2, 3, 4, 5, 6]]

    run(scenario)


def test_batches_never_exceed_max_size() -> None:
    async def scenario() -> None:
        recorder = Recorder()
        batcher = Batcher(recorder, max_size=3)
        results = await asyncio.gather(*(batcher.submit(n) for n in range(1, 9)))
        assert results == [n * 10 for n in range(1, 9)]
        assert max(len(batch) for batch in recorder.batches) <= 3
        assert [n for batch in recorder.batches for n in batch] == list(range(1, 9))

    run(scenario)


def test_each_item_gets_its_own_exception() -> None:
    def answer(n: int) -> int | Exception:
        return ValueError(f"item {n} refused") if n % 2 else n * 10

    async def scenario() -> None:
        batcher = Batcher(Recorder(answer), max_size=10)
        outcomes = await asyncio.gather(
            *(batcher.submit(n) for n in range(1, 5)), return_exceptions=True
        )
        assert [str(o) if isinstance(o, Exception) else o for o in outcomes] == [
            "item 1 refused",
            20,
            "item 3 refused",
            40,
        ]

    run(scenario)


def test_a_failing_batch_fails_each_of_its_items_and_the_next_batch_still_runs() -> None:
    down = True

    async def database(items: list[int]) -> Sequence[int | Exception]:
        if down:
            raise ConnectionError("database went away")
        return list(items)

    async def scenario() -> None:
        nonlocal down
        batcher = Batcher(database, max_size=10)
        outcomes = await asyncio.gather(
            *(batcher.submit(n) for n in (1, 2, 3)), return_exceptions=True
        )
        assert all(isinstance(o, BatchFailedError) for o in outcomes)
        assert all(isinstance(o.__cause__, ConnectionError) for o in outcomes)
        assert len({id(o) for o in outcomes}) == 3  # one each: tracebacks never pile up
        down = False
        assert await batcher.submit(4) == 4

    run(scenario)


def test_one_item_that_breaks_its_batch_fails_alone() -> None:
    """A batch that fails as a whole is run again item by item: the others succeed."""
    batches: list[list[int]] = []
    gate = asyncio.Event()

    async def poisoned_by_13(items: list[int]) -> Sequence[int | Exception]:
        batches.append(list(items))
        await gate.wait()
        if 13 in items:
            raise ValueError("invalid byte sequence for encoding UTF8: 0x00")
        return [n * 10 for n in items]

    async def scenario() -> None:
        batcher = Batcher(poisoned_by_13, max_size=10)
        first = asyncio.create_task(batcher.submit(1))
        await asyncio.sleep(0)
        others = [asyncio.create_task(batcher.submit(n)) for n in (12, 13, 14)]
        await asyncio.sleep(0)
        gate.set()
        assert await first == 10
        outcomes = await asyncio.gather(*others, return_exceptions=True)
        assert outcomes[0] == 120
        assert outcomes[2] == 140
        assert isinstance(outcomes[1], BatchFailedError)
        assert isinstance(outcomes[1].__cause__, ValueError)
        assert batches == [[1], [12, 13, 14], [12], [13], [14]]

    run(scenario)


def test_a_wrong_number_of_outcomes_is_an_error_for_everyone() -> None:
    async def short(items: list[int]) -> Sequence[int | Exception]:
        return items[:-1]

    async def scenario() -> None:
        batcher = Batcher(short, max_size=10)
        outcomes = await asyncio.gather(
            *(batcher.submit(n) for n in (1, 2)), return_exceptions=True
        )
        assert all(isinstance(o.__cause__, RuntimeError) for o in outcomes)
        assert "batch of 1 gave 0 outcomes" in str(outcomes[0].__cause__)  # run alone, too

    run(scenario)


def test_a_submitter_that_goes_away_does_not_disturb_the_others() -> None:
    async def scenario() -> None:
        recorder = Recorder()
        recorder.gate.clear()
        batcher = Batcher(recorder, max_size=10)
        tasks = [asyncio.create_task(batcher.submit(n)) for n in (1, 2, 3)]
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        tasks[1].cancel()  # a client disconnected while its batch ran
        await asyncio.sleep(0)
        recorder.gate.set()
        assert await tasks[0] == 10
        assert await tasks[2] == 30
        with pytest.raises(asyncio.CancelledError):
            await tasks[1]

    run(scenario)


def test_a_batcher_serves_one_event_loop_after_another() -> None:
    recorder = Recorder()
    batcher = Batcher(recorder, max_size=10)

    async def one(n: int) -> int:
        return await batcher.submit(n)

    assert asyncio.run(one(1)) == 10
    assert asyncio.run(one(2)) == 20


def test_up_to_in_flight_batches_run_at_once() -> None:
    async def scenario() -> None:
        running = 0
        most = 0
        gate = asyncio.Event()

        async def slow(items: list[int]) -> Sequence[int | Exception]:
            nonlocal running, most
            running += 1
            most = max(most, running)
            await gate.wait()
            running -= 1
            return items

        batcher = Batcher(slow, max_size=2, in_flight=2)
        tasks = [asyncio.create_task(batcher.submit(n)) for n in range(1, 8)]
        for _ in range(5):
            await asyncio.sleep(0)
        assert running == 2  # a second batch started while the first waits
        gate.set()
        assert [await task for task in tasks] == list(range(1, 8))
        assert most == 2

    run(scenario)


@pytest.mark.parametrize("options", [{"max_size": 0}, {"max_size": 4, "in_flight": 0}])
def test_sizes_must_be_positive(options: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Batcher(Recorder(), **options)
