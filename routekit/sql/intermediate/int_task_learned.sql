-- The learned model (TF-IDF + logistic regression, trained by `routekit classify --train`) scored in SQL on the calls
-- the rules left undecided. The model's coefficients are loaded by classify.py into rk_model_vocab (term, idf),
-- rk_model_weights (term, class_idx, weight) and rk_model_classes (class_idx, task_type, intercept); the calls to
-- score are rk_learn_input (rid, system_prompt, user_prompt).
-- Terms are the macro rk_model_terms of the tokens rk_model_tokens (macros.sql) gives, which classify.model_terms
-- uses for training too: words in any script and character bigrams of Chinese, Japanese and Korean text, of the
-- first $max_chars characters, the first $max_tokens tokens ($tokenizer: the model's, 'unicode' or, for a model
-- trained before, 'ascii'). A call's features are sublinear tf × idf, L2-normalised (scikit-learn's
-- TfidfVectorizer(sublinear_tf=True)); its score per class is features · weights + intercept, and the probability of
-- the best class is its softmax share, as LogisticRegression.predict_proba computes it.
WITH tokens AS (
    SELECT rid, rk_model_tokens(user_prompt, $max_chars, $max_tokens, $tokenizer) AS u,
           rk_model_tokens(system_prompt, $max_chars, $max_tokens, $tokenizer) AS s
    FROM rk_learn_input
), terms AS (
    SELECT rid, unnest(rk_model_terms(u, s)) AS term FROM tokens
), tf AS (
    SELECT rid, term, count(*) AS n FROM terms GROUP BY ALL
), x AS (
    SELECT tf.rid, tf.term, (1 + ln(tf.n)) * v.idf AS v FROM tf JOIN rk_model_vocab v USING (term)
), norms AS (
    SELECT rid, sqrt(sum(v * v)) AS norm FROM x GROUP BY rid
), dots AS (
    SELECT x.rid, w.class_idx, sum(x.v * w.weight) AS dot FROM x JOIN rk_model_weights w USING (term) GROUP BY ALL
), scores AS (
    -- every class for every call to score (a dozen rows per call), so a class no term points to keeps its intercept
    SELECT i.rid, c.task_type, coalesce(d.dot / n.norm, 0) + c.intercept AS z
    FROM rk_learn_input i
    CROSS JOIN rk_model_classes c
    LEFT JOIN norms n ON n.rid = i.rid
    LEFT JOIN dots d ON d.rid = i.rid AND d.class_idx = c.class_idx
), ranked AS (
    SELECT rid, task_type, z, max(z) OVER (PARTITION BY rid) AS z_max FROM scores
)
SELECT rid, arg_max(task_type, z) AS task_type, 1.0 / sum(exp(z - z_max)) AS probability
FROM ranked
GROUP BY rid
