"""manage.py createuser USERNAME [--staff] [--support] [--password P]: prints the token last."""

from django.core.management.base import BaseCommand

from accounts.services import user_upsert


class Command(BaseCommand):
    help = "Create or update a user and print a new API token alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--staff", action="store_true", help="Make the user staff.")
        parser.add_argument("--support", action="store_true", help="Make the user support.")
        parser.add_argument("--password", default=None, help="Set this password.")

    def handle(self, *args, **options):
        user, key, created = user_upsert(
            username=options["username"],
            is_staff=options["staff"],
            is_support=options["support"],
            password=options["password"],
        )
        verb = "Created" if created else "Updated"
        roles = [r for r, on in (("staff", user.is_staff), ("support", user.is_support)) if on]
        self.stdout.write(f"{verb} user {user.username} ({', '.join(roles) or 'user'}).")
        self.stdout.write("API token (new; earlier ones stay valid):")
        self.stdout.write(key)
