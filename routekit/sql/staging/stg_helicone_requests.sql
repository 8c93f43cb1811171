-- Helicone request records (raw, built by raw_helicone_requests.sql) → calls. Helicone stores prompt_tokens WITHOUT
-- the cache reads, cache writes and audio tokens it reports beside them, for every provider (its OpenAI processor
-- subtracts prompt_tokens_details.cached_tokens and audio_tokens; Anthropic's input_tokens exclude the cache), so
-- input_tokens = prompt_tokens + prompt_cache_read_tokens + prompt_cache_write_tokens + prompt_audio_tokens.
-- Output: the provider's own count from the response body where the export has it (its AI Gateway subtracts the
-- reasoning tokens from completion_tokens and keeps them nowhere else), else completion_tokens +
-- completion_audio_tokens.
-- Audio: prompt_audio_tokens (apart from the cache reads, which Helicone subtracts separately) is the uncached audio
-- input and completion_audio_tokens the audio output, both priced at the model's audio prices (schema.sql). Helicone
-- exports no split of its cache reads by modality (cached_audio_tokens NULL): int_priced.sql splits them by the
-- call's uncached audio share.
-- Responses Helicone served from its own cache are not model calls (the provider never saw them): left out here,
-- counted in the load note (HeliconeRequests.note).
WITH src AS (
    SELECT *,
           TRY_CAST(response_status AS INTEGER) AS http_status,
           rk_int(v_prompt) + coalesce(rk_int(v_cache_read), 0) + coalesce(rk_int(v_cache_write), 0)
               + coalesce(rk_int(v_prompt_audio), 0) AS input_total,
           -- Helicone logs a request that got no response (timeout, client gone) with a negative status
           NOT coalesce(TRY_CAST(response_status AS INTEGER) BETWEEN 200 AND 299, false) AS is_error,
           coalesce(rk_text(model_override), rk_text(helicone_model), rk_text(response_model),
                    rk_text(request_model)) AS model_ref
    FROM raw
    WHERE NOT helicone_cache_hit
)
SELECT
    _source_row,
    rk_text(request_id) AS request_id,
    rk_ts(created_text) AS ts,
    -- Helicone's provider enum (OPENAI, ANTHROPIC, AZURE, BEDROCK, ...) in the lower case routekit's tables carry
    CASE lower(rk_text(provider_name)) WHEN 'bedrock' THEN 'aws.bedrock' WHEN 'aws' THEN 'aws.bedrock'
         ELSE lower(rk_text(provider_name)) END AS provider,
    model_ref AS model,
    coalesce(rk_text(request_model), model_ref) AS model_requested,
    rk_text(props_lc['feature']) AS feature,
    coalesce(rk_text(props_lc['project']), rk_text(props_lc['team']), rk_text(props_lc['app'])) AS project,
    NULL::VARCHAR AS api_key,                 -- the export carries no key id
    rk_text(request_user_id) AS user_id,
    CASE WHEN cardinality(props) > 0
         THEN list_transform(map_entries(props), lambda e: e.key || ':' || coalesce(e.value, '')) END AS tags,
    CASE WHEN is_error THEN 'error' ELSE 'success' END AS status,
    CASE WHEN is_error THEN 'HTTP status ' || coalesce(response_status, 'missing') END AS error,
    1 AS requests,
    input_total AS input_tokens,
    coalesce(rk_int(v_cache_read), 0) AS cached_input_tokens,
    coalesce(rk_int(v_cache_write), 0) AS cache_write_tokens,
    coalesce(rk_int(v_response_output), rk_int(v_completion) + coalesce(rk_int(v_completion_audio), 0))
        AS output_tokens,
    rk_int(v_response_reasoning) AS reasoning_tokens,   -- only in the response body
    rk_int(v_prompt_audio) AS input_audio_tokens,
    NULL::BIGINT AS cached_audio_tokens,
    rk_int(v_completion_audio) AS output_audio_tokens,
    rk_money(v_cost_usd) AS reported_cost_usd,
    TRY_CAST(delay_ms AS DOUBLE) AS latency_ms,
    false AS is_batch,
    NULL::VARCHAR AS service_tier,
    rk_text(regexp_replace(request_path, '^https?://[^/]+', '')) AS operation,
    coalesce(rk_content_text(body_system), rk_msgs_system(body_messages)) AS system_prompt,
    coalesce(rk_msgs_last_user(body_messages), rk_text(body_text)) AS user_prompt,
    CAST(len(body_messages) AS INTEGER) AS n_messages,
    body_tools IS NOT NULL OR coalesce(rk_msgs_has_tool_use(body_messages), false) AS has_tools,
    body_response_format IS NOT NULL AS json_mode,
    thinking_budget AS thinking_budget_tokens,
    json_object('http_status', http_status,
                'time_to_first_token_ms', TRY_CAST(ttft_ms AS DOUBLE),
                'country_code', rk_text(country_code),
                'target_url', rk_text(target_url)) AS attributes,
    [rk_text_problem('request_id', request_id),
     rk_ts_problem('request_created_at', created_text),
     rk_text_problem('model', model_ref),
     -- a successful call always has both counts: without them it would be priced as free
     CASE WHEN is_error THEN rk_int_problem('prompt_tokens', v_prompt)
          ELSE rk_required_int_problem('prompt_tokens', v_prompt) END,
     CASE WHEN is_error THEN rk_int_problem('completion_tokens', v_completion)
          ELSE rk_required_int_problem('completion_tokens', v_completion) END,
     -- Helicone writes 0 where the response carried no usage (and for logged tool or data steps): priced, such a
     -- call would look free
     CASE WHEN NOT is_error AND input_total = 0
          THEN 'no input tokens recorded (prompt_tokens and the cache and audio counts are all 0)' END,
     rk_int_problem('prompt_cache_read_tokens', v_cache_read),
     rk_int_problem('prompt_cache_write_tokens', v_cache_write),
     rk_int_problem('prompt_audio_tokens', v_prompt_audio),
     rk_int_problem('completion_audio_tokens', v_completion_audio),
     rk_money_problem('cost', v_cost_usd)
    ] AS _problems
FROM src
