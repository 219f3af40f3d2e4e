"""Readiness reports kept at their owner's request, in the conversations database (SQLite or PostgreSQL).

A stored report holds the profile it was made for (personal data), so it is kept only when the caller asks
(`POST /v1/readiness` with `"store": true`), read and deleted only by its owner (the API key's fingerprint,
as for conversations), and deleted with the rest of an owner's data (`delete_owner`). The table is separate
from the conversations' (its own `MetaData`), created if missing, so databases of earlier versions work.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, Column, DateTime, Engine, MetaData, String, Table, delete, insert, select

from advisor.readiness.profile import Profile
from advisor.readiness.report import ReadinessReport

metadata = MetaData()

readiness_reports = Table(
    "readiness_reports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("owner", String(64), nullable=False, index=True),
    Column("profile", JSON, nullable=False),
    Column("report", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class StoredReport(BaseModel):
    """A report as stored: the profile it was made for and when."""

    id: str
    owner: str
    profile: Profile
    report: ReadinessReport
    created_at: datetime


class ReadinessStore:
    """Stored readiness reports, by owner; thread-safe. Shares an engine (and so a database) with the
    conversations."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine, checkfirst=True)
        self._write_lock = threading.Lock()

    def save(self, owner: str, profile: Profile, report: ReadinessReport) -> StoredReport:
        """Store `report` (made for `profile`) under `owner`; returns it with its new uuid4 id."""
        record = StoredReport(id=str(uuid.uuid4()), owner=owner, profile=profile,
                              report=report.model_copy(update={"timings_ms": {}}),
                              created_at=datetime.now(UTC))
        row = {"id": record.id, "owner": owner, "profile": profile.model_dump(mode="json", exclude_none=True),
               "report": record.report.model_dump(mode="json"), "created_at": record.created_at}
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(insert(readiness_reports).values(**row))
        return record

    def get(self, report_id: str, owner: str) -> StoredReport | None:
        """The owner's report, or None when there is none with that id or it is someone else's."""
        query = select(readiness_reports).where(readiness_reports.c.id == report_id,
                                                readiness_reports.c.owner == owner)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _record(row) if row else None

    def delete(self, report_id: str, owner: str) -> bool:
        """Delete the owner's report; False when there was none to delete."""
        with self._write_lock, self.engine.begin() as conn:
            result = conn.execute(delete(readiness_reports).where(readiness_reports.c.id == report_id,
                                                                  readiness_reports.c.owner == owner))
        return bool(result.rowcount)

    def delete_owner(self, owner: str) -> int:
        """Delete every report of `owner` (their data is being erased); returns how many there were."""
        with self._write_lock, self.engine.begin() as conn:
            result = conn.execute(delete(readiness_reports).where(readiness_reports.c.owner == owner))
        return int(result.rowcount or 0)


def _record(row: Any) -> StoredReport:
    created = row["created_at"]
    return StoredReport(id=row["id"], owner=row["owner"], profile=Profile.model_validate(row["profile"]),
                        report=ReadinessReport.model_validate(row["report"]),
                        created_at=created if created.tzinfo else created.replace(tzinfo=UTC))
