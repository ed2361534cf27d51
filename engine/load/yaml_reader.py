"""Strict reading of policy files: plain values, where each was written, and readable problems.

PyYAML reads YAML 1.1 while editors read YAML 1.2, so letting PyYAML decide what a plain scalar
means would let CI and the editor disagree about the same file (`NO`, `010`, `1e3`). We therefore
take only PyYAML's *event stream* (its parser, libyaml's when present) and build the values
ourselves: every plain scalar is read by the rules of ``engine.load.yaml_scalars``, the readings
that differ between the two YAML versions are refused, and nothing is ever resolved through an
anchor, an alias or a tag. What makes a file unusable is worded in ``engine.load.yaml_problems``.

Building from events rather than from ``yaml.compose``'s node graph is deliberate: the node graph
has already folded aliases into shared nodes (losing where ``*name`` was written and hiding
anchors that are never used) and forgets whether a tag was explicit; the composer also recurses,
so a deeply nested file would hit Python's recursion limit before we could count its depth.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from engine.load.yaml_problems import (
    LINE_BREAK,
    decode,
    file_problem,
    syntax_hint,
    too_big,
)
from engine.load.yaml_scalars import Refused, read_plain
from engine.model.source import DocPath, Problem, Source

MAX_FILE_BYTES = 5 * 1024 * 1024
# A policy file needs a handful of levels; 64 leaves room for any real file while keeping
# hostile input (thousands of nested brackets) from costing memory or time.
MAX_DEPTH = 64

CODES: dict[str, str] = {
    "Y001": "the file is not UTF-8 text (undecodable bytes, NUL bytes or control characters)",
    "Y002": "a key appears twice in the same mapping",
    "Y003": "an unquoted value that YAML 1.1 (CI) and YAML 1.2 (editors) read differently",
    "Y004": "a date that does not exist, such as 2026-02-30",
    "Y005": "anchors, aliases or merge keys (&name, *name, <<)",
    "Y006": "a tag such as !!python/object or !foo",
    "Y007": "more than one YAML document in one file",
    "Y008": "the file is empty or holds only comments",
    "Y009": "YAML syntax error",
    "Y010": "the top level of the file is not a mapping",
    "Y011": "the file is larger than 5 MB",
    "Y012": "lists and mappings nested more than 64 levels deep",
    "Y013": "the file cannot be read (missing, a folder, not a regular file, no permission)",
    "Y014": "a mapping key that is not text (a number, true/false, null, a list or a mapping)",
}

# libyaml's parser is about twenty times faster than PyYAML's pure-Python one; both report the
# same marks, so the pure one is only a fallback for installs built without libyaml.
_PARSER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader

_TOO_DEEP = (
    f"lists and mappings are nested more than {MAX_DEPTH} levels deep here; "
    "a policy file needs only a few"
)

_EXPECT_MAPPING = "expected a YAML mapping starting with apiVersion: dunning/v1"


_TAG_PREFIX = "tag:yaml.org,2002:"


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """One policy file read into plain Python values, with where each value was written."""

    file: str
    data: object
    # Where each node starts (mapping values, list items, the root ()) as 1-based (line, column).
    locations: dict[DocPath, tuple[int, int]]
    # Where the key of each mapping entry is written, by the path of its value.
    key_locations: dict[DocPath, tuple[int, int]]

    def source(self, path: DocPath) -> Source:
        """Return the location of ``path``, or of its nearest located parent; (1, 1) if none is."""
        for end in range(len(path), -1, -1):
            found = self.locations.get(path[:end])
            if found is not None:
                return Source(self.file, found[0], found[1], path)
        return Source(self.file, 1, 1, path)


def load_yaml_file(
    path: Path, display: str | None = None
) -> tuple[YamlDocument | None, list[Problem]]:
    """Return the document read from ``path`` and the problems found; never raises for bad input.

    ``display`` is how the file is named in problems (default: ``str(path)``).
    """
    file = str(path) if display is None else display
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            return None, [
                file_problem(
                    file, "Y013", "this is a folder, not a file: name the YAML files in it"
                )
            ]
        if not stat.S_ISREG(info.st_mode):
            # A pipe or a device such as /dev/zero could be read forever.
            return None, [
                file_problem(file, "Y013", "this is not a regular file (a device, pipe or socket)")
            ]
        if info.st_size > MAX_FILE_BYTES:
            return None, [too_big(file, info.st_size, MAX_FILE_BYTES)]
        with path.open("rb") as stream:
            # One byte more than allowed tells a file that grew since stat() without reading it all.
            data = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None, [file_problem(file, "Y013", "the file does not exist")]
    except PermissionError:
        return None, [file_problem(file, "Y013", "the file cannot be read: permission denied")]
    except ValueError:
        # pathlib refuses names with a NUL character before asking the system.
        return None, [file_problem(file, "Y013", "the file name is not valid")]
    except OSError as error:
        reason = error.strerror or str(error)
        return None, [file_problem(file, "Y013", f"the file cannot be read: {reason}")]
    return load_yaml_text(data, file)


def load_yaml_text(text: bytes | str, file: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Return the document read from ``text`` and the problems found; never raises for bad input.

    The document is None when the file as a whole cannot be used (not text, not YAML, empty, more
    than one document, not a mapping, too big or too deep). Problems with single values
    (duplicate keys, unquoted ambiguous values, impossible dates, aliases, tags, non-text keys)
    come with the document, so a validator can go on and report everything in one run.
    """
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        return None, [too_big(file, size, MAX_FILE_BYTES)]
    decoded = decode(text, file)
    if isinstance(decoded, Problem):
        return None, [decoded]
    return _Composer(file, decoded).run()


