"""AWS Bedrock model invocation logs: one JSON record per InvokeModel / Converse call.

S3 delivery writes JSON Lines (``.json.gz``); a JSON array of records, the output of ``aws logs filter-log-events``
(each event's ``message`` is the record as a string) and a CloudWatch Logs Insights JSON export (``@message``) are
read too. ``modelId`` may be a model id, an inference-profile id or an ARN; ``model`` is the foundation model id
with the ARN and geographic prefix removed, ``model_requested`` the id as logged.
"""
from __future__ import annotations

import duckdb

from routekit.db import sql_text
from routekit.sources import registry
from routekit.sources.base import FileSample, SourceFormat


class BedrockInvocationLog(SourceFormat):
    name = "bedrock_invocation_log"
    target = "calls"
    title = "AWS Bedrock model invocation logs (JSON Lines)"
    obtain = (
        "Logging must be on before the calls you want to see, in every region used: Bedrock console → Settings → "
        "Model invocation logging → enable, with text data delivery to S3 (or CloudWatch Logs). From S3: "
        "`aws s3 sync s3://<bucket>/<prefix>/AWSLogs/<account-id>/BedrockModelInvocationLogs/ bedrock/ "
        "--exclude '*' --include '*/2026/09/*'` (one `.json.gz` of JSON Lines per delivery, under "
        "`<region>/YYYY/MM/DD/HH/`). From CloudWatch Logs: `aws logs filter-log-events --log-group-name "
        "<log group from the logging settings> --start-time <epoch ms> --end-time <epoch ms> --output json > "
        "bedrock-cloudwatch.json` (the CLI follows the pages), or Logs Insights → `fields @timestamp, @message` → "
        "Export results → Download table (JSON) (at most 10,000 rows per query). Calls tagged with `requestMetadata` "
        "(`feature`, `project`, `team`) are attributed by those tags.")
    reader = "json"

    def matches(self, sample: FileSample) -> bool:
        if sample.kind not in ("json", "jsonl") or sample.has_keys("resourceSpans"):
            return False
        if sample.has_keys("modelId") and ("ModelInvocationLog" in sample.text
                                           or sample.has_keys("requestId", "accountId")):
            return True
        # CloudWatch exports: the record is a JSON string inside each log event
        return "ModelInvocationLog" in sample.text and (sample.has_keys("events", "message")
                                                        or sample.has_keys("@message"))

    def prepare_raw(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE raw AS {sql_text('raw/raw_bedrock_invocation_log.sql')}")


registry.register(BedrockInvocationLog())
