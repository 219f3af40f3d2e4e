"""Stored reports: kept under their owner, read and deleted only by them, erased with the owner's data."""

from __future__ import annotations

from pathlib import Path

from advisor.conversations.store import make_engine
from advisor.readiness import Profile, ReadinessReport
from advisor.readiness.store import ReadinessStore


def test_save_read_delete_by_owner(tmp_path: Path):
    store = ReadinessStore(make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    report = ReadinessReport(requirements=[], gaps=["committees"], plan=[], timings_ms={"total": 1.0})
    saved = store.save("owner-a", Profile(years_in_practice=8), report)
    again = store.get(saved.id, "owner-a")
    assert again is not None and again.profile.years_in_practice == 8 and again.report.gaps == ["committees"]
    assert again.report.timings_ms == {} and again.created_at.tzinfo is not None
    assert store.get(saved.id, "owner-b") is None and not store.delete(saved.id, "owner-b")
    assert store.delete(saved.id, "owner-a") and store.get(saved.id, "owner-a") is None
    for _ in range(2):
        store.save("owner-a", Profile(), report)
    store.save("owner-b", Profile(), report)
    assert store.delete_owner("owner-a") == 2 and store.delete_owner("owner-b") == 1
    # a second store on the same database (another worker) finds the table there
    assert ReadinessStore(store.engine).delete_owner("owner-a") == 0
