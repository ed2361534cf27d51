"""Building the frozen output records quickly, for the loops that make hundreds of thousands.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (its own
``__setattr__`` refuses): a global lookup, an attribute lookup and a call per field. On a first
run (everything that ever fell due on the list at once) the evaluation builds about a million
``Superseded`` steps and a few hundred thousand ``Action`` and ``ActionInvoice`` records, and
those constructors were a sixth of its time (bench/README.md).

``maker(cls)`` returns a constructor that takes the same arguments as the dataclass (in field
order, with the same defaults) and sets each slot through its own descriptor, which is what the
dataclass's ``__init__`` does in the end, without the lookups: about twice as fast. The record it
returns is the same in every way (type, equality, hash, immutability, pickling);
tests/engine/test_records.py holds each maker to its dataclass.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Record = TypeVar("_Record", bound="DataclassInstance")


def maker(cls: type[_Record]) -> Callable[..., _Record]:
    """Return a fast constructor of the frozen, slotted dataclass ``cls``.

    It accepts what ``cls(...)`` accepts, by position or by name, with the same defaults
    (a field with a ``default_factory`` is refused: none of the output records has one).
    """
    fields = dataclasses.fields(cls)
    params: list[str] = []
    env: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    for field in fields:
        if field.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{field.name}: a default_factory is not supported")
        if field.default is dataclasses.MISSING:
            params.append(field.name)
        else:
            env[f"_default_{field.name}"] = field.default
            params.append(f"{field.name}=_default_{field.name}")
        env[f"_set_{field.name}"] = cls.__dict__[field.name].__set__
    body = "".join(f"    _set_{f.name}(self, {f.name})\n" for f in fields)
    source = f"def make({', '.join(params)}):\n    self = _new(_cls)\n{body}    return self\n"
    exec(source, env)  # noqa: S102 - generated from the dataclass's own field names, as dataclasses does
    made: Callable[..., _Record] = env["make"]
    made.__qualname__ = made.__name__ = f"make_{cls.__name__}"
    made.__doc__ = f"Return a new ``{cls.__name__}`` (as ``{cls.__name__}(...)`` does, faster)."
    return made
