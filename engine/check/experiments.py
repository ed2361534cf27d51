"""A ladder's experiment: it names a contact step of the ladder, its variants have their own
names, their shares add up to 100 and their templates exist (P080)."""

from __future__ import annotations

from collections.abc import Iterator

from engine.check.context import Context
from engine.model.source import Problem

CODES: dict[str, str] = {
    "P080": "a ladder's experiment cannot run as written",
}


def check_experiments(context: Context) -> Iterator[Problem]:
    """Return a problem for each thing that keeps a ladder's experiment from running."""
    policy = context.policy
    for ladder in policy.ladders.values():
        experiment = ladder.experiment
        if experiment is None:
            continue
        step = ladder.step(experiment.step)
        if step is None or not step.is_contact:
            what = "is not a step of" if step is None else "does not contact the customer in"
            yield Problem.at(
                experiment.origin.at("step"),
                "P080",
                f"experiment '{experiment.id}' tries step '{experiment.step}', which {what}"
                f" ladder '{ladder.name}': name an email, letter or phone step of this ladder",
            )
        total = sum(variant.share for variant in experiment.variants)
        if total != 100:
            yield Problem.at(
                experiment.origin.at("variants"),
                "P080",
                f"the shares of experiment '{experiment.id}' add up to {total}: make them add up"
                " to 100 (percent of customers)",
            )
        seen: set[str] = set()
        for variant in experiment.variants:
            if variant.name in seen:
                yield Problem.at(
                    variant.origin.at("name"),
                    "P080",
                    f"variant '{variant.name}' of experiment '{experiment.id}' is named twice:"
                    " give each variant its own name",
                )
            seen.add(variant.name)
            if variant.template is not None and variant.template not in policy.templates:
                yield Problem.at(
                    variant.origin.at("template"),
                    "P080",
                    f"variant '{variant.name}' sends template '{variant.template}', which"
                    " policies/templates/ does not have",
                )
