"""Imports are atomic (a bad row imports nothing), idempotent, exact, and say what is wrong."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

import store.imports
from dunning.cli import main
from store.imports import ImportResult, import_csv, import_rows
from store.mapping import (
    MappingError,
    id_from_name,
    load_mapping,
    parse_mapping,
    shipped_mappings,
)
from store.models import imports, invoices
from store.reader import load_snapshot
from store.row_reader import RowError, parse_amount
from tests.store.conftest import dump

# The IBM sample data, committed with its source and licence (tests/fixtures/ibm-ar/README.md).
IBM_AR = Path(__file__).resolve().parents[1] / "fixtures" / "ibm-ar"
IBM_AR = IBM_AR / "WA_Fn-UseC_-Accounts-Receivable.csv"

KINDS_OF_XERO = ("customers", "invoices")
CUSTOMERS = [
    {"id": "ACME", "name": "Acme Trading Ltd", "country": "gb", "email": "ap@acme.example"},
    {"id": "BETA", "name": "Beta GmbH", "country": "DE", "language": "de"},
]


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    """Write ``rows`` to ``path`` as CSV (header: every key of the rows, unless given)."""
    names = header or list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, names)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_import(engine: Engine, kind: str, path: Path, mapping: str | None = None) -> ImportResult:
    """Return the result of importing ``path`` and committing."""
    with engine.connect() as conn:
        result = import_csv(conn, kind, path, mapping=load_mapping(mapping) if mapping else None)
        conn.commit()
    return result


def invoice_rows(count: int, customer: str = "ACME") -> list[dict[str, str]]:
    """Return ``count`` valid invoice rows."""
    return [
        {
            "id": f"INV-{n:06d}",
            "customer": customer,
            "issued": "2026-09-01",
            "due": "2026-10-01",
            "amount": f"{n}.{n % 100:02d}",
            "currency": "GBP",
        }
        for n in range(1, count + 1)
    ]


@pytest.fixture
def with_customers(ledger_engine: Engine, tmp_path: Path) -> Engine:
    """Return a database holding the customers ACME and BETA."""
    result = run_import(ledger_engine, "customers", write_csv(tmp_path / "c.csv", CUSTOMERS))
    assert result.ok, result.problems
    return ledger_engine


# -- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "decimal_comma", "expected"),
    [
        ("1200.00", "GBP", False, "1200.00"),
        ("1,234.56", "GBP", False, "1234.56"),
        ("1200", "JPY", False, "1200"),
        ("0.125", "KWD", False, "0.125"),
        ("1.234,56", "EUR", True, "1234.56"),
        ("1 234,5", "EUR", True, "1234.5"),
    ],
    ids=["plain", "thousands", "yen", "dinar-3-decimals", "decimal-comma", "space-grouping"],
)
def test_amounts_are_read_exactly(
    text: str, currency: str, decimal_comma: bool, expected: str
) -> None:
    amount = parse_amount(text, currency, decimal_comma=decimal_comma)
    assert amount == Decimal(expected)
    assert str(amount) == expected


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("1e3", "GBP", "amount '1e3' is not a plain decimal amount"),
        ("1.5E+2", "GBP", "not a plain decimal amount"),
        ("NaN", "GBP", "not a plain decimal amount"),
        ("£12.00", "GBP", "not a plain decimal amount"),
        ("12.345", "GBP", "amount 12.345 has 3 decimals but GBP has 2"),
        ("100.5", "JPY", "has 1 decimals but JPY has 0"),
        ("1,23.00", "GBP", "not a plain decimal amount"),
    ],
    ids=[
        "exponent",
        "exponent-sign",
        "nan",
        "symbol",
        "too-many-decimals",
        "yen-decimals",
        "bad-grouping",
    ],
)
def test_amounts_that_are_not_exact_money_are_refused(
    text: str, currency: str, message: str
) -> None:
    with pytest.raises(RowError, match=message.replace("+", r"\+")):
        parse_amount(text, currency)


# -- round trip, idempotence ----------------------------------------------------------------------


def test_round_trip_of_every_kind(with_customers: Engine, tmp_path: Path) -> None:
    engine = with_customers
    results = [
        run_import(
            engine,
            "invoices",
            write_csv(
                tmp_path / "i.csv",
                [
                    {
                        "id": "INV-1",
                        "customer": "ACME",
                        "issued": "2026-09-01",
                        "amount": "1200.00",
                        "currency": "GBP",
                        "terms": "net30",
                    },
                    {
                        "id": "INV-2",
                        "customer": "BETA",
                        "issued": "2026-09-02",
                        "amount": "80.00",
                        "currency": "eur",
                        "terms": "",
                    },
                ],
            ),
        ),
        run_import(
            engine,
            "payments",
            write_csv(
                tmp_path / "p.csv",
                [
                    {
                        "id": "PAY-1",
                        "customer": "ACME",
                        "date": "2026-10-05",
                        "amount": "200.00",
                        "currency": "GBP",
                        "invoice": "INV-1",
                    },
                    {
                        "id": "PAY-2",
                        "customer": "ACME",
                        "date": "2026-10-06",
                        "amount": "5.00",
                        "currency": "GBP",
                        "invoice": "",
                    },
                ],
            ),
        ),
        run_import(
            engine,
            "credit-notes",
            write_csv(
                tmp_path / "n.csv",
                [
                    {
                        "id": "CN-1",
                        "customer": "ACME",
                        "date": "2026-10-01",
                        "amount": "50.00",
                        "currency": "GBP",
                        "invoice": "INV-1",
                    },
                ],
            ),
        ),
        run_import(
            engine,
            "disputes",
            write_csv(
                tmp_path / "d.csv",
                [
                    {
                        "id": "D-1",
                        "invoice": "INV-2",
                        "opened": "2026-10-10",
                        "resolved": "",
                        "reason": "Wrong quantity",
                    },
                ],
            ),
        ),
    ]
    assert [(r.inserted, r.updated, r.unchanged, r.problems) for r in results] == [
        (2, 0, 0, ()),
        (2, 0, 0, ()),
        (1, 0, 0, ()),
        (1, 0, 0, ()),
    ]
    acme, beta = load_snapshot(engine).customers
    assert acme.customer.country == "GB"
    assert acme.invoices[0].settled == Decimal("250.00")
    assert [p.id for p in acme.unapplied] == ["PAY-2"]
    assert beta.invoices[0].currency == "EUR"
    assert beta.invoices[0].terms is None
    assert [(d.id, d.invoice_id, d.resolved) for d in beta.disputes] == [("D-1", "INV-2", None)]


def test_importing_the_same_file_again_changes_nothing(
    with_customers: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "i.csv", invoice_rows(30))
    first = run_import(with_customers, "invoices", path)
    before = dump(with_customers)
    again = run_import(with_customers, "invoices", path)
    assert (first.inserted, again.inserted, again.updated, again.unchanged) == (30, 0, 0, 30)
    assert dump(with_customers) == before  # not even a second entry in the imports table


def test_a_changed_row_updates_and_a_new_row_inserts(
    with_customers: Engine, tmp_path: Path
) -> None:
    rows = invoice_rows(3)
    run_import(with_customers, "invoices", write_csv(tmp_path / "a.csv", rows))
    rows[1] = {**rows[1], "amount": "999.00"}
    rows.append(invoice_rows(4)[3])
    result = run_import(with_customers, "invoices", write_csv(tmp_path / "b.csv", rows))
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 2)
    with with_customers.connect() as conn:
        amount = conn.execute(select(invoices.c.amount).where(invoices.c.id == "INV-000002"))
        assert amount.scalar_one() == Decimal("999.00")
        assert conn.execute(select(func.count()).select_from(imports)).scalar_one() == 3


def test_identical_repeats_inside_a_file_count_once(with_customers: Engine, tmp_path: Path) -> None:
    rows = invoice_rows(2)
    result = run_import(with_customers, "invoices", write_csv(tmp_path / "i.csv", rows + rows))
    assert (result.rows, result.inserted) == (4, 2)


# -- atomicity ------------------------------------------------------------------------------------


def test_bad_rows_at_the_end_of_a_large_file_import_nothing(
    with_customers: Engine, tmp_path: Path
) -> None:
    rows = invoice_rows(20_000)
    rows[-3] = {**rows[-3], "amount": "12.345"}
    rows[-2] = {**rows[-2], "issued": "31/12/2026"}
    rows[-1] = {**rows[-1], "customer": "NOBODY"}
    before = dump(with_customers)
    result = run_import(with_customers, "invoices", write_csv(tmp_path / "big.csv", rows))
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / 'big.csv'}:19999: amount 12.345 has 3 decimals but GBP has 2"
        " (amounts are taken exactly, never rounded)",
        f"{tmp_path / 'big.csv'}:20000: invoice date '31/12/2026' is not a date written"
        " YYYY-MM-DD, e.g. 2026-11-23",
        f"{tmp_path / 'big.csv'}:20001: customer NOBODY is not in the ledger: import the"
        " customers first",
    ]
    assert dump(with_customers) == before


def test_an_error_half_way_through_writing_leaves_the_ledger_as_it_was(
    with_customers: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_import(with_customers, "invoices", write_csv(tmp_path / "a.csv", invoice_rows(10)))
    before = dump(with_customers)
    written = store.imports._write
    calls = []

    def failing_write(conn, statement, batch):  # type: ignore[no-untyped-def]
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        written(conn, statement, batch)

    monkeypatch.setattr(store.imports, "_write", failing_write)
    rows = invoice_rows(12_000)
    rows[0] = {**rows[0], "amount": "1.00"}  # an update as well as inserts
    with pytest.raises(RuntimeError, match="disk full"):
        run_import(with_customers, "invoices", write_csv(tmp_path / "b.csv", rows))
    assert calls[0] == store.imports.BATCH  # a whole batch was written before the failure
    assert dump(with_customers) == before


def test_rows_from_the_api_inside_a_callers_transaction(with_customers: Engine) -> None:
    rows = [
        {
            "id": "INV-9",
            "customer": "ACME",
            "issued": "2026-09-01",
            "amount": "10.00",
            "currency": "GBP",
        },
        {
            "id": "INV-10",
            "customer": "ACME",
            "issued": "someday",
            "amount": "10.00",
            "currency": "GBP",
        },
    ]
    with with_customers.begin() as conn:
        result = import_rows(conn, "invoices", rows, "API", lines=range(2))
        good = import_rows(conn, "invoices", rows[:1], "API")
    assert [(p.line, p.message) for p in result.problems] == [
        (1, "invoice date 'someday' is not a date written YYYY-MM-DD, e.g. 2026-11-23")
    ]
    assert good.inserted == 1


# -- what is checked ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "row", "message"),
    [
        (
            "invoices",
            {
                "id": "X",
                "customer": "ACME",
                "issued": "2026-09-01",
                "amount": "-5.00",
                "currency": "GBP",
            },
            "amount -5.00 must be more than zero (record a credit as a credit note)",
        ),
        (
            "invoices",
            {
                "id": "X",
                "customer": "ACME",
                "issued": "2026-09-01",
                "amount": "5.00",
                "currency": "XYZ",
            },
            "currency 'XYZ' is not an ISO 4217 currency code such as GBP",
        ),
        (
            "invoices",
            {
                "id": "X",
                "customer": "ACME",
                "issued": "2026-09-01",
                "due": "2026-08-01",
                "amount": "5.00",
                "currency": "GBP",
            },
            "due date 2026-08-01 is before the invoice date 2026-09-01",
        ),
        (
            "invoices",
            {"id": "X", "customer": "", "issued": "", "amount": "5.00", "currency": "GBP"},
            "customer and invoice date missing",
        ),
        (
            "payments",
            {
                "id": "P",
                "customer": "ACME",
                "date": "2026-09-01",
                "amount": "5.00",
                "currency": "GBP",
                "invoice": "INV-404",
            },
            "payment is applied to invoice INV-404, which is not in the ledger",
        ),
        (
            "payments",
            {
                "id": "P",
                "customer": "ACME",
                "date": "2026-09-01",
                "amount": "5.00",
                "currency": "EUR",
                "invoice": "INV-000001",
            },
            "payment in EUR is applied to invoice INV-000001 in GBP",
        ),
        (
            "credit-notes",
            {
                "id": "N",
                "customer": "BETA",
                "date": "2026-09-01",
                "amount": "5.00",
                "currency": "GBP",
                "invoice": "INV-000001",
            },
            "credit note from customer BETA is applied to invoice INV-000001 of customer ACME",
        ),
        (
            "disputes",
            {
                "id": "D-9",
                "invoice": "INV-000001",
                "opened": "2026-09-10",
                "resolved": "2026-09-01",
            },
            "resolution date 2026-09-01 is before the opening date 2026-09-10",
        ),
        (
            "customers",
            {"id": "C", "country": "United Kingdom"},
            "country 'United Kingdom' is not an ISO 3166-1 alpha-2 country code: write two"
            " capital letters, e.g. GB",
        ),
    ],
    ids=[
        "negative-invoice",
        "unknown-currency",
        "due-before-issue",
        "missing-values",
        "unknown-invoice",
        "currency-mismatch",
        "customer-mismatch",
        "dispute-dates",
        "country",
    ],
)
def test_each_bad_row_is_explained(
    with_customers: Engine, tmp_path: Path, kind: str, row: dict[str, str], message: str
) -> None:
    run_import(with_customers, "invoices", write_csv(tmp_path / "i.csv", invoice_rows(1)))
    result = run_import(with_customers, kind, write_csv(tmp_path / "bad.csv", [row]))
    assert [(p.line, p.message) for p in result.problems] == [(2, message)]


def test_a_repeated_id_with_other_values_is_a_problem(
    with_customers: Engine, tmp_path: Path
) -> None:
    rows = invoice_rows(2)
    rows.append({**rows[0], "amount": "7.00"})
    result = run_import(with_customers, "invoices", write_csv(tmp_path / "i.csv", rows))
    assert [(p.line, p.message) for p in result.problems] == [
        (4, "invoice INV-000001 appears again with different values (first on line 2)")
    ]


def test_an_invoice_cannot_move_to_another_customer(with_customers: Engine, tmp_path: Path) -> None:
    run_import(with_customers, "invoices", write_csv(tmp_path / "a.csv", invoice_rows(1)))
    moved = write_csv(tmp_path / "b.csv", invoice_rows(1, customer="BETA"))
    (problem,) = run_import(with_customers, "invoices", moved).problems
    assert problem.message.startswith("invoice INV-000001 belongs to customer ACME")


def test_an_invoice_has_one_open_dispute_at_most(with_customers: Engine, tmp_path: Path) -> None:
    run_import(with_customers, "invoices", write_csv(tmp_path / "i.csv", invoice_rows(1)))
    first = {"id": "D-1", "invoice": "INV-000001", "opened": "2026-09-10", "resolved": ""}
    assert run_import(with_customers, "disputes", write_csv(tmp_path / "d1.csv", [first])).ok
    second = {**first, "id": "D-2", "opened": "2026-09-12"}
    (problem,) = run_import(
        with_customers, "disputes", write_csv(tmp_path / "d2.csv", [second])
    ).problems
    assert problem.message == (
        "invoice INV-000001 already has an open dispute (D-1): resolve it or update that"
        " dispute instead"
    )


def test_the_line_of_a_row_is_where_it_starts(with_customers: Engine, tmp_path: Path) -> None:
    path = tmp_path / "i.csv"
    path.write_text(
        "id,customer,issued,amount,currency,number\n"
        'INV-1,ACME,2026-09-01,1.00,GBP,"two\nlines"\n'
        "\n"
        "INV-2,ACME,2026-09-01,1e2,GBP,\n",
        encoding="utf-8",
    )
    (problem,) = run_import(with_customers, "invoices", path).problems
    assert problem.line == 5


def test_a_missing_column_is_reported_once_on_the_header(
    with_customers: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "i.csv", [{"id": "INV-1", "customer": "ACME"}])
    (problem,) = run_import(with_customers, "invoices", path).problems
    assert problem.line == 1
    assert problem.message == (
        "the header has no column 'issued', 'amount', 'currency' (it has: id, customer)"
    )


# -- mappings -------------------------------------------------------------------------------------


def test_a_mapping_with_date_format_decimal_comma_templates_and_filters(
    with_customers: Engine, tmp_path: Path
) -> None:
    mapping = parse_mapping(
        {
            "apiVersion": "dunning/v1",
            "kind": "ImportMapping",
            "date_format": "%d.%m.%Y",
            "decimal_comma": True,
            "kinds": {
                "invoices": {
                    "when": {"Art": ["Rechnung"]},
                    "columns": {
                        "id": {"template": "RE-{Nummer}"},
                        "customer": {"column": "Kunde", "values": {"Acme": "ACME"}},
                        "issued": "Datum",
                        "amount": "Betrag",
                        "currency": {"value": "EUR"},
                    },
                }
            },
        },
        "test",
    )
    rows = [
        {
            "Art": "Rechnung",
            "Nummer": "7",
            "Kunde": "Acme",
            "Datum": "01.09.2026",
            "Betrag": "1.234,50",
        },
        {
            "Art": "Gutschrift",
            "Nummer": "8",
            "Kunde": "Acme",
            "Datum": "02.09.2026",
            "Betrag": "10,00",
        },
    ]
    with with_customers.begin() as conn:
        result = import_rows(conn, "invoices", rows, "export.csv", mapping=mapping)
    assert (result.inserted, result.skipped) == (1, 1)
    (invoice,) = load_snapshot(with_customers, ["ACME"]).customers[0].invoices
    assert (invoice.id, str(invoice.amount), invoice.currency) == ("RE-7", "1234.50", "EUR")


def test_shipped_mappings_load() -> None:
    assert {"ibm-ar", "xero-invoices", "quickbooks-invoices"} <= set(shipped_mappings())
    for name in shipped_mappings():
        assert load_mapping(name).kinds


@pytest.mark.parametrize(
    ("name", "made"),
    [
        ("Harbour Fish Bar", "Harbour-Fish-Bar"),
        ("Müller & Söhne GmbH", "Muller-Sohne-GmbH"),
        ("Amy's Bird Sanctuary", "Amy-s-Bird-Sanctuary"),
        ("  .Dot & Co.  ", "Dot-Co"),
        ("A" * 70, "A" * 64),
        ("東京商事", "東京商事"),  # nothing to keep: left for the id rule to refuse in its words
    ],
    ids=["spaces", "accents", "apostrophe", "edges", "long", "nothing-to-keep"],
)
def test_an_id_made_from_a_name(name: str, made: str) -> None:
    assert id_from_name(name) == made


def test_an_export_with_names_only_gets_ids_made_from_them(ledger_engine: Engine) -> None:
    """Xero's export names contacts and has no id: the shipped mapping makes the ids."""
    example = Path(__file__).resolve().parents[2] / "examples" / "xero-invoices.csv"
    results = [run_import(ledger_engine, k, example, "xero-invoices") for k in KINDS_OF_XERO]
    assert [(r.inserted, r.problems) for r in results] == [(2, ()), (2, ())]
    ledgers = load_snapshot(ledger_engine, ["Harbour-Fish-Bar", "Old-Mill-Tearooms"]).customers
    assert [
        (c.customer.id, c.customer.name, [(i.id, i.amount, i.tax) for i in c.invoices])
        for c in ledgers
    ] == [
        ("Harbour-Fish-Bar", "Harbour Fish Bar", [("INV-0042", Decimal("640.00"),
                                                   Decimal("106.67"))]),
        ("Old-Mill-Tearooms", "Old Mill Tearooms", [("INV-0043", Decimal("1120.50"),
                                                     Decimal("186.75"))]),
    ]  # fmt: skip


