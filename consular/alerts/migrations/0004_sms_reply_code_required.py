"""SMS replies: the outcomes `code_required` (a lone "safe": the code is required) and `locked` (too many wrong
codes from one number); no `ambiguous` (a lone "need help" is recorded on the newest open alert)."""

from django.db import migrations, models

OUTCOMES = [
    ("recorded", "Recorded"), ("not_understood", "Not understood"), ("expired", "Expired"),
    ("code_required", "Code required"), ("locked", "Locked"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0003_sms_reply_codes"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="smsreply",
            name="sms_reply_outcome_valid",
        ),
        migrations.AlterField(
            model_name="smsreply",
            name="outcome",
            field=models.CharField(choices=OUTCOMES, max_length=16),
        ),
        migrations.AddConstraint(
            model_name="smsreply",
            constraint=models.CheckConstraint(
                condition=models.Q(("outcome__in", [value for value, _label in OUTCOMES])),
                name="sms_reply_outcome_valid",
            ),
        ),
    ]
