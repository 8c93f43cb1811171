-- Claude Console token-usage CSV → usage. Input comes in parts: the canonical total is no_cache + 5m cache writes
-- + 1h cache writes + cache reads. usage_date_utc is a day (YYYY-MM-DD, the period ends a day later) or an hour
-- (YYYY-MM-DD HH:MM in hourly exports, ends an hour later). usage_type is the service tier. api_key and workspace
-- are names, not ids. No request count in this export: requests is NULL. A cache column that is absent (older
-- exports) or empty counts 0; the uncached input and the output are required.
WITH src AS (
    SELECT *,
           rk_text(usage_date_utc) AS day_text,
           rk_int(usage_input_tokens_cache_write_5m) AS write_5m,
           rk_int(usage_input_tokens_cache_write_1h) AS write_1h,
           rk_int(usage_input_tokens_cache_read) AS cache_read
    FROM raw
)
SELECT
    _source_row,
    rk_ts(day_text) AS period_start,
    rk_console_period_end(day_text) AS period_end,
    'anthropic' AS provider,
    rk_text(model_version) AS model,
    rk_text(workspace) AS project,
    rk_text(api_key) AS api_key,
    NULL::VARCHAR AS user_id,
    rk_text(usage_type) AS service_tier,
    lower(rk_text(usage_type)) = 'batch' AS is_batch,
    NULL::BIGINT AS requests,
    rk_int(usage_input_tokens_no_cache) + coalesce(write_5m, 0) + coalesce(write_1h, 0) + coalesce(cache_read, 0)
        AS input_tokens,
    coalesce(cache_read, 0) AS cached_input_tokens,
    coalesce(write_5m, 0) + coalesce(write_1h, 0) AS cache_write_tokens,
    rk_int(usage_output_tokens) AS output_tokens,
    json_object('cache_write_5m_tokens', write_5m, 'cache_write_1h_tokens', write_1h,
                'web_search_requests', rk_int(web_search_count), 'context_window', rk_text(context_window),
                'inference_geo', rk_text(inference_geo), 'speed', rk_text(speed)) AS attributes,
    [rk_ts_problem('usage_date_utc', usage_date_utc),
     rk_text_problem('model_version', model_version),
     rk_required_int_problem('usage_input_tokens_no_cache', usage_input_tokens_no_cache),
     rk_required_int_problem('usage_output_tokens', usage_output_tokens),
     rk_int_problem('usage_input_tokens_cache_write_5m', usage_input_tokens_cache_write_5m),
     rk_int_problem('usage_input_tokens_cache_write_1h', usage_input_tokens_cache_write_1h),
     rk_int_problem('usage_input_tokens_cache_read', usage_input_tokens_cache_read),
     rk_int_problem('web_search_count', web_search_count)
    ] AS _problems
FROM src
