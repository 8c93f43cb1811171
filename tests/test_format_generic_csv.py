"""A client's own call-log CSV mapped in routekit.yaml (sources.generic_csv)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from conftest import file_entry, ingest_json, write_files

CONFIG_EUR = """\
client: acme
currency_rates:
  EUR: 1.08
sources:
  generic_csv:
    - name: internal_gateway
      currency: EUR
      columns:
        request_id: req_id
        timestamp: ts
        provider: vendor
        model: llm
        feature: route
        input_tokens: tok_in
        cached_input_tokens: tok_cached
        output_tokens: tok_out
        cost: cost_eur
        status: status
        prompt: prompt
"""
GATEWAY_CSV = """\
req_id,ts,vendor,llm,route,tok_in,tok_cached,tok_out,cost_eur,status,prompt
r1,2026-09-01T10:00:00Z,OpenAI,gpt-4o-mini,faq_bot,1200,200,150,0.0125,ok,What are your opening hours?
r2,2026-09-01 10:05:00,anthropic,claude-3-5-haiku,summarise,3000,0,400,1.50,ERROR,"Summarise: ""the meeting"" notes"
r3,not-a-date,openai,gpt-4o-mini,faq_bot,10,0,5,0.001,ok,hi
r4,2026-09-01T10:07:00+02:00,openai,gpt-4o-mini,faq_bot,10,0,12.5,0.001,ok,hi
r5,2026-09-01T10:08:00+02:00,openai,gpt-4o,faq_bot,100,0,5,,timeout,hi
"""


def test_mapped_csv_with_currency_rate(ingest):
    report, con = ingest({"routekit.yaml": CONFIG_EUR, "gateway/calls_2026-09.csv": GATEWAY_CSV})
    f = file_entry(report, "gateway/calls_2026-09.csv")
    assert f["format"] == "generic_csv:internal_gateway"
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (5, 3, 2)
    assert f["note"] is None

    rows = {r[0]: r[1:] for r in con.execute("""
        SELECT request_id, ts, provider, model, feature, status, error, input_tokens, cached_input_tokens,
               output_tokens, reported_cost_usd, user_prompt, attributes ->> 'cost_currency', _source_row
        FROM calls""").fetchall()}
    # 0.0125 EUR × 1.08 USD/EUR = 0.0135 USD; input 1200 already includes the 200 cached (the default)
    assert rows["r1"] == (datetime(2026, 9, 1, 10), "openai", "gpt-4o-mini", "faq_bot", "success", None,
                          1200, 200, 150, Decimal("0.0135"), "What are your opening hours?", "EUR", "row 1")
    # 1.50 EUR × 1.08 = 1.62 USD; "ERROR" lower-cased is not a success value
    assert rows["r2"][4:10] == ("error", "ERROR", 3000, 0, 400, Decimal("1.62"))
    assert rows["r2"][10] == 'Summarise: "the meeting" notes'
    # +02:00 → 08:08 UTC; empty cost stays NULL
    assert rows["r5"][0] == datetime(2026, 9, 1, 8, 8)
    assert rows["r5"][4:6] == ("error", "timeout") and rows["r5"][9] is None
    assert con.execute("SELECT _source_row, reason FROM rejects ORDER BY _source_row").fetchall() == [
        ("row 3", "unparseable timestamp ts: 'not-a-date'"),
        ("row 4", "tok_out is not a whole number: '12.5'"),
    ]


CONFIG_GBP = """\
sources:
  generic_csv:
    - name: billing_proxy
      provider: Anthropic
      currency: GBP
      input_includes_cached: false
      columns:
        timestamp: when
        model: model name
        input_tokens: uncached in
        cached_input_tokens: cache read
        cache_write_tokens: cache write
        output_tokens: out
        cost: cost
