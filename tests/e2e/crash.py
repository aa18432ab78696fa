"""Crash consistency: kill docket with SIGKILL at seeded random moments and check that what is
left is the last committed state, whole, and that the next run completes the work.

Usage: crash.py DOCKET WORKDIR [SEED]. Prints the seed, so a failure can be replayed with it.
"""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

DOCKET, WORK = sys.argv[1], sys.argv[2]
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else int(os.environ.get("CRASH_SEED", "0")) or random.randrange(1, 1 << 30)
rng = random.Random(SEED)
kills = 0


def fail(msg):
    sys.exit("crash.py (seed %d): %s" % (SEED, msg))


def run(db, *args, ok=(0,)):
    r = subprocess.run([DOCKET, "--db", db] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL)
    if r.returncode not in ok:
        fail("docket %s exited %d: %s" % (" ".join(args), r.returncode, r.stderr.decode(errors="replace")))
    return r


def run_killed(db, args, at, ok=(0,)):
    """Starts docket and kills it with SIGKILL `at` seconds later; True when it was killed."""
    global kills
    p = subprocess.Popen([DOCKET, "--db", db] + list(args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL)
    time.sleep(at)
    killed = p.poll() is None
    if killed:
        p.send_signal(signal.SIGKILL)
        kills += 1
    _, err = p.communicate()
    if not killed and p.returncode not in ok:
        fail("docket %s exited %d: %s" % (" ".join(args), p.returncode, err.decode(errors="replace")))
    return killed


def verify(db):
    """A database the killed process left: missing or empty (nothing committed yet), or whole."""
    if not os.path.exists(db) or os.path.getsize(db) == 0 and not os.path.exists(db + "-wal"):
        return
    run(db, "verify")


def dump(db, time_free=False):
    """A logical dump: every row of every table, in a stable order. The moment the first admin
    was made (the one value demo takes from the clock) and the hashes chained from it are left
    out; with time_free, so is every column whose value depends on when a command ran, and the
    Message-IDs letters are given at random when they are queued."""
    h = sqlite3.connect(db)
    out = []
    tables = [r[0] for r in h.execute("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")]
    for t in tables:
        cols = [r[1] for r in h.execute("PRAGMA table_info(%s)" % t)]
        if time_free:
            cols = [c for c in cols if not (c.endswith("_at") or c in ("at", "hash", "changes", "message_id"))]
        elif t == "event":
            cols = [c for c in cols if c != "hash"]
        exprs = {("event", "at"): "CASE WHEN id = 1 THEN 0 ELSE at END",
                 ("staff", "created_at"): "CASE WHEN role = 'admin' AND login <> 'hana' THEN 0 ELSE created_at END"}
        keep = ", ".join(exprs.get((t, c), c) for c in cols)
        rows = h.execute("SELECT %s FROM %s ORDER BY %s" % (keep, t, ", ".join(cols))).fetchall()
        out.append((t, cols, rows))
    h.close()
    return out


def demo_crashes(points):
    """docket demo killed at random moments, then run again to the end: the result is exactly
    the database an uninterrupted run writes."""
    ref = os.path.join(WORK, "demo-ref.db")
    args = ["demo", "--count", "3000", "--seed", "5", "--as-of", "2026-07-01"]
    t = time.monotonic()
    run(ref, *args)
    span = time.monotonic() - t
    want = dump(ref)
    window = span
    for i in range(points):
        db = os.path.join(WORK, "demo-%d.db" % i)
        # A busy machine may run the whole demo before the kill: start again on a fresh file,
        # aiming earlier, until a kill lands.
        while True:
            at = rng.uniform(0, window)
            if run_killed(db, args, at):
                break
            window *= 0.7
            remove_db(db)
        verify(db)
        # A second kill on the resumed run, half the time (it may finish first: that is fine).
        if rng.random() < 0.5:
            run_killed(db, args, rng.uniform(0, window / 2))
            verify(db)
        run(db, *args)
        run(db, "verify")
        if dump(db) != want:
            fail("demo killed at %.3f s and resumed differs from an uninterrupted run" % at)
        remove_db(db)


def remove_db(db):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)


