"""How an unquoted (plain) scalar of a policy file is read, the same way in CI and in editors.

PyYAML reads YAML 1.1 and editors read YAML 1.2: ``on``, ``NO``, ``010``, ``1e3`` mean different
things to the two. ``read_plain`` takes only the readings both agree on (null, true and false
spelled in full, integers, decimals read exactly, ISO dates) and refuses the others with the
problem to report (``Refused``): the reader (``engine.load.yaml_reader``) never lets PyYAML
resolve a scalar itself.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import NamedTuple

from engine.model.real_days import impossible_date

# Plain scalars that YAML 1.1 and 1.2 read the same way.
_FIXED: dict[str, object] = {
    "": None, "~": None, "null": None, "Null": None, "NULL": None,
    "true": True, "True": True, "TRUE": True,
    "false": False, "False": False, "FALSE": False,
}  # fmt: skip
_NOT_FIXED = object()
_YES_NO = frozenset({"yes", "no", "on", "off", "y", "n"})
_NUMBER_START = frozenset("-+.0123456789")
# `[0-9]` rather than `\d`, which would also accept digits of other scripts.
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
# `\.[0-9]+` carries no sign: YAML 1.1 reads `-.5` as text, YAML 1.2 as a number.
_DECIMAL = re.compile(r"[-+]?[0-9]+\.[0-9]*|\.[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Anything either version reads as a number but which is not a plain integer or decimal above:
# YAML 1.1's int and float (PyYAML's resolver: octal 010, binary 0b1, hex, 1_000, base-60 1:30,
# .inf, .nan) and YAML 1.2 core's int and float (0o10, 08, exponents such as 1e3).
_OTHER_NUMBER = re.compile(
    r"""[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
    |[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN)
    |[-+]?[0-9]+
    |0o[0-7]+
    |0x[0-9a-fA-F]+
    |[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?""",
    re.VERBOSE,
)


class Refused(NamedTuple):
    """A plain scalar that cannot be taken as written: the problem code and message.

    ``stand_in``, when not None, is read in its place so that the rest of the file is still
    checked; the file stays invalid, as its problem says.
    """

    code: str
    message: str
    stand_in: object = None


# The codes whose value is replaced by a stand-in (``Refused.stand_in``): they do not stop the
# checks of the rest of the file (docs/errors/Y004.md).
STOOD_IN = frozenset({"Y004"})


def read_plain(text: str) -> object:
    """Return the value of an unquoted scalar, or why it is refused (a ``Refused``)."""
    fixed = _FIXED.get(text, _NOT_FIXED)
    if fixed is not _NOT_FIXED:
        return fixed
    if text.lower() in _YES_NO:
        return Refused(
            "Y003",
            f"'{text}' is read differently by editors (YAML 1.2) and by CI (YAML 1.1), which "
            f'takes it as true or false: put it in quotes, e.g. "{text}"',
        )
    if text[0] not in _NUMBER_START:
        return text
    if _INT.fullmatch(text):
        try:
            return int(text)
        except ValueError:
            # Python refuses to convert integers of more than 4,300 digits (a guard against
            # quadratic time); such a "number" is no amount or count, so it stays text.
            return text
    if _DECIMAL.fullmatch(text):
        # Exactly as written: 15.10 stays 15.10, never a float.
        return Decimal(text)
    if _DATE.fullmatch(text):
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            why, near = impossible_date(text)
            return Refused("Y004", f"'{text}' is not a real date: {why}", near)
    if _OTHER_NUMBER.fullmatch(text):
        return Refused(
            "Y003",
            f"'{text}' is read differently by editors (YAML 1.2) and by CI (YAML 1.1): "
            f'put it in quotes, e.g. "{text}"',
        )
    return text
