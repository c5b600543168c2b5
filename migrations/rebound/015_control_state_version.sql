-- The kill switch's state gets a version, incremented on every change. Pause/resume signals carry
-- it, and workflows ignore a state older than the one they applied, so a resume can never be
-- undone by a pause that arrives (or a flag read that returns) after it.
ALTER TABLE control_state ADD COLUMN version bigint NOT NULL DEFAULT 0;
