"""Audio tokens priced at the model's audio prices, from the catalog to the simulator.

Every expected dollar figure is worked by hand from genai-prices' published rates (USD per million tokens; `routekit
prices` shows them):
    gpt-realtime       text in 4    cached 0.4   out 16    audio in 32   cached audio 0.4   audio out 64
    gpt-realtime-mini  text in 0.6  cached 0.06  out 2.4   audio in 10   cached audio 0.3   audio out 20
    gpt-audio          text in 2.5  (no cache price)  out 10   audio in 32   (no audio cache price)  audio out 64
    gpt-4o             text in 2.5  cached 1.25  out 10    no audio price: audio billed as text
"""
from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest
from genai_prices import Usage, calc_price

from conftest import ingest_and_price, run_cli, write_files
from routekit.prices import PriceCatalog
from test_format_helicone_requests import record
from test_format_langfuse_observations import generation
from test_format_litellm import HEADER, _row
from test_format_otel_genai_spans import a, request, span

D = Decimal


# ---------------------------------------------------------------------------------------- reading the rates

def test_audio_rates_read_from_genai_prices():
    catalog = PriceCatalog()
    rt = catalog.quote("gpt-realtime", "openai")
    assert (rt.input_per_mtok, rt.cached_input_per_mtok, rt.output_per_mtok) == (D(4), D("0.4"), D(16))
    assert (rt.input_audio_per_mtok, rt.cached_audio_input_per_mtok, rt.output_audio_per_mtok) == (
        D(32), D("0.4"), D(64))
    mini = catalog.quote("gpt-realtime-mini", "openai")
    # the audio cache read has its own price, five times the text one
    assert (mini.cached_input_per_mtok, mini.cached_audio_input_per_mtok) == (D("0.06"), D("0.3"))
    # gpt-audio lists no audio cache price: cached audio at the audio input price (no discount assumed)
    audio = catalog.quote("gpt-audio", "openai")
    assert (audio.input_audio_per_mtok, audio.cached_audio_input_per_mtok, audio.output_audio_per_mtok) == (
        D(32), D(32), D(64))
    # a text model has none: its audio is billed as text, and the JSON says null
    text = catalog.quote("gpt-4o", "openai")
    assert (text.input_audio_per_mtok, text.cached_audio_input_per_mtok, text.output_audio_per_mtok) == (
        None, None, None)
    assert text.to_json()["input_audio_per_mtok"] is None
    assert rt.to_json()["output_audio_per_mtok"] == "64"


def test_flat_batch_discount_halves_the_audio_prices_too():
    batch = PriceCatalog().quote("gpt-realtime", "openai", variant="batch")
    assert (batch.input_audio_per_mtok, batch.cached_audio_input_per_mtok, batch.output_audio_per_mtok) == (
        D(16), D("0.2"), D(32))


def test_quote_cost_by_hand_and_against_genai_prices():
    catalog = PriceCatalog()
    rt = catalog.quote("gpt-realtime", "openai")
    # 1,000 uncached audio input tokens: 1,000 × 32 / 1e6 = $0.032 (at the text rate it was $0.004)
    assert rt.cost(1_000, 0, input_audio_tokens=1_000) == D("0.032")
    # 10,000 in (6,000 cached, 3,000 uncached audio, so 1,000 uncached text), 2,000 out (1,500 audio):
    # 1,000 × 4 + 3,000 × 32 + 6,000 × 0.4 + 500 × 16 + 1,500 × 64 = 4,000 + 96,000 + 2,400 + 8,000 + 96,000
    # = 206,400 → $0.2064
    assert rt.cost(10_000, 2_000, 6_000, input_audio_tokens=3_000, output_audio_tokens=1_500) == D("0.2064")
    mini = catalog.quote("gpt-realtime-mini", "openai")
    # 10,000 in: 6,000 cached of which 2,000 audio, 3,000 uncached audio, 1,000 uncached text; 2,000 out, 1,500 audio
    # 1,000 × 0.6 + 3,000 × 10 + 4,000 × 0.06 + 2,000 × 0.3 + 500 × 2.4 + 1,500 × 20
    # = 600 + 30,000 + 240 + 600 + 1,200 + 30,000 = 62,640 → $0.06264
    assert mini.cost(10_000, 2_000, 6_000, input_audio_tokens=3_000, cached_audio_tokens=2_000,
                     output_audio_tokens=1_500) == D("0.06264")
    # the same requests through genai-prices' own calculator, an independent implementation (its input_audio_tokens
    # include the cached audio, cache_audio_read_tokens)
    for model, ours, usage in [
            ("gpt-realtime", D("0.2064"), Usage(input_tokens=10_000, cache_read_tokens=6_000, input_audio_tokens=3_000,
                                                cache_audio_read_tokens=0, output_tokens=2_000,
                                                output_audio_tokens=1_500)),
            ("gpt-realtime-mini", D("0.06264"), Usage(input_tokens=10_000, cache_read_tokens=6_000,
                                                      input_audio_tokens=5_000, cache_audio_read_tokens=2_000,
                                                      output_tokens=2_000, output_audio_tokens=1_500))]:
        assert calc_price(usage, model_ref=model, provider_id="openai").total_price == ours


