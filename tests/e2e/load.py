"""Four writers and a reader on one database for a fixed time (30 s by default).

Two importers load batches of their own; two movers walk the same demands along the workflow,
each reading a demand's status and version and then moving it with --expect-version, so that they
keep colliding; a reader polls the queue and cases as the UI does (`docket list`, `docket show`).
Every command either succeeds or is refused with a clear message; then:
  - no write is lost: every move a mover was told was made has its event, and the demands'
    moves are exactly those (each from the state the previous one left, each a move the
    workflow table allows); every import that succeeded left its whole batch;
  - every refused move was refused by the version check or the workflow, in one line;
  - "database is locked" (or busy) never reached anyone;
  - `docket verify` passes.
Prints the operations per second.

Usage: load.py DOCKET WORKDIR [SECONDS] [SEED]. LOAD_SECONDS and LOAD_SEED also set them.
"""
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import threading
import time

DOCKET, WORK = sys.argv[1], sys.argv[2]
SECONDS = float(sys.argv[3]) if len(sys.argv) > 3 else float(os.environ.get("LOAD_SECONDS", "30"))
SEED = int(sys.argv[4]) if len(sys.argv) > 4 else int(os.environ.get("LOAD_SEED", "0")) or random.randrange(1, 1 << 30)
DB = os.path.join(WORK, "load.db")
DEMANDS = 8  # the demands the movers share
BATCH = 40  # records in each imported batch
# The moves the movers make: into review, then back and forth between review and a challenge.
NEXT = {"received": "redirecting", "redirecting": "in_review", "in_review": "challenged", "challenged": "in_review"}

failures = []
lock = threading.Lock()


def fail(msg):
    with lock:
        failures.append(msg)


def docket(*args):
    r = subprocess.run([DOCKET, "--db", DB] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, cwd=WORK)
    err = r.stderr.decode(errors="replace")
    if re.search(r"locked|busy", err, re.I):
        fail("docket %s: %s" % (" ".join(args), err.strip()))
    return r.returncode, r.stdout.decode(errors="replace"), err


class Worker(threading.Thread):
    def __init__(self, name, seed, until):
        super().__init__(name=name)
        self.rng = random.Random(seed)
        self.until = until
        self.ops = 0

    def run(self):
        try:
            while time.monotonic() < self.until and not failures:
                self.step()
                self.ops += 1
        except Exception as e:  # a bug in the test itself must fail it, not hang it
            fail("%s: %r" % (self.name, e))


class Importer(Worker):
    def __init__(self, name, seed, until):
        super().__init__(name, seed, until)
        self.batches = []

    def step(self):
        n = len(self.batches) + 1
        path = os.path.join(WORK, "%s-%d.ndjson" % (self.name, n))
        with open(path, "w") as f:
            for k in range(BATCH):
                f.write(json.dumps({
                    "reference": "%s-%d-%d" % (self.name, n, k), "channel": "email", "instrument": "subpoena",
                    "customer": ("acme-eu", "zenith-us")[k % 2], "requester": "Officer %d" % k,
                    "requester_kind": "law_enforcement", "jurisdiction": "IE", "categories": ["subscriber"],
                    "identifiers": ["u%d@acme.example" % k], "received": "2026-06-01T10:00:00Z"}) + "\n")
        rc, out, err = docket("import", "--source", self.name, path)
        if rc != 0:
            fail("%s: import of batch %d exited %d: %s" % (self.name, n, rc, err.strip()))
            return
        self.batches.append(n)
        os.unlink(path)


class Mover(Worker):
    def __init__(self, name, seed, until):
        super().__init__(name, seed, until)
        self.accepted = []  # (demand, from, to, version read)
        self.refused = {"version": 0, "workflow": 0}

    def step(self):
        i = self.rng.randint(1, DEMANDS)
        rc, out, err = docket("show", str(i), "--format", "json")
        if rc != 0:
            fail("%s: show %d exited %d: %s" % (self.name, i, rc, err.strip()))
            return
        d = json.loads(out)
        status, version = d["status"], d["version"]
        to = NEXT[status]
        rc, out, err = docket("--actor", "atty", "move", str(i), to, "--expect-version", str(version))
        if rc == 0:
            self.accepted.append((i, status, to, version))
        elif rc == 1 and len(err.strip().splitlines()) == 1 and (
                "demand %d: changed by someone else since it was read" % i) in err:
            self.refused["version"] += 1
        elif rc == 1 and len(err.strip().splitlines()) == 1 and ("demand %d: cannot move from" % i) in err:
            self.refused["workflow"] += 1
        else:
            fail("%s: move %d %s (version %d) exited %d: %s" % (self.name, i, to, version, rc, err.strip()))


class Reader(Worker):
    def step(self):
        if self.ops % 2 == 0:
            rc, out, err = docket("list", "--status", "all", "--limit", "50", "--format", "json")
            if rc == 0:
                json.loads(out)
        else:
            i = self.rng.randint(1, DEMANDS)
            rc, out, err = docket("show", str(i))
        if rc != 0:
            fail("reader: exited %d: %s" % (rc, err.strip()))


