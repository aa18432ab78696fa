"""The reference model of docket's workflow, written from docs/workflow.md and docs/docket.1 only.

A pure state machine: demands, orders, letters (the outbox), staff and roles, and time. Every
command the driver (run.py) sends to the real docket binary is first asked of this model, which
answers whether the command is allowed, and if it is, applies its effect. The driver then compares
docket's answers (exit status, `show --format json` obligations, `due --format json`, the outbox,
the mail the SMTP server received) with the model's.

Where docs leave a point open the model says so: a method returns ADOPT (the model accepts either
answer and, where it must, takes docket's), and NOTES.md lists each such point.

Nothing here runs a process or reads a file: it is deterministic given its inputs.
"""
import time

DAY = 86400
HOUR = 3600
NOTICE_WAIT = 7 * DAY          # policy notice_wait_days
ORDER_REVIEW = 180 * DAY       # policy order_review_days
REDIRECT_DAYS = 2 * DAY        # policy redirect_days
LIFT_SKEW = 300                # a lift date "may be at most five minutes ahead"
INF = float("inf")

ADOPT = "adopt"                # the docs do not decide: accept docket's answer

ROLES = ("intake", "attorney", "admin")
STATES = ("received", "redirecting", "in_review", "challenged", "notifying", "disclosing",
          "notice_owed", "preserving", "closed")
OUTCOMES = ("redirected", "withdrawn", "rejected", "no_data", "disclosed_content",
            "disclosed_non_content", "preservation_expired", "superseded")
INSTRUMENTS = ("subpoena", "court_order", "search_warrant", "emergency", "preservation", "mlat",
               "national_security", "civil_subpoena", "other")
CONTENT_INSTRUMENTS = ("search_warrant", "mlat")
CUSTOMER_KINDS = ("advance", "delayed")
PENDING = ("queued", "sending", "failed")
WAITING = ("queued", "failed")          # what a write may still cancel

# The permission table (workflow.md, "Who may do what").
PERMISSION = {
    "add": {"intake", "attorney", "admin"},
    "customer": {"intake", "attorney", "admin"},
    "move": {"intake", "attorney", "admin"},
    "decide": {"attorney"},
    "assign": {"intake", "attorney", "admin"},
    "note": {"intake", "attorney", "admin"},
    "order.record": {"attorney"},
    "order.indefinite": {"attorney"},
    "order.lift": {"attorney"},
    "order.review": {"attorney"},
    "authenticate": {"attorney"},
    "extend": {"attorney"},
    "notice.record": {"attorney"},
    "notice.edit": {"attorney"},
    "letter.edit": {"intake", "attorney", "admin"},
    "send": {"intake", "attorney", "admin"},
    "staff": {"admin"},
    "act_for": {"admin"},
}

# The transition table: (from, to, outcome) -> (action, guards).
TRANSITIONS = {}


def _t(frm, to, outcomes, action, guards=()):
    for o in outcomes:
        TRANSITIONS[(frm, to, o)] = (action, tuple(guards))


_t("received", "redirecting", [None], "move", ["redirect"])
_t("received", "in_review", [None], "move", ["skip_redirect"])
_t("received", "preserving", [None], "move", ["preservation"])
_t("received", "closed", ["withdrawn"], "move")
_t("received", "closed", ["rejected"], "decide")
_t("redirecting", "in_review", [None], "move")
_t("redirecting", "closed", ["redirected", "withdrawn"], "move")
_t("in_review", "challenged", [None], "decide", ["review_note"])
_t("in_review", "notifying", [None], "decide", ["review_note", "no_order"])
_t("in_review", "disclosing", [None], "decide", ["review_note", "verified", "order_in_force"])
_t("in_review", "closed", ["rejected", "no_data"], "decide", ["review_note"])
_t("in_review", "closed", ["withdrawn"], "move")
_t("challenged", "in_review", [None], "decide")
_t("challenged", "closed", ["rejected"], "decide")
_t("challenged", "closed", ["withdrawn"], "move")
_t("notifying", "disclosing", [None], "decide", ["verified", "notice_wait"])
_t("notifying", "in_review", [None], "decide")
_t("notifying", "closed", ["withdrawn"], "move")
_t("disclosing", "notice_owed", [None], "decide", ["order_on_record"])
_t("disclosing", "closed", ["disclosed_content", "disclosed_non_content", "no_data"], "decide",
   ["notice_settled", "content"])
