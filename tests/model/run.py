#!/usr/bin/env python3
"""The driver of the model-based test: random commands through the real docket binary, each
first asked of the reference model (model.py), and after every step docket's answers compared
with the model's.

    run.py --seed N --steps K [--workers W] [--docket PATH] [--verbose] [--only I] [--known ID,...]

K is the total number of steps, shared among the W workers. Each worker derives its own seed from
N and its index (printed), runs on a database, a mail directory and an SMTP server of its own, and
stops at its first disagreement with the model, printing the seed, the step, the command and
what differed. `--only I` replays worker I alone (same seed, same steps).

Exit status: 0 when every worker agreed with the model to its last step, 1 otherwise, 2 on bad
usage, 77 when the binary is not a test-clock build.
"""
import argparse
import calendar
import hashlib
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True     # leave no __pycache__ in the source tree
import model as M  # noqa: E402

DAY = M.DAY
START = 1800000000        # 2027-01-15T08:00:00Z
MARGIN = 120              # seconds around a boundary where the model does not judge
KNOWN_IDS = {
    # Findings (FINDINGS.md) that a run can be told to step around with --known, each with what
    # the driver then does. F1-F5 are settled (docs and docket agree since 645a5f8) and no longer
    # here: a disagreement on them fails the run. Empty while no finding is open.
}


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse(s):
    if s is None:
        return None
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Disagreement(Exception):
    pass