def test_prices_csv_audio_columns(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("model,input_per_mtok,output_per_mtok,input_audio_per_mtok,output_audio_per_mtok\n"
                    "voice-x,1,2,20,40\ntext-y,1,2,,\n")
    catalog = PriceCatalog(path)
    voice = catalog.quote("voice-x")
    # no cached_audio_input_per_mtok: cached audio at the audio input price, as for a catalog model
    assert (voice.input_audio_per_mtok, voice.cached_audio_input_per_mtok, voice.output_audio_per_mtok) == (
        D(20), D(20), D(40))
    # 100 audio in, 10 audio out: 100 × 20 + 10 × 40 = 2,400 → $0.0024
    assert voice.cost(100, 10, input_audio_tokens=100, output_audio_tokens=10) == D("0.0024")
    text = catalog.quote("text-y")
    assert text.input_audio_per_mtok is None
    # audio billed as text: 100 × 1 + 10 × 2 = 120 → $0.00012
    assert text.cost(100, 10, input_audio_tokens=100, output_audio_tokens=10) == D("0.00012")
    path.write_text("model,input_per_mtok,output_per_mtok,output_audio_per_mtok\nvoice-x,1,2,lots\n")
    with pytest.raises(ValueError, match=r"row 1: output_audio_per_mtok is not a number: 'lots'"):
        PriceCatalog(path)


# ---------------------------------------------------------------------------------------- each source, end to end

def _litellm_audio_row(rid, day, model="gpt-realtime", prompt=10_000, cached=6_000, audio=3_000, completion=2_000,
                       audio_out=1_500):
    # LiteLLM's usage_object mirrors the OpenAI chat usage: prompt_tokens_details.{cached_tokens, audio_tokens},
    # completion_tokens_details.{audio_tokens}
    md = {"usage_object": {"prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": audio},
                           "completion_tokens_details": {"audio_tokens": audio_out, "reasoning_tokens": 0}}}
    return _row(rid, "0", str(prompt), str(completion), f"{day} 12:00:00+00", model=model, md=md)


def test_litellm_spendlogs(client):
    rows = [HEADER, _litellm_audio_row("rt-1", "2026-09-03"),
            # gpt-4o has no audio price: 1,000 in (200 audio), 100 out (50 audio), all as text:
            # 1,000 × 2.5 + 100 × 10 = 3,500 → $0.0035
            _litellm_audio_row("t-1", "2026-09-03", model="gpt-4o", prompt=1_000, cached=0, audio=200,
                               completion=100, audio_out=50)]
    report, costs = ingest_and_price(client, {"litellm.csv": "\n".join(rows) + "\n"})
    assert report["files"][0]["format"] == "litellm_spendlogs_csv"
    # gpt-realtime: $0.2064 (test_quote_cost_by_hand_and_against_genai_prices); at the text rates it was
    # 4,000 × 4 + 6,000 × 0.4 + 2,000 × 16 = 50,400 → $0.0504
    assert costs == {"row 1": pytest.approx(0.2064, abs=1e-12), "row 2": pytest.approx(0.0035, abs=1e-12)}
    con = duckdb.connect(str(client / ".routekit" / "routekit.duckdb"), read_only=True)
    try:
        assert con.execute("""SELECT input_audio_tokens, cached_audio_tokens, output_audio_tokens FROM calls
                              ORDER BY _source_row""").fetchall() == [(3_000, None, 1_500), (200, None, 50)]
        sources = dict(con.execute("SELECT model, price_source FROM mart_models").fetchall())
    finally:
        con.close()
    assert "audio" not in sources["gpt-realtime"]   # it has audio prices: nothing to say
    assert sources["gpt-4o"].endswith("(no audio prices: audio input and output at the text prices)")


