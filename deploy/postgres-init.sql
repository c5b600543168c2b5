-- The compose deployment's Postgres starts with the platform database; Rebound's own state
-- (audit trail, control state) lives in a second database.
CREATE DATABASE rebound OWNER rebound;
