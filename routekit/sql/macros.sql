-- Parsing helpers shared by every staging model. Each rk_*_problem macro returns NULL when the value is fine and
-- otherwise a sentence a person understands; staging models collect them into _problems.

-- Timestamps: ISO 8601 with or without offset (naive means UTC), dates, unix seconds/milliseconds.
-- The common case goes first and cheaply: epoch_us of a TIMESTAMPTZ applies any offset without ICU's zone
-- conversion (about 5x faster than AT TIME ZONE at millions of rows); the rest is tried only where it fails. A CASE,
-- not COALESCE(first, rest): inside a staging model the COALESCE form cost 1.8 % more of a LiteLLM ingest's
-- instructions (two timestamps a row) for the same values.
CREATE OR REPLACE TEMP MACRO rk_ts(v) AS CASE
    WHEN TRY_CAST(CAST(v AS VARCHAR) AS TIMESTAMPTZ) IS NOT NULL
        THEN make_timestamp(epoch_us(TRY_CAST(CAST(v AS VARCHAR) AS TIMESTAMPTZ)))
    WHEN regexp_full_match(trim(CAST(v AS VARCHAR)), '\d{9,10}(\.\d+)?')
        THEN make_timestamp(CAST(round(TRY_CAST(trim(CAST(v AS VARCHAR)) AS DOUBLE) * 1e6) AS BIGINT))
    WHEN regexp_full_match(trim(CAST(v AS VARCHAR)), '\d{12,13}')
        THEN make_timestamp(TRY_CAST(trim(CAST(v AS VARCHAR)) AS BIGINT) * 1000)
    ELSE make_timestamp(epoch_us(TRY_CAST(trim(CAST(v AS VARCHAR)) AS TIMESTAMPTZ)))
END;

