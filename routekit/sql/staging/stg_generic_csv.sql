-- A client's own call-log CSV → calls. generic_raw has one VARCHAR column per canonical field (NULL where the
-- mapping leaves it out); generic_options holds the mapping's options; currency_rates the client's rates.
WITH src AS (
    SELECT g.*, o.*, r.usd_per_unit AS rate,
           CASE WHEN json_type(rk_json(g.prompt)) = 'ARRAY' THEN rk_json(g.prompt) END AS msgs,
           rk_int(g.input_tokens) AS n_input,
           coalesce(rk_int(g.cached_input_tokens), 0) AS n_cached,
           coalesce(rk_int(g.cache_write_tokens), 0) AS n_cache_write,
           -- the input neither read from nor written to the cache, which uncached audio is a part of
           CASE WHEN o.input_includes_cached THEN n_input - n_cached - n_cache_write ELSE n_input END AS n_uncached,
           rk_int(g.cached_audio_tokens) AS n_cached_audio,
           -- the uncached audio input, the canonical input_audio_tokens (schema.sql)
           rk_int(g.input_audio_tokens) - CASE WHEN o.audio_includes_cached THEN coalesce(rk_int(g.cached_audio_tokens), 0)
                                               ELSE 0 END AS n_audio,
           rk_int(g.output_audio_tokens) AS n_audio_out,
           rk_money(g.cost) AS cost_amount,
           NOT o.status_mapped OR list_contains(o.success_values, lower(trim(g.status))) AS ok
    FROM generic_raw g
    CROSS JOIN generic_options o
    LEFT JOIN currency_rates r ON r.code = o.currency
)
SELECT
    _source_row,
    rk_text(request_id) AS request_id,
    rk_ts("timestamp") AS ts,
    lower(coalesce(rk_text(provider), rk_text(default_provider))) AS provider,
    rk_text(model) AS model,
    rk_text(model) AS model_requested,
    rk_text(feature) AS feature,
    rk_text(project) AS project,
    rk_text(api_key) AS api_key,
    rk_text(user_id) AS user_id,
    CASE WHEN json_type(rk_json(tags)) = 'ARRAY' THEN CAST(rk_json(tags) AS VARCHAR[])
         WHEN rk_text(tags) IS NOT NULL
             THEN list_filter(list_transform(string_split_regex(tags, '[,;|]'), lambda t: trim(t)), lambda t: t <> '')
    END AS tags,
    CASE WHEN coalesce(ok, false) THEN 'success' ELSE 'error' END AS status,
    CASE WHEN NOT coalesce(ok, false) THEN coalesce(rk_text(error), rk_text(status), 'no status') END AS error,
    1 AS requests,
    -- input_includes_cached: false means the input column counts uncached tokens only (Anthropic and Bedrock
    -- style): add cache reads and writes so input_tokens is the total
    CASE WHEN input_includes_cached THEN n_input ELSE n_input + n_cached + n_cache_write END AS input_tokens,
    n_cached AS cached_input_tokens,
    n_cache_write AS cache_write_tokens,
    rk_int(output_tokens) AS output_tokens,
    rk_int(reasoning_tokens) AS reasoning_tokens,
    n_audio AS input_audio_tokens,
    n_cached_audio AS cached_audio_tokens,
    n_audio_out AS output_audio_tokens,
    CAST(cost_amount * CAST(rate AS DECIMAL(38, 12)) AS DECIMAL(38, 12)) AS reported_cost_usd,
    TRY_CAST(latency_ms AS DOUBLE) AS latency_ms,
    coalesce(rk_bool(is_batch), false) AS is_batch,
    rk_text(service_tier) AS service_tier,
    NULL::VARCHAR AS operation,
    coalesce(rk_text(system_prompt), rk_messages_system(msgs)) AS system_prompt,
    coalesce(rk_messages_last_user(msgs), CASE WHEN msgs IS NULL THEN rk_text(prompt) END) AS user_prompt,
    CAST(json_array_length(msgs) AS INTEGER) AS n_messages,
    CASE WHEN msgs IS NOT NULL
         THEN list_contains(CAST(json_extract_string(msgs, '$[*].role') AS VARCHAR[]), 'tool')
              OR len(list_filter(CAST(msgs AS JSON[]), lambda msg: (msg -> 'tool_calls') IS NOT NULL)) > 0 END
        AS has_tools,
    NULL::BOOLEAN AS json_mode,
    CASE WHEN currency <> 'USD' AND cost_amount IS NOT NULL
         THEN json_object('cost_original', cost_amount, 'cost_currency', currency, 'usd_per_unit', rate) END
        AS attributes,
    [rk_ts_problem(source_columns['timestamp'], "timestamp"),
     rk_text_problem(source_columns['model'], model),
     -- a successful call whose file has the count column but no count in it would be priced as free
     CASE WHEN coalesce(ok, false) AND map_contains(source_columns, 'input_tokens')
          THEN rk_required_int_problem(source_columns['input_tokens'], input_tokens)
          ELSE rk_int_problem(source_columns['input_tokens'], input_tokens) END,
     rk_int_problem(source_columns['cached_input_tokens'], cached_input_tokens),
     rk_int_problem(source_columns['cache_write_tokens'], cache_write_tokens),
     CASE WHEN coalesce(ok, false) AND map_contains(source_columns, 'output_tokens')
          THEN rk_required_int_problem(source_columns['output_tokens'], output_tokens)
          ELSE rk_int_problem(source_columns['output_tokens'], output_tokens) END,
     rk_int_problem(source_columns['reasoning_tokens'], reasoning_tokens),
     rk_int_problem(source_columns['input_audio_tokens'], input_audio_tokens),
     rk_int_problem(source_columns['cached_audio_tokens'], cached_audio_tokens),
     rk_int_problem(source_columns['output_audio_tokens'], output_audio_tokens),
     -- the audio counts are parts of the others: more audio than its whole would be priced as negative text
     CASE WHEN audio_includes_cached AND n_audio < 0
          THEN source_columns['cached_audio_tokens'] || ' (' || n_cached_audio || ') exceeds '
               || source_columns['input_audio_tokens'] || ' (' || rk_int(input_audio_tokens)
               || '), which audio_includes_cached says holds it'
          WHEN n_audio > n_uncached
          THEN source_columns['input_audio_tokens'] || ' (' || n_audio || ' uncached audio) exceeds the uncached input ('
               || n_uncached || ')' END,
     CASE WHEN n_cached_audio > n_cached
          THEN source_columns['cached_audio_tokens'] || ' (' || n_cached_audio || ') exceeds the cache reads ('
               || n_cached || coalesce(', ' || source_columns['cached_input_tokens'], '; no cached_input_tokens column')
               || ')' END,
     CASE WHEN n_audio_out > rk_int(output_tokens)
          THEN source_columns['output_audio_tokens'] || ' (' || n_audio_out || ') exceeds '
               || source_columns['output_tokens'] || ' (' || rk_int(output_tokens) || ')' END,
     rk_money_problem(source_columns['cost'], cost),
     CASE WHEN cost_amount < 0 THEN 'negative cost: ' || source_columns['cost'] || ' = ' || cost END,
     CASE WHEN rk_text(latency_ms) IS NOT NULL AND TRY_CAST(latency_ms AS DOUBLE) IS NULL
          THEN source_columns['latency_ms'] || ' is not a number: ' || rk_quote(latency_ms) END,
     CASE WHEN lower(coalesce(rk_text(provider), rk_text(default_provider))) IS NULL
          THEN 'missing ' || source_columns['provider'] END
    ] AS _problems
FROM src
