-- LiteLLM_SpendLogs rows → calls. prompt_tokens normally includes cached tokens (OpenAI semantics); provider
-- cache counts live in metadata.usage_object or metadata.additional_usage_values depending on the LiteLLM version.
-- Two traps seen in real spend logs of Anthropic calls (tests/test_format_litellm.py, the real-sample test):
-- - a streamed call logs prompt_tokens_details.cached_tokens = 0 beside cache_read_input_tokens = 2455
--   (BerriAI/litellm#11789): the cache reads are the larger of the two counts, not the first one present;
-- - some versions leave the cache writes, or writes and reads, out of prompt_tokens (prompt_tokens 31 beside
--   cache_creation_input_tokens 1253, BerriAI/litellm#15056; older ones priced prompt_tokens, reads and writes
--   each at its own rate). prompt_tokens below reads + writes cannot include both, so what it cannot hold is
--   added back: the writes when it still covers the reads, else both. (A version that leaves the writes out of a
--   prompt_tokens larger than reads + writes cannot be told apart and keeps its prompt_tokens.)
-- Audio (voice models: gpt-realtime, gpt-audio, Gemini Live): usage_object.prompt_tokens_details.audio_tokens and
-- completion_tokens_details.audio_tokens (LiteLLM's Usage, the OpenAI chat usage it mirrors: "Audio input tokens
-- present in the prompt"), parts of prompt_tokens and completion_tokens. LiteLLM's own cost code
-- (litellm_core_utils/llm_cost_calc/utils.py, generic_cost_per_token) prices text = prompt_tokens - cached_tokens -
-- audio_tokens - ..., the cached tokens at the cache-read price and the audio at input_cost_per_audio_token: the
-- audio count is taken apart from the cache reads, as uncached audio, and so it is here (input_audio_tokens). LiteLLM
-- keeps no split of the cache reads by modality (cached_audio_tokens NULL here); where they cost differently,
-- int_priced.sql splits them by the call's uncached audio share (LiteLLM itself prices them all as text).
-- _md, _msgs, _tags and _req were parsed once while the file was read (sql/raw/raw_litellm_spendlogs.sql).
WITH src AS (
    SELECT *,
           _md AS md,
           _msgs AS msg_list,
           _tags AS tag_arr,
           _req AS req,
           rk_int(prompt_tokens) AS prompt_n,
           rk_ts("startTime") AS start_ts,
           coalesce(greatest(rk_int(_md.usage_object.prompt_tokens_details.cached_tokens),
                             rk_int(_md.usage_object.cache_read_input_tokens)),
                    greatest(rk_int(_md.additional_usage_values.prompt_tokens_details.cached_tokens),
                             rk_int(_md.additional_usage_values.cache_read_input_tokens)), 0) AS cached,
           coalesce(rk_int(_md.usage_object.cache_creation_input_tokens),
                    rk_int(_md.additional_usage_values.cache_creation_input_tokens), 0) AS cache_write
    FROM raw
), totals AS (
    SELECT *,
           prompt_n + CASE WHEN prompt_n >= cached + cache_write THEN 0
                           WHEN prompt_n >= cached THEN cache_write
                           ELSE cached + cache_write END AS input_n
    FROM src
)
SELECT
    _source_row,
    rk_text(request_id) AS request_id,
    start_ts AS ts,
    coalesce(rk_text(custom_llm_provider),
             CASE WHEN contains(model, '/') THEN split_part(model, '/', 1) END) AS provider,
    CASE WHEN rk_text(custom_llm_provider) IS NOT NULL AND starts_with(model, custom_llm_provider || '/')
         THEN substr(model, length(custom_llm_provider) + 2) ELSE rk_text(model) END AS model,
    coalesce(rk_text(model_group), rk_text(model)) AS model_requested,
    coalesce(md.spend_logs_metadata.feature,
             replace(list_filter(tag_arr, lambda t: starts_with(t, 'feature:'))[1], 'feature:', '')) AS feature,
    coalesce(md.user_api_key_team_alias, rk_text(team_id)) AS project,
    coalesce(md.user_api_key_alias, rk_text(api_key)) AS api_key,
    coalesce(rk_text("user"), rk_text(end_user), md.user_api_key_user_id) AS user_id,
    tag_arr AS tags,
    -- status 'success' as LiteLLM writes it settles both without trimming and lower-casing (1 % of the ingest)
    CASE WHEN status = 'success' THEN 'success'   -- its own WHEN: an OR would run the other test on every row
         WHEN lower(coalesce(rk_text(status), md.status, 'success')) IN ('success', 'succeeded', 'ok') THEN 'success'
         ELSE 'error' END AS status,
    CASE WHEN status = 'success' THEN NULL
         WHEN lower(coalesce(rk_text(status), 'success')) NOT IN ('success', 'succeeded', 'ok')
         THEN coalesce(md.error_information.error_message, md.error_information.error_class)
    END AS error,
    1 AS requests,
    input_n AS input_tokens,
    cached AS cached_input_tokens,
    cache_write AS cache_write_tokens,
    rk_int(completion_tokens) AS output_tokens,
    coalesce(rk_int(md.usage_object.completion_tokens_details.reasoning_tokens),
             rk_int(md.additional_usage_values.completion_tokens_details.reasoning_tokens)) AS reasoning_tokens,
    coalesce(rk_int(md.usage_object.prompt_tokens_details.audio_tokens),
             rk_int(md.additional_usage_values.prompt_tokens_details.audio_tokens)) AS input_audio_tokens,
    NULL::BIGINT AS cached_audio_tokens,
    coalesce(rk_int(md.usage_object.completion_tokens_details.audio_tokens),
             rk_int(md.additional_usage_values.completion_tokens_details.audio_tokens)) AS output_audio_tokens,
    rk_money(spend) AS reported_cost_usd,
    coalesce(TRY_CAST(request_duration_ms AS DOUBLE),
             epoch_ms(rk_ts("endTime")) - epoch_ms(start_ts)) AS latency_ms,
    contains(lower(coalesce(call_type, '')), 'batch') AS is_batch,
    NULL::VARCHAR AS service_tier,
    rk_text(call_type) AS operation,
    rk_msgs_system(msg_list) AS system_prompt,
    rk_msgs_last_user(msg_list) AS user_prompt,
    CAST(len(msg_list) AS INTEGER) AS n_messages,
    (req.tools IS NOT NULL OR coalesce(rk_msgs_has_tool_use(msg_list), false)) AS has_tools,
    (req.response_format IS NOT NULL) AS json_mode,
    -- the request body the proxy logged (proxy_server_request, with store_prompts_in_spend_logs): Claude's thinking
    rk_thinking_budget(req.thinking) AS thinking_budget_tokens,
    json_object('model_group', rk_text(model_group), 'team_id', rk_text(team_id), 'session_id', rk_text(session_id),
                'litellm_cache_hit', rk_text(cache_hit)) AS attributes,
    [CASE WHEN start_ts IS NULL THEN rk_ts_problem('startTime', "startTime") END,
     rk_text_problem('model', model),
     CASE WHEN prompt_n IS NULL OR prompt_n < 0 THEN rk_required_int_problem('prompt_tokens', prompt_tokens) END,
     rk_required_int_problem('completion_tokens', completion_tokens),
     rk_money_problem('spend', spend),
     CASE WHEN rk_money(spend) < 0 THEN 'negative spend: ' || spend END,
     rk_int_problem('cache_read_input_tokens', coalesce(md.usage_object.cache_read_input_tokens,
                                                        md.additional_usage_values.cache_read_input_tokens)),
     rk_int_problem('cache_creation_input_tokens', coalesce(md.usage_object.cache_creation_input_tokens,
                                                            md.additional_usage_values.cache_creation_input_tokens)),
     rk_int_problem('prompt_tokens_details.audio_tokens',
                    coalesce(md.usage_object.prompt_tokens_details.audio_tokens,
                             md.additional_usage_values.prompt_tokens_details.audio_tokens)),
     rk_int_problem('completion_tokens_details.audio_tokens',
                    coalesce(md.usage_object.completion_tokens_details.audio_tokens,
                             md.additional_usage_values.completion_tokens_details.audio_tokens))
    ] AS _problems
FROM totals
