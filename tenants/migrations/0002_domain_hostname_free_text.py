# Free text (names, notes) accepts ordinary Norwegian text; domains must be DNS host names.

import django_tenants.postgresql_backend.base
import tenants.validators
from django.db import migrations, models


def lowercase_domains_or_refuse(apps, schema_editor):
    """Lower-case stored domains; stop with a clear message if any is not a host name at all."""
    import re

    Domain = apps.get_model("tenants", "Domain")
    pattern = re.compile(tenants.validators.HOSTNAME_SQL_RE)
    bad = []
    for domain in Domain.objects.all():
        value = domain.domain.strip().lower()
        if not pattern.fullmatch(value):
            bad.append(domain.domain)
        elif value != domain.domain:
            domain.domain = value
            domain.save(update_fields=["domain"])
    if bad:
        raise RuntimeError("Disse domenene er ikke gyldige vertsnavn; rett eller slett dem først: " + ", ".join(bad))


class Migration(migrations.Migration):

    dependencies = [
        ('tenants', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='agency',
            name='name',
            field=models.CharField(max_length=200, validators=[tenants.validators.validate_plain_text], verbose_name='navn'),
        ),
        migrations.AlterField(
            model_name='agency',
            name='schema_name',
            field=models.CharField(db_index=True, max_length=63, unique=True, validators=[django_tenants.postgresql_backend.base._check_schema_name], verbose_name='kortnavn'),
        ),
        migrations.AlterField(
            model_name='asterisknode',
            name='secret_ref',
            field=models.CharField(help_text='env:VARIABEL eller file:filnavn (en fil i hemmelighetsmappen). Selve passordet lagres aldri i databasen.', max_length=255, validators=[tenants.validators.validate_secret_ref], verbose_name='hemmelighet'),
        ),
        migrations.AlterField(
            model_name='domain',
            name='domain',
            field=models.CharField(db_index=True, max_length=253, unique=True, validators=[tenants.validators.validate_hostname], verbose_name='domene'),
        ),
        migrations.AlterField(
            model_name='domain',
            name='is_primary',
            field=models.BooleanField(db_index=True, default=True, verbose_name='primærdomene'),
        ),
        migrations.AlterField(
            model_name='numberrange',
            name='note',
            field=models.CharField(blank=True, default='', max_length=200, validators=[tenants.validators.validate_plain_text], verbose_name='merknad'),
        ),
        migrations.RunPython(lowercase_domains_or_refuse, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='domain',
            constraint=models.CheckConstraint(condition=models.Q(('domain__regex', '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$')), name='domain_hostname_format'),
        ),
    ]