def workflow_crashes(points):
    """Moves killed at random moments: each demand is left as it was or as the move made it,
    never between; a move's event exists exactly when its change does; retried moves reach the
    same final state as an uninterrupted run."""
    base = os.path.join(WORK, "wf-base.db")
    run(base, "demo", "--count", "6000", "--seed", "9", "--as-of", "2026-07-01")
    h = sqlite3.connect(base)
    # One file to copy: what the demo left in the WAL goes into the database.
    h.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # Demands that take a move needing no attorney and no guard beyond the state.
    plan = [(i, "redirecting", None) for (i,) in h.execute(
        "SELECT id FROM demand WHERE status = 'received' AND instrument <> 'preservation' ORDER BY id")]
    plan += [(i, "closed", "withdrawn") for (i,) in h.execute(
        "SELECT id FROM demand WHERE status = 'redirecting' ORDER BY id")]
    plan += [(i, "closed", "superseded") for (i,) in h.execute(
        "SELECT id FROM demand WHERE status = 'preserving' ORDER BY id")]
    h.close()
    plan = plan[:int(os.environ.get("CRASH_MOVES", "150"))]
    if len(plan) < 10:
        fail("the demo database offers only %d moves" % len(plan))

    def move_args(step):
        i, to, outcome = step
        a = ["--actor", "hana", "move", str(i), to]
        return a + ["--outcome", outcome] if outcome else a

    ref = os.path.join(WORK, "wf-ref.db")
    subprocess.run(["cp", base, ref], check=True)
    t = time.monotonic()
    for step in plan:
        run(ref, *move_args(step))
    window = (time.monotonic() - t) / len(plan)
    want = dump(ref, time_free=True)

    db = os.path.join(WORK, "wf.db")
    subprocess.run(["cp", base, db], check=True)
    done = 0
    steps = list(plan)
    killed_points = 0
    while steps:
        step = steps[0]
        if killed_points < points:
            # A move an earlier killed attempt committed is refused now (exit 1): that is fine.
            if run_killed(db, move_args(step), rng.uniform(0, window), ok=(0, 1)):
                killed_points += 1
                verify(db)
                check_move_whole(db, step)
                continue
            # The move finished before the kill: aim earlier next time.
            window *= 0.8
        # Not killed (or finished before the kill): make sure it happened, retrying if needed.
        r = run(db, *move_args(step), ok=(0, 1))
        if r.returncode == 1 and b"cannot move from" not in r.stderr:
            fail("move %s refused: %s" % (step, r.stderr.decode()))
        check_move_whole(db, step, must_be_done=True)
        steps.pop(0)
        done += 1
    if killed_points < points:
        fail("only %d of %d kills landed during %d moves" % (killed_points, points, len(plan)))
    run(db, "verify")
    if dump(db, time_free=True) != want:
        fail("moves with %d kills ended in a different state from an uninterrupted run" % killed_points)
    return killed_points


def check_move_whole(db, step, must_be_done=False):
    i, to, outcome = step
    h = sqlite3.connect(db)
    status, oc, version = h.execute("SELECT status, outcome, version FROM demand WHERE id = ?", (i,)).fetchone()
    moved = h.execute("SELECT count(*) FROM event WHERE demand_id = ? AND action = 'moved'"
                      " AND changes LIKE ?", (i, '%["status","%","' + to + '"]%')).fetchone()[0]
    # The move to redirecting queues the redirect letter in its own transaction (the outbox).
    letters = h.execute("SELECT count(*) FROM notice WHERE demand_id = ? AND kind = 'redirect'", (i,)).fetchone()[0]
    h.close()
    is_done = status == to and (oc or None) == outcome
    if is_done != (moved == 1):
        fail("demand %d is %s(%s) with %d events for the move to %s: half a move" % (i, status, oc, moved, to))
    if to == "redirecting" and letters != (1 if is_done else 0):
        fail("demand %d is %s with %d redirect letters: the letter and the move parted" % (i, status, letters))
    if must_be_done and not is_done:
        fail("demand %d did not reach %s" % (i, to))


demo_points = int(os.environ.get("CRASH_DEMO_POINTS", "12"))
wf_points = int(os.environ.get("CRASH_MOVE_POINTS", "40"))
t0 = time.monotonic()
demo_crashes(demo_points)
t1 = time.monotonic()
wk = workflow_crashes(wf_points)
t2 = time.monotonic()
print("crash.py: demo part %.1f s, moves part %.1f s" % (t1 - t0, t2 - t1))
print("crash.py: seed %d, %d kill points survived (%d during moves)" % (SEED, kills, wk))
if kills < 50:
    fail("only %d kills landed; at least 50 were wanted" % kills)