def setup():
    for args in (["init"], ["staff", "add", "atty", "--name", "Ada Attorney", "--role", "attorney"],
                 ["customer", "add", "--tenant", "acme-eu", "--name", "Acme Europe", "--region", "eu-west",
                  "--email", "legal@acme.example"],
                 ["customer", "add", "--tenant", "zenith-us", "--name", "Zenith US", "--region", "us-east"]):
        rc, out, err = docket(*args)
        if rc != 0:
            sys.exit("load.py: setup: docket %s: %s" % (" ".join(args), err))
    for i in range(1, DEMANDS + 1):
        rc, out, err = docket("add", "--ref", "SHARED-%d" % i, "--channel", "email", "--instrument", "subpoena",
                              "--customer", "acme-eu", "--requester", "Garda", "--kind", "law_enforcement",
                              "--jurisdiction", "IE", "--category", "subscriber", "--identifier", "u@acme.example")
        if rc != 0 or out.strip() != str(i):
            sys.exit("load.py: setup: add: %s %s" % (out, err))


def check(movers, importers):
    h = sqlite3.connect(DB)
    allowed = set(h.execute("SELECT from_state, to_state FROM transition"))
    states = {r[0] for r in h.execute("SELECT name FROM state")}
    for i in range(1, DEMANDS + 1):
        status, version = h.execute("SELECT status, version FROM demand WHERE id = ?", (i,)).fetchone()
        events = [json.loads(c) for (c,) in h.execute(
            "SELECT changes FROM event WHERE demand_id = ? AND action = 'moved' ORDER BY id", (i,))]
        moves = []
        for ch in events:
            st = [c for c in ch if c[0] == "status"]
            if len(st) != 1:
                fail("demand %d: a moved event without one status change: %s" % (i, ch))
                continue
            moves.append((st[0][1], st[0][2]))
        accepted = sorted((v, f, t) for m in movers for (d, f, t, v) in m.accepted if d == i)
        if len(accepted) != len(moves):
            fail("demand %d: %d moves accepted, %d moved events" % (i, len(accepted), len(moves)))
        # The accepted moves, by the version each was made against, are the events in order.
        if [(f, t) for _, f, t in accepted] != moves:
            fail("demand %d: the accepted moves %s are not the events %s" % (i, accepted, moves))
        if [v for v, _, _ in accepted] != list(range(1, 1 + len(accepted))):
            fail("demand %d: moves made against versions %s" % (i, [v for v, _, _ in accepted]))
        prev = "received"
        for f, t in moves:
            if f != prev or (f, t) not in allowed:
                fail("demand %d: a move %s -> %s after %s" % (i, f, t, prev))
            prev = t
        if status != prev or status not in states:
            fail("demand %d: status %s, the events end in %s" % (i, status, prev))
        if version != 1 + len(moves):
            fail("demand %d: version %d after %d moves" % (i, version, len(moves)))
    for imp in importers:
        for n in imp.batches:
            got = h.execute("SELECT count(*) FROM demand WHERE source = ? AND reference LIKE ?",
                            (imp.name, "%s-%d-%%" % (imp.name, n))).fetchone()[0]
            if got != BATCH:
                fail("%s: batch %d has %d of its %d demands" % (imp.name, n, got, BATCH))
        rows = h.execute("SELECT count(*), coalesce(sum(imported), 0) FROM import_batch WHERE source = ?",
                         (imp.name,)).fetchone()
        if rows != (len(imp.batches), BATCH * len(imp.batches)):
            fail("%s: %d imports succeeded, the database has %s" % (imp.name, len(imp.batches), rows))
    h.close()
    rc, out, err = docket("verify")
    if rc != 0:
        fail("verify exited %d: %s" % (rc, err))


def main():
    setup()
    rng = random.Random(SEED)
    until = time.monotonic() + SECONDS
    importers = [Importer("impa", rng.random(), until), Importer("impb", rng.random(), until)]
    movers = [Mover("mover1", rng.random(), until), Mover("mover2", rng.random(), until)]
    reader = Reader("reader", rng.random(), until)
    workers = importers + movers + [reader]
    t = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    took = time.monotonic() - t
    if not failures:
        check(movers, importers)
    accepted = sum(len(m.accepted) for m in movers)
    refused_v = sum(m.refused["version"] for m in movers)
    refused_w = sum(m.refused["workflow"] for m in movers)
    writes = accepted + refused_v + refused_w + sum(len(i.batches) for i in importers)
    ops = sum(w.ops for w in workers)
    print("load.py: seed %d, %.1f s: %d operations, %.1f per second (%d writes, %.1f per second): "
          "%d imports of %d demands, %d moves accepted, %d refused by the version check, %d by the workflow; "
          "%d reads" % (SEED, took, ops, ops / took, writes, writes / took, sum(len(i.batches) for i in importers),
                        BATCH, accepted, refused_v, refused_w, reader.ops))
    for f in failures[:20]:
        print("load.py: FAIL: %s" % f)
    if not failures and accepted == 0:
        print("load.py: FAIL: no move was accepted")
        return 1
    if not failures and refused_v == 0:
        print("load.py: FAIL: the movers never collided: the test proves nothing")
        return 1
    return 1 if failures else 0


sys.exit(main())