_t("notice_owed", "closed", ["disclosed_content", "disclosed_non_content", "no_data"], "decide",
   ["notice_settled", "content"])
_t("preserving", "closed", ["preservation_expired", "superseded"], "move")


def legal_moves(state):
    return [(to, o) for (f, to, o) in TRANSITIONS if f == state]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def mailbox(addr):
    """The mailbox an address names (workflow.md, "The customer's addresses"): two addresses are
    the same mailbox whatever their case, a +tag or dots in the local part, or a trailing dot in
    the domain (A.Smith+x@Example.COM. is asmith@example.com). None when it has no '@'."""
    if not addr or "@" not in addr:
        return None
    local, dom = addr.strip().lower().rsplit("@", 1)
    local = local.split("+", 1)[0].replace(".", "")
    return local + "@" + dom.rstrip(".")


def domain_of(addr):
    """The domain of an address, normalised (lower case, no trailing dot), or None."""
    mb = mailbox(addr)
    return mb.rsplit("@", 1)[1] if mb else None


class Refused(Exception):
    """The model refuses the command; the text says why (for reports). rc, when given, is the
    exit status the docs fix for this refusal (checked when it is the command's only fault)."""

    def __init__(self, why, rc=None):
        Exception.__init__(self, why)
        self.rc = rc


class Ambiguous(Exception):
    """The docs do not decide this command: the driver accepts docket's answer."""


class Order:
    def __init__(self, ref, recorded):
        self.ref = ref
        self.statute = ""
        self.issued = None
        self.expires = None
        self.indefinite = False
        self.challenged = False
        self.lifted = None
        self.recorded = recorded
        self.reviewed = None

    def in_force(self, t):
        if self.issued is not None and self.issued > t:
            return False
        if self.lifted is not None and self.lifted <= t:
            return False
        if not self.indefinite and self.expires is not None and self.expires <= t:
            return False
        return True

    def end(self):
        """The end of the order, or None when it has none."""
        exp = None if self.indefinite else self.expires
        if self.lifted is not None:
            return self.lifted if exp is None else min(self.lifted, exp)
        return exp

    def copy(self):
        o = Order(self.ref, self.recorded)
        o.__dict__.update(self.__dict__)
        return o


class Letter:
    def __init__(self, lid, demand, kind, recipient, via, created):
        self.id = lid                # docket's notice id once bound, else a placeholder
        self.demand = demand         # demand id, or None for a digest
        self.kind = kind             # redirect, advance, delayed, digest
        self.recipient = recipient   # e-mail address or "" (a letter for a person)
        self.via = via               # smtp, letter, phone, email
        self.status = "queued"
        self.attempts = 0
        self.created = created
        self.sent = None
        self.given = None            # for customer notices: when given

    @property
    def customer_notice(self):
        return self.kind in CUSTOMER_KINDS

    def needs_person(self):
        return self.status == "failed" or (self.status == "queued" and self.via == "letter")


class Demand:
    def __init__(self, did, **kw):
        self.id = did
        self.ref = kw["ref"]
        self.instrument = kw["instrument"]
        self.emergency = kw["emergency"]
        self.categories = list(kw["categories"])
        self.customer = kw["customer"]          # tenant id
        self.requester_email = kw.get("requester_email") or ""
        self.identifiers = list(kw.get("identifiers", []))   # (kind, value)
        self.response_due = kw.get("response_due")
        self.received = kw["received"]
        self.cross_region = kw.get("cross_region", False)
        self.process_flag = kw.get("process_flag", False)
        self.state = "received"
        self.outcome = None
        self.version = 1
        self.due = None
        self.moves = []                  # (time, state)
        self.verified = False
        self.orders = []                 # Order, in the order recorded
        self.assignee = None

    def order(self, ref):
        for o in self.orders:
            if o.ref == ref:
                return o
        return None

    @property
    def preservation(self):
        return self.instrument == "preservation"

    @property
    def national_security(self):
        return self.instrument == "national_security"

    def N(self):
        ts = [t for t, s in self.moves if s == "notifying"]
        return ts[-1] if ts else None

    def D(self):
        ts = [t for t, s in self.moves if s == "disclosing"]
        return ts[0] if ts else None


