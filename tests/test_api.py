"""The Python API (what the notebooks and a consultant's own code call) holds the same checks as the command line:
a date no catalog price applies to, a mix that does not sum to 1, a risk budget outside 0..1 are refused with the
CLI's message, never priced silently."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import run_cli
from routekit.estimate import EstimateError, Workload, estimate
from routekit.optimize import optimize
from routekit.prices import PriceCatalog, PriceDateError
from routekit.report import run_audit
from routekit.scenario import Simulator

MIX = [("gpt-4o", Decimal(1))]
WORKLOAD = Workload(requests=1000, input_tokens=800, output_tokens=250)


def _cli_message(date: str) -> str:
    """The CLI's refusal of --date, without its 'routekit estimate: ' prefix."""
    proc = run_cli("estimate", "--requests", "1000", "--input-tokens", "800", "--output-tokens", "250",
                   "--mix", "gpt-4o=1", "--date", date, check=False)
    assert proc.returncode == 2
    return proc.stderr.strip().removeprefix("routekit estimate: ")


@pytest.mark.parametrize("date", ["1990-01-01", "2099-01-01"])
def test_estimate_refuses_an_out_of_range_date_with_the_cli_message(date):
    message = _cli_message(date)
    # before 2020-06-11 (OpenAI's API opened) or after both today and genai-prices' last dated change
    assert message.startswith(f"--date {date}: ")
    with pytest.raises(PriceDateError) as err:
        estimate(WORKLOAD, MIX, PriceCatalog(), dt.date.fromisoformat(date))
    assert str(err.value) == message


def test_every_priced_entry_point_refuses_the_date():
    catalog = PriceCatalog()
    for call in (lambda: Simulator([], None, catalog, {}, on=dt.date(2099, 1, 1)),
                 lambda: catalog.quote("gpt-4o", on=dt.date(1990, 1, 1)),
                 lambda: catalog.quote("gpt-4o", on=dt.datetime(2099, 1, 1, 12, tzinfo=dt.timezone.utc))):
        with pytest.raises(PriceDateError, match=r"^--date (1990|2099)-01-01: "):
            call()


def test_run_audit_names_a_malformed_price_date(tmp_path):
    # the notebook passes price_date as text: was Python's 'month must be in 1..12', naming neither date nor format
    with pytest.raises(PriceDateError, match=r"^--date 2025-13-01: expected YYYY-MM-DD$"):
        run_audit(tmp_path, price_date="2025-13-01")
    with pytest.raises(PriceDateError, match=r"^--date 1999-12-31: before the first LLM API price"):
        run_audit(tmp_path, price_date="1999-12-31")


def test_a_date_in_range_is_priced_as_before():
    # gpt-4o on 2025-06-01: $2.50 input, $10 output per million tokens (README, `routekit prices`):
    # 1000 requests x (800 x 2.5 + 250 x 10) / 1e6 = 1000 x 0.0045 = $4.50
    result = estimate(WORKLOAD, MIX, PriceCatalog(), "2025-06-01")
    assert result["monthly_cost_usd"] == 4.50
    assert result["prices_as_of"] == "2025-06-01"


@pytest.mark.parametrize("mix, reason", [
    ([("gpt-4o", Decimal("0.5"))], "shares must sum to 1, they sum to 0.5"),
    ([("gpt-4o", Decimal("1.5")), ("gpt-4.1-mini", Decimal("-0.5"))], "share of gpt-4.1-mini is negative"),
    ([("gpt-4o", 0.1), ("gpt-4.1-mini", 0.9)], "share of gpt-4o must be a Decimal or a whole number"),
    ([], "give at least one MODEL=SHARE"),
])
def test_estimate_refuses_a_mix_the_cli_would_refuse(mix, reason):
    # a mix of 0.5 priced half the workload and called it the monthly cost
    with pytest.raises(EstimateError, match=reason):
        estimate(WORKLOAD, mix, PriceCatalog())


@pytest.mark.parametrize("rate", [2.0, -0.01, float("nan")])
def test_optimize_refuses_a_risk_budget_outside_0_to_1(rate):
    # checked before the engine is touched, as the CLI checks --max-extra-failure-rate before loading the client
    with pytest.raises(ValueError, match="expected a share of requests between 0 and 1"):
        optimize(None, rate)


def test_audit_and_batch_refuse_bad_parameters_before_any_work(tmp_path):
    from routekit.audit import audit_client, batch
    from routekit.report import AuditError

    (tmp_path / "clients" / "acme").mkdir(parents=True)
    out = tmp_path / "reports"
    # audit_client ran the notebook first: the refusal came back after a kernel start, wrapped in AuditFailed
    with pytest.raises(PriceDateError, match=r"^--date 2099-01-01: after "):
        audit_client(tmp_path / "clients" / "acme", out, price_date="2099-01-01")
    with pytest.raises(AuditError, match=r"^risk_budget 2: expected a share of requests between 0 and 1$"):
        audit_client(tmp_path / "clients" / "acme", out, risk_budget=2)
    # batch audited every client with it and reported each as failed; jobs=0 ran one at a time without a word
    with pytest.raises(AuditError, match=r"^risk_budget 2: "):
        batch(tmp_path / "clients", out, risk_budget=2, progress=False)
    with pytest.raises(ValueError, match=r"^jobs 0: expected 1 or more$"):
        batch(tmp_path / "clients", out, jobs=0, progress=False)
    assert not out.exists()
