-- Parsed once while the LiteLLM SpendLogs file is read (select-list appended to the raw table): see
-- SourceFormat.raw_extra_sql. Numbers are read as text and cast in staging, so a bad value becomes a reject.
CASE WHEN json_valid(metadata) THEN json_transform(metadata, '{
    "spend_logs_metadata": {"feature": "VARCHAR"},
    "user_api_key_alias": "VARCHAR",
    "user_api_key_team_alias": "VARCHAR",
    "user_api_key_user_id": "VARCHAR",
    "status": "VARCHAR",
    "error_information": {"error_message": "VARCHAR", "error_class": "VARCHAR"},
    "usage_object": {"prompt_tokens_details": {"cached_tokens": "VARCHAR", "audio_tokens": "VARCHAR"},
                     "completion_tokens_details": {"reasoning_tokens": "VARCHAR", "audio_tokens": "VARCHAR"},
                     "cache_read_input_tokens": "VARCHAR", "cache_creation_input_tokens": "VARCHAR"},
    "additional_usage_values": {"prompt_tokens_details": {"cached_tokens": "VARCHAR", "audio_tokens": "VARCHAR"},
                                "completion_tokens_details": {"reasoning_tokens": "VARCHAR",
                                                              "audio_tokens": "VARCHAR"},
                                "cache_read_input_tokens": "VARCHAR", "cache_creation_input_tokens": "VARCHAR"}
}') END AS _md,
rk_msgs(messages) AS _msgs,
CASE WHEN json_valid(request_tags) THEN json_transform(request_tags, '["VARCHAR"]') END AS _tags,
CASE WHEN json_valid(proxy_server_request)
     THEN json_transform(proxy_server_request, '{"tools": "JSON", "response_format": "JSON", "thinking": "JSON"}') END AS _req
