"""Re-encrypt every stored secret with the newest key in FIELD_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pensero.encryption import Secret, SecretDecryptionError, encrypted_fields, rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first (newest) key in FIELD_ENCRYPTION_KEYS. "
        "Run it after adding a new key in front, before removing an old one."
    )

    def handle(self, *args, **options):
        total = 0
        for model, field in encrypted_fields():
            # The rows come back as `Secret`s still holding only their ciphertext.
            rows = model._default_manager.exclude(**{f"{field.attname}__isnull": True}).values_list(
                "pk", field.attname
            )
            with transaction.atomic():
                for pk, secret in rows.iterator():
                    if not secret:
                        continue
                    try:
                        new = rotate(secret.ciphertext)
                    except SecretDecryptionError as error:
                        raise CommandError(
                            f"{model._meta.label} #{pk} {field.name}: {error}"
                        ) from None
                    model._default_manager.filter(pk=pk).update(
                        **{field.attname: Secret(ciphertext=new)}
                    )
                    total += 1
            self.stdout.write(f"{model._meta.label}.{field.name}: re-encrypted")
        self.stdout.write(
            self.style.SUCCESS(f"{total} secret(s) re-encrypted with the newest key.")
        )
