"""Loading a policy repository (or a commit's files) into typed, located records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engine.check.validate import check
from engine.load.policy_loader import (
    CODES,
    find_root,
    load_policies,
    load_policy,
    load_policy_from_texts,
    policy_digest,
)
from engine.model.policy import Offset, StepAction
from engine.model.source import KEY
from tests.engine.policy_tree import (
    ACME,
    FIXTURE,
    POLICY,
    STANDARD,
    STRATEGIC,
    TERMS,
    Change,
    Expected,
    assert_problems,
    policy_tree,
)


def _texts(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*.yaml"))
    }


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a copy of the fixture policy, made the current folder."""
    root = policy_tree(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


def test_records_keep_where_they_were_written(repo: Path) -> None:
    """Each record is typed and finds its own lines (a step, a customer's key, a skipped id)."""
    result = load_policy(["."])
    assert result.problems == []
    policy = result.policy
    assert policy is not None
    call = policy.ladders["standard"].step("call")
    assert call is not None
    assert call.at == Offset("due", 21)
    assert call.action is StepAction.CONTACT
    assert str(call.origin.source) == f"{STANDARD}:10:5"
    assert str(call.origin.at("at")) == f"{STANDARD}:10:20"
    acme = policy.customers["ACME-0001"]
    assert acme.credit_limit == (Decimal("50000.00"), "GBP")
    assert acme.pause is not None
    assert acme.pause.until == date(2027, 1, 15)
    assert acme.delay == {"final-notice": 7}
    assert str(acme.origin.at("steps", "skip", "call")) == f"{ACME}:11:16"
    assert str(acme.origin.at("steps", "delay", "final-notice", KEY)) == f"{ACME}:11:31"
    assert str(acme.origin.at("steps", "delay", "final-notice")) == f"{ACME}:11:45"
    assert policy.terms["2-10-net30"].discounts[0].percent == Decimal("2")
    assert policy.interest["statutory-uk"].compensation[-1].below is None
    assert policy.reference_rates["boe-base"].rates[0].start == date(2025, 5, 8)
    assert [v.tone for v in policy.templates["reminder"].variants] == ["standard", "firm"]
    assert policy.calendar.closed == frozenset({date(2026, 12, 24)})
    assert policy.guardrails.max_fee_share == Decimal("0.10")
    assert [doc.file for doc in result.tests] == ["policies/tests/first-reminder.yaml"]
    assert result.root == repo
    assert len(result.files) == 9
    assert result.files[0] == "customers/ACME-0001.yaml"


def test_digest_covers_every_policy_file_and_nothing_else(repo: Path) -> None:
    """The digest is sha256 over sorted (path, bytes): a changed byte changes it, cwd does not."""
    policy = load_policy(["."]).policy
    assert policy is not None
    assert policy.digest == policy_digest(_texts(repo))
    assert policy.digest.startswith("sha256:")
    assert len(policy.digest) == len("sha256:") + 64
    (repo / "README.md").write_text("not a policy file", encoding="utf-8")
    again = load_policy([str(repo)]).policy
    assert again is not None
    assert again.digest == policy.digest
    (repo / ACME).write_bytes((repo / ACME).read_bytes() + b"\n")
    changed = load_policy(["."]).policy
    assert changed is not None
    assert changed.digest != policy.digest


def test_digest_cannot_be_fooled_by_moving_bytes_between_name_and_content() -> None:
    """Path and content are framed, so ('a', 'bc') and ('ab', 'c') differ."""
    assert policy_digest({"a": b"bc"}) != policy_digest({"ab": b"c"})
    assert policy_digest({"a": b"1", "b": b"2"}) == policy_digest({"b": b"2", "a": b"1"})


def test_loading_from_texts_behaves_like_loading_files(repo: Path) -> None:
    """A commit's blobs give the same policy, digest and problems as the working tree."""
    (repo / ACME).write_text(
        (repo / ACME).read_text(encoding="utf-8").replace("skip: [call]", "skip: [cal]"),
        encoding="utf-8",
    )
    from_files = load_policy(["."])
    texts = _texts(repo)
    texts["docs/notes.yaml"] = b"not: read"
    texts["policies/README.md"] = b"# not read"
    from_texts = load_policy_from_texts(texts)
    assert from_texts.policy is not None
    assert from_files.policy is not None
    assert from_texts.policy.digest == from_files.policy.digest
    assert from_texts.files == from_files.files
    assert check(from_texts) == check(from_files)
    assert [p.code for p in check(from_texts)] == ["P027"]


def test_texts_without_a_policy_file() -> None:
    """Blobs without policies/policy.yaml give no policy and say so."""
    result = load_policy_from_texts({"customers/A.yaml": b"apiVersion: dunning/v1\n"})
    assert result.policy is None
    assert [(p.file, p.code) for p in result.problems] == [
        ("customers/A.yaml", "S003"),
        ("policies/policy.yaml", "P001"),
    ]


def test_a_file_names_only_itself_but_reads_the_whole_policy(repo: Path) -> None:
    """Naming one file checks that file, with references resolved against the repository."""
    result = load_policy([STRATEGIC])
    assert result.files == (STRATEGIC,)
    assert result.policy is not None
    assert set(result.policy.ladders) == {"standard", "strategic"}
    assert find_root(repo / STRATEGIC) == repo


def test_a_folder_names_the_files_in_it(repo: Path) -> None:
    """Naming a folder of the repository checks the files under it."""
    assert load_policy(["policies/ladders"]).files == (STANDARD, STRATEGIC)


def test_a_file_given_with_a_dot_prefix_is_shown_as_given(repo: Path) -> None:
    """File names are shown relative to the current folder, as the user wrote them."""
    assert load_policy([f"./{TERMS}"]).files == (TERMS,)


def test_files_outside_the_current_folder_are_shown_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files outside the current folder keep their absolute names."""
    root = policy_tree(tmp_path / "repo")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = load_policy([str(root)])
    assert result.files[0] == str(root / ACME)


def test_folder_without_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder with no policies/policy.yaml in or above it is nothing to validate: P001."""
    monkeypatch.chdir(tmp_path)
    result = load_policy(["."])
    assert result.policy is None
    assert_problems(
        result.problems,
        [(POLICY, 1, 1, "P001",
          "no policy found for this folder: expected policies/policy.yaml (kind: Policy) there "
          "or in a folder above it; run dunning validate in the policy repository")],
    )  # fmt: skip


def test_loose_files_are_schema_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside a repository a ledger file is checked alone; any other kind lacks its policy."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ledger.yaml").write_text(
        "apiVersion: dunning/v1\nkind: Ledger\ncustomers: []\n", encoding="utf-8"
    )
    (tmp_path / "A-1.yaml").write_text(
        "apiVersion: dunning/v1\nkind: Customer\nid: A-1\n", encoding="utf-8"
    )
    results = load_policies(["ledger.yaml", "A-1.yaml"])
    assert len(results) == 1
    assert results[0].files == ("ledger.yaml", "A-1.yaml")
    assert [(p.file, p.code) for p in results[0].problems] == [("A-1.yaml", "P001")]


