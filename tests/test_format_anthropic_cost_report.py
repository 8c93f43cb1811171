"""Anthropic Admin API cost_report pages: amounts are decimal strings in CENTS; totals worked out by hand."""
from __future__ import annotations

import json
from decimal import Decimal

import duckdb
from conftest import file_entry, ingest_json

from routekit.sources import FileSample, detect, registry

SONNET = "claude-sonnet-4-5-20250929"


def _bucket(day, *results):
    return {"starting_at": f"2026-09-{day:02d}T00:00:00Z", "ending_at": f"2026-09-{day + 1:02d}T00:00:00Z",
            "results": list(results)}


def _cost(amount, cost_type, token_type=None, model=None, workspace_id="wrkspc_01", description=None,
          service_tier=None):
    return {"amount": amount, "currency": "USD", "cost_type": cost_type, "token_type": token_type,
            "description": description, "model": model, "service_tier": service_tier,
            "context_window": "0-200k" if cost_type == "tokens" else None, "inference_geo": None,
            "workspace_id": workspace_id}


def test_cost_report_converts_cents_and_maps_token_types(ingest, client):
    page = {"data": [
        _bucket(1,
                _cost("123.45", "tokens", "uncached_input_tokens", SONNET,
                      description="Claude Sonnet 4.5 Usage - Input Tokens", service_tier="standard"),
                _cost("250", "tokens", "output_tokens", SONNET, workspace_id=None, service_tier="batch"),
                _cost("10.5", "tokens", "cache_read_input_tokens", SONNET, service_tier="standard"),
                _cost("37.5", "tokens", "cache_creation.ephemeral_5m_input_tokens", SONNET, service_tier="standard"),
                _cost("1000", "web_search", description="Web Search"),
                _cost("8", "code_execution", description="Code Execution")),
        _bucket(2,
                _cost("12.x", "tokens", "output_tokens", SONNET),
                _cost("5", "tokens", "output_tokens", None)),
    ], "has_more": False, "next_page": None}
    # one line of JSON: read as JSON Lines, so locations start with "line 1"
    report, con = ingest({"anthropic/cost_report.json": json.dumps(page)})
    f = file_entry(report, "anthropic/cost_report.json")
    assert f["format"] == "anthropic_cost_report"
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (8, 6, 2)
    # cents → dollars: "123.45" = $1.2345, "250" = $2.50, "10.5" = $0.105, "37.5" = $0.375, "1000" = $10,
    # "8" = $0.08 → 1.2345 + 2.5 + 0.105 + 0.375 + 10 + 0.08 = $14.2945
    assert con.execute("SELECT sum(billed_usd), sum(billed_cost) FROM invoice").fetchone() == (
        Decimal("14.2945"), Decimal("14.2945"))
    assert report["tables"]["invoice"] == {"rows": 6, "billed_usd": 14.2945}
    split = dict(con.execute("SELECT token_type, sum(billed_usd) FROM invoice GROUP BY 1").fetchall())
    assert split == {"input": Decimal("1.2345"), "output": Decimal("2.5"), "cached_input": Decimal("0.105"),
                     "cache_write": Decimal("0.375"), "web_search": Decimal("10"), "other": Decimal("0.08")}
    rows = con.execute("""SELECT strftime(charge_period_start, '%Y-%m-%d'), strftime(charge_period_end, '%Y-%m-%d'),
                                 provider, model, charge_description, service_tier, project, billing_currency
                          FROM invoice ORDER BY _source_row LIMIT 2""").fetchall()
    assert rows == [
        ("2026-09-01", "2026-09-02", "anthropic", SONNET, "Claude Sonnet 4.5 Usage - Input Tokens", "standard",
         "wrkspc_01", "USD"),
        # grouped by workspace (other rows name one): a null workspace_id is the default workspace
        ("2026-09-01", "2026-09-02", "anthropic", SONNET, None, "batch", "default", "USD"),
    ]
    assert con.execute("SELECT _source_row, reason FROM rejects ORDER BY _source_row").fetchall() == [
        ("line 1 $.data[1].results[0]", "amount is not a number: '12.x'"),
        ("line 1 $.data[1].results[1]", "missing model for a token charge: token_type 'output_tokens'"),
    ]
    assert detect(FileSample.read(client / "anthropic/cost_report.json"),
                  registry.formats()).name == "anthropic_cost_report"


def test_ungrouped_bucket_list_through_cli(client):
    # The page's data array saved on its own, not grouped by description or workspace: one combined amount per day.
    buckets = [_bucket(1, _cost("500", None, workspace_id=None)), _bucket(2, _cost("99.99", None, workspace_id=None))]
    (client / "cost_buckets.json").write_text(json.dumps(buckets, indent=1))
    report = ingest_json(client)
    f = file_entry(report, "cost_buckets.json")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("anthropic_cost_report", 2, 2, 0)
    # "500" + "99.99" cents = $5.9999
    assert report["tables"]["invoice"] == {"rows": 2, "billed_usd": 5.9999}
    with duckdb.connect(report["db"], read_only=True) as con:
        assert con.execute("""SELECT _source_row, token_type, model, project FROM invoice
                              ORDER BY 1""").fetchall() == [("$[0].results[0]", None, None, None),
                                                            ("$[1].results[0]", None, None, None)]


def test_real_api_reference_example(ingest):
    # The response example of Anthropic's API reference for GET /v1/organizations/cost_report
    # (tests/data/real/README.md): amount "123.78912" is in cents, $1.2378912 (the reference: '"123.45" in "USD"
    # represents $1.23'); the description line carries the model, token type, tier and workspace
    from conftest import real_sample

    report, con = ingest({"anthropic/cost_report.json": real_sample("anthropic_cost_report_docs_example.json")})
    f = file_entry(report, "anthropic/cost_report.json")
    assert (f["format"], f["rows_loaded"], f["rows_rejected"]) == ("anthropic_cost_report", 1, 0)
    assert con.execute("""SELECT strftime(charge_period_start, '%Y-%m-%d %H:%M'), strftime(charge_period_end, '%Y-%m-%d'),
                                 model, token_type, service_tier, project, billed_cost, billed_usd, billing_currency
                          FROM invoice""").fetchall() == [
        ("2025-08-01 00:00", "2025-08-02", "claude-sonnet-4-20250514", "input", "standard",
         "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ", Decimal("1.2378912"), Decimal("1.2378912"), "USD")]
