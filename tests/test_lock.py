import subprocess
import sys
import textwrap

import pytest

from ice287g.archive import manifests
from ice287g.acquire.lock import LockBusy, landing_lock


def test_a_second_holder_waits_then_stops_with_one_line_naming_the_holder(tmp_path):
    raw = tmp_path / "raw"
    # the first holder is another process, as a second `update` would meet it
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from ice287g.acquire.lock import landing_lock
        with landing_lock({str(raw)!r}):
            print("held", flush=True)
            time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        ticks = iter(range(1000))
        with pytest.raises(LockBusy) as err:
            with landing_lock(raw, wait=3, sleep=lambda s: None, clock=lambda: next(ticks)):
                pass
        message = str(err.value)
        assert "\n" not in message and manifests.LOCK_NAME in message and f"pid {holder.pid}" in message
    finally:
        holder.kill()
        holder.wait()
    # killed with the lock held: the kernel released it, and the next run takes it at once
    with landing_lock(raw, wait=0):
        pass


def test_the_lock_file_is_not_an_unlisted_raw_file(tmp_path):
    raw = tmp_path / "raw"
    with landing_lock(raw, wait=0):
        assert (raw / manifests.LOCK_NAME).exists()
        assert manifests.verify_raw(raw) == []
    (raw / "stray.txt").write_text("x")
    assert [p.file for p in manifests.verify_raw(raw)] == [""]
