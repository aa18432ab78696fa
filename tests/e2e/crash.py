"""Crash consistency: kill docket with SIGKILL at seeded random moments and check that what is
left is the last committed state, whole, and that the next run completes the work. Four parts:
`docket demo`, a run of workflow moves, `docket import` of several batches, and `docket outbox
send` to a real SMTP server on loopback (smtpd.py).

Usage: crash.py DOCKET WORKDIR [SEED]. Prints the seed, so a failure can be replayed with it.
CRASH_DEMO_POINTS, CRASH_MOVE_POINTS, CRASH_IMPORT_POINTS and CRASH_OUTBOX_POINTS set how many
kills each part makes.
"""
import csv
import email
import json
import os
import random
import shutil
import signal
import socket
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
    # In WORK, so that an import's input is named the same in every run.
    r = subprocess.run([DOCKET, "--db", db] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, cwd=WORK)
    if r.returncode not in ok:
        fail("docket %s exited %d: %s" % (" ".join(args), r.returncode, r.stderr.decode(errors="replace")))
    return r


def run_killed(db, args, at, ok=(0,)):
    """Starts docket and kills it with SIGKILL `at` seconds later; True when it was killed."""
    global kills
    p = subprocess.Popen([DOCKET, "--db", db] + list(args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, cwd=WORK)
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


def dump(db, time_free=False, skip=(), keep=()):
    """A logical dump: every row of every table, in a stable order. The moment the first admin
    was made (the one value demo takes from the clock) and the hashes chained from it are left
    out; with time_free, so is every column whose value depends on when a command ran, and the
    Message-IDs letters are given at random when they are queued. skip names more columns
    ("table.column") to leave out, keep columns to compare even so."""
    h = sqlite3.connect(db)
    out = []
    tables = [r[0] for r in h.execute("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")]
    for t in tables:
        cols = [r[1] for r in h.execute("PRAGMA table_info(%s)" % t)]
        cols = [c for c in cols if "%s.%s" % (t, c) not in skip]
        if time_free:
            cols = [c for c in cols if "%s.%s" % (t, c) in keep
                    or not (c.endswith("_at") or c in ("at", "hash", "changes", "message_id"))]
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


def checkpoint(db):
    """Moves what the WAL holds into the database file, so that the file alone is a copy."""
    h = sqlite3.connect(db)
    h.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    h.close()


def copy_db(src, dst):
    remove_db(dst)
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o600)


IMPORT_FIELDS = ["reference", "received", "channel", "instrument", "customer", "requester", "requester_kind",
                 "jurisdiction", "requester_email", "categories", "identifiers", "due", "note"]


def write_batch(i, n):
    """Batch i: n demands in CSV, NDJSON or JSON (in turn), references B<i>-<k>."""
    fmt = ("csv", "ndjson", "json")[i % 3]
    name = "batch-%d.%s" % (i, fmt)
    recs = []
    for k in range(n):
        recs.append({
            "reference": "B%d-%05d" % (i, k),
            "received": "2026-06-%02dT%02d:%02d:00Z" % (1 + k % 28, k % 24, k % 60),
            "channel": ("email", "portal", "mail", "fax")[k % 4],
            "instrument": ("subpoena", "court_order", "search_warrant")[k % 3],
            "customer": ("acme-eu", "zenith-us")[k % 2],
            "requester": "Officer %d-%d" % (i, k),
            "requester_kind": ("law_enforcement", "government", "civil_litigant")[k % 3],
            "jurisdiction": ("IE", "US-CA", "DE", "FR")[k % 4],
            "requester_email": "o%d.%d@agency.example" % (i, k),
            "categories": ("subscriber", "subscriber;non_content", "content")[k % 3],
            "identifiers": "user%d@acme.example;ip:198.51.100.%d" % (k, k % 250),
            "due": "2026-08-%02d" % (1 + k % 28),
            "note": "batch %d record %d, a note long enough to make the record look like one" % (i, k),
        })
    path = os.path.join(WORK, name)
    with open(path, "w", newline="") as f:
        if fmt == "csv":
            w = csv.DictWriter(f, IMPORT_FIELDS)
            w.writeheader()
            w.writerows(recs)
        elif fmt == "ndjson":
            for r in recs:
                r = dict(r, categories=r["categories"].split(";"))
                f.write(json.dumps(r) + "\n")
        else:
            json.dump(recs, f, indent=1)
    return name


# What an import writes that does not depend on the clock, compared as well: each created event's
# changes (the demand's fields as recorded).
IMPORT_KEEP = ("event.changes",)


