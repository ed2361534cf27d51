"""Benchmark: what webhooks add to recording an outcome when no webhook is configured.

    .venv/bin/python bench/outcome_webhook_check.py [--outcomes 300] [--rounds 6]

``store.outcomes.record_outcome`` asks, in the outcome's transaction, whether any webhook
endpoint is active before it builds and queues an event (docs/decisions/012). This measures
rounds of ``--outcomes`` outcomes, each in its own transaction on SQLite, with that check and
with the check replaced by "no" (the floor: the outcome's own cost), interleaved in one run,
and prints the medians and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Engine, insert

from store import webhooks
from store.connection import create_store_engine
from store.migrate import upgrade
from store.models import customers
from store.outcomes import record_outcome


def _round(engine: Engine, first: int, count: int) -> float:
    start = time.perf_counter()
    with engine.connect() as conn:
        for number in range(first, first + count):
            with conn.begin():
                record_outcome(
                    conn, action_id=f"act_{number}", customer_id="C1", step="call",
                    invoice_ids=["INV-1"], date=date(2026, 11, 23), status="done",
                )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outcomes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dunning-bench-"))
    engine = create_store_engine(f"sqlite:///{folder / 'ledger.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(insert(customers), {"id": "C1", "name": "C", "country": "GB", "email": ""})
    check = webhooks.has_endpoints

    def floor(conn: Connection) -> bool:
        return False

    times: dict[str, list[float]] = {"with the check": [], "floor": []}
    variants: list[tuple[str, Callable[[Connection], bool]]] = [
        ("floor", floor), ("with the check", check),
    ]  # fmt: skip
    number = 0
    for _ in range(args.rounds):
        for name, variant in variants:
            setattr(webhooks, "has_endpoints", variant)  # noqa: B010 - the check or the floor
            times[name].append(_round(engine, number, args.outcomes))
            number += args.outcomes
    setattr(webhooks, "has_endpoints", check)  # noqa: B010
    engine.dispose()
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"{name}: {value * 1000 / args.outcomes:.3f} ms an outcome (median of {args.rounds})")
    print(f"with-check/floor ratio: {medians['with the check'] / medians['floor']:.2f}")


if __name__ == "__main__":
    main()
