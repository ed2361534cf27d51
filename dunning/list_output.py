"""Writing a database's action list as JSON or CSV without holding the whole list.

Each customer's part is turned into text as soon as it is evaluated and kept in temporary files
(in memory while small) until the totals, which come first in JSON, are known; then it is copied
to standard output. What is written is, byte for byte, what ``render_actions`` writes for the
whole list.
"""

from __future__ import annotations

import csv
from tempfile import SpooledTemporaryFile
from typing import IO

import click

from engine.evaluate import CustomerOutcomes
from engine.model.actions import PolicyVersion
from engine.report.list_stream import (
    ITEM_SEPARATOR,
    JSON_TAIL,
    SECTIONS,
    ListTotals,
    json_head,
    json_items,
    json_section_end,
    json_section_start,
)
from engine.report.render import CSV_COLUMNS, RenderContext, csv_rows

STREAMED_FORMATS = frozenset({"json", "csv"})
_IN_MEMORY = 8 * 1024 * 1024  # a list smaller than this never touches the disk


def _spool() -> IO[str]:
    return SpooledTemporaryFile(max_size=_IN_MEMORY, mode="w+", encoding="utf-8", newline="")


def _echo_from(spool: IO[str]) -> None:
    spool.seek(0)
    while chunk := spool.read(1024 * 1024):
        click.echo(chunk, nl=False)


def write_list(
    outcomes: CustomerOutcomes, fmt: str, version: PolicyVersion, ctx: RenderContext
) -> bool:
    """Write the list of ``outcomes`` in ``fmt`` (json or csv) to standard output.

    Return False, having written nothing, when the customers did not arrive in id order (then
    the parts joined are not the list in order: the caller evaluates the whole list instead).
    """
    if fmt == "csv":
        return _write_csv(outcomes, version)
    return _write_json(outcomes, version, ctx)


def _write_csv(outcomes: CustomerOutcomes, version: PolicyVersion) -> bool:
    label = version.commit or version.digest
    with _spool() as spool:
        writer = csv.writer(spool, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for outcome in outcomes:
            for action in outcome.actions:
                writer.writerows(csv_rows(action, label))
        if not outcomes.in_order:
            return False
        _echo_from(spool)
    return True


def _write_json(outcomes: CustomerOutcomes, version: PolicyVersion, ctx: RenderContext) -> bool:
    spools = {name: _spool() for name in SECTIONS}
    try:
        written = dict.fromkeys(SECTIONS, 0)
        totals = ListTotals()
        for outcome in outcomes:
            totals.add(outcome)
            for name, texts in json_items(outcome, ctx).items():
                spool = spools[name]
                for text in texts:
                    if written[name]:
                        spool.write(ITEM_SEPARATOR)
                    spool.write(text)
                    written[name] += 1
        if not outcomes.in_order:
            return False
        counted = totals.as_dict(outcomes.customers, outcomes.invoices)
        click.echo(json_head(outcomes.as_of, version, ctx, counted), nl=False)
        for name in SECTIONS:
            empty = not written[name]
            click.echo(json_section_start(name, empty), nl=False)
            _echo_from(spools[name])
            click.echo(json_section_end(empty), nl=False)
        click.echo(JSON_TAIL, nl=False)
    finally:
        for spool in spools.values():
            spool.close()
    return True