def test_make_id_is_true_or_false() -> None:
    document = {
        "kind": "ImportMapping",
        "kinds": {"customers": {"columns": {"id": {"column": "Name", "make_id": "yes"}}}},
    }
    with pytest.raises(MappingError, match="'make_id' must be true or false"):
        parse_mapping(document, "bad")


def test_an_unknown_mapping_names_the_shipped_ones() -> None:
    with pytest.raises(MappingError, match="shipped: ibm-ar"):
        load_mapping("sage-invoices")


def test_the_ibm_sample_accounts_receivable_imports(ledger_engine: Engine) -> None:
    results = {
        kind: run_import(ledger_engine, kind, IBM_AR, "ibm-ar")
        for kind in ("customers", "invoices", "payments", "disputes")
    }
    assert {k: (r.inserted, r.skipped, len(r.problems)) for k, r in results.items()} == {
        "customers": (100, 0, 0),
        "invoices": (2466, 0, 0),
        "payments": (2466, 0, 0),
        "disputes": (561, 1905, 0),
    }
    # Every invoice of the data set was settled: nothing is open today, plenty was in 2013.
    assert sum(len(c.invoices) for c in load_snapshot(ledger_engine)) == 0
    again = run_import(ledger_engine, "invoices", IBM_AR, "ibm-ar")
    assert (again.inserted, again.unchanged) == (0, 2466)


