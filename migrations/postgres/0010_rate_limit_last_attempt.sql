-- When a throttling counter last counted an attempt (Unix seconds). A username under attack
-- makes each address that keeps failing it wait a growing delay counted from that address's
-- own last attempt, so nobody else can push an owner's wait further out. Existing counters
-- start at 0: "long ago".
ALTER TABLE rate_limits ADD COLUMN last_at BIGINT NOT NULL DEFAULT 0;
