-- Writes to an org that is being deleted are refused in the database itself, so every writer is
-- covered (the platform's services and any dependent service writing directly). The deletion
-- saga's own writes (restoring what it took away) name the org in the transaction-local setting
-- platform.org_deletion_writer. Deletes are never refused: purging must always be possible.
-- An org that does not exist is not guarded here: rows written after the hard delete are orphans,
-- which the saga's verify step (and the cleanup mode) finds and removes.
CREATE FUNCTION refuse_writes_to_deleting_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('platform.org_deletion_writer', true) = NEW.org_id::text THEN
    RETURN NEW;
  END IF;
  IF EXISTS (SELECT 1 FROM orgs WHERE id = NEW.org_id AND status = 'deleting') THEN
    RAISE EXCEPTION 'org % is being deleted: writes to % are refused', NEW.org_id, TG_TABLE_NAME
      USING ERRCODE = 'RB409';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER memberships_org_write_guard BEFORE INSERT OR UPDATE ON memberships
  FOR EACH ROW EXECUTE FUNCTION refuse_writes_to_deleting_org();
CREATE TRIGGER subscriptions_org_write_guard BEFORE INSERT OR UPDATE ON subscriptions
  FOR EACH ROW EXECUTE FUNCTION refuse_writes_to_deleting_org();
CREATE TRIGGER entitlements_org_write_guard BEFORE INSERT OR UPDATE ON entitlements
  FOR EACH ROW EXECUTE FUNCTION refuse_writes_to_deleting_org();
CREATE TRIGGER workflows_org_write_guard BEFORE INSERT OR UPDATE ON workflows
  FOR EACH ROW EXECUTE FUNCTION refuse_writes_to_deleting_org();
CREATE TRIGGER workflow_runs_org_write_guard BEFORE INSERT OR UPDATE ON workflow_runs
  FOR EACH ROW EXECUTE FUNCTION refuse_writes_to_deleting_org();
CREATE TRIGGER notifications_org_write_guard BEFORE INSERT OR UPDATE ON notifications
  FOR EACH ROW EXECUTE FUNCTION refuse_writes_to_deleting_org();

-- The org row itself: once `deleting`, only the saga may change it (restore or hard-delete).
CREATE FUNCTION refuse_updates_to_deleting_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'deleting' AND current_setting('platform.org_deletion_writer', true) IS DISTINCT FROM OLD.id::text THEN
    RAISE EXCEPTION 'org % is being deleted: updates are refused', OLD.id USING ERRCODE = 'RB409';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER orgs_deleting_guard BEFORE UPDATE ON orgs
  FOR EACH ROW EXECUTE FUNCTION refuse_updates_to_deleting_org();
