-- Bedrock invocation log documents (docs) → raw: one row per invocation, each record parsed ONCE into a struct
-- (every `->` on JSON text re-parses it, and a record carries the whole request and response bodies).
-- Three shapes: S3 delivery / a JSON array (the doc is the record), `aws logs filter-log-events` output (the
-- record is the JSON string in events[].message) and a Logs Insights JSON export (in "@message").
WITH shaped AS (
    SELECT _source_row, doc, json_transform(doc, '{"events": "JSON", "@message": "VARCHAR"}') AS wrap
    FROM docs
), records AS (
    SELECT rk_at(_source_row, '') AS _source_row, CAST(doc AS VARCHAR) AS rec_text, true AS parsed_ok
    FROM shaped
    WHERE wrap.events IS NULL AND wrap."@message" IS NULL
    UNION ALL
    SELECT rk_at(_source_row, '.events[' || i || '].message'), ev.message, json_valid(ev.message)
    FROM (SELECT _source_row, unnest(evs) AS ev, generate_subscripts(evs, 1) - 1 AS i
          FROM (SELECT _source_row, json_transform(wrap.events, '[{"message": "VARCHAR"}]') AS evs
                FROM shaped WHERE wrap.events IS NOT NULL))
    UNION ALL
    SELECT rk_at(_source_row, '."@message"'), wrap."@message", json_valid(wrap."@message")
    FROM shaped
    WHERE wrap."@message" IS NOT NULL AND wrap.events IS NULL
), parsed AS (
    SELECT _source_row, coalesce(parsed_ok, false) AS parsed_ok,
           CASE WHEN parsed_ok THEN json_transform(rec_text, '{
               "schemaVersion": "VARCHAR", "timestamp": "VARCHAR", "accountId": "VARCHAR",
               "identity": {"arn": "VARCHAR"}, "region": "VARCHAR", "inferenceRegion": "VARCHAR",
               "requestId": "VARCHAR", "operation": "VARCHAR", "modelId": "VARCHAR",
               "status": "VARCHAR", "errorCode": "VARCHAR", "errorMessage": "VARCHAR",
               "requestMetadata": "JSON", "performanceConfig": {"latency": "VARCHAR"},
               "input": {"inputTokenCount": "VARCHAR", "cacheReadInputTokenCount": "VARCHAR",
                         "cacheWriteInputTokenCount": "VARCHAR", "inputBodyJson": "JSON", "inputBodyS3Path": "VARCHAR"},
               "output": {"outputTokenCount": "VARCHAR", "outputBodyJson": "JSON", "outputBodyS3Path": "VARCHAR"}
           }') END AS r
    FROM records
), bodies AS (
    SELECT _source_row, parsed_ok, r,
           -- a body logged as a JSON string holds the JSON text of the body
           CASE WHEN starts_with(r.input.inputBodyJson, '"') THEN rk_json(r.input.inputBodyJson ->> '$')
                ELSE r.input.inputBodyJson END AS ib_text,
           CASE WHEN starts_with(r.output.outputBodyJson, '"') THEN rk_json(r.output.outputBodyJson ->> '$')
                ELSE r.output.outputBodyJson END AS ob_text
    FROM parsed
), parsed_bodies AS (
    SELECT _source_row, parsed_ok, r,
           -- the model's native request: Anthropic Messages, Converse, OpenAI-style, Titan/Llama/Cohere text fields
           json_transform(ib_text, '{
               "system": "JSON", "messages": "JSON", "tools": "JSON", "toolConfig": "JSON", "response_format": "JSON",
               "prompt": "VARCHAR", "inputText": "VARCHAR", "message": "VARCHAR", "thinking": "JSON",
               "additionalModelRequestFields": {"thinking": "JSON"}}') AS ib,
           -- invocation metrics sit in the response object, or in the last chunk of a streamed response (a list
           -- of chunks); Converse responses report metrics.latencyMs
           CASE WHEN starts_with(ob_text, '{') THEN json_transform(ob_text, '{
                    "amazon-bedrock-invocationMetrics": {"inputTokenCount": "VARCHAR", "outputTokenCount": "VARCHAR",
                        "cacheReadInputTokenCount": "VARCHAR", "cacheWriteInputTokenCount": "VARCHAR",
                        "invocationLatency": "VARCHAR", "firstByteLatency": "VARCHAR"},
                    "metrics": {"latencyMs": "VARCHAR"}}') END AS ob_object,
           CASE WHEN starts_with(ob_text, '[') THEN list_filter(json_transform(ob_text, '[{
                    "amazon-bedrock-invocationMetrics": {"inputTokenCount": "VARCHAR", "outputTokenCount": "VARCHAR",
                        "cacheReadInputTokenCount": "VARCHAR", "cacheWriteInputTokenCount": "VARCHAR",
                        "invocationLatency": "VARCHAR", "firstByteLatency": "VARCHAR"}}]'),
                    lambda c: c."amazon-bedrock-invocationMetrics" IS NOT NULL)[-1]."amazon-bedrock-invocationMetrics"
           END AS im_streamed
    FROM bodies
), metrics AS (
    SELECT *, coalesce(ob_object."amazon-bedrock-invocationMetrics", im_streamed) AS im FROM parsed_bodies
)
-- Flat columns: staging applies CASE to these, and DuckDB 2.0 evaluates a CAST inside CASE on every row when its
-- argument is a struct field (`Expected ARRAY, but got VARCHAR`), so no struct reaches staging.
SELECT
    _source_row, parsed_ok,
    r.schemaVersion AS schema_version, r.timestamp AS ts_text, r.accountId AS account_id,
    r.identity.arn AS identity_arn, r.region, r.inferenceRegion AS inference_region, r.requestId AS request_id,
    r.operation, r.modelId AS model_id, r.status AS log_status, r.errorCode AS error_code,
    r.errorMessage AS error_message, r.requestMetadata AS request_metadata,
    r.performanceConfig.latency AS performance_latency,
    r.input.inputBodyS3Path AS input_body_s3_path, r.output.outputBodyS3Path AS output_body_s3_path,
    coalesce(r.input.inputTokenCount, im.inputTokenCount) AS v_input,
    coalesce(r.input.cacheReadInputTokenCount, im.cacheReadInputTokenCount) AS v_cache_read,
    coalesce(r.input.cacheWriteInputTokenCount, im.cacheWriteInputTokenCount) AS v_cache_write,
    coalesce(r.output.outputTokenCount, im.outputTokenCount) AS v_output,
    im.invocationLatency AS invocation_latency_ms, im.firstByteLatency AS first_byte_latency_ms,
    ob_object.metrics.latencyMs AS converse_latency_ms,
    ib.system AS body_system, rk_msgs(ib.messages) AS body_messages, ib.tools AS body_tools,
    ib.toolConfig AS body_tool_config, ib.response_format AS body_response_format,
    coalesce(ib.prompt, ib.inputText, ib.message) AS body_text,
    -- Claude's extended thinking: in the InvokeModel body (Anthropic Messages), or Converse's
    -- additionalModelRequestFields (AWS, "Extended thinking" in the Bedrock user guide)
    rk_thinking_budget(coalesce(ib.thinking, ib.additionalModelRequestFields.thinking)) AS thinking_budget
FROM metrics