-- OTLP nanosecond strings.
CREATE OR REPLACE TEMP MACRO rk_ts_nanos(v) AS
    make_timestamp(CAST(TRY_CAST(CAST(v AS VARCHAR) AS HUGEINT) // 1000 AS BIGINT));

-- Token counts: whole numbers; "12.0" is accepted, "abc" and "1.5" are not. The plain integer cast comes first:
-- it is the common case and far cheaper than the DOUBLE round trip.
CREATE OR REPLACE TEMP MACRO rk_int(v) AS CASE
    -- DuckDB's integer cast rounds "1.5" to 2: only strings without a point or exponent take the fast path
    WHEN NOT (contains(CAST(v AS VARCHAR), '.') OR contains(lower(CAST(v AS VARCHAR)), 'e'))
        THEN TRY_CAST(CAST(v AS VARCHAR) AS BIGINT)
    WHEN TRY_CAST(trim(CAST(v AS VARCHAR)) AS DOUBLE) = round(TRY_CAST(trim(CAST(v AS VARCHAR)) AS DOUBLE))
        THEN CAST(TRY_CAST(trim(CAST(v AS VARCHAR)) AS DOUBLE) AS BIGINT)
END;

CREATE OR REPLACE TEMP MACRO rk_money(v) AS TRY_CAST(trim(CAST(v AS VARCHAR)) AS DECIMAL(38, 12));

CREATE OR REPLACE TEMP MACRO rk_bool(v) AS CASE
    WHEN lower(trim(CAST(v AS VARCHAR))) IN ('true', 't', '1', 'yes', 'y') THEN true
    WHEN lower(trim(CAST(v AS VARCHAR))) IN ('false', 'f', '0', 'no', 'n') THEN false
END;

CREATE OR REPLACE TEMP MACRO rk_text(v) AS nullif(trim(CAST(v AS VARCHAR)), '');

-- Whether a text holds anything but spaces (rk_text(t) IS NOT NULL) without copying it when its first character
-- settles it, as it does for nearly every prompt: 3x faster over a million prompts.
CREATE OR REPLACE TEMP MACRO rk_has_text(t) AS CASE WHEN ascii(t) > 32 THEN true ELSE rk_text(t) IS NOT NULL END;

-- A bad value as a reject reason shows it: 'abc', 'n/a', '2026-04-31'. But a file whose columns slipped can put prompt
-- text (a client secret) in a number's or a date's place, and reasons reach reports and logs: a value is quoted only
-- when it is short, printable ASCII and not a phrase (three words or more); otherwise only its length is said.
CREATE OR REPLACE TEMP MACRO rk_quote(v) AS CASE
    WHEN length(CAST(v AS VARCHAR)) <= 40 AND regexp_full_match(CAST(v AS VARCHAR), '[\x20-\x7E€£¥]*')
         AND NOT regexp_matches(CAST(v AS VARCHAR), '[A-Za-z]{2,}[^A-Za-z]+[A-Za-z]{2,}[^A-Za-z]+[A-Za-z]{2,}')
        THEN '''' || CAST(v AS VARCHAR) || ''''
    ELSE 'a text of ' || length(CAST(v AS VARCHAR)) || ' characters (not shown: it may be prompt text)' END;

CREATE OR REPLACE TEMP MACRO rk_int_problem(name, v) AS CASE
    WHEN v IS NULL OR trim(CAST(v AS VARCHAR)) = '' THEN NULL
    WHEN rk_int(v) IS NULL THEN name || ' is not a whole number: ' || rk_quote(v)
    WHEN rk_int(v) < 0 THEN 'negative token count: ' || name || ' = ' || CAST(v AS VARCHAR)
END;

CREATE OR REPLACE TEMP MACRO rk_required_int_problem(name, v) AS CASE
    WHEN v IS NULL OR trim(CAST(v AS VARCHAR)) = '' THEN 'missing ' || name
    ELSE rk_int_problem(name, v)
END;

-- An amount of dollars as a sentence quotes it (reconciliation causes), so that a reader can check it: to the cent
-- from $1 up, below it to three significant digits (never fewer than the cent's two places), half away from zero
-- as money is rounded elsewhere, zeros past the cent dropped ($0.25, not $0.250). Rounded to the cent,
-- northwind_support's OpenRouter qwen3 calls ($0.00696486 billed, $0.00663096 at list price) read "own cost ($0.01)
-- is 5.0 % above list price ($0.01)". round() takes no per-row places on a DECIMAL, so the amount is shifted
-- by them (exact: DECIMAL x BIGINT), rounded to a whole number and shifted back for format, which prints the digits
-- kept and nothing else.
CREATE OR REPLACE TEMP MACRO rk_usd_places(v) AS
    CASE WHEN abs(v) >= 1 OR v = 0 THEN 2 ELSE least(12, 2 - floor(log10(abs(v)::DOUBLE))) END::INTEGER;
CREATE OR REPLACE TEMP MACRO rk_usd_text(v) AS CASE WHEN v < 0 THEN '-$' ELSE '$' END || regexp_replace(
    format('{:,.{}f}', round(abs(v) * CAST(10 ** rk_usd_places(v) AS BIGINT), 0)::DOUBLE / 10 ** rk_usd_places(v),
           rk_usd_places(v)),
    '(\.\d\d\d*?)0+$', '\1');

CREATE OR REPLACE TEMP MACRO rk_money_problem(name, v) AS CASE
    WHEN v IS NULL OR trim(CAST(v AS VARCHAR)) = '' THEN NULL
    WHEN rk_money(v) IS NULL THEN name || ' is not a number: ' || rk_quote(v)
END;

CREATE OR REPLACE TEMP MACRO rk_ts_field(name) AS CASE WHEN name = 'timestamp' THEN name ELSE 'timestamp ' || name END;

CREATE OR REPLACE TEMP MACRO rk_ts_problem(name, v) AS CASE
    -- a field named 'timestamp' (Bedrock's) is not said twice
    WHEN v IS NULL OR trim(CAST(v AS VARCHAR)) = '' THEN 'missing ' || rk_ts_field(name)
    WHEN rk_ts(v) IS NULL THEN 'unparseable ' || rk_ts_field(name) || ': ' || rk_quote(v)
END;

CREATE OR REPLACE TEMP MACRO rk_text_problem(name, v) AS CASE
    WHEN v IS NULL OR trim(CAST(v AS VARCHAR)) = '' THEN 'missing ' || name
END;

CREATE OR REPLACE TEMP MACRO rk_reason(problems) AS
    nullif(array_to_string(problems, '; '), '');   -- array_to_string skips the NULLs (fine values) '), '');

-- Prompt text from a chat message list. Content may be a string or a list of parts ({type:text,text} for
-- OpenAI/Anthropic/Bedrock Converse, {type:text,content} for OTel GenAI). A JSON value whose text starts with a quote
-- is a string: that test settles nearly every message without json_type's parse (1 % of a LiteLLM ingest).
CREATE OR REPLACE TEMP MACRO rk_content_text(c) AS CASE
    WHEN c IS NULL THEN NULL
    WHEN starts_with(CAST(c AS VARCHAR), '"') THEN c ->> '$'   -- two WHENs: an OR would run json_type on every row
    WHEN json_type(c) = 'VARCHAR' THEN c ->> '$'
    WHEN json_type(c) = 'ARRAY' THEN nullif(array_to_string(list_filter(
        list_transform(TRY_CAST(c AS JSON[]), lambda p: coalesce(p ->> 'text', p ->> 'content')), lambda t: t IS NOT NULL), chr(10)), '')
    WHEN json_type(c) = 'OBJECT' THEN coalesce(c ->> 'text', c ->> 'content')
END;

-- A chat message list parsed ONCE into structs (JSON columns are text: every -> re-parses the document, which
-- dominates ingest time at millions of rows). Accepts OpenAI/Anthropic `content` and OTel GenAI `parts`.
CREATE OR REPLACE TEMP MACRO rk_msgs(j) AS CASE WHEN json_valid(CAST(j AS VARCHAR)) THEN
    json_transform(CAST(j AS VARCHAR), '[{"role": "VARCHAR", "content": "JSON", "parts": "JSON", "tool_calls": "JSON"}]')
END;

CREATE OR REPLACE TEMP MACRO rk_msgs_system(msgs) AS nullif(array_to_string(list_transform(
    list_filter(msgs, lambda m: m.role IN ('system', 'developer')),
    lambda m: rk_content_text(coalesce(m.content, m.parts))), chr(10)), '');

CREATE OR REPLACE TEMP MACRO rk_msgs_last_user(msgs) AS rk_content_text(coalesce(
    list_filter(msgs, lambda m: m.role = 'user')[-1].content,
    list_filter(msgs, lambda m: m.role = 'user')[-1].parts));

CREATE OR REPLACE TEMP MACRO rk_msgs_has_tool_use(msgs) AS
    len(list_filter(msgs, lambda m: m.role = 'tool' OR m.tool_calls IS NOT NULL)) > 0;

-- The same from a JSON message list.
CREATE OR REPLACE TEMP MACRO rk_messages_system(msgs) AS rk_msgs_system(rk_msgs(msgs));
CREATE OR REPLACE TEMP MACRO rk_messages_last_user(msgs) AS rk_msgs_last_user(rk_msgs(msgs));

CREATE OR REPLACE TEMP MACRO rk_json(v) AS CASE WHEN json_valid(CAST(v AS VARCHAR)) THEN CAST(v AS JSON) END;

-- A JSON object, or a JSON string holding one's text (loggers that keep request parameters as strings).
CREATE OR REPLACE TEMP MACRO rk_json_object(j) AS CASE WHEN json_type(j) = 'VARCHAR' THEN rk_json(j ->> '$') ELSE j END;

-- Claude's extended thinking as a request asked for it (platform.claude.com/docs/en/build-with-claude/extended-thinking):
-- `thinking: {"type": "enabled", "budget_tokens": N}` → N; adaptive thinking (`{"type": "adaptive"}`, Claude sets its
-- own budget) → 0; no thinking, or "disabled" → NULL. `t` is the request's `thinking` value as JSON.
CREATE OR REPLACE TEMP MACRO rk_thinking_budget(t) AS CASE lower(rk_json_object(t) ->> 'type')
    WHEN 'enabled' THEN coalesce(rk_int(rk_json_object(t) ->> 'budget_tokens'), 0)
    WHEN 'adaptive' THEN 0 END;

-- A cell of a CSV written from JSON records (Langfuse's UI export): newer exports write a string as it is, older ones
-- JSON-encoded every value, strings and dates included ("OpenAI-generation" with its quotes); either way the text.
CREATE OR REPLACE TEMP MACRO rk_csv_cell(v) AS CASE
    WHEN starts_with(v, '"') AND json_valid(v) AND json_type(CAST(v AS JSON)) = 'VARCHAR' THEN CAST(v AS JSON) ->> '$'
    ELSE nullif(v, '') END;

-- The same cell as the JSON value it was written from: an object, a list or a number as such, any other text (a
-- plain-text prompt) as a JSON string.
CREATE OR REPLACE TEMP MACRO rk_csv_json(v) AS CASE
    WHEN rk_csv_cell(v) IS NULL THEN NULL
    WHEN json_valid(rk_csv_cell(v)) THEN CAST(rk_csv_cell(v) AS JSON)
    ELSE to_json(rk_csv_cell(v)) END;

-- Where a JSON record sits: "line 3 $.data[0].results[2]" in JSON Lines, "$.data[0].results[2]" in one document.
CREATE OR REPLACE TEMP MACRO rk_at(loc, suffix) AS CASE
    WHEN suffix = '' THEN coalesce(nullif(loc, ''), '$')
    WHEN loc = '' THEN '$' || suffix
    WHEN contains(loc, '$') THEN loc || suffix
    ELSE loc || ' $' || suffix
END;

-- The indices of a JSON array (an empty list for a missing or non-array value), for LATERAL unnesting.
CREATE OR REPLACE TEMP MACRO rk_indices(arr) AS
    CASE WHEN json_type(arr) = 'ARRAY' THEN range(CAST(json_array_length(arr) AS BIGINT)) ELSE [] END;

-- OpenAI cost line items are free text ("gpt-4o-2024-08-06, input", "gpt-5-nano, input_tokens", "Image models"):
-- the charge kind is what follows the last comma, the model what precedes it. Shared by the Costs API and the
-- dashboard cost CSV (stg_openai_costs.sql, stg_openai_cost_csv.sql).
CREATE OR REPLACE TEMP MACRO rk_line_item_kind(kind) AS CASE
    WHEN kind IS NULL THEN NULL
    WHEN contains(kind, 'cache') AND (contains(kind, 'write') OR contains(kind, 'creat')) THEN 'cache_write'
    WHEN contains(kind, 'cached') OR regexp_matches(kind, 'cache[ _]?read') THEN 'cached_input'
    WHEN contains(kind, 'input') THEN 'input'
    WHEN contains(kind, 'output') THEN 'output'
    WHEN regexp_matches(kind, 'web[ _]?search') THEN 'web_search'
END;

-- An OpenAI cost line item, "gpt-4o-2024-08-06, cached input": the head is what precedes the LAST comma, less a
-- product surface before a bar ("evals | gpt-4o-mini-2024-07-18, input", as real lines in OpenAI's usage-API
-- cookbook read; the surface is kept apart); the charge is what follows the last comma, or the whole line.
CREATE OR REPLACE TEMP MACRO rk_line_item_head(line_item) AS
    CASE WHEN contains(line_item, ',') THEN rk_text(regexp_extract(line_item, '^(?:.*\|)?\s*(.*),([^,]*)$', 1)) END;
CREATE OR REPLACE TEMP MACRO rk_line_item_surface(line_item) AS
    CASE WHEN contains(line_item, ',') AND contains(line_item, '|')
         THEN rk_text(regexp_extract(line_item, '^([^|]*)\|', 1)) END;
CREATE OR REPLACE TEMP MACRO rk_line_item_charge(line_item) AS
    lower(rk_text(CASE WHEN contains(line_item, ',') THEN regexp_extract(line_item, '^(.*),([^,]*)$', 2)
                       ELSE line_item END));

-- The model of a line item: the head when it looks like a model id; a line without a comma that names no charge
-- kind but looks like a model id (a digit or hyphen, no spaces) is a bare model name. A fine-tune is written
-- "ft-gpt-4o-2024-08-06" there: it becomes ft:gpt-4o-2024-08-06, the id the Usage API and call logs use, so the
-- line reconciles with the fine-tune's usage (tiers.normalise_model).
CREATE OR REPLACE TEMP MACRO rk_line_item_model(head, line_item, kind_type) AS regexp_replace(CASE
    WHEN head IS NOT NULL THEN
        CASE WHEN regexp_full_match(head, '[A-Za-z0-9][A-Za-z0-9._:/-]*') THEN head END
    WHEN kind_type IS NULL AND regexp_full_match(line_item, '[A-Za-z0-9][A-Za-z0-9._:/-]*')
         AND regexp_matches(line_item, '[0-9-]') THEN line_item
END, '^ft-', 'ft:');

-- The cost of some tokens at per-million prices, exactly (DECIMAL): uncached input at the input price, cache reads
-- and cache writes at theirs (the input price when the catalog has none: OpenAI bills writes as input), output at
-- the output price. input_tokens is the total input (canonical semantics), so the uncached part is derived.
-- Audio (schema.sql): uncached audio input at the audio input price, the audio cache reads (a part of the cache reads)
-- at the audio cache-read price, audio output (a part of the output) at the audio output price; a NULL audio price
-- (a model without one) bills those tokens as text, at the text price passed for them (the cliff tier's above it).
CREATE OR REPLACE TEMP MACRO rk_token_cost(input, cached, cache_write, output, p_in, p_cached, p_write, p_out,
                                           audio, cached_audio, output_audio, p_audio, p_audio_cached, p_audio_out) AS
    (greatest(coalesce(input, 0) - coalesce(cached, 0) - coalesce(cache_write, 0) - coalesce(audio, 0), 0) * p_in
     + coalesce(audio, 0) * coalesce(p_audio, p_in)
     + greatest(coalesce(cached, 0) - coalesce(cached_audio, 0), 0) * coalesce(p_cached, p_in)
     + coalesce(cached_audio, 0) * coalesce(p_audio_cached, p_cached, p_in)
     + coalesce(cache_write, 0) * coalesce(p_write, p_in)
     + greatest(coalesce(output, 0) - coalesce(output_audio, 0), 0) * p_out
     + coalesce(output_audio, 0) * coalesce(p_audio_out, p_out)) * 0.000001;

-- The price variant a request was billed at.
CREATE OR REPLACE TEMP MACRO rk_price_variant(is_batch, service_tier) AS CASE
    WHEN is_batch THEN 'batch'
    WHEN lower(service_tier) IN ('batch') THEN 'batch'
    WHEN lower(service_tier) IN ('priority', 'flex') THEN lower(service_tier)
    ELSE 'standard'
END;

-- Which length bucket a token count falls in: bounds are the lower edges after the first (e.g. [1000, 4000]),
-- labels one more than bounds (e.g. ['<1k', '1k-4k', '4k+']).
CREATE OR REPLACE TEMP MACRO rk_bucket(n, bounds, labels) AS
    labels[1 + len(list_filter(bounds, lambda b: coalesce(n, 0) >= b))];

-- A call's input band for pricing the cube: the largest of the catalog's cliffs (PriceCatalog.input_cliffs, ascending:
-- the input sizes past which some model prices a request higher) that its total input is above, 0 when none. Most
-- calls are below the first cliff and stop at the first test.
CREATE OR REPLACE TEMP MACRO rk_input_floor(n, cliffs) AS CASE
    WHEN len(cliffs) = 0 OR coalesce(n, 0) <= cliffs[1] THEN 0
    ELSE list_max(list_filter(cliffs, lambda c: n > c)) END;

-- The time-of-day slot of a UTC timestamp: bounds are the slots' inner start times as text ('00:30:00'), labels one
-- more than bounds. No bounds (no time-of-day prices involved): the one label, without touching the timestamp.
CREATE OR REPLACE TEMP MACRO rk_time_slot(ts, bounds, labels) AS CASE WHEN len(bounds) = 0 THEN labels[1]
    ELSE labels[1 + len(list_filter(CAST(bounds AS TIME[]), lambda b: CAST(ts AS TIME) >= b))] END;

-- Whether a price_periods row applies at a row's UTC time of day (int_priced): a row with a time takes the slice it
-- falls in (from_time inclusive, to_time exclusive, NULL bounds the day's start and end), never a day rate; a row
-- without one (aggregated usage) takes the all-day row, which for a model with time-of-day prices is its day rate.
CREATE OR REPLACE TEMP MACRO rk_price_at_time(time_of_day, from_time, to_time, day_rate) AS CASE
    WHEN time_of_day IS NULL THEN from_time IS NULL AND to_time IS NULL
    ELSE NOT day_rate AND (from_time IS NULL OR time_of_day >= from_time) AND (to_time IS NULL OR time_of_day < to_time)
END;

-- The end of a Claude Console export row's period: its usage_date_utc is a day (YYYY-MM-DD) in daily exports and an
-- hour (YYYY-MM-DD HH:MM) in hourly ones. Shared by the token and cost CSV staging models.
CREATE OR REPLACE TEMP MACRO rk_console_period_end(day_text) AS CASE
    WHEN regexp_full_match(day_text, '\d{4}-\d{2}-\d{2}') THEN rk_ts(day_text) + INTERVAL 1 DAY
    WHEN regexp_full_match(day_text, '\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?') THEN rk_ts(day_text) + INTERVAL 1 HOUR
END;

-- Code in the user message or the system prompt: a ``` fence, or lines that look like code (code_re, classify.py's
-- CODE_LIKE_RE, matched on the lower-cased first 4,000 characters). A rule's `when: code_block`.
CREATE OR REPLACE TEMP MACRO rk_code_block(usr, sys, code_re) AS
    (coalesce(contains(usr, '```'), false) OR coalesce(contains(sys, '```'), false))
    OR coalesce(regexp_matches(lower(left(usr, 4000)), code_re), false);

-- The learned model's terms of one call (int_task_learned.sql scores with them, and classify.model_terms trains
-- with this same macro, so the two cannot drift apart): the tokens of the user message with each adjacent pair of
-- them, and the system prompt's tokens prefixed 's:'. Tokens: of the lower-cased first max_chars characters, runs of
-- letters, marks and digits in any script; a run in Chinese, Japanese or Korean script, which puts no spaces between
-- words, gives its character bigrams (a lone character itself), any other run of two or more characters is a word;
-- the first max_tokens of them. tokenizer 'ascii' is the [a-z0-9]{2,} words of the models trained before routekit
-- read other scripts (their files name no tokenizer), kept so that such a model scores as it was trained.
CREATE OR REPLACE TEMP MACRO rk_model_tokens(t, max_chars, max_tokens, tokenizer) AS list_slice(
    CASE WHEN tokenizer = 'ascii'
        THEN regexp_extract_all(lower(left(coalesce(t, ''), max_chars)), '[a-z0-9]{2,}')
        ELSE flatten(list_transform(
            regexp_extract_all(lower(left(coalesce(t, ''), max_chars)),
                '[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\x{30FC}\x{FF70}]+'
                || '|[^\s\p{P}\p{S}\p{Z}\p{C}\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\x{30FC}\x{FF70}]{2,}'),
            lambda r: CASE WHEN length(r) > 1
                                AND regexp_matches(r, '^[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\x{30FC}\x{FF70}]')
                           THEN list_transform(range(1, length(r)), lambda i: substr(r, i, 2))
                           ELSE [r] END))
    END, 1, max_tokens);

-- The terms of a call from its tokens (u: the user message's, s: the system prompt's, each rk_model_tokens): tokens
-- passed in, not texts, as a macro's argument is copied to each place it is used and would be tokenized again there.
CREATE OR REPLACE TEMP MACRO rk_model_terms(u, s) AS list_concat(
    u, list_transform(range(1, len(u)), lambda i: u[i] || ' ' || u[i + 1]), list_transform(s, lambda x: 's:' || x));