def test_helicone_requests(client):
    # Helicone's prompt_tokens leave out the cache reads and the audio: input = 2,000 + 4,000 + 1,000 = 7,000;
    # output = 300 + 700 audio. Helicone does not split the cache reads by modality: they take the uncached input's
    # audio share, 1,000 of 3,000, so 4,000 / 3 = 1,333 (rounded) cached audio, 2,667 cached text (int_priced.sql).
    # gpt-realtime-mini: 2,000 × 0.6 + 1,000 × 10 + 2,667 × 0.06 + 1,333 × 0.3 + 300 × 2.4 + 700 × 20
    # = 1,200 + 10,000 + 160.02 + 399.9 + 720 + 14,000 = 26,479.92 µ$ (all cache reads as text: 26,160; all as
    # audio: 27,120)
    rec = record("hc-a1", "OPENAI", "gpt-realtime-mini", 2_000, 300, prompt_cache_read_tokens=4_000,
                 prompt_audio_tokens=1_000, completion_audio_tokens=700)
    report, costs = ingest_and_price(client, {"output.jsonl": json.dumps(rec) + "\n"})
    assert report["files"][0]["format"] == "helicone_requests"
    assert costs == {"line 1": pytest.approx(0.02647992, abs=1e-12)}


def test_langfuse_observations(client):
    page = {"data": [
        # the OpenAI integration's usage types, prompt_tokens_details flattened as input_{key}: the same request as
        # the LiteLLM one, gpt-realtime → $0.2064
        generation("lf-1", "gpt-realtime", {"input": 1_000, "input_audio_tokens": 3_000, "input_cached_tokens": 6_000,
                                            "output": 500, "output_audio_tokens": 1_500, "total": 12_000}),
        # LangChain's usage_metadata details (input_audio, input_cache_read, output_audio): as the Helicone one
        # (its cache reads unsplit too), gpt-realtime-mini → $0.02647992
        generation("lf-2", "gpt-realtime-mini", {"input": 2_000, "input_audio": 1_000, "input_cache_read": 4_000,
                                                 "output": 300, "output_audio": 700, "total": 8_000}),
    ], "meta": {"page": 1, "limit": 50, "totalItems": 2, "totalPages": 1}}
    report, costs = ingest_and_price(client, {"observations.json": json.dumps(page)})
    assert report["files"][0]["format"] == "langfuse_observations"
    assert costs == {"line 1 $.data[0]": pytest.approx(0.2064, abs=1e-12), "line 1 $.data[1]": pytest.approx(0.02647992, abs=1e-12)}


def test_langfuse_inclusive_counts_beside_their_audio_parts(client):
    # OpenAI's documented Realtime response.done usage (tests/data/real/README.md): input 132 = 119 text + 13 audio,
    # 64 of the text cached; output 121 = 30 text + 91 audio; total 253. Written with the inclusive counts in
    # "input" / "output" beside input_cached_tokens, input_audio_tokens and output_audio_tokens, summed as Langfuse's
    # separate types the call had input 209 and output 212. The record's total, 253 = 132 + 121, falls short of that
    # sum by 64 + 13 + 91 = 168: the cache reads and the audio are inside "input" and "output".
    # gpt-realtime: (132 - 64 - 13) × 4 + 13 × 32 + 64 × 0.4 + (121 - 91) × 16 + 91 × 64
    # = 220 + 416 + 25.6 + 480 + 5,824 = 6,965.6 µ$ (summed: 132 × 4 + 416 + 25.6 + 121 × 16 + 5,824 = 8,729.6 µ$,
    # 25 % over)
    import duckdb

    from conftest import real_sample

    report, costs = ingest_and_price(client, {"langfuse/p1.json":
                                              real_sample("langfuse_observations_realtime_audio_inclusive.json")})
    assert report["files"][0]["format"] == "langfuse_observations"
    assert costs == {"$.data[0]": pytest.approx(0.0069656, abs=1e-12)}
    with duckdb.connect(report["db"], read_only=True) as con:
        assert con.execute("""SELECT input_tokens, cached_input_tokens, input_audio_tokens, output_tokens,
                                     output_audio_tokens, attributes ->> 'input_included_cache',
                                     attributes ->> 'input_included_audio', attributes ->> 'output_included_audio'
                              FROM calls""").fetchone() == (132, 64, 13, 121, 91, "true", "true", "true")
    # genai-prices' own calculator on the provider's counts, an independent check of the figure
    assert calc_price(Usage(input_tokens=132, cache_read_tokens=64, input_audio_tokens=13, cache_audio_read_tokens=0,
                            output_tokens=121, output_audio_tokens=91),
                      model_ref="gpt-realtime", provider_id="openai").total_price == D("0.0069656")


