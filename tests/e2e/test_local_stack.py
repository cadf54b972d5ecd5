"""What the local stack leaves on disk: a data folder only its owner can enter, and in it the
databases (contact data, case plans), logs and keys readable only by their owner (certificates are
public and may be readable)."""

from __future__ import annotations

import stat


def test_the_data_folder_and_what_holds_data_are_owner_only(stack):
    data = stack.config.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    private = [
        p
        for p in data.rglob("*")
        if p.is_file() and (p.suffix in {".db", ".log"} or "-key" in p.name or p.name == "caseplan-keys" or ".db-" in p.name)
    ]
    assert any(p.name == "antrag.db" for p in private) and any(p.suffix == ".log" for p in private)
    assert any(p.name == "caseplan-keys" for p in private) and any("-key" in p.name for p in private)
    open_to_others = [str(p.relative_to(data)) for p in private if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert open_to_others == []
    folders = [p for p in data.rglob("*") if p.is_dir()]
    assert [str(p.relative_to(data)) for p in folders if stat.S_IMODE(p.stat().st_mode) & 0o077] == []
