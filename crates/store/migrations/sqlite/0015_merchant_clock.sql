-- Each merchant's own move of the sandbox clock, on top of the global one,
-- so one test's time travel leaves other merchants' payments alone.
CREATE TABLE merchant_clocks (
    msn TEXT PRIMARY KEY,
    offset_ms BIGINT NOT NULL
);
