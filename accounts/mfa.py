"""Second factors (allauth.mfa): TOTP secrets and the recovery codes' seed
are encrypted at rest with the same keys as integration credentials
(FIELD_ENCRYPTION_KEY, accounts/crypto.py), and support never sees
them: a database dump or the support site alone gives no second factor."""

from allauth.mfa.adapter import DefaultMFAAdapter

from .crypto import fernet


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return fernet().decrypt(encrypted_text.encode()).decode()