def _at(event: Event) -> tuple[int, int]:
    """Return the 1-based line and column where an event starts."""
    mark = event.start_mark
    return (1, 1) if mark is None else (mark.line + 1, mark.column + 1)


def _tag_text(tag: str) -> str:
    """Return a tag as it was written: ``!!python/object`` rather than its expanded form."""
    return "!!" + tag.removeprefix(_TAG_PREFIX) if tag.startswith(_TAG_PREFIX) else tag


class _OpenMapping:
    """A mapping whose entries are still being read."""

    __slots__ = ("keep", "key", "key_lines", "path", "record", "value")

    def __init__(self, path: DocPath, record: bool) -> None:
        self.value: dict[str, object] = {}
        self.path = path
        # False for a subtree that is read only for its problems (the value of a duplicate key,
        # a key that is itself a list): its values and locations are not stored.
        self.record = record
        # The key whose value comes next; None while a key is expected.
        self.key: str | None = None
        # Whether the value of `key` is stored (not after a duplicate, merge or aliased key).
        self.keep = True
        self.key_lines: dict[str, int] = {}


class _OpenList:
    """A list whose items are still being read."""

    __slots__ = ("path", "record", "value")

    def __init__(self, path: DocPath, record: bool) -> None:
        self.value: list[object] = []
        self.path = path
        self.record = record


