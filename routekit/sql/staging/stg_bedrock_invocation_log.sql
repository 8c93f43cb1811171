-- AWS Bedrock model invocation logs (raw, built by raw_bedrock_invocation_log.sql) → calls. inputTokenCount
-- EXCLUDES cache reads and writes (Bedrock reports them separately), so
-- input_tokens = inputTokenCount + cacheReadInputTokenCount + cacheWriteInputTokenCount.
-- The log counts tokens without a speech/text split, so the audio columns stay NULL: a Nova Sonic session
-- (InvokeModelWithBidirectionalStream) is priced at its text rates (amazon.nova-sonic-v1:0 input 0.06 / output 0.24
-- $/Mtok against speech 3.4 / 13.6 in genai-prices 0.2.3). The split exists only in the session's own usageEvent
-- (details.total.input / output .speechTokens / .textTokens); a client that logs it loads it as a generic CSV.
WITH src AS (
    SELECT *,
           rk_text(model_id) AS model_ref,
           rk_text(error_code) IS NOT NULL
               OR lower(coalesce(log_status, '')) IN ('failure', 'failed', 'error') AS is_error,
           -- ARN of a foundation model or a system inference profile: the id after the slash; what else an ARN
           -- can name (application inference profile, provisioned or custom model) cannot be resolved here
           CASE WHEN NOT starts_with(model_id, 'arn:') THEN rk_text(model_id)
                WHEN regexp_matches(model_id, ':(foundation-model|inference-profile)/')
                    THEN regexp_extract(model_id, '[^/]+$')
           END AS model_no_arn
    FROM raw
)
SELECT
    _source_row,
    rk_text(request_id) AS request_id,
    rk_ts(ts_text) AS ts,
    'aws.bedrock' AS provider,
    -- A geographic cross-region inference profile (us., eu., jp. ...) is billed like the in-region model id behind
    -- it, so its prefix goes. The global. profile keeps its prefix: from Claude Sonnet 4.5 / Haiku 4.5 on, regional
    -- endpoints (in-region and geographic profiles) cost 10 % more than global ones, and genai-prices prices the
    -- bare id at the regional rate and global.* at the global one (AWS: docs.aws.amazon.com/bedrock/latest/
    -- userguide/global-cross-region-inference.html, "approximately 10% savings ... compared to geographic
    -- cross-Region inference"; Anthropic: platform.claude.com/docs/en/about-claude/pricing, third-party platforms).
    coalesce(regexp_replace(model_no_arn, '^(us-gov|us|eu|apac|jp|au|ca|in)\.([^.]+\..+)$', '\2'), model_ref)
        AS model,
    model_ref AS model_requested,
    rk_text(request_metadata ->> 'feature') AS feature,
    coalesce(rk_text(request_metadata ->> 'project'), rk_text(request_metadata ->> 'team'),
             rk_text(regexp_extract(identity_arn, ':assumed-role/([^/]+)', 1)),
             rk_text(regexp_extract(identity_arn, ':role/(?:.*/)?([^/]+)$', 1))) AS project,
    NULL::VARCHAR AS api_key,
    rk_text(identity_arn) AS user_id,
    CASE WHEN starts_with(request_metadata, '{')
         THEN list_transform(json_keys(request_metadata),
                             lambda key: key || ':' || coalesce(request_metadata ->> key, '')) END AS tags,
    CASE WHEN is_error THEN 'error' ELSE 'success' END AS status,
    CASE WHEN is_error THEN coalesce(nullif(concat_ws(': ', rk_text(error_code), rk_text(error_message)), ''),
                                     rk_text(log_status)) END AS error,
    1 AS requests,
    rk_int(v_input) + coalesce(rk_int(v_cache_read), 0) + coalesce(rk_int(v_cache_write), 0) AS input_tokens,
    coalesce(rk_int(v_cache_read), 0) AS cached_input_tokens,
    coalesce(rk_int(v_cache_write), 0) AS cache_write_tokens,
    rk_int(v_output) AS output_tokens,
    NULL::BIGINT AS reasoning_tokens,             -- Bedrock counts thinking tokens inside outputTokenCount
    NULL::DECIMAL(38, 12) AS reported_cost_usd,
    coalesce(TRY_CAST(invocation_latency_ms AS DOUBLE), TRY_CAST(converse_latency_ms AS DOUBLE)) AS latency_ms,
    false AS is_batch,                            -- batch inference jobs are not in invocation logs
    CASE WHEN lower(performance_latency) = 'optimized' THEN 'latency_optimized' END AS service_tier,
    rk_text(operation) AS operation,
    coalesce(rk_content_text(body_system), rk_msgs_system(body_messages)) AS system_prompt,
    coalesce(rk_msgs_last_user(body_messages), rk_text(body_text)) AS user_prompt,
    CAST(len(body_messages) AS INTEGER) AS n_messages,
    body_tools IS NOT NULL OR body_tool_config IS NOT NULL AS has_tools,
    body_response_format IS NOT NULL AS json_mode,
    thinking_budget AS thinking_budget_tokens,
    json_object('account_id', rk_text(account_id),
                'region', rk_text(region),
                'inference_region', rk_text(inference_region),
                'identity_arn', rk_text(identity_arn),
                'request_metadata', request_metadata,
                'performance_latency', rk_text(performance_latency),
                'first_byte_latency_ms', TRY_CAST(first_byte_latency_ms AS DOUBLE),
                'input_body_s3_path', rk_text(input_body_s3_path),
                'output_body_s3_path', rk_text(output_body_s3_path),
                'schema_version', rk_text(schema_version)) AS attributes,
    [CASE WHEN NOT parsed_ok THEN 'log message is not a JSON invocation record' END,
     CASE WHEN parsed_ok THEN rk_text_problem('modelId', model_ref) END,
     CASE WHEN parsed_ok THEN rk_ts_problem('timestamp', ts_text) END,
     -- a successful invocation always logs both counts: without them the call would be priced as free
     CASE WHEN is_error OR NOT parsed_ok THEN rk_int_problem('input.inputTokenCount', v_input)
          ELSE rk_required_int_problem('input.inputTokenCount', v_input) END,
     rk_int_problem('input.cacheReadInputTokenCount', v_cache_read),
     rk_int_problem('input.cacheWriteInputTokenCount', v_cache_write),
     CASE WHEN is_error OR NOT parsed_ok THEN rk_int_problem('output.outputTokenCount', v_output)
          ELSE rk_required_int_problem('output.outputTokenCount', v_output) END
    ] AS _problems
FROM src
