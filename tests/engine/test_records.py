"""The fast constructors of the output records (engine.model.records) make the records the
dataclasses make: same type, fields, equality, hash, immutability and pickling."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from engine.model.actions import (
    Action,
    ActionInvoice,
    Charge,
    Reason,
    Superseded,
    new_action,
    new_action_invoice,
    new_superseded,
)
from engine.model.records import maker

DAY = date(2026, 11, 23)
LINE = ActionInvoice("INV-1", date(2026, 9, 1), date(2026, 10, 1), "GBP", Decimal("120.00"),
                     Decimal("80.00"), 53, date(2026, 11, 20))  # fmt: skip


def _same(made: Any, built: Any) -> None:
    assert type(made) is type(built)
    assert made == built
    try:
        expected = hash(built)
    except TypeError:  # an action's totals are a dict: neither hashes
        with pytest.raises(TypeError):
            hash(made)
    else:
        assert hash(made) == expected
    assert repr(made) == repr(built)
    assert pickle.loads(pickle.dumps(made)) == built
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, type(made).__slots__[0], "other")


def test_action_invoice() -> None:
    values = dataclasses.astuple(LINE)
    _same(new_action_invoice(*values), LINE)


def test_action_with_and_without_defaults() -> None:
    full = (
        "act_1", DAY, "C1", "Acme Ltd", "standard", "final", 2, "email", "email", "final",
        "firm", "en", "collector", "owner", (LINE,), {"GBP": Decimal("80.00")},
        (Charge("fee", "late fee", "INV-1", "GBP", Decimal("40.00")),),
        (Reason("because", {"days": "53"}),), ("first",), None, 1,
    )  # fmt: skip
    _same(new_action(*full), Action(*full))
    head = full[:16]
    _same(new_action(*head), Action(*head))
    named: dict[str, Any] = dict(
        zip([f.name for f in dataclasses.fields(Action)], full, strict=True)
    )
    _same(new_action(**named), Action(**named))


def test_superseded() -> None:
    values = ("C1", "first", ("INV-1", "INV-2"), "final", "act_1")
    made = new_superseded(*values)
    assert type(made) is Superseded
    assert made == Superseded(*values)
    assert hash(made) == hash(Superseded(*values))


def test_missing_argument_is_refused_as_by_the_class() -> None:
    with pytest.raises(TypeError):
        new_superseded("C1", "first")


def test_default_factory_is_refused() -> None:
    with pytest.raises(TypeError, match="default_factory"):
        maker(Reason)