# -- the command -----------------------------------------------------------------------------------


def test_import_command_lists_every_bad_row_and_exits_1(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", "--database", url]).exit_code == 0
    customers_csv = write_csv(tmp_path / "c.csv", CUSTOMERS)
    ok = runner.invoke(
        main, ["import", "customers", str(customers_csv), "--database", url], catch_exceptions=False
    )
    assert ok.exit_code == 0
    assert ok.output == f"customers from {customers_csv}: 2 new, 0 updated, 0 unchanged\n"
    rows = invoice_rows(6000)
    rows[10] = {**rows[10], "currency": "POUNDS"}
    bad = runner.invoke(
        main,
        ["import", "invoices", str(write_csv(tmp_path / "i.csv", rows)), "--database", url],
        catch_exceptions=False,
    )
    assert bad.exit_code == 1
    assert "i.csv:12: currency 'POUNDS' is not an ISO 4217 currency code" in bad.output
    assert "nothing imported: 1 bad row" in bad.output


def test_import_command_refuses_a_database_without_the_ledger(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    path = write_csv(tmp_path / "c.csv", CUSTOMERS)
    result = CliRunner().invoke(
        main, ["import", "customers", str(path), "--database", url], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert "has no ledger tables yet: run `dunning db upgrade" in result.output