"""
PROXY_CSV = """\
when,model name,uncached in,cache read,cache write,out,cost
2026-09-02 09:00:00,claude-sonnet-4-5,1000,300,50,80,2.5
2026-09-02 09:01:00,claude-sonnet-4-5,10,0,0,5,
"""


def test_no_rate_uncached_input_and_unmapped_status(ingest):
    report, con = ingest({"routekit.yaml": CONFIG_GBP, "proxy.csv": PROXY_CSV})
    f = file_entry(report, "proxy.csv")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == ("generic_csv:billing_proxy", 2, 2, 0)
    assert f["note"] == ("cost of 1 row in GBP not converted to USD: routekit.yaml has no currency_rates entry "
                         "for GBP (amount and currency kept in attributes)")
    rows = con.execute("""SELECT provider, status, input_tokens, cached_input_tokens, cache_write_tokens,
                                 output_tokens, reported_cost_usd, attributes ->> 'cost_original',
                                 attributes ->> 'cost_currency'
                          FROM calls ORDER BY ts""").fetchall()
    # input excludes cache here: 1000 + 300 read + 50 write = 1350; no status column: success
    assert rows[0] == ("anthropic", "success", 1350, 300, 50, 80, None, "2.5", "GBP")
    assert rows[1] == ("anthropic", "success", 10, 0, 0, 5, None, None, None)


def test_cli(client):
    write_files(client, {"routekit.yaml": CONFIG_EUR, "gateway.csv": GATEWAY_CSV})
    out = ingest_json(client)
    f = file_entry(out, "gateway.csv")
    assert (f["format"], f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (
        "generic_csv:internal_gateway", 5, 3, 2)
    # 0.0135 + 1.62 USD
    assert out["tables"]["calls"]["reported_cost_usd"] == 1.6335


def test_a_file_is_read_again_when_the_code_or_the_mapping_that_reads_it_changes(ingest, client, monkeypatch):
    """Without --rehash: a file skipped as no known format loads once routekit.yaml maps it; a changed mapping
    reloads it; a new routekit version (another loader fingerprint) reloads what the old one loaded."""
    first, _ = ingest({"gateway.csv": GATEWAY_CSV})
    assert file_entry(first, "gateway.csv")["status"] == "skipped"
    mapped, con = ingest({"routekit.yaml": CONFIG_EUR})
    f = file_entry(mapped, "gateway.csv")
    # r3's timestamp and r4's 12.5 output tokens are rejected
    assert (f["status"], f["format"], f["rows_loaded"]) == ("loaded", "generic_csv:internal_gateway", 3)
    assert file_entry(ingest()[0], "gateway.csv")["status"] == "unchanged"
    # the same columns, now in GBP with no rate: the costs can no longer be converted
    regbp, con = ingest({"routekit.yaml": CONFIG_EUR.replace("currency: EUR", "currency: GBP")})
    assert file_entry(regbp, "gateway.csv")["status"] == "replaced"
    assert con.execute("SELECT count(reported_cost_usd) FROM calls").fetchone() == (0,)
    # another loader version
    from routekit.sources.base import SourceFormat
    real = SourceFormat.loader_fingerprint
    monkeypatch.setattr(SourceFormat, "loader_fingerprint", lambda self: "v2:" + real(self))
    upgraded, _ = ingest()
    assert file_entry(upgraded, "gateway.csv")["status"] == "replaced"
    assert file_entry(ingest()[0], "gateway.csv")["status"] == "unchanged"


def test_a_successful_row_with_empty_token_cells_is_rejected_not_priced_as_free(ingest):
    # the mapping names tok_in and tok_out; m1 succeeded with both empty (priced, it would cost $0); m2 failed, so
    # its empty counts are expected; m3 has its counts: 12 in, 3 out
    header = GATEWAY_CSV.splitlines()[0]
    text = "\n".join([header,
                      "m1,2026-09-01T10:00:00Z,openai,gpt-4o-mini,faq_bot,,,,0.01,ok,hi",
                      "m2,2026-09-01T10:01:00Z,openai,gpt-4o-mini,faq_bot,,,,,timeout,hi",
                      "m3,2026-09-01T10:02:00Z,openai,gpt-4o-mini,faq_bot,12,0,3,0.001,ok,hi"]) + "\n"
    report, con = ingest({"routekit.yaml": CONFIG_EUR, "calls.csv": text})
    assert (file_entry(report, "calls.csv")["rows_loaded"], file_entry(report, "calls.csv")["rows_rejected"]) == (2, 1)
    assert con.execute("SELECT request_id, status, input_tokens, output_tokens FROM calls ORDER BY 1").fetchall() == [
        ("m2", "error", None, None), ("m3", "success", 12, 3)]
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("row 1", "missing tok_in; missing tok_out")]


AUDIO_CONFIG = """\
sources:
  generic_csv:
    - name: voice_{n}
      provider: openai
      {option}
      columns: {{timestamp: ts, model: model, input_tokens: tok_in, cached_input_tokens: tok_cached,
                input_audio_tokens: audio_in, cached_audio_tokens: audio_cached, output_tokens: tok_out,
                output_audio_tokens: audio_out}}