class Worker:
    def __init__(self, args, index, wseed, steps):
        self.args = args
        self.index = index
        self.wseed = wseed
        self.steps = steps
        self.rnd = random.Random(wseed)
        self.docket = args.docket
        self.verbose = args.verbose
        self.known = set(args.known or [])
        self.trace = []
        self.step_no = 0
        self.notes = []           # things reported but not failed (known findings)
        self.cover = set()        # what the run reached (printed with --verbose or --coverage)
        self.stats = {"commands": 0, "refused": 0, "allowed": 0, "ambiguous": 0, "sent": 0,
                      "verify": 0, "tamper": 0, "dumps": 0, "show": 0}

    # ------------------------------------------------------------------ environment
    def setup(self):
        self.tmp = tempfile.mkdtemp(prefix="docket-model-%d-" % self.index)
        self.db = os.path.join(self.tmp, "docket.db")
        self.maildir = os.path.join(self.tmp, "mail")
        home = os.path.join(self.tmp, "home")
        os.makedirs(os.path.join(home, ".config", "docket"))
        self.editor = os.path.join(self.tmp, "edit.sh")
        with open(self.editor, "w") as f:
            f.write('#!/bin/sh\nsed -i -e "s|^To:.*|To:${MODEL_TO:+ $MODEL_TO}|" '
                    '-e "s|^Subject:.*|Subject: $MODEL_SUBJ|" "$1"\n')
        os.chmod(self.editor, 0o755)
        self.port = free_port()
        self.dead_port = free_port()
        py = self.args.python
        self.smtpd = subprocess.Popen(
            [py, os.path.join(TOP, "tests", "e2e", "smtpd.py"), "--port", str(self.port),
             "--maildir", self.maildir, "--refuse", "bounce"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("the SMTP server did not start on port %d" % self.port)
        with open(os.path.join(home, ".config", "docket", "config"), "w") as f:
            f.write("smtp_url = smtp://127.0.0.1:%d\nsmtp_tls = none\n"
                    "mail_from = Legal Team <legal@provider.example>\n"
                    "retry_first = 0\nmax_attempts = 3\n" % self.port)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "DOCKET_DB": self.db,
            "TZ": "UTC",
            "LC_ALL": "C.UTF-8",
            "EDITOR": self.editor,
        }
        self.seen_mail = set()
        self.msgid_letter = {}    # Message-ID -> (letter id, demand, kind)
        self.previewed = set()
        self.expect_mail = []
        self.expect_ids = []

    def teardown(self):
        try:
            self.smtpd.terminate()
            self.smtpd.wait(5)
        except Exception:
            pass
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print("[w%d] kept %s" % (self.index, self.tmp))

    def command(self, argv, actor=None, env=None):
        cmd = [self.docket]
        if actor is not None:
            cmd += ["--actor", actor]
        cmd += [str(a) for a in argv]
        e = dict(self.env)
        e["DOCKET_TEST_NOW"] = str(self.m.now)
        if env:
            e.update(env)
        return cmd, e

    def prefetch(self, reqs):
        """Run the reads of one check at once (they read the same database, and each docket
        process spends most of its few milliseconds starting): dk() then takes their answers."""
        procs = []
        for argv, actor in reqs:
            key = (tuple(str(a) for a in argv), actor, self.m.now)
            if key in self.prefetched:
                continue
            cmd, e = self.command(argv, actor)
            procs.append((key, subprocess.Popen(cmd, env=e, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE, text=True)))
        for key, pr in procs:
            out, err = pr.communicate()
            self.prefetched[key] = (pr.returncode, out, err)

    def dk(self, *argv, actor=None, env=None, log=True):
        if not log and env is None:
            hit = self.prefetched.pop((tuple(str(a) for a in argv), actor, self.m.now), None)
            if hit is not None:
                return hit
        cmd, e = self.command(argv, actor, env)
        p = subprocess.run(cmd, env=e, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if log:
            shown = " ".join(_q(a) for a in cmd[1:])
            pre = " ".join("%s=%s" % (k, _q(v)) for k, v in (env or {}).items())
            line = "DOCKET_TEST_NOW=%d %s%sdocket %s -> %d" % (self.m.now, pre, " " if pre else "", shown, p.returncode)
            if p.returncode and p.stderr:
                line += "  [" + p.stderr.strip().splitlines()[-1][:200] + "]"
            self.trace.append(line)
            if self.verbose:
                print("[w%d] %5d %s" % (self.index, self.step_no, line))
        return p.returncode, p.stdout, p.stderr

    def must(self, *argv, actor=None, env=None):
        rc, out, err = self.dk(*argv, actor=actor, env=env)
        if rc != 0:
            self.fail("docket %s exited %d: %s" % (" ".join(map(str, argv)), rc, err.strip()))
        return out

    def jdk(self, *argv, **kw):
        rc, out, err = self.dk(*argv, log=False, **kw)
        if rc not in (0, 1):
            self.fail("docket %s exited %d: %s" % (" ".join(map(str, argv)), rc, err.strip()))
        return rc, json.loads(out)

    def fail(self, what):
        raise Disagreement(what)

    def data_version(self):
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def dump(self):
        self.stats["dumps"] += 1
        return subprocess.run(["sqlite3", self.db, ".dump"], capture_output=True, text=True).stdout

    # ------------------------------------------------------------------ the world
    def init_world(self):
        r = self.rnd
        self.m = M.Model(root=self.args.login)
        self.m.now = START
        self.m.known = self.known
        self.must("init")
        self.conn = sqlite3.connect(self.db, isolation_level=None)
        names = ["ada", "bea", "cyd", "dov", "eli", "fay", "gus", "hal", "ivy", "jon", "kai", "lea"]
        r.shuffle(names)
        self.attorneys = names[:r.randint(1, 3)]
        self.intakes = names[3:3 + r.randint(1, 3)]
        self.admins = [names[7]]
        for lg in self.attorneys:
            self.staff_add(None, lg, "attorney", check=True)
        for lg in self.intakes:
            self.staff_add(None, lg, "intake", check=True)
        for lg in self.admins:
            self.staff_add(None, lg, "admin", check=True)
        self.nonstaff = ["ghost", "mallory"]
        # customers: tenant, region, e-mail (one with none, maybe one that bounces)
        self.domains = {}
        self.customer_add(None, "acme", "eu-west", "legal@acme.example", check=True)
        self.customer_add(None, "zenith", "us-east", "Counsel@Zenith.example", check=True)
        self.customer_add(None, "faxonly", "uk-south", "", check=True)
        if r.random() < 0.7:
            self.customer_add(None, "bouncy", "eu-central", "bounce-legal@bouncy.example", check=True)
        self.next_customer = 1
        self.refs = 0
        self.order_refs = 0
        self.prev_due = {}
        self.last_verify_dv = None
        self.checked_dv = None
        self.unverified = 0
        self.prefetched = {}
        self.due_choice = (None, None)
        self.changed = True

    def actors(self):
        return [None] + self.attorneys + self.intakes + self.admins + self.nonstaff

    def pick_actor(self, action):
        """Mostly one who may, sometimes anyone (the wrong role, a non-staff login)."""
        r = self.rnd
        if r.random() < 0.7:
            roles = M.PERMISSION[action]
            pool = [a for a in self.actors() if self.m.role_of(a) in roles]
            if pool:
                return r.choice(pool)
        return r.choice(self.actors())

    def staff_add(self, actor, login, role, check=False):
        return self.run_write(lambda: self.m.add_staff(actor, login, role),
                              ("staff", "add", login, "--name", login.title(), "--role", role), actor)

    def customer_add(self, actor, tenant, region, email, check=False):
        argv = ["customer", "add", "--tenant", tenant, "--name", tenant.title() + " Ltd", "--region", region]
        if email:
            argv += ["--email", email]
        if self.rnd.random() < 0.5:
            argv += ["--contact", "Counsel of " + tenant]
        return self.run_write(lambda: self.m.add_customer(actor, tenant, email=email, region=region),
                              argv, actor)

    # ------------------------------------------------------------------ one write
    def run_write(self, apply, argv, actor, env=None, expect_rc=None, after=None):
        """Ask the model, run docket, compare the answer; a refused command must write nothing."""
        m = self.m
        self.stats["commands"] += 1
        verdict = "allowed"
        why = ""
        want_rc = None
        try:
            result = apply()
        except M.Refused as e:
            verdict, why, want_rc = "refused", str(e), e.rc
        except M.Ambiguous as e:
            verdict, why = "ambiguous", str(e)
        full = self.args.full_dump or self.rnd.random() < 0.03
        before = self.dump() if (full and verdict != "allowed") else None
        dv = self.data_version()
        rc, out, err = self.dk(*argv, actor=actor, env=env)
        self.last_out, self.last_err, self.last_rc = out, err, rc
        if verdict == "ambiguous":
            self.stats["ambiguous"] += 1
            if rc == 0:
                m.forcing = True
                try:
                    result = apply()
                except M.Refused as e:
                    # the open point allowed, the model still refuses the command for another rule
                    self.fail("the model refuses it (%s; beyond the open point: %s), docket allowed it" % (e, why))
                finally:
                    m.forcing = False
                verdict = "allowed"
        if verdict == "allowed":
            if rc != 0 and not (expect_rc and rc in expect_rc):
                self.fail("the model allows it, docket refused (exit %d): %s" % (rc, err.strip()[:300]))
            self.stats["allowed"] += 1
            self.changed = True
            return True, out, result
        # refused (by the model, or ambiguous and refused by docket)
        if rc == 0:
            self.fail("the model refuses it (%s), docket allowed it" % why)
        if rc not in (1, 2):
            self.fail("refused with exit %d, not 1 or 2: %s" % (rc, err.strip()))
        if want_rc is not None and rc != want_rc:
            self.fail("refused with exit %d, the docs say %d (%s): %s" % (rc, want_rc, why, err.strip()))
        self.stats["refused"] += 1
        if self.data_version() != dv:
            self.fail("a refused command changed the database (data_version moved): %s" % err.strip())
        if before is not None and self.dump() != before:
            self.fail("a refused command changed the database (.dump differs)")
        return False, out, None

    def snapshot(self):
        """The model's mutable state, for undoing a command the model refused half-way."""
        import copy
        return copy.deepcopy((self.m.demands, self.m.letters, self.m.staff, self.m.former, self.m.customers,
                              self.m.next_demand))

    def restore_snapshot(self, s):
        import copy
        (self.m.demands, self.m.letters, self.m.staff, self.m.former, self.m.customers,
         self.m.next_demand) = copy.deepcopy(s)

    # ------------------------------------------------------------------ generators
    def demand_ids(self, open_only=False):
        ds = [d for d in self.m.demands.values() if not open_only or d.state != "closed"]
        return [d.id for d in ds]

    def pick_demand(self, prefer_open=0.8):
        r = self.rnd
        ids = self.demand_ids(open_only=r.random() < prefer_open) or self.demand_ids()
        return r.choice(ids) if ids else None

    def customer_addr_sample(self, tenant=None):
        """An address of some customer (its contact, an address one of its demands' identifiers
        names, one at its contact's domain or a subdomain), often written another way (case, a
        +tag, dots in the local part); now and then one that only looks like it (the domain as a
        suffix without a dot, the domain as a local part, a longer domain) and is nobody's."""
        r = self.rnd
        tenant = tenant or r.choice(list(self.m.customers))
        c = self.m.customers[tenant]
        opts = []
        if c.get("email"):
            opts.append(c["email"])
        for d in self.m.demands.values():
            if d.customer == tenant:
                opts += [v for _, v in d.identifiers if "@" in v and M.mailbox(v)]
        dom = domain(c.get("email"))
        if dom:
            opts += ["someone@" + dom, "Boss@" + dom.upper(), "x@sub." + dom, "it@Mail." + dom,
                     "a.b@deep.sub." + dom]
        if not opts:
            return "nobody@elsewhere.example"
        a = r.choice(opts).rstrip(".")
        if r.random() < 0.5:
            a = variant(r, a)
        if dom and r.random() < 0.1:
            a = r.choice(["someone@not" + dom, dom.replace(".", "-") + "@else.example",
                          "someone@" + dom + ".else.example", "x@" + dom.split(".")[0] + "x." + dom.split(".", 1)[-1]])
        return a

    def op_add(self):
        r = self.rnd
        m = self.m
        open_n = sum(1 for d in m.demands.values() if d.state != "closed")
        if open_n >= 20 or len(m.demands) >= self.args.max_demands:
            return self.op_move()
        actor = self.pick_actor("add")
        tenant = r.choice(list(m.customers))
        region = m.customers[tenant]["region"]
        inst = r.choice(["subpoena", "subpoena", "court_order", "search_warrant", "search_warrant",
                         "emergency", "preservation", "mlat", "national_security", "civil_subpoena", "other"])
        emergency = r.random() < 0.15 or (inst == "emergency" and r.random() < 0.7)
        cats = [r.choice(["subscriber", "non_content"])]
        if r.random() < 0.4:
            cats.append("content")
        if inst == "preservation" and r.random() < 0.5:
            cats = []
        jur = r.choice(["IE", "US", "US-CA", "GB", "DE", "US-NY"])
        self.refs += 1
        ref = "R%d-%d" % (self.index, self.refs)
        if r.random() < 0.03 and m.demands:
            ref = r.choice(list(m.demands.values())).ref          # a duplicate: refused
        remail = r.choice(["police%d@gov.example" % r.randint(1, 9), "", "bounce-desk@gov.example",
                           "agent@agency.example", None])
        if remail is None:       # the requester writes from an address of a customer
            remail = self.customer_addr_sample()
        idents = []
        for _ in range(r.randint(0, 2)):
            idents.append(r.choice([
                ("email", "user%d@%s" % (r.randint(1, 5), (domain(m.customers[tenant]["email"]) or "mail.example"))),
                ("email", "owner%d@freemail.example" % r.randint(1, 5)),
                ("email", variant(r, "owner%d@freemail.example" % r.randint(1, 5))),
                ("ip", "198.51.100.%d" % r.randint(1, 250)),
                ("account", "acct-%d" % r.randint(1, 99)),
                # an account named by an address is the customer's address too (any kind counts)
                ("account", r.choice(["Bob.Smith", "desk%d" % r.randint(1, 9), "Ops+Team"]) + "@" +
                 r.choice(["Mail.Example", "else.example", "freemail.example"]) + r.choice(["", "", "."])),
            ]))
        received = m.now - r.choice([0, 0, 3600, 3 * DAY, 20 * DAY])
        future = r.random() < 0.03
        if future:
            received = m.now + 2 * DAY
        resp = None
        if r.random() < 0.25:
            resp = m.now + r.randint(1, 30) * DAY
        argv = ["add", "--ref", ref, "--channel", r.choice(["email", "portal", "mail", "fax", "in_person"]),
                "--instrument", inst, "--customer", tenant, "--requester", "Req %s" % ref,
                "--kind", r.choice(["law_enforcement", "government", "civil_litigant", "other"]),
                "--jurisdiction", jur, "--received", iso(received)]
        if remail:
            argv += ["--requester-email", remail]
        if cats:
            argv += ["--category", ",".join(cats)]
        for k, v in idents:
            argv += ["--identifier", "%s:%s" % (k, v) if k != "email" or r.random() < 0.5 else v]
        if resp:
            argv += ["--due", iso(resp)]
        if emergency:
            argv += ["--emergency"]
        cross = CROSS.get((region, jur))

        def apply():
            if not cats and inst != "preservation":
                raise M.Refused("--category is required")
            d = m.add_demand(actor, ref=ref, instrument=inst, emergency=emergency, categories=cats,
                             customer=tenant, requester_email=remail, identifiers=idents,
                             response_due=resp, received=received)
            return d
        ok, out, d = self.run_write(apply, argv, actor)
        if ok:
            did = int(out.strip())
            if did != d.id:
                self.fail("add printed id %d, the model expected %d" % (did, d.id))
            self.due_moved.add(did)
            rc, j = self.jdk("show", did, "--format", "json")
            if cross is not None and j["cross_region"] != cross:
                self.fail("cross_region is %s for a %s requester and data in %s" % (j["cross_region"], jur, region))
            d.cross_region = j["cross_region"]
            if j["emergency"] != d.emergency:
                if inst == "emergency" and not emergency and j["emergency"]:
                    d.emergency = True       # the instrument "emergency" marks it (NOTES.md)
                else:
                    self.fail("emergency is %s, the model says %s" % (j["emergency"], d.emergency))
            if (d.emergency or d.preservation) and j["process_flag"] != d.process_flag:
                d.process_flag = j["process_flag"]   # NOTES.md: the flag of an emergency
            if j["process_flag"] != d.process_flag:
                self.fail("process_flag is %s, the model says %s (%s, %s)" % (j["process_flag"], d.process_flag, inst, cats))
            self.touched.add(did)

    def op_move(self):
        r = self.rnd
        m = self.m
        did = self.pick_demand()
        if did is None:
            return self.op_add()
        d = m.demands[did]
        legal = M.legal_moves(d.state)
        note = "why %d" % self.step_no if r.random() < 0.6 else None
        to = outcome = None
        if legal and r.random() < 0.55:
            # guided: a move the model allows now (an attorney's for a decision), mostly forward
            ok = []
            for t, o in legal:
                if o == "disclosed_content" and "content" not in d.categories:
                    continue
                act = M.TRANSITIONS[(d.state, t, o)][0]
                who = self.attorneys[0] if act == "decide" else r.choice([None] + self.intakes)
                try:
                    m.check_move(who, d, t, o, note or "guided")
                    ok.append((t, o))
                except (M.Refused, M.Ambiguous):
                    pass
            fwd = [x for x in ok if x[0] != "closed" or (x[1] or "").startswith("disclosed")
                   or x[1] in ("preservation_expired", "superseded")]
            pool = fwd if (fwd and r.random() < 0.85) else ok
            if pool:
                to, outcome = r.choice(pool)
                if (d.cross_region or d.process_flag) and not note:
                    note = "flag handled"
        if to is None and legal and r.random() < 0.7:
            to, outcome = r.choice(legal)
        elif to is None:
            to = r.choice(M.STATES)
            outcome = r.choice(M.OUTCOMES) if to == "closed" else None
        if outcome == "disclosed_content" and "content" not in d.categories:
            outcome = "disclosed_non_content"
        key = (d.state, to, outcome)
        action = M.TRANSITIONS.get(key, ("move", ()))[0]
        actor = self.pick_actor(action)
        argv = ["move", did, to]
        if outcome:
            argv += ["--outcome", outcome]
        if note:
            argv += ["--note", note]
        ev = None
        if r.random() < 0.1:
            ev = d.version - (1 if r.random() < 0.5 else 0)
            argv += ["--expect-version", ev]
        ok, out, _ = self.run_write(lambda: m.move(actor, did, to, outcome, note, ev), argv, actor)
        if ok:
            self.touched.add(did)
            self.due_moved.add(did)

    def rand_time_around(self, d):
        """A time for an order: in the past (before the demand, or near its moves), now, or ahead."""
        r = self.rnd
        now = self.m.now
        return r.choice([
            now - r.randint(1, 40) * DAY,
            now - r.randint(60, 6 * 3600),
            now + r.randint(1, 3) * 3600,
            now + r.randint(1, 60) * DAY,
            now + r.randint(200, 6 * 3600),
        ])

    def op_order(self):
        r = self.rnd
        m = self.m
        did = self.pick_demand(prefer_open=0.85)
        if did is None:
            return self.op_add()
        d = m.demands[did]
        existing = [o for o in d.orders]
        actor = self.pick_actor("order.record")
        kw = {}
        if existing and r.random() < 0.6:
            o = r.choice(existing)
            ref = o.ref
            what = r.choice(["expires", "expires", "indefinite", "lift", "lift", "review", "challenged", "issued", "two",
                             "restate", "told"])
        else:
            self.order_refs += 1
            ref = "NDO-%d" % self.order_refs
            what = r.choice(["expires", "expires", "expires", "indefinite", "lift", "none", "two"])
            if r.random() < 0.4:
                kw["issued"] = r.choice([m.now - r.randint(1, 30) * DAY, m.now - r.randint(60, 5 * 3600),
                                         m.now, m.now + r.randint(400, 4 * DAY), m.now + r.randint(1, 59)])
            if r.random() < 0.3:
                kw["statute"] = "18 U.S.C. 2705(b)"
        if what == "expires":
            kw["expires"] = r.choice([m.now + r.randint(1, 30) * DAY, m.now + r.randint(600, 12 * 3600),
                                      m.now - r.randint(1, 10) * DAY, m.now + r.randint(31, 200) * DAY])
        elif what == "indefinite":
            kw["indefinite"] = True
        elif what == "lift":
            kw["lifted"] = r.choice([m.now, m.now - r.randint(60, 3 * DAY), m.now + r.randint(1000, 3 * DAY),
                                     m.now - r.randint(60, 3 * DAY), m.now + r.randint(1, 300)])
        elif what == "review":
            kw["reviewed"] = True
        elif what == "challenged":
            kw["challenged"] = True
        elif what == "issued":
            kw["issued"] = r.choice([m.now - r.randint(1, 20) * DAY, m.now + r.randint(1, 59)])
        elif what == "restate":
            # the values recorded, said again: still recording the order (an attorney's)
            if o.lifted is None and o.indefinite:
                kw["indefinite"] = True
            elif o.lifted is None and o.expires is not None:
                kw["expires"] = o.expires
            if o.issued is not None and r.random() < 0.5:
                kw["issued"] = o.issued
            if o.challenged and r.random() < 0.5:
                kw["challenged"] = True
            if o.statute and r.random() < 0.5:
                kw["statute"] = o.statute
        elif what == "told":
            # a date around a customer notice given while the order was in force: the issue date
            # moved after it, a lift or an expiry moved before it (refused unless --reviewed), or
            # just the other side of it
            ts = m.told_times(d, o) or m.given_times(did) or [m.now - DAY]
            t = r.choice(ts)
            side = r.choice([1, 1, -1])
            k = r.choice(["issued", "lifted", "expires"])
            v = t + side * r.randint(1, 3 * DAY) if k == "issued" else t - side * r.randint(0, 3 * DAY)
            kw[k] = min(v, m.now)
            if r.random() < 0.15:
                kw["reviewed"] = True
        elif what == "two":
            kw["expires"] = m.now + 5 * DAY
            kw[r.choice(["indefinite", "lifted"])] = True if r.random() < 0.5 else m.now
            if "lifted" in kw and kw["lifted"] is True:
                kw["lifted"] = m.now
        if r.random() < 0.75 and what != "none":
            kw["reason"] = "court %d" % self.step_no
        if r.random() < 0.1:
            kw["challenged"] = True
        argv = ["order", did, "--ref", ref]
        if kw.get("statute"):
            argv += ["--statute", kw["statute"]]
        if kw.get("issued") is not None:
            argv += ["--issued", iso(kw["issued"])]
        if kw.get("expires") is not None:
            argv += ["--expires", iso(kw["expires"])]
        if kw.get("indefinite"):
            argv += ["--indefinite"]
        if kw.get("lifted") is not None:
            argv += ["--lifted", iso(kw["lifted"])]
        if kw.get("challenged"):
            argv += ["--challenged"]
        if kw.get("reviewed"):
            argv += ["--reviewed"]
        if kw.get("reason"):
            argv += ["--reason", kw["reason"]]
        ok, out, _ = self.run_write(lambda: m.order(actor, did, ref, **kw), argv, actor)
        if ok:
            self.touched.add(did)
            self.due_moved.add(did)

    def op_authenticate(self):
        r = self.rnd
        cands = [d.id for d in self.m.demands.values() if d.state != "closed" and not d.verified]
        did = r.choice(cands) if cands and r.random() < 0.8 else self.pick_demand()
        if did is None:
            return self.op_add()
        actor = self.pick_actor("authenticate")
        method = r.choice(["callback", "email-domain", "portal", "supervisor"])
        ok, _, _ = self.run_write(lambda: self.m.authenticate(actor, did, method),
                                  ["authenticate", did, "--method", method, "--note", "checked"], actor)
        if ok:
            self.touched.add(did)

    def op_extend(self):
        r = self.rnd
        did = self.pick_demand()
        if did is None:
            return self.op_add()
        d = self.m.demands[did]
        actor = self.pick_actor("extend")
        base = d.due if isinstance(d.due, int) else self.m.now
        new = base + r.choice([r.randint(1, 10) * DAY, -r.randint(1, 3) * DAY, 0])
        reason = "asked" if r.random() < 0.9 else None
        argv = ["extend", did, "--due", iso(new)]
        if reason:
            argv += ["--reason", reason]
        ok, _, _ = self.run_write(lambda: self.m.extend(actor, did, new, reason), argv, actor)
        if ok:
            self.touched.add(did)
            self.due_moved.add(did)

    def notice_time(self, d):
        r = self.rnd
        m = self.m
        ob = m.obligations(d)
        R = ob.R if ob.R not in (M.INF, -M.INF) else None
        opts = [m.now, m.now, m.now + r.randint(600, DAY)]
        if R is not None and R <= m.now:
            opts += [r.randint(int(R), m.now), int(R)]
            opts.append(int(R) - r.randint(60, 3 * DAY))
        else:
            opts.append(m.now - r.randint(60, 3 * DAY))
        return r.choice(opts)

    def op_notice(self):
        r = self.rnd
        m = self.m
        cands = [d.id for d in m.demands.values() if m.obligations(d).wanted]
        did = r.choice(cands) if cands and r.random() < 0.9 else self.pick_demand()
        if did is None:
            return self.op_add()
        d = m.demands[did]
        actor = self.pick_actor("notice.record")
        via = r.choice(["letter", "phone", "email"])
        at = self.notice_time(d)
        argv = ["notice", did, "--via", via]
        if at != m.now or r.random() < 0.5:
            argv += ["--at", iso(at)]
        ok, _, _ = self.run_write(lambda: m.record_notice(actor, did, via, at), argv, actor)
        if ok:
            self.touched.add(did)

    def pick_letter(self, waiting=0.9):
        r = self.rnd
        ls = [l for l in self.m.letters if l.id is not None]
        w = [l for l in ls if l.status in M.WAITING]
        pool = w if (w and r.random() < waiting) else ls
        return r.choice(pool) if pool else None

    def op_edit(self):
        r = self.rnd
        m = self.m
        l = self.pick_letter()
        if l is None:
            return self.op_send()
        actor = self.pick_actor("notice.edit" if l.customer_notice else "letter.edit")
        tenant = m.demands[l.demand].customer if l.demand else None
        choice = r.random()
        valid = True
        if choice < 0.35:
            to = self.customer_addr_sample(tenant)       # re-addressed to the customer
        elif choice < 0.45:
            to = self.customer_addr_sample()
        elif choice < 0.55:
            to = ""
        elif choice < 0.62:
            to, valid = "not an address", False
        elif choice < 0.7:
            to = "bounce-%d@else.example" % r.randint(1, 9)
        else:
            to = "desk%d@else.example" % r.randint(1, 9)
        subj = "Edited %d" % self.step_no
        ok, _, _ = self.run_write(lambda: m.outbox_edit(actor, l, to, valid),
                                  ["outbox", "edit", l.id], actor, env={"MODEL_TO": to, "MODEL_SUBJ": subj})
        if l.demand:
            self.touched.add(l.demand)

    def op_retry(self):
        l = self.pick_letter()
        if l is None:
            return self.op_send()
        actor = self.pick_actor("notice.edit" if l.customer_notice else "letter.edit")
        self.run_write(lambda: self.m.outbox_retry(actor, l), ["outbox", "retry", l.id], actor)
        if l.demand:
            self.touched.add(l.demand)

    def op_cancel(self):
        r = self.rnd
        l = self.pick_letter()
        if l is None:
            return self.op_send()
        actor = self.pick_actor("notice.edit" if l.customer_notice else "letter.edit")
        reason = "not needed" if r.random() < 0.9 else None
        argv = ["outbox", "cancel", l.id]
        if reason:
            argv += ["--reason", reason]
        self.run_write(lambda: self.m.outbox_cancel(actor, l, reason), argv, actor)
        if l.demand:
            self.touched.add(l.demand)

    def op_delivered(self):
        r = self.rnd
        m = self.m
        l = self.pick_letter()
        if l is None:
            return self.op_send()
        actor = self.pick_actor("notice.record" if l.customer_notice else "letter.edit")
        via = r.choice(["letter", "phone", "email"])
        if l.customer_notice:
            at = self.notice_time(m.demands[l.demand])
        else:
            at = r.choice([m.now, r.randint(l.created, m.now), m.now + r.randint(600, DAY)])
        argv = ["outbox", "delivered", l.id, "--via", via]
        if at != m.now or r.random() < 0.5:
            argv += ["--at", iso(at)]
        self.run_write(lambda: m.outbox_delivered(actor, l, via, at), argv, actor)
        if l.demand:
            self.touched.add(l.demand)

    def op_send(self, dry=False):
        r = self.rnd
        m = self.m
        actor = self.pick_actor("send") if r.random() < 0.3 else r.choice([None] + self.intakes)
        up = r.random() < 0.9
        env = None if up else {"DOCKET_SMTP_URL": "smtp://127.0.0.1:%d" % self.dead_port}
        if dry or r.random() < 0.05:
            return self.op_send_dry(actor, env)
        if m.role_of(actor) is None:
            dv = self.data_version()
            rc, out, err = self.dk("outbox", "send", actor=actor, env=env)
            if rc == 0 or self.data_version() != dv:
                self.fail("outbox send by a non-staff login: exit %d, database changed: %s" % (rc, self.data_version() != dv))
            return
        results = []

        queued = m.queue_expired()
        for l in m.due_letters():
            results.append((l, m.send_one(l, up)))
        rc, out, err = self.dk("outbox", "send", actor=actor, env=env)
        kinds = set(x for _, x in results)
        want = {0}
        if kinds & {"failed", "deferred"} and "refused" in kinds:
            want = {1, 3}
        elif kinds & {"failed", "deferred"}:
            want = {3}
        elif "refused" in kinds:
            want = {1}
        # the model's outbox changed only when it queued or sent something; whether docket's did
        # is data_version's to say (check_all)
        self.changed = bool(queued or results)
        if rc not in want:
            self.fail("outbox send exited %d, the model expected %s (%s): %s" % (
                rc, sorted(want), ", ".join("%s %s->%s" % (l.id, l.recipient, x) for l, x in results),
                err.strip()[:400]))
        self.expect_mail = [l.recipient.lower() for l, x in results if x == "sent"]
        self.expect_ids = [l.id for l, x in results if x == "sent" and l.id is not None]
        self.stats["sent"] += len(self.expect_mail)
        for l, _ in results:
            if l.demand:
                self.touched.add(l.demand)
        self.check_mail()

    def op_send_dry(self, actor, env):
        dv = self.data_version()
        rc, out, err = self.dk("outbox", "send", "--dry-run", actor=actor, env=env)
        if self.data_version() != dv:
            self.fail("outbox send --dry-run changed the database")
        self.expect_mail = []
        self.check_mail()

    def op_digest(self):
        r = self.rnd
        m = self.m
        actor = self.pick_actor("send")
        addr = r.choice(["legal-team@provider.example", "bounce-team@provider.example",
                         self.customer_addr_sample(), self.customer_addr_sample()])
        up = r.random() < 0.9
        env = None if up else {"DOCKET_SMTP_URL": "smtp://127.0.0.1:%d" % self.dead_port}
        holder = {}

        def apply():
            l = m.digest(actor, addr)
            holder["l"] = l
            holder["r"] = m.send_one(l, up)
        ok, out, _ = self.run_write(apply, ["due", "--mail", addr], actor, env=env, expect_rc=(3,))
        if ok:
            res = holder["r"]
            want = 0 if res == "sent" else 3
            if self.last_rc != want:
                self.fail("due --mail exited %d, the model expected %d (%s)" % (self.last_rc, want, res))
            self.expect_mail = [addr.lower()] if res == "sent" else []
            self.stats["sent"] += len(self.expect_mail)
        else:
            self.expect_mail = []
        self.check_mail()

    def op_note(self):
        did = self.pick_demand()
        if did is None:
            return self.op_add()
        actor = self.pick_actor("note")
        ok, _, _ = self.run_write(lambda: self.m.note(actor, did), ["note", did, "note %d" % self.step_no], actor)
        if ok:
            self.touched.add(did)

    def op_assign(self):
        r = self.rnd
        did = self.pick_demand()
        if did is None:
            return self.op_add()
        actor = self.pick_actor("assign")
        who = r.choice(self.attorneys + self.intakes + ["", "ghost"])
        ok, _, _ = self.run_write(lambda: self.m.assign(actor, did, who), ["assign", did, who], actor)
        if ok:
            self.touched.add(did)

    def op_staff(self):
        r = self.rnd
        actor = self.pick_actor("staff")
        if r.random() < 0.5:
            return self.op_staff_change(actor)
        login = r.choice(["new%d" % r.randint(1, 50)] + self.attorneys)
        role = r.choice(M.ROLES)
        ok, _, _ = self.staff_add(actor, login, role)
        if ok:
            {"attorney": self.attorneys, "intake": self.intakes, "admin": self.admins}[role].append(login)

    def op_staff_change(self, actor):
        """A staff member leaves, comes back or changes role: who may act changes under every
        other command (root, the driver's own login, is left alone but for a rare try)."""
        r = self.rnd
        m = self.m
        pool = sorted(set(m.staff) | set(m.former) | {"ghost"})
        if r.random() > 0.05:
            pool = [l for l in pool if l != m.root] or pool
        login = r.choice(pool)
        what = r.choice(["deactivate", "reactivate", "role", "role"])
        if what == "role":
            role = r.choice(M.ROLES)
            argv = ("staff", "role", login, role, "--reason", "staff change %d" % self.step_no)
            apply = lambda: m.change_staff(actor, login, role=role)
        else:
            argv = ("staff", what, login, "--reason", "staff change %d" % self.step_no)
            apply = lambda: m.change_staff(actor, login, active=(what == "reactivate"))
        self.run_write(apply, argv, actor)

    def op_customer(self):
        r = self.rnd
        if len(self.m.customers) >= 7:
            return self.op_add()
        self.next_customer += 1
        t = "cust%d" % self.next_customer
        email = r.choice(["dpo@%s.example" % t, "", "bounce@%s.example" % t])
        self.customer_add(self.pick_actor("customer"), t, r.choice(["eu-west", "us-east", "uk-south", "ap-southeast"]), email)

    def op_clock(self):
        r = self.rnd
        dt = r.choice([r.randint(1, 600), r.randint(600, 6 * 3600), r.randint(1, 3) * DAY + r.randint(0, 3600),
                       7 * DAY + r.randint(1, 7200), r.randint(5, 20) * DAY])
        if r.random() < 0.01:
            dt = 181 * DAY
        self.m.now += dt
        self.trace.append("clock +%ds -> %d (%s)" % (dt, self.m.now, iso(self.m.now)))
        self.time_moved = True

    def op_show(self):
        did = self.pick_demand(prefer_open=0.5)
        if did is not None:
            self.touched.add(did)
            self.show_wanted.add(did)

    def op_verify(self):
        self.check_verify(force=True)

    # ------------------------------------------------------------------ the checks
    def check_all(self):
        """After a step: compare what changed (or may have, as time moved). What the model
        changed, or docket wrote (data_version moved), is read back; time alone changes no stored
        row (the outbox) but does change what is derived from now (list, due)."""
        dv = self.data_version()
        db_moved = dv != self.checked_dv
        self.checked_dv = dv
        moved = self.changed or db_moved or self.time_moved
        r = self.rnd
        self.due_choice = (r.choice([None, None, 1, 30, 200]), r.choice([None, None, "ghost"] + self.intakes))
        if self.changed or db_moved:
            self.unverified += 1
        verify = self.unverified >= self.args.verify_every and self.last_verify_dv != dv
        if not moved:
            # nothing written and no time passed: only what the step asked to see
            self.touched &= self.show_wanted
        reqs = []
        if self.changed or db_moved:
            reqs.append((OUTBOX_ALL, None))
        if moved:
            within, actor = self.due_choice
            reqs += [(LIST_ALL, None), (due_argv(within), actor)]
        reqs += [(("show", did, "--format", "json"), None) for did in sorted(self.touched)]
        if verify:
            reqs.append((("verify",), None))
        self.prefetch(reqs)
        if self.changed or db_moved:
            self.check_outbox()
        if moved:
            self.check_list()
            self.check_due()
        for did in sorted(self.touched):
            self.check_show(did)
        self.check_mail()
        if verify:
            self.check_verify()
        self.check_promises()
        self.prefetched.clear()

    def check_outbox(self):
        rc, rows = self.jdk(*OUTBOX_ALL)
        m = self.m
        known = {l.id: l for l in m.letters if l.id is not None}
        new_rows = sorted([x for x in rows if x["id"] not in known], key=lambda x: x["id"])
        fresh = [l for l in m.letters if l.id is None and not getattr(l, "unlisted", False)]
        for x in new_rows:
            match = None
            for l in fresh:
                if l.demand == x["demand"] and (l.kind == x["kind"] or getattr(l, "kind_adopt", False)) and \
                        (l.kind != "digest" or l.recipient.lower() == (x["recipient"] or "").lower()):
                    match = l
                    break
            if match is None:
                self.fail("docket has letter %s (%s for demand %s to %s, %s) the model did not expect" % (
                    x["id"], x["kind"], x["demand"], x["recipient"], x["status"]))
            fresh.remove(match)
            match.id = x["id"]
            if getattr(match, "kind_adopt", False):
                match.kind = x["kind"]
        for l in fresh:
            if getattr(l, "maybe", False) or getattr(l, "kind_adopt", False):
                if getattr(l, "maybe", False):
                    m.letters.remove(l)
                l.unlisted = True
                continue
            self.fail("the model expected a %s letter for demand %s to %r (%s); docket has none" % (
                l.kind, l.demand, l.recipient, l.status))
        byid = {x["id"]: x for x in rows}
        for l in m.letters:
            if l.id is None:
                continue
            x = byid.get(l.id)
            if x is None:
                self.fail("letter %s is no longer listed by outbox list" % l.id)
            diffs = []
            if x["status"] != l.status:
                diffs.append("status %s, model %s" % (x["status"], l.status))
            if (x["recipient"] or "").lower() != (l.recipient or "").lower() and l.status != "sent":
                diffs.append("recipient %r, model %r" % (x["recipient"], l.recipient))
            mvia = l.via
            if x["via"] != mvia and not (l.status == "sent" and getattr(l, "kind_adopt", False)):
                diffs.append("via %s, model %s" % (x["via"], mvia))
            if x["needs_person"] != l.needs_person():
                diffs.append("needs_person %s, model %s" % (x["needs_person"], l.needs_person()))
            if l.status in ("queued", "failed") and l.via == "smtp" and x["attempts"] != l.attempts:
                diffs.append("attempts %s, model %s" % (x["attempts"], l.attempts))
            if diffs:
                self.fail("letter %s (%s, demand %s): %s" % (l.id, l.kind, l.demand, "; ".join(diffs)))

    def check_list(self):
        rc, rows = self.jdk(*LIST_ALL)
        m = self.m
        seen = set()
        for x in rows:
            d = m.demands.get(x["id"])
            if d is None:
                self.fail("list shows demand %s the model does not have" % x["id"])
            seen.add(d.id)
            if x["status"] != d.state or x["outcome"] != d.outcome:
                self.fail("demand %s is %s(%s), the model says %s(%s)" % (d.id, x["status"], x["outcome"], d.state, d.outcome))
            ob = m.obligations(d)
            if x["under_order"] != ob.forbidden and not self.near_order_boundary(d):
                self.fail("demand %s: under_order %s, the model says %s (orders in force: %s)" % (
                    d.id, x["under_order"], ob.forbidden, ob.in_force))
            due = parse(x["due"])
            prev = self.prev_due.get(d.id, "unset")
            if d.id in self.due_moved or prev == "unset":
                if d.due is not M.ADOPT and d.due != due:
                    self.fail("demand %s: deadline %s, the model says %s (state %s)" % (
                        d.id, x["due"], iso(d.due) if d.due else None, d.state))
            elif due != prev:
                self.fail("demand %s: its deadline moved silently from %s to %s" % (
                    d.id, iso(prev) if prev else None, x["due"]))
            d.due = due
            self.prev_due[d.id] = due
            if hasattr(d, "version_seen") and x["version"] < d.version_seen:
                self.fail("demand %s: version went back" % d.id)
            d.version_seen = x["version"]
            d.version = x["version"]
        if seen != set(m.demands):
            self.fail("list lacks demands %s" % sorted(set(m.demands) - seen))
        self.due_moved.clear()

    def near_order_boundary(self, d):
        now = self.m.now
        for o in d.orders:
            for t in (o.issued, o.expires, o.lifted):
                if t is not None and abs(t - now) <= MARGIN:
                    return True
        return False

    def check_show(self, did):
        self.stats["show"] += 1
        m = self.m
        d = m.demands[did]
        rc, j = self.jdk("show", did, "--format", "json")
        if j["status"] != d.state or j["outcome"] != d.outcome:
            self.fail("show %s: %s(%s), the model says %s(%s)" % (did, j["status"], j["outcome"], d.state, d.outcome))
        if bool(j["verifications"]) != d.verified:
            self.fail("show %s: verifications %s, the model says verified=%s" % (did, j["verifications"], d.verified))
        if self.near_order_boundary(d):
            return
        ob = m.obligations(d)
        o = j["obligations"]
        self.cover.add("notice:" + ob.notice)
        self.cover.add("state:" + d.state + ("(%s)" % d.outcome if d.outcome else ""))
        self.cover.add("disclosure:" + ob.disclosure)
        for w, _, _ in ob.attention:
            self.cover.add("attention:" + w)
        diffs = []
        if o["customer_notice"] != ob.notice:
            diffs.append("customer_notice %s, model %s" % (o["customer_notice"], ob.notice))
        else:
            nf = parse(o["notice_from"])
            if ob.notice == "given":
                if nf not in ob.notice_from:
                    diffs.append("notice_from %s, model one of %s" % (o["notice_from"], [iso(t) for t in ob.notice_from]))
            else:
                want = ob.notice_from
                if want is not None and want != M.INF:
                    want = int(want)
                if nf != want:
                    diffs.append("notice_from %s, model %s" % (o["notice_from"], iso(want) if isinstance(want, int) else want))
        if o["contact_forbidden"] != ob.forbidden:
            diffs.append("contact_forbidden %s, model %s" % (o["contact_forbidden"], ob.forbidden))
        if ob.in_force:
            if o["order_in_force"] not in ob.in_force:
                diffs.append("order_in_force %s, model one of %s" % (o["order_in_force"], ob.in_force))
        elif o["order_in_force"] is not None:
            diffs.append("order_in_force %s, model none" % o["order_in_force"])
        near_wait = ob.disclose_after is not None and abs(ob.disclose_after - m.now) <= MARGIN
        if not near_wait:
            if o["disclosure"] != ob.disclosure:
                diffs.append("disclosure %s (%s), model %s" % (o["disclosure"], o.get("disclosure_reason"), ob.disclosure))
            elif ob.disclosure == "after" and parse(o["disclose_after"]) != ob.disclose_after:
                diffs.append("disclose_after %s, model %s" % (o["disclose_after"], iso(ob.disclose_after)))
        if o["redirect_wanted"] != ob.redirect_wanted:
            diffs.append("redirect_wanted %s, model %s" % (o["redirect_wanted"], ob.redirect_wanted))
        got = set()
        tie = any(w == "notice_waiting" and ref is None for w, _, ref in ob.attention)
        for a in o["attention"]:
            plain = a["what"] == "notice_owed" or (a["what"] == "notice_waiting" and tie)
            got.add((a["what"], parse(a["since"]), None if plain else a["order"]))
        want = set((w, int(s), ref if (w != "notice_owed" and not (w == "notice_waiting" and tie)) else None)
                   for w, s, ref in ob.attention)
        if got != want:
            diffs.append("attention %s, model %s" % (fmt_items(got), fmt_items(want)))
        # orders
        jo = {x["reference"]: x for x in j["orders"]}
        for od in d.orders:
            x = jo.get(od.ref)
            if x is None:
                diffs.append("order %s missing" % od.ref)
                continue
            for k, v in (("issued", od.issued), ("lifted", od.lifted), ("indefinite", od.indefinite),
                         ("challenged", od.challenged), ("in_force", od.in_force(m.now))):
                got_v = parse(x[k]) if k in ("issued", "lifted") else x[k]
                if got_v != v:
                    diffs.append("order %s %s %s, model %s" % (od.ref, k, x[k], v))
            if not od.indefinite and parse(x["expires"]) != od.expires:
                diffs.append("order %s expires %s, model %s" % (od.ref, x["expires"], iso(od.expires) if od.expires else None))
        if len(jo) != len(d.orders):
            diffs.append("orders %s, model %s" % (sorted(jo), [o.ref for o in d.orders]))
        if diffs:
            self.fail("show %s (%s): %s" % (did, d.state, "; ".join(diffs)))

    def check_due(self):
        m = self.m
        r = self.rnd
        within, actor = self.due_choice
        rc, rows = self.jdk(*due_argv(within), actor=actor)
        w = (7 if within is None else within) * DAY
        end = m.now + w
        waiting_ties = set((did, what, None) for did, what, _, ref in m.attention_items()
                           if what == "notice_waiting" and ref is None)
        got = {}
        for x in rows:
            key = (x["id"], x["why"], x["order"] if x["why"] in ("order_review", "told_under_order", "notice_waiting") else None)
            if x["why"] == "notice_waiting" and (x["id"], "notice_waiting", None) in waiting_ties:
                key = (x["id"], "notice_waiting", None)
            got.setdefault(key, []).append(parse(x["due"]))
        boundary = False
        want = {}
        maybe = set()
        for did, what, since, ref in m.attention_items():
            since = int(since)
            key = (did, what, ref if what != "notice_owed" else None)
            if (did, what, None) in waiting_ties:
                key = (did, what, None)
            if abs(since - end) <= MARGIN or self.near_order_boundary(m.demands[did]):
                boundary = True
                maybe.add(key)
            elif since < end:
                want.setdefault(key, []).append(since)
            if abs(since - m.now) <= MARGIN:
                boundary = True
        for key, sinces in want.items():
            if key in maybe:
                continue
            g = sorted(got.get(key, []))
            if g != sorted(sinces):
                did, what, ref = key
                self.fail("due lists %s of demand %s%s falling due %s; the model expects %s (window to %s)" % (
                    what, did, " (%s)" % ref if ref else "", [iso(t) for t in g], [iso(t) for t in sorted(sinces)], iso(end)))
        for key, dues in got.items():
            did, why, ref = key
            d = m.demands.get(did)
            if why in ("late", "due_soon"):
                if d.state == "closed":
                    self.fail("due lists closed demand %s as %s" % (did, why))
                continue
            if key not in want and key not in maybe:
                self.fail("due lists %s of demand %s (%s, %s) the model does not expect" % (why, did, ref, [iso(t) for t in dues]))
        # late and soon, from docket's own deadlines (list): every late one is listed
        late_any = False
        for d in m.demands.values():
            if d.state == "closed" or d.due is None or d.due is M.ADOPT:
                continue
            if d.due < m.now - MARGIN:
                late_any = True
                if (d.id, "late", None) not in got:
                    self.fail("due does not list demand %s, late since %s" % (d.id, iso(d.due)))
            elif m.now + MARGIN < d.due < end - MARGIN:
                if (d.id, "due_soon", None) not in got:
                    self.fail("due does not list demand %s, due %s within the window" % (d.id, iso(d.due)))
            elif abs(d.due - m.now) <= MARGIN:
                boundary = True
        past_due = any(int(s) <= m.now for _, _, s, _ in m.attention_items())
        person = any(l.needs_person() for l in m.letters)
        want_rc = 1 if (late_any or past_due or person) else 0
        if not boundary and rc != want_rc:
            self.fail("due exited %d, the model expected %d (late %s, obligation past due %s, letter needs a person %s)" % (
                rc, want_rc, late_any, past_due, person))
        # every owed notice is queued in the outbox or listed by due
        for d in m.demands.values():
            ob = m.obligations(d)
            if ob.notice == "owed" and not m.pending_customer(d.id) and (d.id, "notice_owed", None) not in got \
                    and not self.near_order_boundary(d):
                self.fail("demand %s owes its customer a notice that is neither queued nor listed by due" % d.id)

    def check_verify(self, force=False):
        if not force and self.last_verify_dv == self.data_version():
            return
        self.stats["verify"] += 1
        rc, out, err = self.dk("verify", log=False)
        if rc != 0:
            self.fail("docket verify failed: %s" % (err.strip() or out.strip()))
        self.last_verify_dv = self.data_version()
        self.unverified = 0

    def check_mail(self):
        """The Maildir against the model: exactly the letters it sent, and the rule that must never
        break: no letter of a demand reaches an address of that demand's customer while an order
        on that demand is in force (no customer notice of it goes at all), and the digest reaches
        no address of any customer. Each message is tied to its letter by its Message-ID, read
        from docket (outbox preview)."""
        new_dir = os.path.join(self.maildir, "new")
        files = sorted(os.listdir(new_dir)) if os.path.isdir(new_dir) else []
        fresh = [f for f in files if f not in self.seen_mail]
        got = []          # (recipient, Message-ID)
        for f in fresh:
            self.seen_mail.add(f)
            with open(os.path.join(new_dir, f), "rb") as fh:
                head = fh.read(8192).decode("utf-8", "replace").split("\n\n", 1)[0]
            rc, mid = [], None
            for line in head.splitlines():
                if line.startswith("X-Envelope-To:") and not rc:
                    rc = [a.strip().lower() for a in line.split(":", 1)[1].split(",") if a.strip()]
                elif line.lower().startswith("message-id:") and mid is None:
                    mid = line.split(":", 1)[1].strip()
            got += [(a, mid) for a in rc]
        m = self.m
        if got:
            self.map_message_ids(set(mid for _, mid in got))
        ids = set()
        for a, mid in got:
            row = self.msgid_letter.get(mid)
            if row is None:
                self.fail("mail for %s (Message-ID %s) is no letter docket lists as sent" % (a, mid))
            lid, did, kind = row
            ids.add(lid)
            if did is None:
                hit = m.any_customer_address(a)
                if hit:
                    self.fail("the digest (letter %s) reached %s, an address of customer %s" % (lid, a, ", ".join(hit)))
                continue
            d = m.demands[did]
            if self.near_order_boundary(d):
                continue
            ob = m.obligations(d)
            if not ob.forbidden:
                continue
            if kind in M.CUSTOMER_KINDS:
                self.fail("%s notice %s of demand %s reached %s while order %s on that demand is in force" % (
                    kind, lid, did, a, "/".join(ob.in_force)))
            if m.is_customer_address(d.customer, a):
                self.fail("letter %s (%s) of demand %s reached %s, an address of its customer %s, while order "
                          "%s on that demand is in force" % (lid, kind, did, a, d.customer, "/".join(ob.in_force)))
        want = sorted(self.expect_mail)
        if sorted(a for a, _ in got) != want:
            self.fail("the SMTP server received mail for %s, the model expected %s" % (sorted(a for a, _ in got), want))
        missing = sorted(set(self.expect_ids) - ids)
        if missing:
            self.fail("the model sent letter(s) %s; the mail received is of letters %s" % (missing, sorted(ids)))
        self.expect_mail = []
        self.expect_ids = []

    def map_message_ids(self, mids):
        """Message-ID -> (letter, demand, kind), from docket, for the letters it lists as sent."""
        if all(mid in self.msgid_letter for mid in mids):
            return
        rc, rows = self.jdk("outbox", "list", "--status", "sent", "--format", "json")
        for x in rows:
            if x["id"] in self.previewed:
                continue
            rc, p = self.jdk("outbox", "preview", x["id"], "--format", "json")
            self.previewed.add(x["id"])
            self.msgid_letter[p["message_id"]] = (x["id"], x["demand"], x["kind"])

    def check_promises(self):
        """Promise 2: nothing disclosed without an attorney's decision and a verified requester."""
        for d in self.m.demands.values():
            if d.state in ("disclosing", "notice_owed") or (d.outcome or "").startswith("disclosed"):
                if not d.verified:
                    self.fail("demand %s reached %s(%s) with no verified requester" % (d.id, d.state, d.outcome))

    # ------------------------------------------------------------------ tampering
    def tamper(self):
        """An edit behind docket's back must make verify fail; then the copy is restored."""
        self.check_verify()       # the chain as docket left it passes first
        self.stats["tamper"] += 1
        r = self.rnd
        copy = os.path.join(self.tmp, "copy.db")
        if os.path.exists(copy):
            os.remove(copy)
        dst = sqlite3.connect(copy)
        self.conn.backup(dst)
        dst.close()
        c = sqlite3.connect(self.db, isolation_level=None)
        kinds = ["event"]
        movable = [d for d in self.m.demands.values() if d.state != "closed" and M.legal_moves(d.state)]
        if movable:
            kinds += ["status", "status"]
        kind = r.choice(kinds)
        try:
            if kind == "status":
                d = r.choice(movable)
                to, outcome = r.choice(M.legal_moves(d.state))
                c.execute("UPDATE demand SET status = ?, outcome = ? WHERE id = ?", (to, outcome, d.id))
                what = "demand %d status %s -> %s(%s)" % (d.id, d.state, to, outcome)
            else:
                for (name,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'event'").fetchall():
                    c.execute('DROP TRIGGER "%s"' % name)
                eid = r.choice([x for (x,) in c.execute("SELECT id FROM event").fetchall()])
                c.execute("UPDATE event SET note = note || ' (and told the customer)' WHERE id = ?", (eid,))
                what = "event %d's note" % eid
        finally:
            c.close()
        self.trace.append("tamper: %s" % what)
        rc, out, err = self.dk("verify", log=False)
        if rc != 1:
            self.fail("after an edit behind docket's back (%s) verify exited %d: %s" % (what, rc, (out + err).strip()))
        src = sqlite3.connect(copy)
        live = sqlite3.connect(self.db)
        src.backup(live)
        live.close()
        src.close()
        rc, out, err = self.dk("verify", log=False)
        if rc != 0:
            self.fail("verify fails after the database was restored: %s" % err.strip())
        self.last_verify_dv = self.data_version()

    # ------------------------------------------------------------------ the loop
    OPS = [("add", 7), ("move", 34), ("order", 12), ("authenticate", 5), ("extend", 3), ("notice", 6),
           ("edit", 4), ("retry", 2), ("cancel", 2), ("delivered", 3), ("send", 12), ("digest", 1.5),
           ("note", 1.5), ("assign", 1.5), ("staff", 1), ("customer", 0.5), ("clock", 12), ("show", 3),
           ("verify", 1)]

    def run(self):
        self.setup()
        t0 = time.time()
        ok = True
        try:
            self.init_world()
            names = [n for n, _ in self.OPS]
            weights = [w for _, w in self.OPS]
            for i in range(1, self.steps + 1):
                self.step_no = i
                self.touched = set()
                self.show_wanted = set()
                self.due_moved = getattr(self, "due_moved", set())
                self.changed = False
                self.time_moved = False
                self.expect_mail = []
                self.expect_ids = []
                op = self.rnd.choices(names, weights)[0]
                getattr(self, "op_" + op)()
                self.check_all()
                if self.args.tamper_every and i % self.args.tamper_every == 0:
                    self.tamper()
            self.step_no = self.steps
            self.tamper()
        except Disagreement as e:
            ok = False
            self.report(str(e))
        except Exception:
            ok = False
            self.report("driver error:\n" + traceback.format_exc())
        finally:
            self.teardown()
        dt = time.time() - t0
        for n in self.notes[:20]:
            print("[w%d] note: %s" % (self.index, n))
        if len(self.notes) > 20:
            print("[w%d] note: ... %d notes in all" % (self.index, len(self.notes)))
        if self.args.coverage:
            print("[w%d] reached: %s" % (self.index, " ".join(sorted(self.cover))))
        print("[w%d] %s: %d steps in %.1f s (%.1f ms/step); %s" % (
            self.index, "ok" if ok else "DISAGREEMENT", self.step_no, dt, 1000 * dt / max(1, self.step_no),
            ", ".join("%s %d" % kv for kv in self.stats.items())))
        sys.stdout.flush()
        return ok

    def report(self, what):
        print("[w%d] DISAGREEMENT seed=%d worker=%d worker_seed=%d step=%d" % (
            self.index, self.args.seed, self.index, self.wseed, self.step_no))
        print("[w%d]   what: %s" % (self.index, what))
        print("[w%d]   last commands:" % self.index)
        for line in self.trace[-self.args.context:]:
            print("[w%d]     %s" % (self.index, line))
        print("[w%d]   replay: %s --seed %d --steps %d --workers %d --only %d --verbose" % (
            self.index, os.path.relpath(__file__), self.args.seed, self.args.steps, self.args.workers, self.index))
        sys.stdout.flush()


def fmt_items(items):
    return sorted("%s@%s%s" % (w, iso(s) if isinstance(s, int) else s, "/" + r if r else "") for w, s, r in items)


OUTBOX_ALL = ("outbox", "list", "--status", "all", "--format", "json")
LIST_ALL = ("list", "--status", "all", "--format", "json")


def due_argv(within):
    return ("due", "--format", "json") + (("--within", str(within)) if within is not None else ())


def domain(addr):
    return M.domain_of(addr)


def variant(r, addr):
    """The same mailbox written another way: case, a +tag and dots in the local part."""
    local, dom = addr.rsplit("@", 1)
    local = local.split("+", 1)[0]
    how = r.choice(["case", "tag", "dots", "all"])
    if how in ("tag", "all"):
        local += "+" + r.choice(["x", "news", "Tag1"])
    if how in ("dots", "all") and len(local) > 1:
        k = r.randint(1, len(local.split("+")[0]) - 1) if len(local.split("+")[0]) > 1 else 0
        if k and local[k - 1] != "." and local[k] != ".":
            local = local[:k] + "." + local[k:]
    if how in ("case", "all"):
        local = "".join(ch.upper() if r.random() < 0.5 else ch.lower() for ch in local)
        dom = dom.upper() if r.random() < 0.5 else dom
    return local + "@" + dom


def _q(a):
    a = str(a)
    if a and all(c.isalnum() or c in "-_.,:@/=+" for c in a):
        return a
    return "'" + a.replace("'", "'\\''") + "'"


# Requester jurisdiction x data region pairs whose answer is not in doubt (NOTES.md); others are
# read from docket at intake.
CROSS = {
    ("eu-west", "IE"): False, ("eu-west", "US"): True, ("eu-west", "US-CA"): True, ("eu-west", "US-NY"): True,
    ("us-east", "US"): False, ("us-east", "US-CA"): False, ("us-east", "US-NY"): False, ("us-east", "IE"): True,
    ("uk-south", "GB"): False, ("uk-south", "US"): True, ("eu-central", "DE"): False, ("eu-central", "US"): True,
}


def worker_seed(seed, index):
    return int(hashlib.sha256(("%d:%d" % (seed, index)).encode()).hexdigest()[:12], 16)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--steps", type=int, default=1000, help="total steps, shared by the workers")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--docket", default=os.environ.get("DOCKET", os.path.join(TOP, "build", "model", "docket")))
    p.add_argument("--python", default=None, help="the python3 that has aiosmtpd (for smtpd.py)")
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--only", type=int, default=None, help="run worker I alone (replay)")
    p.add_argument("--known", type=lambda s: [x for x in s.split(",") if x], default=[],
                   help="known findings to step around: " + "; ".join("%s: %s" % kv for kv in KNOWN_IDS.items()))
    p.add_argument("--max-demands", type=int, default=120)
    p.add_argument("--verify-every", type=int, default=4,
                   help="run docket verify once N steps have changed the database (and at each tamper)")
    p.add_argument("--tamper-every", type=int, default=1000)
    p.add_argument("--full-dump", action="store_true", help="compare sqlite3 .dump on every refused write")
    p.add_argument("--context", type=int, default=25)
    p.add_argument("--coverage", action="store_true", help="print the states and obligations reached")
    p.add_argument("--keep", action="store_true", help="keep each worker's directory")
    p.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.seed is None:
        args.seed = int(time.strftime("%Y%m%d"))
    for k in args.known:
        if k not in KNOWN_IDS:
            p.error("unknown finding %s (known: %s)" % (k, ", ".join(KNOWN_IDS)))
    if args.python is None:
        args.python = find_python()
    args.login = pwd_login()
    share = [args.steps // args.workers + (1 if i < args.steps % args.workers else 0) for i in range(args.workers)]
    if args.worker is not None:
        ok = Worker(args, args.worker, worker_seed(args.seed, args.worker), share[args.worker]).run()
        return 0 if ok else 1
    try:
        v = subprocess.run([args.docket, "--version"], capture_output=True, text=True).stdout
    except OSError as e:
        print("cannot run %s: %s" % (args.docket, e))
        return 2
    if "test clock" not in v:
        print("%s is not a test-clock build (configure --enable-test-clock): %s" % (args.docket, v.strip()))
        return 77
    print("model test: seed %d, %d steps, %d workers, docket %s" % (args.seed, args.steps, args.workers, args.docket))
    idx = range(args.workers) if args.only is None else [args.only]
    for i in idx:
        print("  worker %d: seed %d, %d steps" % (i, worker_seed(args.seed, i), share[i]))
    sys.stdout.flush()
    t0 = time.time()
    procs = []
    for i in idx:
        argv = [sys.executable, os.path.abspath(__file__), "--worker", str(i)] + sys.argv[1:]
        procs.append(subprocess.Popen(argv))
    rcs = [pr.wait() for pr in procs]
    dt = time.time() - t0
    total = sum(share[i] for i in idx)
    bad = [i for i, rc in zip(idx, rcs) if rc != 0]
    print("model test: %d steps in %.1f s (%.0f steps/s), %s; seed %d" % (
        total, dt, total / dt if dt else 0, "FAILED in worker(s) %s" % bad if bad else "all agreed", args.seed))
    print("replay: %s --seed %d --steps %d --workers %d%s" % (
        os.path.relpath(__file__), args.seed, args.steps, args.workers,
        (" --known " + ",".join(args.known)) if args.known else ""))
    return 1 if bad else 0


def find_python():
    for py in ("/usr/bin/python3", sys.executable, shutil.which("python3") or ""):
        if py and subprocess.run([py, "-c", "import aiosmtpd"], capture_output=True).returncode == 0:
            return py
    return "/usr/bin/python3"


def pwd_login():
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


if __name__ == "__main__":
    sys.exit(main())