def import_crashes(points, per_batch=2, size=int(os.environ.get("CRASH_IMPORT_RECORDS", "3000"))):
    """Imports killed at random moments: each batch is wholly present (its demands, its batch row,
    the events that name it) or wholly absent, the rest of the database as it was; running the
    import again completes it, to the state an uninterrupted run leaves. Returns the database
    after the last batch, for the outbox part."""
    batches = (points + per_batch - 1) // per_batch
    base = os.path.join(WORK, "imp-0.db")
    run(base, "init")
    run(base, "customer", "add", "--tenant", "acme-eu", "--name", "Acme Europe", "--region", "eu-west",
        "--email", "legal@acme.example")
    run(base, "customer", "add", "--tenant", "zenith-us", "--name", "Zenith US", "--region", "us-east")
    checkpoint(base)
    names = [write_batch(i, size) for i in range(1, batches + 1)]
    # The reference: each batch imported whole, a snapshot and a dump after each.
    ref = os.path.join(WORK, "imp-ref.db")
    copy_db(base, ref)
    snaps, wants, spans = [base], [dump(base, time_free=True, keep=IMPORT_KEEP)], []
    for i, name in enumerate(names, 1):
        t = time.monotonic()
        run(ref, "import", name)
        spans.append(time.monotonic() - t)
        checkpoint(ref)
        snap = os.path.join(WORK, "imp-%d.db" % i)
        copy_db(ref, snap)
        snaps.append(snap)
        wants.append(dump(snap, time_free=True, keep=IMPORT_KEEP))
    db = os.path.join(WORK, "imp.db")
    landed = 0
    for i, name in enumerate(names, 1):
        window = spans[i - 1]
        for _ in range(per_batch):
            if landed == points:
                break
            # Start from the state before the batch; aim earlier until a kill lands.
            while True:
                copy_db(snaps[i - 1], db)
                at = rng.uniform(0, window)
                if run_killed(db, ["import", name], at):
                    break
                window *= 0.7
            landed += 1
            verify(db)
            check_batch(db, i, size, wants[i - 1], wants[i], at)
            run(db, "import", name)
            run(db, "verify")
            if dump(db, time_free=True, keep=IMPORT_KEEP) != wants[i]:
                fail("batch %d: killed at %.3f s, then run again: not the state an uninterrupted import leaves"
                     % (i, at))
    for snap in snaps[:-1]:
        remove_db(snap)
    remove_db(ref)
    return snaps[-1], landed


