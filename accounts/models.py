from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from guardian.mixins import GuardianUserMixin


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
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
        default=True, help_text="Support can switch a login off across every organization."
    )
    is_staff = models.BooleanField(default=False, help_text="Support staff: may use Django admin.")
    date_joined = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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


class UserSession(models.Model):
    """Which login a database session belongs to, written at login
    (accounts/sessions.py), so ending a person's sessions deletes theirs by
    key instead of decoding every live session. Goes with its session
    (``clearsessions`` cascades) and with its user."""

    session = models.OneToOneField("sessions.Session", on_delete=models.CASCADE, primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.user_id}: {self.session_id}"
