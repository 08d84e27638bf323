"""Understanding benchmark: the everyday utterances of tests/data/utterances.tsv, each read where she writes
it (tests/support/utterances.py), and a whole turn timed for each at the menu.

    .venv/bin/python bench/understanding.py            # the figures
    .venv/bin/python bench/understanding.py --misses   # and each utterance read wrong
    .venv/bin/python bench/understanding.py --unseen   # the set written after tuning (utterances-unseen.tsv)

Reports the share read right, the share that reaches the office's inbox, the wrong irreversible actions
(a "yes" to withdrawing, a "no" to an invitation, that she did not say), and the turn's p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import passing_key
from conversations.engine.engine import Engine, read
from conversations.engine.understanding import intent
from conversations.flows import all_flows
from core.channel import Channel, Inbound
from storage import conversations as saved
from storage.db import Database
from tests.support.people import Clock
from tests.support.utterances import UNSEEN, UTTERANCES, judge, reach, utterances


async def main(show_misses: bool, unseen: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/bench.db")
        await database.migrate()
        clock = Clock()
        engine = Engine(database, all_flows())
        said = utterances(UNSEEN if unseen else UTTERANCES)
        places = await reach(database, engine, clock, said)
        figures = await database.run(lambda s: judge(s, engine, places, said))
        print(f"utterances: {figures.total}")
        print(f"read right: {figures.right} ({figures.share_right:.1%})")
        print(f"to the office's inbox: {figures.to_the_office} ({figures.to_the_office / figures.total:.1%})")
        print(f"wrong irreversible actions: {figures.wrong_irreversible}")
        for place, count in sorted(figures.by_place.items()):
            print(f"  {place:18} {figures.right_by_place[place]:4}/{count}")
        if show_misses:
            for utterance, reached in figures.misses:
                shown = sorted(r for r in reached if not r.startswith("label:"))
                labels = sorted(r for r in reached if r.startswith("label:"))[:1]
                print(f"MISS {utterance.place}\t{utterance.text}\t{utterance.expected}\t{shown + labels}")
        # Reading alone (options, yes/no, places, words, wishes), at her place, for each utterance; what was
        # read above is forgotten first, so that each is read afresh.
        intent.cache_clear()
        reading = []
        for utterance in said:
            offered = places[
                f"quiz:{utterance.note}" if utterance.place == "quiz" else utterance.place
            ].offered
            started = time.perf_counter()
            read(offered, utterance.text, in_form=False)
            intent(utterance.text)
            reading.append((time.perf_counter() - started) * 1000)
        reading.sort()
        slowest = reading[int(len(reading) * 0.99) - 1]
        print(f"reading her words: p50 {statistics.median(reading):.3f} ms, p99 {slowest:.3f} ms")
        # A whole turn, timed, for each utterance at the menu, read afresh; her place put back after each.
        intent.cache_clear()
        menu = places["menu"]
        address = menu.person.address
        state = await database.run(lambda s: saved.load(s, Channel.TERMINAL.value, address))
        timings = []
        for utterance in said:
            inbound = Inbound(
                channel=Channel.TERMINAL, address=address, text=utterance.text, received_at=clock()
            )
            started = time.perf_counter()
            await engine.handle(inbound)
            timings.append((time.perf_counter() - started) * 1000)

            def back(session: object) -> None:
                now = saved.load(session, Channel.TERMINAL.value, address)  # type: ignore[arg-type]
                assert now is not None and state is not None
                state.version = now.version
                saved.save(session, state, clock())  # type: ignore[arg-type]

            await database.run(back)
        timings.sort()
        p99 = timings[int(len(timings) * 0.99) - 1]
        median = statistics.median(timings)
        print(f"turn at the menu: p50 {median:.2f} ms, p99 {p99:.2f} ms ({len(timings)} turns)")
        await database.dispose()


if __name__ == "__main__":
    passing_key()  # its throwaway databases, sealed as real ones
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--unseen", action="store_true")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.misses, arguments.unseen))
