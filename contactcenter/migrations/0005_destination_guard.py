"""Database guarantee that no DID, IVR option, schedule or queue overflow is left pointing at a deleted
destination. Destinations are (kind, id) pairs, not foreign keys, so a trigger on each destination table
refuses the delete while a row still refers to it (the services refuse first, with a clear message)."""

from django.db import migrations

REFERRERS = "ARRAY['switchboard_did', 'switchboard_ivroption', 'switchboard_schedule', 'contactcenter_queue']"
TARGETS = (("switchboard_extension", "extension"), ("switchboard_voicemail", "voicemail"),
           ("switchboard_ivrmenu", "ivr"), ("contactcenter_queue", "queue"))

FUNCTION = f"""CREATE OR REPLACE FUNCTION destination_guard() RETURNS trigger LANGUAGE plpgsql AS $guard$
DECLARE
  kind text := TG_ARGV[0];
  tbl text;
  used boolean;
BEGIN
  FOREACH tbl IN ARRAY {REFERRERS} LOOP
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM ' || quote_ident(TG_TABLE_SCHEMA) || '.' || quote_ident(tbl)
      || ' WHERE dest_kind = $1 AND dest_ref = $2)' INTO used USING kind, OLD.id;
    IF used THEN
      RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
        MESSAGE = 'destination ' || kind || ':' || OLD.id || ' is still used by ' || tbl;
    END IF;
  END LOOP;
  RETURN OLD;
END
$guard$"""

FORWARD = [FUNCTION] + [
    f"CREATE TRIGGER destination_guard BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION destination_guard('{kind}')"
    for table, kind in TARGETS
]
BACKWARD = [f"DROP TRIGGER IF EXISTS destination_guard ON {table}" for table, _kind in TARGETS] + [
    "DROP FUNCTION IF EXISTS destination_guard()"]


class Migration(migrations.Migration):

    dependencies = [
        ("contactcenter", "0004_free_text_names"),
        ("switchboard", "0002_free_text_names"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
