from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates.keys import KeyRing, SigningKey, SigningKeyError, key_ring_read, key_ring_write, signing_key_generate


class Command(BaseCommand):
    help = (
        "Creates an Ed25519 key for signing certificates and writes it to a key ring file (readable by its "
        "owner only). Point CERTDESK_SIGNING_KEYS at the file. With --rotate, adds a new signing key to an "
        "existing ring: older keys stay listed so certificates they signed still verify."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, help="The key ring file to write.")
        parser.add_argument("--rotate", action="store_true", help="Add a new newest key to the existing ring at --out.")
        parser.add_argument(
            "--retire-old-secrets",
            action="store_true",
            help="With --rotate, drop the secret halves of the older keys (they can then only verify).",
        )

    def handle(self, *args, out: Path, rotate: bool, retire_old_secrets: bool, **options):
        if retire_old_secrets and not rotate:
            raise CommandError("--retire-old-secrets only makes sense with --rotate.")
        if rotate:
            if not out.exists():
                raise CommandError(f"{out} does not exist: there is no key ring to rotate.")
            try:
                existing = key_ring_read(str(out)).keys
            except SigningKeyError as error:
                raise CommandError(f"{out} cannot be read as a key ring: {error}") from error
            if retire_old_secrets:
                existing = tuple(SigningKey(public_key=key.public_key, created=key.created) for key in existing)
        elif out.exists():
            raise CommandError(f"{out} already exists. Use --rotate to add a key to it; never overwrite a key.")
        else:
            existing = ()
        key = signing_key_generate()
        key_ring_write(KeyRing((*existing, key)), out)
        self.stdout.write(f"Wrote {out} with {len(existing) + 1} key(s). The new signing key's public half:")
        self.stdout.write(key.public_key_multibase)
