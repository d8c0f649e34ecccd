"""SQL that makes the audit table append-only (used by migration 0002 and by the test-suite's flush helper).

No DELETE; the only UPDATE allowed is the sealing of a not-yet-sealed row (setting seq, prev_hash and
entry_hash). Whoever bypasses this (a database superuser dropping the trigger) is caught by
`consular audit verify`.
"""

CONTENT = ["created_at", "actor_id", "actor_username", "action", "object_type", "object_id", "request_id",
           "client_address", "data"]


def _changed(null_safe_ne: str) -> str:
    return " OR ".join(f"NEW.{c} {null_safe_ne} OLD.{c}" for c in ["id", *CONTENT])


POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION consular_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
    RAISE EXCEPTION USING MESSAGE = 'the audit log is append-only: ' || TG_OP || ' refused';
  END IF;
  IF OLD.seq IS NOT NULL OR {_changed("IS DISTINCT FROM")} THEN
    RAISE EXCEPTION 'the audit log is append-only: UPDATE refused';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry
  FOR EACH ROW EXECUTE FUNCTION consular_audit_append_only();
CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry
  FOR EACH STATEMENT EXECUTE FUNCTION consular_audit_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS consular_audit_append_only();
"""
SQLITE_UP = [
    f"""CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
  WHEN OLD.seq IS NOT NULL OR {_changed("IS NOT")}
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS core_auditentry_no_update;",
               "DROP TRIGGER IF EXISTS core_auditentry_no_delete;"]
