-- LiteLLM_SpendLogs rows → calls. prompt_tokens already includes cached tokens (OpenAI semantics); provider
-- cache counts live in metadata.usage_object or metadata.additional_usage_values depending on the LiteLLM version.
WITH src AS (
    SELECT *,
           rk_json(metadata) AS md,
           rk_json(messages) AS msgs,
           rk_json(request_tags) AS tag_list,
           rk_json(proxy_server_request) AS req
    FROM raw
), parsed AS (
    SELECT *,
           coalesce(md -> '$.usage_object', md -> '$.additional_usage_values') AS usage_obj,
           CASE WHEN json_type(tag_list) = 'ARRAY' THEN CAST(tag_list AS VARCHAR[]) END AS tag_arr,
           CASE WHEN json_type(msgs) = 'ARRAY' THEN msgs END AS msg_list
    FROM src
)
SELECT
    _source_row,
    rk_text(request_id) AS request_id,
    rk_ts("startTime") AS ts,
    coalesce(rk_text(custom_llm_provider),
             CASE WHEN contains(model, '/') THEN split_part(model, '/', 1) END) AS provider,
    CASE WHEN rk_text(custom_llm_provider) IS NOT NULL AND starts_with(model, custom_llm_provider || '/')
         THEN substr(model, length(custom_llm_provider) + 2) ELSE rk_text(model) END AS model,
    coalesce(rk_text(model_group), rk_text(model)) AS model_requested,
    coalesce(md ->> '$.spend_logs_metadata.feature',
             replace(list_filter(tag_arr, lambda t: starts_with(t, 'feature:'))[1], 'feature:', '')) AS feature,
    coalesce(md ->> '$.user_api_key_team_alias', rk_text(team_id)) AS project,
    coalesce(md ->> '$.user_api_key_alias', rk_text(api_key)) AS api_key,
    coalesce(rk_text("user"), rk_text(end_user), md ->> '$.user_api_key_user_id') AS user_id,
    tag_arr AS tags,
    CASE WHEN lower(coalesce(rk_text(status), md ->> '$.status', 'success')) IN ('success', 'succeeded', 'ok')
         THEN 'success' ELSE 'error' END AS status,
    coalesce(md ->> '$.error_information.error_message', md ->> '$.error_information.error_class') AS error,
    1 AS requests,
    rk_int(prompt_tokens) AS input_tokens,
    coalesce(rk_int(usage_obj ->> '$.prompt_tokens_details.cached_tokens'),
             rk_int(usage_obj ->> '$.cache_read_input_tokens'), 0) AS cached_input_tokens,
    coalesce(rk_int(usage_obj ->> '$.cache_creation_input_tokens'), 0) AS cache_write_tokens,
    rk_int(completion_tokens) AS output_tokens,
    rk_int(usage_obj ->> '$.completion_tokens_details.reasoning_tokens') AS reasoning_tokens,
    rk_money(spend) AS reported_cost_usd,
    coalesce(TRY_CAST(request_duration_ms AS DOUBLE),
             epoch_ms(rk_ts("endTime")) - epoch_ms(rk_ts("startTime"))) AS latency_ms,
    contains(lower(coalesce(call_type, '')), 'batch') AS is_batch,
    NULL::VARCHAR AS service_tier,
    rk_text(call_type) AS operation,
    rk_messages_system(msg_list) AS system_prompt,
    rk_messages_last_user(msg_list) AS user_prompt,
    CAST(json_array_length(msg_list) AS INTEGER) AS n_messages,
    ((req -> '$.tools') IS NOT NULL
        OR len(list_filter(CAST(msg_list AS JSON[]), lambda m: m ->> 'role' = 'tool' OR (m -> 'tool_calls') IS NOT NULL)) > 0
    ) AS has_tools,
    ((req -> '$.response_format') IS NOT NULL) AS json_mode,
    json_object('model_group', rk_text(model_group), 'team_id', rk_text(team_id), 'session_id', rk_text(session_id),
                'litellm_cache_hit', rk_text(cache_hit)) AS attributes,
    [rk_ts_problem('startTime', "startTime"),
     rk_text_problem('model', model),
     rk_required_int_problem('prompt_tokens', prompt_tokens),
     rk_required_int_problem('completion_tokens', completion_tokens),
     rk_money_problem('spend', spend),
     CASE WHEN rk_money(spend) < 0 THEN 'negative spend: ' || spend END,
     CASE WHEN coalesce(rk_int(usage_obj ->> '$.prompt_tokens_details.cached_tokens'),
                        rk_int(usage_obj ->> '$.cache_read_input_tokens'), 0) > greatest(rk_int(prompt_tokens), 0)
          THEN 'cached tokens exceed prompt_tokens' END
    ] AS _problems
FROM parsed