class _Composer:
    """Builds plain values and their locations from PyYAML's events for one file."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.problems: list[Problem] = []
        self.locations: dict[DocPath, tuple[int, int]] = {}
        self.key_locations: dict[DocPath, tuple[int, int]] = {}
        self.stack: list[_OpenMapping | _OpenList] = []
        self.root: dict[str, object] | None = None

    def run(self) -> tuple[YamlDocument | None, list[Problem]]:
        """Return the document and its problems, or None and the problem that stops reading."""
        try:
            fatal = self._read_events()
        except yaml.MarkedYAMLError as error:
            fatal = self._syntax_problem(error)
        except yaml.YAMLError as error:
            # Only the reader raises unmarked errors, and _decode has already refused what it
            # refuses; kept so that a libyaml surprise is still a located problem.
            fatal = Problem(self.file, 1, 1, "Y009", f"the YAML cannot be read: {error}")
        if fatal is not None:
            return None, [fatal]
        if self.root is None:
            return None, [
                self._problem((1, 1), (), "Y008", f"the file is empty: {_EXPECT_MAPPING}")
            ]
        return YamlDocument(self.file, self.root, self.locations, self.key_locations), self.problems

    def _read_events(self) -> Problem | None:
        """Consume the event stream; return the problem that stops reading, if any."""
        documents = 0
        for event in yaml.parse(self.text, Loader=_PARSER):
            kind = type(event)
            if (
                kind is ScalarEvent
                or kind is MappingStartEvent
                or kind is SequenceStartEvent
                or kind is AliasEvent
            ):
                fatal = self._node(event)
                if fatal is not None:
                    return fatal
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                self._attach(self.stack.pop().value)
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    return self._problem(
                        _at(event),
                        (),
                        "Y007",
                        "a policy file holds one document: this '---' starts a second one; "
                        "put it in a file of its own",
                    )
        return None

    def _node(self, event: Event) -> Problem | None:
        """Read one node event into its place; return the problem that stops reading, if any."""
        at = _at(event)
        stack = self.stack
        if not stack:
            return self._root(event, at)
        top = stack[-1]
        if isinstance(top, _OpenMapping):
            if top.key is None:
                return self._key(event, at, top)
            path = (*top.path, top.key)
            record = top.record and top.keep
        else:
            path = (*top.path, len(top.value))
            record = top.record
        if record:
            self.locations[path] = at
        if isinstance(event, AliasEvent):
            self._alias(at, path)
            self._attach(None)
            return None
        assert isinstance(event, ScalarEvent | MappingStartEvent | SequenceStartEvent)
        self._properties(event, at, path)
        if isinstance(event, ScalarEvent):
            self._attach(self._scalar(event, at, path))
            return None
        return self._open(event, at, path, record)

    def _root(self, event: Event, at: tuple[int, int]) -> Problem | None:
        """Start the document at its top node, which must be a mapping."""
        if isinstance(event, MappingStartEvent):
            self.locations[()] = at
            self._properties(event, at, ())
            return self._open(event, at, (), record=True)
        if (
            isinstance(event, ScalarEvent)
            and event.value == ""
            and not event.style
            and event.tag is None
        ):
            # `---` with nothing after it, or only a comment.
            return self._problem((1, 1), (), "Y008", f"the file is empty: {_EXPECT_MAPPING}")
        what = "a list" if isinstance(event, SequenceStartEvent) else "a single value"
        return self._problem(
            at, (), "Y010", f"the file holds {what} at the top level: {_EXPECT_MAPPING}"
        )

    def _open(
        self,
        event: MappingStartEvent | SequenceStartEvent,
        at: tuple[int, int],
        path: DocPath,
        record: bool,
    ) -> Problem | None:
        """Start a list or mapping; return Y012 when it is nested too deep."""
        if len(self.stack) >= MAX_DEPTH:
            return self._problem(
                at,
                path,
                "Y012",
                _TOO_DEEP,
            )
        opened = (
            _OpenMapping(path, record)
            if isinstance(event, MappingStartEvent)
            else _OpenList(path, record)
        )
        self.stack.append(opened)
        return None

    def _attach(self, value: object) -> None:
        """Put a finished value into the list or mapping that holds it."""
        if not self.stack:
            # Only a mapping can finish at the top: _root refuses anything else.
            assert isinstance(value, dict)
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top, _OpenList):
            top.value.append(value)
        elif top.key is None:
            # A list or mapping used as a key has ended (Y014 already said so): skip its value.
            top.key, top.keep = "", False
        else:
            if top.keep:
                top.value[top.key] = value
            top.key, top.keep = None, True

    def _key(self, event: Event, at: tuple[int, int], top: _OpenMapping) -> Problem | None:
        """Read a mapping key; keys are always text, taken as written."""
        if isinstance(event, AliasEvent):
            self._alias(at, top.path)
            top.key, top.keep = "", False
            return None
        assert isinstance(event, ScalarEvent | MappingStartEvent | SequenceStartEvent)
        self._properties(event, at, top.path)
        if not isinstance(event, ScalarEvent):
            self._add(at, top.path, "Y014", "keys must be text: a list or mapping cannot be a key")
            # Read the key's own subtree for its problems only; its value is skipped too.
            return self._open(event, at, top.path, record=False)
        key = event.value
        path = (*top.path, key)
        if not event.style and event.tag is None:
            if key == "<<":
                self._add(
                    at,
                    path,
                    "Y005",
                    "merge keys (<<) are not allowed in policy files: write the keys out",
                )
                top.key, top.keep = key, False
                return None
            read = read_plain(key)
            if isinstance(read, Refused):
                if read.code == "Y003":
                    self._add(at, path, read.code, read.message)
            elif read is None or isinstance(read, int | Decimal):
                # bool is an int; dates are left alone, so `2026-01-01:` is the text "2026-01-01".
                message = (
                    f'keys must be text: put {key} in quotes, e.g. "{key}"'
                    if key
                    else "keys must be text: this key is empty; write the name of the key"
                )
                self._add(at, path, "Y014", message)
        first_line = top.key_lines.get(key)
        if first_line is not None:
            self._add(
                at,
                path,
                "Y002",
                f"duplicate key '{key}': it is already set on line {first_line}; "
                "a key may appear once in a mapping",
            )
            top.key, top.keep = key, False
            return None
        top.key_lines[key] = at[0]
        if top.record:
            self.key_locations[path] = at
        top.key, top.keep = key, True
        return None

    def _scalar(self, event: ScalarEvent, at: tuple[int, int], path: DocPath) -> object:
        """Return a scalar's value: quoted and tagged scalars are text, plain ones are read."""
        if event.style or event.tag is not None:
            return event.value
        read = read_plain(event.value)
        if isinstance(read, Refused):
            self._add(at, path, read.code, read.message)
            return event.value if read.stand_in is None else read.stand_in
        return read

    def _properties(
        self,
        event: ScalarEvent | MappingStartEvent | SequenceStartEvent,
        at: tuple[int, int],
        path: DocPath,
    ) -> None:
        """Report an anchor or a tag written on a node."""
        if event.anchor is not None:
            self._add(
                at,
                path,
                "Y005",
                f"anchors and aliases (&name, *name) are not allowed in policy files: "
                f"remove &{event.anchor} and write the value out wherever it is used",
            )
        if event.tag is not None:
            tag = _tag_text(event.tag)
            self._add(
                at,
                path,
                "Y006",
                f"tags such as '{tag}' are not allowed in policy files: remove '{tag}' "
                "and write the plain value, in quotes if it is text",
            )

    def _alias(self, at: tuple[int, int], path: DocPath) -> None:
        """Report an alias; its value is never looked up, which is what defuses billion-laughs."""
        message = "anchors and aliases (&name, *name) are not allowed in policy files"
        self._add(at, path, "Y005", f"{message}: write the value out")

    def _add(self, at: tuple[int, int], path: DocPath, code: str, message: str) -> None:
        """Record a problem with one value; reading goes on."""
        self.problems.append(self._problem(at, path, code, message))

    def _problem(self, at: tuple[int, int], path: DocPath, code: str, message: str) -> Problem:
        """Return a problem at ``at`` in this file."""
        return Problem.at(Source(self.file, at[0], at[1], path), code, message)

    def _syntax_problem(self, error: yaml.MarkedYAMLError) -> Problem:
        """Return Y009 for a parser error, in words a policy author can act on."""
        mark = error.problem_mark or error.context_mark
        line, column = (1, 1) if mark is None else (mark.line + 1, mark.column + 1)
        problem = error.problem or "the YAML cannot be read"
        if "maximum nesting depth" in problem:
            # libyaml scans ahead and may refuse deep nesting before our own count sees it:
            # the author gets the same refusal either way.
            return Problem(self.file, line, column, "Y012", _TOO_DEEP)
        started = error.context_mark.line + 1 if error.context_mark is not None else line
        hint = syntax_hint(problem, error.context or "", self._char_at(line, column), started)
        detail = problem if not error.context else f"{problem}, {error.context} on line {started}"
        message = f"{hint} (YAML: {detail})" if hint else f"the YAML cannot be read: {detail}"
        return Problem(self.file, line, column, "Y009", message)

    def _char_at(self, line: int, column: int) -> str:
        """Return the character at a 1-based line and column, or '' past the end."""
        lines = LINE_BREAK.split(self.text, maxsplit=line)
        if line > len(lines) or column > len(lines[line - 1]):
            return ""
        return lines[line - 1][column - 1]
