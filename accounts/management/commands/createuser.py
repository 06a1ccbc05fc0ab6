"""manage.py createuser USERNAME [--staff] [--support] [--superuser] [--password P]: prints a
new API token last."""

from django.core.management.base import BaseCommand

from accounts.services import user_upsert


class Command(BaseCommand):
    help = "Create or update a user and print a new API token alone on the last line."

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
        user, key, created = user_upsert(
            username=options["username"],
            is_staff=options["staff"] or superuser,
            is_superuser=superuser,
            is_support=options["support"],
            password=options["password"],
        )
        verb = "Created" if created else "Updated"
        flags = (
            ("staff", user.is_staff),
            ("support", user.is_support),
            ("superuser", user.is_superuser),
        )
        roles = [role for role, on in flags if on]
        self.stdout.write(f"{verb} user {user.username} ({', '.join(roles) or 'user'}).")
        self.stdout.write("API token (new; earlier ones stay valid):")
        self.stdout.write(key)