def test_two_repositories_load_separately(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths in two repositories give two results, each with its own policy."""
    one = policy_tree(tmp_path / "one")
    two = policy_tree(tmp_path / "two")
    monkeypatch.chdir(tmp_path)
    results = load_policies(["one", "two"])
    assert [result.root for result in results] == [one, two]
    assert all(result.policy is not None for result in results)


@pytest.mark.parametrize(
    ("rel", "content", "expected"),
    [
        ("customers/EMPTY.yaml", b"", ("customers/EMPTY.yaml", 1, 1, "Y008")),
        ("customers/BIN.yaml", b"\x00\x01\x02\xff", ("customers/BIN.yaml", 1, 1, "Y001")),
        ("customers/LIST.yaml", b"- a\n- b\n", ("customers/LIST.yaml", 1, 1, "Y010")),
    ],
    ids=["empty file", "binary file", "list at the top"],
)
def test_unusable_files_are_problems_not_crashes(
    repo: Path, rel: str, content: bytes, expected: tuple[str, int, int, str]
) -> None:
    """An empty, binary or list-shaped file is one problem of its own."""
    (repo / rel).write_bytes(content)
    assert [(p.file, p.line, p.column, p.code) for p in load_policy(["."]).problems] == [expected]


def test_a_folder_named_like_a_yaml_file(repo: Path) -> None:
    """A folder called policy.yaml where the Policy file should be is reported, not read."""
    (repo / POLICY).unlink()
    (repo / POLICY).mkdir()
    result = load_policy(["."])
    assert result.policy is None
    assert [(p.file, p.code) for p in result.problems] == [(POLICY, "Y013")]


def test_a_file_too_big_is_not_read(repo: Path) -> None:
    """A file over the reader's limit is refused from its size, without reading it."""
    big = repo / "customers" / "BIG.yaml"
    big.write_bytes(b"#" * (6 * 1024 * 1024))
    assert [(p.file, p.code) for p in load_policy(["."]).problems] == [
        ("customers/BIG.yaml", "Y011")
    ]


def test_a_yaml_problem_is_not_repeated_by_the_schema(repo: Path) -> None:
    """`tone: no` is Y003 (quote it), not also S005 (not a tone)."""
    (repo / ACME).write_text(
        (repo / ACME).read_text(encoding="utf-8").replace("tone: firm", "tone: no"),
        encoding="utf-8",
    )
    assert [p.code for p in load_policy(["."]).problems] == ["Y003"]


def test_broken_files_are_remembered_as_unavailable(repo: Path) -> None:
    """What a broken file would define is listed, so references to it stay quiet."""
    (repo / STRATEGIC).write_text("steps: [\n", encoding="utf-8")
    (repo / TERMS).write_text("apiVersion: dunning/v1\nkind: Terms\nterms: {a: {}}\n")
    result = load_policy(["."])
    assert result.unavailable == {"ladder": frozenset({"strategic"}), "terms": frozenset({"a"})}


def test_file_level_codes_are_documented() -> None:
    """The loader's own codes are P001-P005."""
    assert sorted(CODES) == ["P001", "P002", "P003", "P004", "P005"]


def test_fixture_is_where_the_tests_expect_it() -> None:
    """The shared fixture is a policy repository."""
    assert find_root(FIXTURE) == FIXTURE


def _fixture_text(rel: str) -> str:
    return (FIXTURE / rel).read_text(encoding="utf-8")


# P001 (no policy at all) is in test_folder_without_policy and test_texts_without_a_policy_file.
FILE_CASES: list[tuple[str, dict[str, Change], list[Expected]]] = [
    (
        "P002 a second Policy file",
        {"policies/policy-2027.yaml": _fixture_text(POLICY)},
        [("policies/policy-2027.yaml", 4, 7, "P002",
          "there must be exactly one Policy file, policies/policy.yaml; "
          "policies/policy-2027.yaml is another: merge it into that file and delete this one")],
    ),
    (
        "P003 a ladder among the customers",
        {"customers/gentle.yaml": _fixture_text(STRATEGIC).replace("strategic", "gentle")},
        [("customers/gentle.yaml", 3, 7, "P003",
          "a Ladder file belongs in policies/ladders/, not in customers/: move it there")],
    ),
    (
        "P003 another kind in policies/policy.yaml",
        {POLICY: _fixture_text(TERMS)},
        [(POLICY, 3, 7, "P003",
          "policies/policy.yaml is reserved for the Policy file (kind: Policy): a Terms file "
          "belongs in policies/ under another name")],
    ),
    (
        "P004 a customer defined twice",
        {"customers/uk/ACME-0001.yaml": _fixture_text(ACME)},
        [("customers/uk/ACME-0001.yaml", 4, 5, "P004",
          "customer 'ACME-0001' is already defined in customers/ACME-0001.yaml (line 2): each "
          "name may be defined once; rename or remove one of them")],
    ),
    (
        "P004 terms defined in two files",
        {"policies/more-terms.yaml": _fixture_text(TERMS).replace("2-10-net30", "net60")},
        [
            (TERMS, 5, 10, "P004",
             "terms 'net30' is already defined in policies/more-terms.yaml (line 5): each name "
             "may be defined once; rename or remove one of them"),
            (TERMS, 7, 14, "P004",
             "terms '10th-prox' is already defined in policies/more-terms.yaml (line 7): each "
             "name may be defined once; rename or remove one of them"),
        ],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "expected"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES]
)
def test_file_level_rule_reports_the_exact_place(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, Change],
    expected: list[Expected],
) -> None:
    """Each file-level rule gives exactly its problem, at the file and line to fix."""
    root = policy_tree(tmp_path / "repo", changes)
    monkeypatch.chdir(root)
    assert_problems(check(load_policy(["."])), expected)