def test_langfuse_audio_inside_or_apart_by_the_total(ingest):
    # The same response written three more ways; each reads as input 132 (13 audio), output 121 (91 audio):
    usages = {
        # apart, as Langfuse's OpenAI integration writes it (its parts subtracted): 55 + 64 + 13 + 30 + 91 = 253
        "apart": {"input": 55, "input_cached_tokens": 64, "input_audio_tokens": 13, "output": 30,
                  "output_audio_tokens": 91, "total": 253},
        # the cache subtracted but not the audio: input 68 (132 - 64) still holds the 13; shortfall 13 + 91 = 104
        "audio-inside": {"input": 68, "input_cached_tokens": 64, "input_audio_tokens": 13, "output": 121,
                         "output_audio_tokens": 91, "total": 253},
        # only the input inclusive (output written apart): shortfall 64 + 13 = 77
        "input-inclusive": {"input": 132, "input_cached_tokens": 64, "input_audio_tokens": 13, "output": 30,
                            "output_audio_tokens": 91, "total": 253},
    }
    page = {"data": [generation(k, "gpt-realtime", v) for k, v in usages.items()] + [
        # a total that no reading explains (and no total at all) leaves the sum alone, as Langfuse reads it
        generation("odd", "gpt-realtime", {"input": 100, "input_audio_tokens": 10, "output": 50,
                                           "output_audio_tokens": 20, "total": 171}),
        generation("no-total", "gpt-realtime", {"input": 100, "input_audio_tokens": 10, "output": 50,
                                                "output_audio_tokens": 20}),
        # a shortfall the size of the audio, but "input" (5) cannot hold 10 audio tokens: left alone
        generation("too-small", "gpt-realtime", {"input": 5, "input_audio_tokens": 10, "output": 50, "total": 55})]}
    report, con = ingest({"p.json": json.dumps(page)})
    assert con.execute("""SELECT request_id, input_tokens, input_audio_tokens, output_tokens, output_audio_tokens
                          FROM calls ORDER BY _source_row""").fetchall() == [
        ("apart", 132, 13, 121, 91), ("audio-inside", 132, 13, 121, 91), ("input-inclusive", 132, 13, 121, 91),
        ("odd", 110, 10, 70, 20), ("no-total", 110, 10, 70, 20), ("too-small", 15, 10, 50, None)]


def test_otel_genai_spans(client):
    # semantic-conventions-genai: audio.input_tokens (5,000) includes its cache reads (audio.cache_read 2,000), so
    # 3,000 uncached audio; gpt-realtime-mini → $0.06264 (test_quote_cost_by_hand_and_against_genai_prices)
    doc = request("voice-api", [span("a1b2c3d4e5f6a001", [
        a("gen_ai.operation.name", "chat"), a("gen_ai.provider.name", "openai"),
        a("gen_ai.request.model", "gpt-realtime-mini"), a("gen_ai.response.model", "gpt-realtime-mini"),
        a("gen_ai.usage.input_tokens", 10_000), a("gen_ai.usage.cache_read.input_tokens", 6_000),
        a("gen_ai.usage.audio.input_tokens", 5_000), a("gen_ai.usage.audio.cache_read.input_tokens", 2_000),
        a("gen_ai.usage.output_tokens", 2_000), a("gen_ai.usage.audio.output_tokens", 1_500)],
        name="chat gpt-realtime-mini")])
    report, costs = ingest_and_price(client, {"traces.json": json.dumps(doc)})
    assert report["files"][0]["format"] == "otel_genai_spans"
    assert list(costs.values()) == [pytest.approx(0.06264, abs=1e-12)]