def check_batch(db, i, size, before, after, at):
    h = sqlite3.connect(db)
    n = h.execute("SELECT count(*) FROM demand WHERE reference LIKE ?", ("B%d-%%" % i,)).fetchone()[0]
    batches = h.execute("SELECT count(*) FROM import_batch").fetchone()[0]
    h.close()
    if n not in (0, size):
        fail("batch %d killed at %.3f s: %d of its %d demands are in the database" % (i, at, n, size))
    if batches != i - (n == 0):
        fail("batch %d killed at %.3f s: %d demands but %d batch rows" % (i, at, n, batches))
    d = dump(db, time_free=True, keep=IMPORT_KEEP)
    if d != (after if n else before):
        fail("batch %d killed at %.3f s: the database is neither the state before the batch nor after it"
             % (i, at))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_smtpd(maildir):
    port = free_port()
    srv = subprocess.Popen(["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)), "smtpd.py"),
                            "--port", str(port), "--maildir", maildir], stdin=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return srv, port
        except OSError:
            time.sleep(0.05)
    srv.kill()
    fail("the SMTP server did not start")


def delivered(maildir):
    """The Message-IDs of the messages the server accepted, one per delivery."""
    out = []
    new = os.path.join(maildir, "new")
    for f in sorted(os.listdir(new)) if os.path.isdir(new) else []:
        with open(os.path.join(new, f), "rb") as fh:
            out.append(email.message_from_binary_file(fh)["Message-ID"])
    return out


def clear_maildir(maildir):
    new = os.path.join(maildir, "new")
    for f in os.listdir(new) if os.path.isdir(new) else []:
        os.unlink(os.path.join(new, f))


# What an interrupted send changes in a notice beside its status: the attempts, the version, the
# note that it was interrupted, when to try next.
OUTBOX_SKIP = ("notice.attempts", "notice.version", "notice.last_error", "notice.next_attempt_at")


def outbox_crashes(points, base, letters=int(os.environ.get("CRASH_LETTERS", "150"))):
    """`docket outbox send` killed at random moments while it sends to a real SMTP server: no
    letter is lost (each stays queued, sending or sent, with the Message-ID it was given when it
    was queued), every letter recorded as sent reached the server, and the next run sends the
    rest. A letter the server received but whose sending was not recorded before the kill goes
    out again with the same Message-ID: a duplicate, never a loss."""
    db = os.path.join(WORK, "outbox.db")
    copy_db(base, db)
    for i in range(1, letters + 1):
        run(db, "move", str(i), "redirecting")
    checkpoint(db)
    h = sqlite3.connect(db)
    queued = dict(h.execute("SELECT id, message_id FROM notice WHERE via = 'smtp' AND status = 'queued'"))
    h.close()
    if len(queued) != letters:
        fail("%d letters queued by %d moves" % (len(queued), letters))
    conf = os.path.join(os.environ["XDG_CONFIG_HOME"], "docket")
    os.makedirs(conf, exist_ok=True)
    maildir = os.path.join(WORK, "mail")
    srv, port = start_smtpd(maildir)
    try:
        with open(os.path.join(conf, "config"), "w") as f:
            f.write("smtp_url = smtp://127.0.0.1:%d\nsmtp_tls = none\nretry_first = 0\n"
                    "mail_from = Legal Team <legal@provider.example>\n" % port)
        # The reference: everything sent in one run.
        ref = os.path.join(WORK, "outbox-ref.db")
        copy_db(db, ref)
        batch = max(1, letters // 8)
        t = time.monotonic()
        run(ref, "outbox", "send", "--limit", str(batch))
        window = time.monotonic() - t
        run(ref, "outbox", "send")
        want = dump(ref, time_free=True, skip=OUTBOX_SKIP)
        remove_db(ref)
        clear_maildir(maildir)
        snap = os.path.join(WORK, "outbox-queued.db")
        copy_db(db, snap)
        landed = dups = 0
        # Rounds, each from every letter queued: runs killed at random moments, each sending at
        # most a batch so that the letters last for the kills, then a run to the end. A busy
        # machine may send every letter before enough kills landed: another round, aiming earlier.
        while landed < points:
            copy_db(snap, db)
            clear_maildir(maildir)
            killed = 0
            while landed < points:
                at = rng.uniform(0, window)
                if run_killed(db, ["outbox", "send", "--limit", str(batch)], at, ok=(0, 3)):
                    landed += 1
                    killed += 1
                else:
                    window *= 0.8
                verify(db)
                if not check_letters(db, queued, maildir, at):
                    break
            run(db, "outbox", "send")
            if check_letters(db, queued, maildir, None):
                fail("letters still waiting after a run that completed")
            got = delivered(maildir)
            if set(got) != set(queued.values()):
                fail("the server has %d distinct Message-IDs for %d letters" % (len(set(got)), letters))
            if len(got) - len(set(got)) > killed:
                fail("%d duplicate deliveries from %d kills" % (len(got) - len(set(got)), killed))
            dups += len(got) - len(set(got))
            run(db, "verify")
            if dump(db, time_free=True, skip=OUTBOX_SKIP) != want:
                fail("the outbox after %d kills differs from an uninterrupted send" % killed)
        remove_db(snap)
        return landed, dups
    finally:
        srv.terminate()
        srv.wait()


def check_letters(db, queued, maildir, at):
    """Checks that no letter was lost; returns how many still wait."""
    h = sqlite3.connect(db)
    rows = {i: (st, mid) for i, st, mid in h.execute("SELECT id, status, message_id FROM notice WHERE via = 'smtp'")}
    h.close()
    got = set(delivered(maildir))
    when = "killed at %.3f s" % at if at is not None else "after the last run"
    waiting = 0
    for i, mid in queued.items():
        if i not in rows:
            fail("%s: letter %d is gone" % (when, i))
        st, now = rows[i]
        if now != mid:
            fail("%s: letter %d's Message-ID changed from %s to %s" % (when, i, mid, now))
        if st not in ("queued", "sending", "sent"):
            fail("%s: letter %d is %s" % (when, i, st))
        if st == "sent" and mid not in got:
            fail("%s: letter %d is recorded as sent, but the server never received it" % (when, i))
        waiting += st != "sent"
    if got - set(queued.values()):
        fail("%s: the server received messages docket never queued" % when)
    return waiting


demo_points = int(os.environ.get("CRASH_DEMO_POINTS", "12"))
wf_points = int(os.environ.get("CRASH_MOVE_POINTS", "30"))
import_points = int(os.environ.get("CRASH_IMPORT_POINTS", "10"))
outbox_points = int(os.environ.get("CRASH_OUTBOX_POINTS", "10"))
t0 = time.monotonic()
demo_crashes(demo_points)
t1 = time.monotonic()
wk = workflow_crashes(wf_points)
t2 = time.monotonic()
last, ik = import_crashes(import_points)
t3 = time.monotonic()
ok, dups = outbox_crashes(outbox_points, last)
t4 = time.monotonic()
print("crash.py: demo part %.1f s, moves part %.1f s, import part %.1f s, outbox part %.1f s"
      % (t1 - t0, t2 - t1, t3 - t2, t4 - t3))
print("crash.py: seed %d, %d kill points survived (%d during moves, %d during imports, %d during outbox sends,"
      " %d letters delivered twice with the same Message-ID)" % (SEED, kills, wk, ik, ok, dups))
if kills < 50:
    fail("only %d kills landed; at least 50 were wanted" % kills)
