"""NameKey gets a scope (an affected person's incident), filled for the existing keys, and the lookup index
covers it and the owner, so a candidate query is an index-only scan of one incident's keys."""

from django.db import migrations, models


def fill_scope(apps, schema_editor):
    NameKey = apps.get_model("incidents", "NameKey")
    AffectedPerson = apps.get_model("incidents", "AffectedPerson")
    incident_of = models.Subquery(AffectedPerson.objects.filter(pk=models.OuterRef("owner_id")).values("incident_id")[:1])
    NameKey.objects.filter(owner_type="affected_person").update(scope=incident_of)


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0004_callback_reason_nok"),
    ]

    operations = [
        migrations.AddField(
            model_name="namekey",
            name="scope",
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.RunPython(fill_scope, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="namekey",
            name="name_key_lookup_idx",
        ),
        migrations.AddIndex(
            model_name="namekey",
            index=models.Index(fields=["key_hash", "owner_type", "scope", "owner_id"], name="name_key_scoped_idx"),
        ),
    ]