class Obligations:
    """The answers of workflow.md "Obligations" for one demand at one moment."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


class Model:
    def __init__(self, root):
        self.now = 0
        self.staff = {root: "admin"}  # active staff: login -> role
        self.former = {}                # deactivated staff: login -> role
        self.root = root
        self.customers = {}          # tenant -> dict(email, region, name)
        self.demands = {}            # id -> Demand
        self.letters = []            # Letter
        self.next_demand = 1
        self.max_attempts = 3
        self.bounce_prefix = "bounce"
        self.known = set()           # known findings (FINDINGS.md) the driver steps around
        self.forcing = False         # set by the driver to apply a command docket accepted
        self.maybe_letters = []

    def amb(self, why):
        """A point the docs leave open: raise Ambiguous, unless the driver is applying the
        command docket accepted (forcing)."""
        if not self.forcing:
            raise Ambiguous(why)

    # ----------------------------------------------------------------- who acts
    def role_of(self, actor):
        """The role the command runs with: actor None is the OS login (root, an admin)."""
        login = self.root if actor is None else actor
        return self.staff.get(login)

    def need(self, actor, action):
        role = self.role_of(actor)
        if role is None:
            raise Refused("%s is not active staff" % actor)
        if role not in PERMISSION[action]:
            raise Refused("%s is for %s (%s is %s)" % (action, "/".join(sorted(PERMISSION[action])), actor, role))
        return role

    # ----------------------------------------------------------------- addresses
    def customer_addresses(self, tenant):
        """(mailboxes, domain) of a customer: its contact e-mail, every address named by an
        identifier of any demand of that customer (of any kind: account:bob@example.com names a
        mailbox too), each as its mailbox(); and its contact's domain, whose subdomains count too."""
        c = self.customers[tenant]
        addrs = set()
        if c.get("email"):
            addrs.add(mailbox(c["email"]))
        for d in self.demands.values():
            if d.customer == tenant:
                for kind, value in d.identifiers:
                    mb = mailbox(value)
                    if mb:
                        addrs.add(mb)
        return addrs, domain_of(c.get("email"))

    def is_customer_address(self, tenant, addr):
        mb = mailbox(addr)
        if not mb:
            return False
        addrs, dom = self.customer_addresses(tenant)
        if mb in addrs:
            return True
        if dom is None:
            return False
        ad = mb.rsplit("@", 1)[1]
        return ad == dom or ad.endswith("." + dom)

    def any_customer_address(self, addr):
        return [t for t in self.customers if self.is_customer_address(t, addr)]

    # ----------------------------------------------------------------- letters
    def letters_of(self, did):
        return [l for l in self.letters if l.demand == did]

    def pending_customer(self, did):
        return [l for l in self.letters_of(did) if l.customer_notice and l.status in PENDING]

    def given_times(self, did):
        return sorted(l.given for l in self.letters_of(did) if l.customer_notice and l.given is not None)

    # ----------------------------------------------------------------- obligations
    def obligations(self, d, now=None):
        now = self.now if now is None else now
        N = d.N()
        D = d.D()
        in_force = [o for o in d.orders if o.in_force(now)]
        forbidden = bool(in_force)
        wanted = d.state == "notifying" or D is not None
        ends = [o.end() for o in d.orders]
        if any(e is None for e in ends):
            R = INF
        else:
            R = max([N if N is not None else -INF] + ends)
        given = [t for t in self.given_times(d.id) if t >= R]
        notice_from = None
        if not wanted:
            notice = "not_owed"
        elif not forbidden and given:
            notice = "given"
            notice_from = given   # a list: any of them (see NOTES.md, "notice_from of given")
        elif in_force and any(o.end() is None for o in in_force):
            notice = "held"
        elif in_force:
            notice = "waiting"
            notice_from = max(o.end() for o in in_force)
        else:
            notice = "owed"
            notice_from = R
        # disclosure
        disclose_after = None
        if d.state == "in_review":
            disclosure = "allowed" if (forbidden and d.verified) else "no"
        elif d.state == "notifying":
            if not d.verified:
                disclosure = "no"
            elif d.emergency:
                disclosure = "allowed"
            else:
                gs = [t for t in self.given_times(d.id) if N is not None and t >= N]
                if not gs:
                    disclosure = "no"
                elif now >= gs[0] + NOTICE_WAIT:
                    disclosure = "allowed"
                else:
                    disclosure = "after"
                    disclose_after = gs[0] + NOTICE_WAIT
        else:
            disclosure = "no"
        # attention
        attention = []
        if notice == "owed" and not self.pending_customer(d.id):
            attention.append(("notice_owed", R, None))
        if notice == "waiting":
            last = [o.ref for o in in_force if o.end() == notice_from]
            # the order it waits for: the one ending last (None when two end together)
            attention.append(("notice_waiting", notice_from, last[0] if len(last) == 1 else None))
        for o in d.orders:
            if o.lifted is None and o.end() is None:
                base = o.reviewed if o.reviewed is not None else (o.issued if o.issued is not None else o.recorded)
                attention.append(("order_review", base + ORDER_REVIEW, o.ref))
        for o in d.orders:
            # one item per notice and order: each notice given inside an order's term that no
            # review of that order has covered since (NOTES.md)
            for t in self.told_times(d, o):
                attention.append(("told_under_order", t, o.ref))
        return Obligations(notice=notice, notice_from=notice_from, forbidden=forbidden,
                           in_force=[o.ref for o in in_force], disclosure=disclosure,
                           disclose_after=disclose_after, redirect_wanted=d.state == "redirecting",
                           attention=attention, R=R, N=N, D=D, wanted=wanted)

    def notice_wait(self, d):
        if d.emergency:
            return True
        N = d.N()
        gs = [t for t in self.given_times(d.id) if N is not None and t >= N]
        return bool(gs) and self.now >= gs[0] + NOTICE_WAIT

    # ----------------------------------------------------------------- the reconciler
    def may_go(self, l, ob=None):
        """Whether a waiting letter may still go (the obligations' cancellation rules); returns
        None when it may, else the reason."""
        if l.demand is None:
            if self.any_customer_address(l.recipient):
                return "a digest to a customer's address"
            return None
        d = self.demands[l.demand]
        ob = ob or self.obligations(d)
        if l.kind == "redirect" and d.state != "redirecting":
            return "the demand left redirecting"
        if l.customer_notice and ob.notice in ("not_owed", "given"):
            return "the customer notice is %s" % ob.notice
        if ob.forbidden and (l.customer_notice or self.is_customer_address(d.customer, l.recipient)):
            return "an order is in force"
        return None

    def reconcile(self, d):
        """What every write that can change the obligations does (workflow.md): cancel the
        waiting letters that may no longer go; queue the customer letter of an owed notice."""
        ob = self.obligations(d)
        for l in self.letters_of(d.id):
            if l.status in WAITING and self.may_go(l, ob):
                l.status = "cancelled"
        ob = self.obligations(d)
        if ob.notice == "owed" and not self.pending_customer(d.id):
            self.queue_customer_letter(d)

    def queue_customer_letter(self, d):
        c = self.customers[d.customer]
        kind = "delayed" if (d.orders and d.D() is not None) else "advance"
        email = c.get("email") or ""
        l = Letter(None, d.id, kind, email, "smtp" if email else "letter", self.now)
        self.letters.append(l)
        return l

    # ----------------------------------------------------------------- commands
    def add_staff(self, actor, login, role):
        self.need(actor, "staff")
        if login in self.staff or login in self.former:
            raise Refused("%s is already staff" % login)
        self.staff[login] = role

    def change_staff(self, actor, login, role=None, active=None):
        """docket.1, `staff deactivate|reactivate` and `staff role`: admins only; the last active
        admin keeps the role and stays active; a change that changes nothing is refused (exit 2)."""
        self.need(actor, "staff")
        if login not in self.staff and login not in self.former:
            raise Refused("%s is not staff" % login)
        was_active = login in self.staff
        was_role = self.staff[login] if was_active else self.former[login]
        to_role = role or was_role
        to_active = was_active if active is None else active
        if to_role == was_role and to_active == was_active:
            raise Refused("%s: nothing changes" % login, rc=2)
        if was_active and was_role == "admin" and (to_role != "admin" or not to_active) and \
                not any(r == "admin" for l, r in self.staff.items() if l != login):
            raise Refused("%s is the last active admin" % login)
        self.staff.pop(login, None)
        self.former.pop(login, None)
        (self.staff if to_active else self.former)[login] = to_role

    def add_customer(self, actor, tenant, **kw):
        self.need(actor, "customer")
        if tenant in self.customers:
            raise Refused("tenant %s exists" % tenant)
        self.customers[tenant] = dict(kw)

    def add_demand(self, actor, **kw):
        self.need(actor, "add")
        if kw["customer"] not in self.customers:
            raise Refused("unknown customer")
        for d in self.demands.values():
            if d.ref == kw["ref"]:
                raise Refused("reference %s exists" % kw["ref"])
        if kw["received"] > self.now + LIFT_SKEW:
            raise Refused("received in the future")
        d = Demand(self.next_demand, **kw)
        self.next_demand += 1
        d.process_flag = ("content" in d.categories and d.instrument not in CONTENT_INSTRUMENTS
                          and not d.preservation)
        # the redirect letter within 2 days of receipt; for a demand that may skip redirecting
        # (emergency, national security), or one naming its own response date, the docs do not say
        # which deadline the received state carries (NOTES.md): adopted.
        if d.emergency or d.national_security or d.preservation or d.response_due is not None:
            d.due = ADOPT
        else:
            d.due = d.received + REDIRECT_DAYS
        d.moves.append((self.now, "received"))
        self.demands[d.id] = d
        return d

    def guard(self, d, g, note):
        """None when the guard holds, else why not."""
        ob = self.obligations(d)
        if g == "redirect":
            if d.preservation or d.national_security:
                return "a preservation request or national-security process is never redirected"
        elif g == "skip_redirect":
            if not ((d.emergency or d.national_security) and not d.preservation):
                return "only an emergency demand or national-security process may skip redirecting"
        elif g == "preservation":
            if not d.preservation:
                return "only a preservation request moves to preserving"
        elif g == "review_note":
            if (d.cross_region or d.process_flag) and not note:
                return "flagged demand needs --note"
        elif g == "no_order":
            if ob.forbidden:
                return "an order is in force"
        elif g == "order_in_force":
            if not ob.forbidden:
                return "no order is in force"
        elif g == "verified":
            if not d.verified:
                return "the requester is not verified"
        elif g == "notice_wait":
            if not self.notice_wait(d):
                return "the waiting period has not passed / no notice"
        elif g == "order_on_record":
            if not d.orders:
                return "no order on record"
        elif g == "notice_settled":
            if d.orders and ob.notice not in ("given", "held"):
                return "the notice owed after the order is not settled"
        return None

    def check_move(self, actor, d, to, outcome, note, expect_version=None):
        if self.role_of(actor) is None:
            raise Refused("not active staff")
        key = (d.state, to, outcome)
        if key not in TRANSITIONS:
            raise Refused("no move %s -> %s(%s)" % key)
        action, guards = TRANSITIONS[key]
        self.need(actor, action)
        if expect_version is not None and expect_version != d.version:
            raise Refused("version %s, now %s" % (expect_version, d.version))
        for g in guards:
            if g == "content":
                if outcome == "disclosed_content" and d.instrument not in CONTENT_INSTRUMENTS and not d.emergency:
                    raise Refused("%s cannot compel content" % d.instrument)
                continue
            why = self.guard(d, g, note)
            if why:
                raise Refused(why)
        return action

    def move(self, actor, did, to, outcome=None, note=None, expect_version=None):
        d = self.demands[did]
        self.check_move(actor, d, to, outcome, note, expect_version)
        if to == "redirecting":
            email = d.requester_email
            ob = self.obligations(d)
            if ob.forbidden and self.is_customer_address(d.customer, email):
                # docs: nothing may be queued to the customer's addresses, and a move is never
                # refused for want of an address; refusing the move, or drafting the letter
                # cancelled (or not at all), are all readings of the docs (NOTES.md).
                self.amb("a redirect letter to the customer's address while an order is in force")
                l = Letter(None, d.id, "redirect", email, "smtp" if email else "letter", self.now)
                l.status = "cancelled"
                l.maybe = True        # docket may draft it cancelled, or not at all
                self.letters.append(l)
            else:
                self.letters.append(Letter(None, d.id, "redirect", email, "smtp" if email else "letter", self.now))
        d.state = to
        d.outcome = outcome
        d.moves.append((self.now, to))
        d.version += 1
        if to == "notice_owed":
            d.due = self.notice_owed_due(d)
        elif to == "received":
            d.due = d.received + REDIRECT_DAYS
        else:
            d.due = ADOPT
        self.reconcile(d)

    def notice_owed_due(self, d):
        """notice_owed's deadline: the time the notice is owed from, R (the end of the orders, or
        the decision to notify if that came later); none while an order has no end."""
        R = self.obligations(d).R
        return None if R in (INF, -INF) else int(R)

    def order(self, actor, did, ref, statute=None, issued=None, expires=None, indefinite=False,
              lifted=None, challenged=False, reviewed=False, reason=None):
        d = self.demands[did]
        ambiguous = []          # points the docs leave open, raised once every refusal is checked
        # bad usage or bad input
        if sum(1 for x in (expires is not None, indefinite, lifted is not None) if x) > 1:
            raise Refused("--expires, --indefinite and --lifted are alternatives (usage)")
        if issued is not None and issued > self.now:
            raise Refused("issued in the future (not by a minute)")
        if lifted is not None and lifted > self.now + LIFT_SKEW:
            raise Refused("lifted more than five minutes ahead")
        if lifted is not None and lifted > self.now:
            # workflow.md: "at most five minutes ahead"; docket.1: "(not in the future)"
            ambiguous.append("a lift date up to five minutes ahead")
        o = d.order(ref)
        new = o is None
        if lifted is not None and not reason:
            raise Refused("lifting needs --reason")
        if reviewed and not reason:
            raise Refused("--reviewed needs --reason")
        if expires is not None and not new and not reason and o.lifted is None:
            if o.end() is None or (o.expires is not None and expires < o.expires):
                raise Refused("an expiry that ends the order sooner needs --reason")
        eff_issued = issued if issued is not None else (o.issued if o else None)
        eff_exp = expires if expires is not None else (
            o.expires if (o and not o.indefinite and not indefinite) else None)
        if eff_exp is not None and eff_issued is not None and eff_exp <= eff_issued:
            raise Refused("the expiry must be after the issue date")
        # who may: checked for every `docket order`, one that restates what is recorded included;
        # a command naming nothing but the order is recording it (order.record)
        if self.role_of(actor) is None:
            raise Refused("not active staff")
        if new or statute is not None or issued is not None or expires is not None or challenged \
                or not (indefinite or lifted is not None or reviewed):
            self.need(actor, "order.record")
        if indefinite:
            self.need(actor, "order.indefinite")
        if lifted is not None:
            self.need(actor, "order.lift")
        if reviewed:
            self.need(actor, "order.review")
        if not new and o.lifted is not None:
            if expires is not None or indefinite or lifted is not None:
                raise Refused("a lifted order cannot be changed again")
            if issued is not None or statute is not None or challenged or reviewed:
                ambiguous.append("changing the issue date, statute, challenge or review of a lifted order")
        if new and expires is None and not indefinite and lifted is None:
            ambiguous.append("a new order with neither --expires, --indefinite nor --lifted")
        if not new and expires is None and not indefinite and lifted is None and statute is None \
                and issued is None and not challenged and not reviewed:
            ambiguous.append("a change of an order that names nothing to record (only --ref)")
        if lifted is not None and eff_issued is not None and lifted < eff_issued:
            ambiguous.append("a lift date before the issue date")
        after = Order(ref, self.now) if new else o.copy()
        self._apply_order(after, statute, issued, expires, indefinite, lifted, challenged, reviewed)
        if not new:
            # a change that would erase the record that a customer letter went while the order
            # was in force (a told_under_order item not yet reviewed) is refused; only --reviewed
            # settles it
            erased = [t for t in self.told_times(d, o) if not after.in_force(t)]
            if erased:
                if reviewed:
                    ambiguous.append("--reviewed with a change that takes the order's term off a notice it settles")
                else:
                    raise Refused("the change would erase the record that a customer notice went at %s while "
                                  "order %s was in force; review the order (--reviewed)" % (
                                      ", ".join(iso(t) for t in erased), ref),
                                  rc=None if ambiguous else 1)
        if ambiguous:
            self.amb("; ".join(ambiguous))
        if new:
            o = after
            d.orders.append(o)
        else:
            o.__dict__.update(after.__dict__)
        d.version += 1
        if d.state == "notice_owed":
            d.due = self.notice_owed_due(d)
        self.reconcile(d)
        return o

    def _apply_order(self, o, statute, issued, expires, indefinite, lifted, challenged, reviewed):
        if statute is not None:
            o.statute = statute
        if issued is not None:
            o.issued = issued
        if expires is not None:
            o.expires = expires
            o.indefinite = False
        if indefinite:
            o.indefinite = True
            o.expires = None
        if lifted is not None:
            o.lifted = lifted
        if challenged:
            o.challenged = True
        if reviewed:
            o.reviewed = self.now

    def told_times(self, d, o):
        """The times of the customer notices given while order o was in force and not reviewed
        at or after: what its told_under_order items record."""
        return [t for t in self.given_times(d.id) if o.in_force(t) and (o.reviewed is None or o.reviewed < t)]

    def authenticate(self, actor, did, method):
        self.need(actor, "authenticate")
        d = self.demands[did]
        if d.state == "closed":
            self.amb("verifying the requester of a closed demand")
        if method == "supervisor" and not d.emergency:
            self.amb("a supervisor's confirmation for a demand that is no emergency")
        d.verified = True
        d.version += 1

    def extend(self, actor, did, due, reason):
        if not reason:
            raise Refused("--reason needed")
        self.need(actor, "extend")
        d = self.demands[did]
        if d.state in ("closed", "notice_owed"):
            raise Refused("no extension in %s" % d.state)
        if d.due is None or d.due == ADOPT:
            self.amb("extending a deadline the model does not know")
        if due <= d.due:
            raise Refused("a deadline can only be extended")
        d.due = due
        d.version += 1

    def note(self, actor, did):
        self.need(actor, "note")
        d = self.demands[did]
        if d.state == "closed":
            self.amb("a note on a closed demand")
        d.version += 1

    def assign(self, actor, did, login):
        self.need(actor, "assign")
        d = self.demands[did]
        if login and login not in self.staff:
            raise Refused("%s is not active staff" % login)
        if d.state == "closed":
            self.amb("assigning a closed demand")
        d.assignee = login or None
        d.version += 1

    def record_notice(self, actor, did, via, at, letter=None):
        """docket notice (letter None) or outbox delivered of a customer letter."""
        self.need(actor, "notice.record")
        d = self.demands[did]
        ob = self.obligations(d)
        if ob.notice != "owed":
            raise Refused("the customer notice is %s, not owed" % ob.notice)
        if at > self.now:
            raise Refused("--at in the future")
        if at < ob.R:
            raise Refused("--at is before the notice was owed")
        pend = self.pending_customer(did)
        rec = letter
        if rec is None:
            queued_by_docket = [l for l in pend if l.status in WAITING]
            rec = queued_by_docket[0] if queued_by_docket else None
        if rec is None:
            kind = "delayed" if (d.orders and d.D() is not None) else "advance"
            rec = Letter(None, did, kind, "", via, self.now)
            rec.kind_adopt = True
            self.letters.append(rec)
        rec.status = "sent"
        rec.via = via
        rec.sent = at
        rec.given = at
        for l in pend:
            if l is not rec and l.status in WAITING:
                l.status = "cancelled"
        d.version += 1
        self.reconcile(d)
        return rec

    # ----------------------------------------------------------------- the outbox
    def letter(self, lid):
        for l in self.letters:
            if l.id == lid:
                return l
        return None

    def letter_action(self, actor, l):
        return "notice.edit" if l.customer_notice else "letter.edit"

    def outbox_edit(self, actor, l, to, valid=True):
        if l.status not in WAITING:
            raise Refused("only a queued or failed letter can be edited")
        self.need(actor, self.letter_action(actor, l))
        if not valid:
            raise Refused("not an address docket can send to")
        if l.demand is None:
            if self.any_customer_address(to):
                raise Refused("a digest to a customer's address")
            if not to:
                self.amb("a digest made a letter for a person")
        else:
            d = self.demands[l.demand]
            ob = self.obligations(d)
            if ob.forbidden and l.customer_notice:
                raise Refused("a customer notice cannot be edited while an order is in force")
            if ob.forbidden and self.is_customer_address(d.customer, to):
                raise Refused("no letter to the customer's addresses while an order is in force")
        l.recipient = to
        l.via = "smtp" if to else "letter"
        if l.demand is not None:
            self.reconcile(self.demands[l.demand])

    def outbox_retry(self, actor, l):
        if l.status not in WAITING:
            raise Refused("only a queued or failed letter can be retried")
        self.need(actor, self.letter_action(actor, l))
        why = self.may_go(l)
        if why:
            raise Refused(why)
        if l.via != "smtp":
            self.amb("retrying a letter for a person to deliver")
        l.status = "queued"
        l.attempts = 0
        if l.demand is not None:
            self.reconcile(self.demands[l.demand])

    def outbox_cancel(self, actor, l, reason):
        if not reason:
            raise Refused("--reason needed")
        if l.status not in WAITING:
            raise Refused("only a queued or failed letter can be cancelled")
        self.need(actor, self.letter_action(actor, l))
        if l.customer_notice and self.obligations(self.demands[l.demand]).notice == "owed":
            raise Refused("an owed customer notice cannot be cancelled")
        l.status = "cancelled"
        if l.demand is not None:
            self.reconcile(self.demands[l.demand])

    def outbox_delivered(self, actor, l, via, at):
        if l.status not in WAITING:
            raise Refused("only a queued or failed letter can be recorded as delivered")
        if l.customer_notice:
            if at < l.created and self.role_of(actor) == "attorney":
                self.amb("a delivery dated before the letter was drafted")
            return self.record_notice(actor, l.demand, via, at, letter=l)
        self.need(actor, "letter.edit")
        if at > self.now:
            raise Refused("--at in the future")
        why = self.may_go(l)
        if why:
            raise Refused(why)
        l.status = "sent"
        l.via = via
        l.sent = at
        if l.demand is not None:
            self.reconcile(self.demands[l.demand])
        return l

    def queue_expired(self):
        """outbox send's first pass: every demand whose notice became owed with no letter."""
        queued = []
        for d in sorted(self.demands.values(), key=lambda d: d.id):
            ob = self.obligations(d)
            if ob.notice == "owed" and not self.pending_customer(d.id):
                queued.append(self.queue_customer_letter(d))
        return queued

    def send_one(self, l, server_up=True):
        """One letter as outbox send treats it: 'refused', 'sent', 'failed' or 'deferred'."""
        why = self.may_go(l)
        if why:
            l.status = "cancelled"
            l.refused_why = why
            return "refused"
        if not server_up:
            l.attempts += 1
            if l.attempts >= self.max_attempts:
                l.status = "failed"
                return "failed"
            return "deferred"
        if l.recipient.lower().startswith(self.bounce_prefix):
            l.attempts += 1
            l.status = "failed"
            return "failed"
        l.attempts += 1
        l.status = "sent"
        l.sent = self.now
        if l.customer_notice:
            l.given = self.now
        return "sent"

    def due_letters(self):
        return [l for l in sorted(self.letters, key=lambda l: (l.id is None, l.id or 0))
                if l.status == "queued" and l.via == "smtp"]

    def digest(self, actor, addr):
        self.need(actor, "send")
        if self.any_customer_address(addr):
            raise Refused("the digest is never sent to a customer's address")
        l = Letter(None, None, "digest", addr, "smtp", self.now)
        self.letters.append(l)
        return l

    # ----------------------------------------------------------------- for due
    def attention_items(self):
        out = []
        for d in self.demands.values():
            for what, since, ref in self.obligations(d).attention:
                out.append((d.id, what, since, ref))
        return out