GATEWAY_YAML = """\
sources:
  generic_csv:
    - name: voice_gateway
      provider: openai
      audio_includes_cached: true
      columns: {request_id: id, timestamp: ts, model: model, input_tokens: tok_in, cached_input_tokens: tok_cached,
                input_audio_tokens: audio_in, cached_audio_tokens: audio_cached, output_tokens: tok_out,
                output_audio_tokens: audio_out}
"""


def test_generic_csv_audio_columns_through_the_cli(tmp_path):
    # An in-house voice gateway logging OpenAI Realtime usage as it comes: audio_in is input_token_details.audio_tokens,
    # which holds the 2,000 cached audio tokens (audio_includes_cached: true), so 3,000 uncached audio. Each call is
    # test_quote_cost_by_hand_and_against_genai_prices' gpt-realtime-mini request, $0.06264; 62 calls on 2026-09-01
    # and 63 on 2026-09-30 cover the calendar month, so monthly = total = 125 × $0.06264 = $7.83. As text (no audio
    # columns mapped) each call was 4,000 × 0.6 + 6,000 × 0.06 + 2,000 × 2.4 = 7,560 µ$: 125 × = $0.945.
    rows = ["id,ts,model,tok_in,tok_cached,audio_in,audio_cached,tok_out,audio_out"] + [
        f"v-{day}-{k},{day}T12:00:00Z,gpt-realtime-mini,10000,6000,5000,2000,2000,1500"
        for day, n in (("2026-09-01", 62), ("2026-09-30", 63)) for k in range(n)]
    client = tmp_path / "client"
    write_files(client, {"routekit.yaml": GATEWAY_YAML, "gateway.csv": "\n".join(rows) + "\n"})
    report = json.loads(run_cli("ingest", str(client), "--json").stdout)
    assert [(f["format"], f["rows_loaded"], f["rows_rejected"]) for f in report["files"] if f["path"] == "gateway.csv"] \
        == [("generic_csv:voice_gateway", 125, 0)]
    con = duckdb.connect(str(client / ".routekit" / "routekit.duckdb"), read_only=True)
    try:
        assert con.execute("""SELECT DISTINCT input_tokens, cached_input_tokens, input_audio_tokens, cached_audio_tokens,
                                              output_tokens, output_audio_tokens FROM calls""").fetchall() == [
            (10_000, 6_000, 3_000, 2_000, 2_000, 1_500)]
    finally:
        con.close()
    out = json.loads(run_cli("simulate", str(client), "--json").stdout)
    assert out["baseline_monthly_cost_usd"] == 7.83


def test_unsplit_cache_reads_take_the_uncached_input_audio_share(tmp_path):
    # A log with no cached-audio column: 10,000 in, 6,000 cached, 3,000 uncached audio, so the uncached input is
    # 4,000, three quarters audio: 6,000 × 3/4 = 4,500 cached audio, 1,500 cached text (int_priced.sql).
    # gpt-realtime-mini: 1,000 × 0.6 + 3,000 × 10 + 1,500 × 0.06 + 4,500 × 0.3 + 500 × 2.4 + 1,500 × 20
    # = 600 + 30,000 + 90 + 1,350 + 1,200 + 30,000 = 63,240 µ$ (cache all text: 62,160; all audio: 63,600).
    # 125 calls on 2026-09-01 and 125 on 2026-09-30: the month's 250 × $0.06324 = $15.81, the same from the cube as
    # from int_priced.
    yaml = GATEWAY_YAML.replace("      audio_includes_cached: true\n", "").replace(
        " cached_audio_tokens: audio_cached,", "")
    rows = ["id,ts,model,tok_in,tok_cached,audio_in,tok_out,audio_out"] + [
        f"v-{day}-{k},{day}T12:00:00Z,gpt-realtime-mini,10000,6000,3000,2000,1500"
        for day in ("2026-09-01", "2026-09-30") for k in range(125)]
    client = tmp_path / "client"
    write_files(client, {"routekit.yaml": yaml, "gateway.csv": "\n".join(rows) + "\n"})
    run_cli("ingest", str(client))
    from routekit.db import connect
    from routekit.engine import build

    con = connect(client / ".routekit" / "routekit.duckdb")
    try:
        build(con, client)
        assert con.execute("SELECT DISTINCT cached_audio_tokens FROM calls").fetchall() == [(None,)]
        assert con.execute("SELECT DISTINCT cached_audio_tokens, cost_usd FROM int_calls").fetchall() == [
            (4_500, D("0.06324"))]
    finally:
        con.close()
    out = json.loads(run_cli("simulate", str(client), "--json").stdout)
    assert out["baseline_monthly_cost_usd"] == 15.81


