"""Users' passwords: argon2id (argon2-cffi, the reference implementation's bindings, which
the Password Hashing Competition's winner ships), parameters recorded in each hash."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .config import RegistrarSettings
from .errors import InvalidInput

# No password is longer: argon2 would take it, but a megabyte "password" is an attack.
MAX_PASSWORD = 1024


class Passwords:
    def __init__(self, settings: RegistrarSettings) -> None:
        self.min_length = settings.min_password_length
        self.hasher = PasswordHasher(time_cost=settings.argon2_time_cost,
                                     memory_cost=settings.argon2_memory_kib,
                                     parallelism=settings.argon2_parallelism)
        # compared against when the account does not exist, so that a login takes as long
        # whether it does or not
        self._dummy = self.hasher.hash("not a password of anyone")

    def check_new(self, password: str, email: str = "") -> str:
        if not isinstance(password, str) or len(password) < self.min_length:
            raise InvalidInput(f"the password must have at least {self.min_length} characters",
                               field="password")
        if len(password) > MAX_PASSWORD:
            raise InvalidInput(f"the password must have at most {MAX_PASSWORD} characters",
                               field="password")
        if email and password.lower() == email.lower():
            raise InvalidInput("the password must not be the email address", field="password")
        return password

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches; as slow for no account (``stored`` None)."""
        if not isinstance(password, str) or len(password) > MAX_PASSWORD:
            return False
        try:
            return self.hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)
