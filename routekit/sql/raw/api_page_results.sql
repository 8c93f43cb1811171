-- OpenAI and Anthropic Admin API pages share one envelope: {data: [bucket {start/end, results: [result]}]}.
-- One row per result, with its place, its bucket's bounds and the result still as JSON (each format's staging
-- model json_transforms it into its own fields). A page's data array saved on its own makes each document a bucket.
-- Each JSON value is parsed once into lists: doc -> i per index would re-parse the page for every element.
CREATE OR REPLACE TEMP TABLE page_results AS
WITH pages AS (
    SELECT _source_row AS loc, doc,
           CASE WHEN json_type(doc -> '$.data') = 'ARRAY' THEN CAST(doc -> '$.data' AS JSON[]) END AS bucket_list
    FROM docs
), buckets AS (
    SELECT loc, '.data[' || b || ']' AS path, bucket
    FROM (SELECT loc, unnest(range(len(bucket_list))) AS b, unnest(bucket_list) AS bucket FROM pages)
    UNION ALL
    SELECT loc, '', doc FROM pages WHERE (doc -> '$.data') IS NULL AND (doc -> '$.results') IS NOT NULL
), bucket_fields AS (
    SELECT loc, path,
           json_transform(bucket, '{"start_time": "VARCHAR", "end_time": "VARCHAR",
                                    "starting_at": "VARCHAR", "ending_at": "VARCHAR"}') AS bk,
           CASE WHEN json_type(bucket -> '$.results') = 'ARRAY'
                THEN CAST(bucket -> '$.results' AS JSON[]) END AS result_list
    FROM buckets
)
SELECT rk_at(loc, path || '.results[' || r || ']') AS _source_row, bk, rec
FROM (SELECT loc, path, bk, unnest(range(len(result_list))) AS r, unnest(result_list) AS rec FROM bucket_fields)
