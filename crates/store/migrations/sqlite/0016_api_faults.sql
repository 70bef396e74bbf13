-- Faults a merchant injects into its own incoming API calls, and its rate
-- limits (sandbox features, none by default). `rule` is the rule as
-- checked, JSON; `times_left` counts down across every server process.
CREATE TABLE api_faults (
    id TEXT PRIMARY KEY,
    msn TEXT NOT NULL,
    kind TEXT NOT NULL,
    rule TEXT NOT NULL,
    times_left BIGINT,
    matched BIGINT NOT NULL DEFAULT 0,
    fired BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX api_faults_msn ON api_faults (msn, created_at);

-- Which fault rule or rate limit, if any, answered a logged request.
ALTER TABLE requests ADD COLUMN fault TEXT;
