-- OpenRouter activity CSV → calls. tokens_prompt includes cached tokens (tokens_cached is a subset);
-- tokens_reasoning is part of tokens_completion; cost_total is what OpenRouter charged, in USD.
-- The export has no audio token counts (the generation API's num_input_audio_prompt counts audio inputs, not
-- tokens): audio columns stay NULL, so a voice model's audio is priced at its text rates; cost_total is its true cost.
-- A call on the client's own provider key (BYOK) is billed twice: the provider bills the inference on its own invoice,
-- and OpenRouter charges only its fee (openrouter.ai/docs/features/byok: a percentage of what the call would cost on
-- OpenRouter, waived for the first requests of a month), which is then all cost_total holds; byok_usage_inference is
-- the inference cost in USD (OpenRouter's Activity API: "BYOK inference cost in USD (external credits spent)"; the
-- generation API's upstream_inference_cost). The export has no is_byok column: a call is BYOK when
-- byok_usage_inference is above 0. Its reported cost is what the call cost the client: the upstream inference plus
-- OpenRouter's fee (both kept apart in attributes, so reconcile can say which invoice holds which).
-- feature = app_name: the app attribution each caller sends (X-Title / HTTP-Referer) is the closest thing
-- OpenRouter keeps to the client's workflow name.
WITH src AS (
    SELECT *,
           rk_bool(cancelled) AS is_cancelled,
           lower(rk_text(finish_reason_normalized)) AS finish,
           coalesce(rk_money(byok_usage_inference) > 0, false) AS is_byok
    FROM raw
)
SELECT
    _source_row,
    rk_text(generation_id) AS request_id,
    rk_ts(created_at) AS ts,                     -- UTC without an offset
    'openrouter' AS provider,
    rk_text(model_permaslug) AS model,
    rk_text(model_permaslug)
        || CASE WHEN lower(rk_text(variant)) NOT IN ('standard', 'default') THEN ':' || rk_text(variant) ELSE '' END
        AS model_requested,
    rk_text(app_name) AS feature,
    NULL::VARCHAR AS project,
    rk_text(api_key_name) AS api_key,
    rk_text("user") AS user_id,
    NULL::VARCHAR[] AS tags,
    CASE WHEN coalesce(is_cancelled, false) OR finish = 'error' THEN 'error' ELSE 'success' END AS status,
    CASE WHEN coalesce(is_cancelled, false) THEN 'cancelled'
         WHEN finish = 'error' THEN coalesce(rk_text(finish_reason_raw), 'error') END AS error,
    1 AS requests,
    rk_int(tokens_prompt) AS input_tokens,
    coalesce(rk_int(tokens_cached), 0) AS cached_input_tokens,
    0 AS cache_write_tokens,                     -- not in the export
    rk_int(tokens_completion) AS output_tokens,
    rk_int(tokens_reasoning) AS reasoning_tokens,
    CASE WHEN is_byok THEN coalesce(rk_money(cost_total), 0) + rk_money(byok_usage_inference)
         ELSE rk_money(cost_total) END AS reported_cost_usd,
    TRY_CAST(generation_time_ms AS DOUBLE) AS latency_ms,
    false AS is_batch,
    NULL::VARCHAR AS service_tier,
    NULL::VARCHAR AS operation,
    NULL::VARCHAR AS system_prompt,
    NULL::VARCHAR AS user_prompt,
    NULL::INTEGER AS n_messages,
    NULL::BOOLEAN AS has_tools,
    NULL::BOOLEAN AS json_mode,
    json_object('upstream_provider', rk_text(provider_name),
                'variant', rk_text(variant),
                'app_name', rk_text(app_name),
                'streamed', rk_bool(streamed),
                'finish_reason', rk_text(finish_reason_normalized),
                'finish_reason_raw', rk_text(finish_reason_raw),
                'time_to_first_token_ms', TRY_CAST(time_to_first_token_ms AS DOUBLE),
                'cost_web_search', rk_money(cost_web_search),
                'cost_cache', rk_money(cost_cache),
                'cost_file_processing', rk_money(cost_file_processing),
                -- with a bring-your-own key the upstream provider bills the inference; cost_total is OpenRouter's fee
                'byok', is_byok,
                'byok_usage_inference', rk_money(byok_usage_inference),
                'openrouter_fee_usd', CASE WHEN is_byok THEN rk_money(cost_total) END,
                'api_key_disabled', rk_bool(api_key_disabled)) AS attributes,
    [rk_ts_problem('created_at', created_at),
     rk_text_problem('model_permaslug', model_permaslug),
     rk_required_int_problem('tokens_prompt', tokens_prompt),
     rk_required_int_problem('tokens_completion', tokens_completion),
     rk_int_problem('tokens_cached', tokens_cached),
     rk_int_problem('tokens_reasoning', tokens_reasoning),
     rk_money_problem('cost_total', cost_total),
     CASE WHEN rk_money(cost_total) < 0 THEN 'negative cost_total: ' || cost_total END,
     rk_money_problem('byok_usage_inference', byok_usage_inference),
     CASE WHEN rk_money(byok_usage_inference) < 0 THEN 'negative byok_usage_inference: ' || byok_usage_inference END,
     CASE WHEN rk_int(tokens_cached) > rk_int(tokens_prompt) THEN 'tokens_cached exceed tokens_prompt' END
    ] AS _problems
FROM src