def test_report_settings_are_read_from_the_policy(tmp_path: Path) -> None:
    """``reports:`` in policy.yaml sets the aging buckets and the definitions (bounds in any
    order); a policy without it gets the Credit Research Foundation's defaults."""
    policy_yaml = (
        "apiVersion: dunning/v1\nkind: Policy\nname: x\ntimezone: UTC\nbase_currency: GBP\n"
        "defaults: {terms: net30, ladder: standard}\n"
    )
    settings = (
        "reports:\n  aging: {buckets: [60, 30], by: invoice_date}\n  current: first_bucket\n"
        "  dso: {period_days: 30, countback_months: thirty_days}\n"
        "  cei: {credit_sales: full}\n"
    )
    plain = load_policy_from_texts({"policies/policy.yaml": policy_yaml.encode()})
    assert plain.policy is not None
    assert plain.policy.reports.aging_buckets == (30, 60, 90)
    assert plain.policy.reports.aging_by == "due_date"
    read = load_policy_from_texts({"policies/policy.yaml": (policy_yaml + settings).encode()})
    assert read.policy is not None
    reports = read.policy.reports
    assert (reports.aging_buckets, reports.aging_by, reports.current) == (
        (60, 30),
        "invoice_date",
        "first_bucket",
    )
    assert (reports.dso_period_days, reports.countback_months, reports.cei_credit_sales) == (
        30,
        "thirty_days",
        "full",
    )
    wrong = load_policy_from_texts(
        {"policies/policy.yaml": (policy_yaml + "reports: {aging: {by: due}}\n").encode()}
    )
    assert [(p.line, p.column, p.code, p.message) for p in wrong.problems] == [
        (7, 23, "S005", "by cannot be 'due': use one of due_date, invoice_date")
    ]
