"""What the local stack leaves on disk: databases with contact data, keys and logs, readable only
by their owner."""

from __future__ import annotations

import stat


def test_the_data_folder_is_readable_only_by_its_owner(stack):
    data = stack.config.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    paths = [p for p in data.rglob("*") if not p.is_symlink()]
    assert any(p.name == "antrag.db" for p in paths) and any(p.suffix == ".log" for p in paths)
    open_to_others = [str(p.relative_to(data)) for p in paths if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert open_to_others == []

