"""Commit receipts: how a command finds out whether its commit happened."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class CommitReceipt(Base):
    """One row per transaction that wrote, written last in that transaction.

    When the connection is lost while COMMIT is in flight, the command cannot know from the
    error whether it committed; finding its token here afterwards tells it (registry.commit).
    The token starts with the time in milliseconds, so the oldest rows come first in the
    primary key: inserts append, and pruning is a range delete on the key.
    """

    __tablename__ = "commit_receipts"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
