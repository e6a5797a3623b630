from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy
from guardian.mixins import GuardianUserMixin


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        from .emails import address_record

        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        # Unverified: the person proves it at their first login (a code
        # mailed to it, or their invitation link).
        address_record(user)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(GuardianUserMixin, AbstractBaseUser, PermissionsMixin):
    """The login identity (seed 002).

    Personal data (name, phone) lives on the Member records this user is
    linked to; one user may be linked to members of several organizations.
    """

    email = models.EmailField(unique=True)
    is_active = models.BooleanField(
        default=True,
        help_text=gettext_lazy("Support can switch a login off across every organization."),
    )
    is_staff = models.BooleanField(
        default=False, help_text=gettext_lazy("Support staff: may use Django admin.")
    )
    date_joined = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Blank: the language of the organization whose portal is open.
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, blank=True, default="", db_default=""
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email


class LoginSession(AbstractBaseSession):
    """A database session that knows whose it is (SESSION_ENGINE is
    ``accounts.session_store``, per Django's "Extending database-backed
    session engines"). ``user_id`` is written on every save from the
    session's own data, so it follows the key through login, logout and
    ``update_session_auth_hash`` (a password change cycles the key): ending
    a person's sessions is one indexed DELETE, whatever else is live.

    A plain integer, not a foreign key: a session may outlive a deleted
    login for a moment, and saving it must not fail for that.
    """

    user_id = models.BigIntegerField(null=True, db_index=True)

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_login_session"

    @classmethod
    def get_session_store_class(cls):
        from .session_store import SessionStore

        return SessionStore
