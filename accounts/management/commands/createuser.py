"""manage.py createuser USERNAME [--staff] [--support] [--superuser] [--password P]: prints the
token last."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.services import user_upsert


class Command(BaseCommand):
    help = "Create or update a user and print its API token alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--staff", action="store_true", help="Make the user staff (the staff dashboard)."
        )
        parser.add_argument("--support", action="store_true", help="Make the user support.")
        parser.add_argument(
            "--superuser",
            action="store_true",
            help="Make the user staff and superuser (every permission in the Django admin).",
        )
        parser.add_argument("--password", default=None, help="Set this password.")

    def handle(self, *args, **options):
        superuser = options["superuser"]
        with transaction.atomic():
            user, token, created = user_upsert(
                username=options["username"],
                is_staff=options["staff"] or superuser,
                is_support=options["support"],
                password=options["password"],
            )
            # user_upsert makes every staff user a superuser; only --superuser does here, so
            # that a staff account for the dashboard does not get every admin permission.
            if user.is_superuser != superuser:
                user.is_superuser = superuser
                user.save(update_fields=["is_superuser"])
        verb = "Created" if created else "Updated"
        flags = (
            ("staff", user.is_staff),
            ("support", user.is_support),
            ("superuser", user.is_superuser),
        )
        roles = [role for role, on in flags if on]
        self.stdout.write(f"{verb} user {user.username} ({', '.join(roles) or 'user'}).")
        self.stdout.write("API token:")
        self.stdout.write(token.key)