"""


def test_audio_counts_larger_than_their_whole_are_rejected_with_both_figures(ingest):
    header = "ts,model,tok_in,tok_cached,audio_in,audio_cached,tok_out,audio_out"
    text = "\n".join([
        header,
        # a1: fine: 1,000 in (400 cached, 100 of it audio), 500 uncached audio, 200 out (150 audio)
        "2026-09-01T10:00:00Z,gpt-realtime-mini,1000,400,500,100,200,150",
        # a2: 700 uncached audio in a call whose uncached input is 1,000 - 400 = 600
        "2026-09-01T10:01:00Z,gpt-realtime-mini,1000,400,700,0,200,0",
        # a3: 500 cached audio among 400 cache reads; 250 audio out of 200 output
        "2026-09-01T10:02:00Z,gpt-realtime-mini,1000,400,0,500,200,250",
        # a4: an audio count that is not a count
        "2026-09-01T10:03:00Z,gpt-realtime-mini,1000,400,lots,0,200,0"]) + "\n"
    report, con = ingest({"routekit.yaml": AUDIO_CONFIG.format(n=1, option=""), "voice.csv": text})
    assert (file_entry(report, "voice.csv")["rows_loaded"], file_entry(report, "voice.csv")["rows_rejected"]) == (1, 3)
    assert con.execute("""SELECT input_tokens, cached_input_tokens, input_audio_tokens, cached_audio_tokens,
                                 output_tokens, output_audio_tokens FROM calls""").fetchall() == [
        (1000, 400, 500, 100, 200, 150)]
    assert con.execute("SELECT _source_row, reason FROM rejects ORDER BY 1").fetchall() == [
        ("row 2", "audio_in (700 uncached audio) exceeds the uncached input (600)"),
        ("row 3", "audio_cached (500) exceeds the cache reads (400, tok_cached); audio_out (250) exceeds tok_out (200)"),
        ("row 4", "audio_in is not a whole number: 'lots'")]


def test_audio_column_that_counts_its_cache_reads(ingest):
    # audio_includes_cached: audio_in 500 holds the 100 cached audio tokens: 400 uncached audio; a cached audio count
    # larger than the audio it is said to be part of is refused
    text = ("ts,model,tok_in,tok_cached,audio_in,audio_cached,tok_out,audio_out\n"
            "2026-09-01T10:00:00Z,gpt-realtime-mini,1000,400,500,100,200,150\n"
            "2026-09-01T10:01:00Z,gpt-realtime-mini,1000,400,50,100,200,0\n")
    report, con = ingest({"routekit.yaml": AUDIO_CONFIG.format(n=2, option="audio_includes_cached: true"),
                          "voice.csv": text})
    assert con.execute("SELECT input_audio_tokens, cached_audio_tokens FROM calls").fetchall() == [(400, 100)]
    assert con.execute("SELECT _source_row, reason FROM rejects").fetchall() == [
        ("row 2", "audio_cached (100) exceeds audio_in (50), which audio_includes_cached says holds it")]