def test_openai_usage_completions(client):
    # one day of gpt-realtime-mini in the 2026 spec's shape (input_cached_audio_tokens): 100,000 in, of which
    # 40,000 cached (25,000 audio) and 30,000 uncached audio, so 30,000 uncached text; 20,000 out, 15,000 audio.
    # 30,000 × 0.6 + 30,000 × 10 + 15,000 × 0.06 + 25,000 × 0.3 + 5,000 × 2.4 + 15,000 × 20
    # = 18,000 + 300,000 + 900 + 7,500 + 12,000 + 300,000 = 638,400 → $0.6384
    result = {"object": "organization.usage.completions.result", "input_tokens": 100_000,
              "input_cached_tokens": 40_000, "input_cache_write_tokens": 0, "input_uncached_tokens": 60_000,
              "output_tokens": 20_000, "input_audio_tokens": 30_000, "input_cached_audio_tokens": 25_000,
              "output_audio_tokens": 15_000, "num_model_requests": 10, "project_id": None, "user_id": None,
              "api_key_id": None, "model": "gpt-realtime-mini-2025-10-06", "batch": False, "service_tier": None}
    page = {"object": "page", "has_more": False, "next_page": None,
            "data": [{"object": "bucket", "start_time": 1790553600, "end_time": 1790640000, "results": [result]}]}
    write_files(client, {"usage.json": json.dumps(page)})
    run_cli("ingest", str(client))
    from routekit.db import connect
    from routekit.engine import build

    con = connect(client / ".routekit" / "routekit.duckdb")
    try:
        build(con, client)
        assert con.execute("SELECT cost_usd FROM int_usage").fetchone()[0] == D("0.6384")
        # the cube carries the corrected cost and the audio counts
        assert con.execute("""SELECT sum(cost_usd), sum(input_audio_tokens), sum(cached_audio_tokens),
                                     sum(output_audio_tokens) FROM mart_cube""").fetchone() == (
            D("0.6384"), 30_000, 25_000, 15_000)
    finally:
        con.close()


# ---------------------------------------------------------------------------------------- what-if and estimate

def test_simulate_baseline_keeps_the_audio_prices(tmp_path):
    # 100 gpt-realtime calls on 2026-09-01 and 100 on 2026-09-30, each $0.2064: $41.28 over a whole calendar month,
    # so monthly = total. The simulator re-prices the cube's segments from their token counts: at the text rates it
    # would say 200 × $0.0504 = $10.08.
    rows = [HEADER] + [_litellm_audio_row(f"rt-{day}-{k}", day) for day in ("2026-09-01", "2026-09-30")
                       for k in range(100)]
    client = tmp_path / "client"
    write_files(client, {"litellm.csv": "\n".join(rows) + "\n"})
    out = json.loads(run_cli("simulate", str(client), "--json").stdout)
    assert out["baseline_monthly_cost_usd"] == 41.28
    assert out["monthly_cost_usd"] == 41.28   # gpt-realtime is untiered: every mix keeps it where it is


def test_estimate_cli():
    # 1,000 requests of the gpt-realtime request above: 1,000 × $0.2064 = $206.40
    out = json.loads(run_cli("estimate", "--requests", "1000", "--input-tokens", "10000", "--cached-input-tokens",
                             "6000", "--input-audio-tokens", "3000", "--output-tokens", "2000",
                             "--output-audio-tokens", "1500", "--mix", "gpt-realtime=1", "--json").stdout)
    assert out["monthly_cost_usd"] == 206.4
    assert out["models"][0]["prices_per_mtok"]["input_audio"] == "32"
    bad = run_cli("estimate", "--requests", "1", "--input-tokens", "100", "--output-tokens", "10",
                  "--output-audio-tokens", "11", "--mix", "gpt-realtime=1", check=False)
    assert bad.returncode != 0 and "--output-audio-tokens cannot exceed --output-tokens" in bad.stderr
