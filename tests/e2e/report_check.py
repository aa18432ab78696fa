#!/usr/bin/env python3
"""Checks one transparency report against the database it came from and across its formats.

    report_check.py DB REPORT.json REPORT.txt REPORT.csv REPORT.html

1. The figures are recomputed here, demand by demand in Python, from the definitions in
   docs/docket-report.5: a second implementation that shares no SQL with docket's.
2. The outcomes reconcile with the total, and every breakdown with the total.
3. The text, CSV and HTML reports carry exactly the JSON's figures.
4. The national-security count appears only as the band holding it, in every format: the exact
   count appears in no national-security figure (unless it is a bound of its band).
Exits 1 naming the first disagreement.
"""
import csv
import datetime
import html.parser
import json
import re
import sqlite3
import sys

OUTCOMES = ["rejected", "withdrawn", "redirected", "no_data", "disclosed_non_content", "disclosed_content",
            "pending"]
NOTICES = ["before_disclosure", "after_order_ended", "order_in_force", "owed", "not_applicable"]


def fail(msg):
    sys.exit("report_check: " + msg)


def same(what, got, want):
    if got != want:
        fail("%s: %r, expected %r" % (what, got, want))


def epoch(s):
    if len(s) == 10:
        s += "T00:00:00Z"
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp())


def thousands(n):
    return "{:,}".format(n)


def pct(n, total):
    tenths = (n * 2000 + total) // (2 * total) if total > 0 else 0
    return "%d.%d" % (tenths // 10, tenths % 10)


def days(seconds):
    tenths = (abs(seconds) * 10 + 43200) // 86400
    return "%s%d.%d" % ("-" if seconds < 0 and tenths else "", tenths // 10, tenths % 10)


def nearest_rank(values, p):
    values = sorted(values)
    return values[(p * len(values) + 99) // 100 - 1]


# ---- 1. the figures, recomputed ----

def recompute(db, J):
    con = sqlite3.connect(db)
    start, end = epoch(J["period"]["from"]), epoch(J["period"]["to"]) + 86400
    asof = epoch(J["as_of"])
    ids = dict(con.execute("SELECT demand_id, count(*) FROM demand_identifier GROUP BY demand_id"))
    notices = {}
    for d, kind, status, sent, created in con.execute(
            "SELECT demand_id, kind, status, sent_at, created_at FROM notice"):
        if status == "sent" and sent <= asof and created <= asof:
            notices.setdefault(d, set()).add(kind)
    orders = {}
    for d, issued, expires, indefinite, challenged, lifted, created in con.execute(
            "SELECT demand_id, issued_at, expires_at, indefinite, challenged, lifted_at, created_at FROM nd_order"):
        began = issued if issued is not None else created
        if created <= asof and began <= asof:
            in_force = (lifted is None or lifted > asof) and (indefinite or expires is None or expires > asof)
            orders.setdefault(d, []).append((in_force, indefinite, challenged))
    demands = con.execute(
        "SELECT d.id, d.received_at, d.created_at, d.instrument, d.closed_at, d.outcome, d.emergency,"
        " d.cross_region, r.kind, r.country FROM demand AS d JOIN requester AS r ON r.id = d.requester_id").fetchall()

    def quarter_outcomes(qstart, qend):
        counts = dict.fromkeys(OUTCOMES, 0)
        for (i, received, created, inst, closed, outcome, *_rest) in demands:
            if qstart <= received < qend and created <= asof and inst not in ("preservation", "national_security"):
                counts[outcome if closed is not None and closed <= asof else "pending"] += 1
        return counts

    f = {"received": 0, "identifiers": 0, "outcomes": dict.fromkeys(OUTCOMES, 0), "kind": {}, "instrument": {},
         "country": {}, "notice": dict.fromkeys(NOTICES, 0), "orders": [0, 0, 0], "emergency": [0, 0],
         "cross": [0, 0], "times": {}, "ns": [0, 0], "preservation": [0, 0]}
    for (i, received, created, inst, closed, outcome, emergency, cross, kind, country) in demands:
        if not (start <= received < end and created <= asof):
            continue
        is_closed = closed is not None and closed <= asof
        if inst == "national_security":
            f["ns"][0] += 1
            f["ns"][1] += ids.get(i, 0)
            continue
        if inst == "preservation":
            f["preservation"][0] += 1
            f["preservation"][1] += is_closed and outcome == "superseded"
            continue
        o = outcome if is_closed else "pending"
        disclosed = o in ("disclosed_content", "disclosed_non_content")
        f["received"] += 1
        f["identifiers"] += ids.get(i, 0)
        f["outcomes"][o] += 1
        for dim, key in (("kind", kind), ("instrument", inst), ("country", country)):
            row = f[dim].setdefault(key, {"demands": 0, "identifiers": 0, "outcomes": dict.fromkeys(OUTCOMES, 0)})
            row["demands"] += 1
            row["identifiers"] += ids.get(i, 0)
            row["outcomes"][o] += 1
        sent = notices.get(i, set())
        if "advance" in sent:
            f["notice"]["before_disclosure"] += 1
        elif "delayed" in sent:
            f["notice"]["after_order_ended"] += 1
        elif any(o_[0] for o_ in orders.get(i, [])):
            f["notice"]["order_in_force"] += 1
        elif disclosed:
            f["notice"]["owed"] += 1
        else:
            f["notice"]["not_applicable"] += 1
        for (_force, indefinite, challenged) in orders.get(i, []):
            f["orders"][0] += 1
            f["orders"][1] += indefinite
            f["orders"][2] += challenged
        if emergency or inst == "emergency":
            f["emergency"][0] += 1
            f["emergency"][1] += disclosed
        if cross:
            f["cross"][0] += 1
            f["cross"][1] += disclosed
        if is_closed:
            f["times"].setdefault(o, []).append(closed - received)
            f["times"].setdefault("all", []).append(closed - received)
    f["trend"] = {t["quarter"]: quarter_outcomes(epoch(t["from"]), epoch(t["to"]) + 86400) for t in J["trend"]}
    return f


def check_figures(f, J):
    d = J["demands"]
    same("demands received", d["received"], f["received"])
    same("identifiers", d["identifiers"], f["identifiers"])
    same("outcomes", {o["key"]: o["demands"] for o in J["outcomes"]}, f["outcomes"])
    for dim, key in (("kind", "by_requester_kind"), ("instrument", "by_instrument"), ("country", "by_country")):
        got = {r["key"]: (r["demands"], r["identifiers"]) for r in J[key] if r["demands"]}
        want = {k: (v["demands"], v["identifiers"]) for k, v in f[dim].items()}
        same(key, got, want)
    by = J["breakdown"]["by"]
    dim = {"country": "country", "requester-kind": "kind", "instrument": "instrument"}[by]
    same("breakdown", {r["key"]: r["outcomes"] for r in J["breakdown"]["rows"] if r["demands"]},
         {k: v["outcomes"] for k, v in f[dim].items()})
    same("customer notice", {n["key"]: n["demands"] for n in J["customer_notice"]}, f["notice"])
    o = J["orders"]
    same("orders", [o["received"], o["without_end_date"], o["challenged"]], f["orders"])
    same("emergency", [J["emergency"]["demands"], J["emergency"]["data_provided"]], f["emergency"])
    same("cross-border", [J["cross_border"]["demands"], J["cross_border"]["data_provided"]], f["cross"])
    for t in J["time_to_close"]:
        values = f["times"].get(t["outcome"], [])
        same("closed as " + t["outcome"], t["closed"], len(values))
        if values:
            same("median days of " + t["outcome"], "%.1f" % t["median_days"], days(nearest_rank(values, 50)))
            same("p90 days of " + t["outcome"], "%.1f" % t["p90_days"], days(nearest_rank(values, 90)))
        else:
            same("median of no demands", (t["median_days"], t["p90_days"]), (None, None))
    p = J["preservation"]
    same("preservation", [p["received"], p["followed_by_legal_process"]], f["preservation"])
    for t in J["trend"]:
        same("trend " + t["quarter"], t["outcomes"], f["trend"][t["quarter"]])
        same("trend total " + t["quarter"], t["demands"], sum(f["trend"][t["quarter"]].values()))
    ns = J["national_security"]
    for key, exact in (("demands", f["ns"][0]), ("identifiers", f["ns"][1])):
        band = ns[key]
        w = ns["band_width"]
        same("national-security %s band" % key, (band["low"], band["high"]), (exact // w * w, exact // w * w + w - 1))
        same("national-security %s band text" % key, band["band"], "%d\u2013%d" % (band["low"], band["high"]))
        assert set(band) == {"band", "low", "high"}, band
    return f["ns"]


# ---- 2. reconciliation ----

def check_reconciles(J):
    total = J["demands"]["received"]
    same("sum of outcomes", sum(o["demands"] for o in J["outcomes"]), total)
    same("sum of notices", sum(n["demands"] for n in J["customer_notice"]), total)
    for key in ("by_requester_kind", "by_instrument", "by_country"):
        same("sum of " + key, sum(r["demands"] for r in J[key]), total)
        same("identifiers of " + key, sum(r["identifiers"] for r in J[key]), J["demands"]["identifiers"])
    for r in J["breakdown"]["rows"]:
        same("outcomes of " + r["key"], sum(r["outcomes"].values()), r["demands"])
    closed = total - J["outcomes"][-1]["demands"]
    same("closed demands timed", J["time_to_close"][-1]["closed"], closed)
    for o in J["outcomes"]:
        same("percent of " + o["key"], "%.1f" % o["percent"], pct(o["demands"], total))


# ---- 3. the other formats ----

def human_sections(J, html):
    """The rows each format shows for people, label -> cells, by section, from the JSON."""
    total = J["demands"]["received"]
    dash = "\u2013" if html else "-"
    rows = lambda rs: {r["label"]: [thousands(r["demands"]), thousands(r["identifiers"])] for r in rs}
    s = {}
    s["received"] = {"Demands received": [thousands(total)],
                     "Accounts or identifiers specified": [thousands(J["demands"]["identifiers"])]}
    s["kinds"] = rows(J["by_requester_kind"])
    s["instruments"] = rows(J["by_instrument"])
    s["countries"] = rows(J["by_country"])
    s["outcomes"] = {o["label"]: [thousands(o["demands"]), pct(o["demands"], total) + "%"] for o in J["outcomes"]}
    s["outcomes"]["Total"] = [thousands(total), pct(total, total) + "%"]
    s["breakdown"] = {r["label"]: [thousands(r["demands"]), thousands(r["identifiers"])] +
                      [thousands(r["outcomes"][k]) for k in OUTCOMES] for r in J["breakdown"]["rows"]}
    s["notice"] = {n["label"]: [thousands(n["demands"]), pct(n["demands"], total) + "%"]
                   for n in J["customer_notice"]}
    o = J["orders"]
    s["orders"] = {"Orders received": [thousands(o["received"])],
                   "Without an end date": [thousands(o["without_end_date"])],
                   "Challenged": [thousands(o["challenged"])]}
    e, c = J["emergency"], J["cross_border"]
    s["emergency"] = {
        "Emergency demands": [thousands(e["demands"]), pct(e["demands"], total) + "%"],
        ("Emergency demands with data provided" if html else "with data provided"):
            [thousands(e["data_provided"]), pct(e["data_provided"], e["demands"]) + "%"],
        ("Cross-border demands (data stored outside the requester's country or region)" if html
         else "Cross-border demands"): [thousands(c["demands"]), pct(c["demands"], total) + "%"],
        ("Cross-border demands with data disclosed" if html else "with data disclosed"):
            [thousands(c["data_provided"]), pct(c["data_provided"], c["demands"]) + "%"]}
    s["time"] = {t["label"]: [thousands(t["closed"]),
                              "%.1f" % t["median_days"] if t["closed"] else dash,
                              "%.1f" % t["p90_days"] if t["closed"] else dash] for t in J["time_to_close"]}
    ns = J["national_security"]
    s["national-security"] = {"Demands received": [ns["demands"]["band"]],
                              "Accounts or identifiers specified": [ns["identifiers"]["band"]]}
    p = J["preservation"]
    s["preservation"] = {
        ("Preservation requests received" if html else "Received"): [thousands(p["received"])],
        "Followed by legal process": [thousands(p["followed_by_legal_process"]),
                                      pct(p["followed_by_legal_process"], p["received"]) + "%"]}
    s["trend"] = {}
    for t in J["trend"]:
        disclosed = t["outcomes"]["disclosed_content"] + t["outcomes"]["disclosed_non_content"]
        s["trend"][t["quarter"]] = [thousands(t["demands"]), thousands(disclosed), pct(disclosed, t["demands"]) + "%"]
    return s


TEXT_TITLES = {"Demands received": "received", "By requester kind": "kinds", "By instrument": "instruments",
               "By country of the requester": "countries", "Outcomes": "outcomes",
               "Outcomes by country": "breakdown", "Outcomes by requester kind": "breakdown",
               "Outcomes by instrument": "breakdown", "Customer notice": "notice",
               "Non-disclosure orders": "orders", "Emergency and cross-border demands": "emergency",
               "Time to close (days from receipt)": "time",
               "National-security process (in bands only)": "national-security",
               "Preservation requests": "preservation", "Trend: the last four quarters": "trend"}
TEXT_HEADERS = {"Requester kind", "Instrument", "Country", "Outcome", "Notice", "Quarter"}


def check_text(path, J):
    lines = open(path, encoding="utf-8").read().split("\n")
    got, section = {}, None
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and lines[i + 1] and set(lines[i + 1]) == {"-"} and len(lines[i + 1]) == len(line):
            section = TEXT_TITLES.get(line)
            if section is None:
                fail("text: unknown section %r" % line)
            got[section] = {}
            continue
        if section and line.startswith("  ") and not set(line.strip()) <= {"-"}:
            cells = re.split(r"\s{2,}", line.strip())
            if cells[0] in TEXT_HEADERS or cells[0].startswith("National-security process is") or \
                    cells[0].startswith("Bands of"):
                continue
            got[section][cells[0]] = cells[1:]
    want = human_sections(J, False)
    same("text sections", sorted(got), sorted(want))
    for k in want:
        same("text section " + k, got[k], want[k])


class HTMLTables(html.parser.HTMLParser):
    """Rows of every table and the text of every SVG text element, by section id."""

    def __init__(self):
        super().__init__()
        self.section, self.rows, self.svg, self.cell, self.row, self.header = None, {}, {}, None, None, False
        self.in_svg_text, self.tags = False, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self.section = a.get("id")
            self.rows[self.section], self.svg[self.section] = {}, []
        elif tag == "tr":
            self.row, self.header = [], False
        elif tag in ("td", "th"):
            self.cell = ""
            self.header = self.header or tag == "th"
        elif tag == "text":
            self.in_svg_text = True
            self.svg[self.section].append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.row is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr":
            if not self.header and self.section:
                self.rows[self.section][self.row[0]] = self.row[1:]
            self.row = None
        elif tag == "text":
            self.in_svg_text = False
        elif tag == "section":
            self.section = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.in_svg_text:
            self.svg[self.section][-1] += data


def check_html(path, J):
    text = open(path, encoding="utf-8").read()
    for bad in ("<script", "src=", "href=", "url(", "@import", "http:", "https:"):
        if bad in text.lower():
            fail("html: %s in a page that must fetch and run nothing" % bad)
    p = HTMLTables()
    p.feed(text)
    p.close()
    want = human_sections(J, True)
    merged = dict(want)
    merged["received"] = {**want["received"], **want["kinds"], **want["instruments"]}
    del merged["kinds"], merged["instruments"]
    same("html sections", sorted(p.rows), sorted(merged))
    for k in merged:
        same("html section " + k, p.rows[k], merged[k])
    total = J["demands"]["received"]
    bars = []
    for o in J["outcomes"]:
        bars += [o["label"], "%s (%s%%)" % (thousands(o["demands"]), pct(o["demands"], total))]
    same("html outcome chart", p.svg["outcomes"], bars)
    bars = []
    for c in J["by_country"][:10]:
        bars += [c["label"], "%s (%s%%)" % (thousands(c["demands"]), pct(c["demands"], total))]
    same("html country chart", p.svg["countries"], bars)
    trend = ["Demands received", "Data disclosed (content or non-content)"]
    for t in J["trend"]:
        disclosed = t["outcomes"]["disclosed_content"] + t["outcomes"]["disclosed_non_content"]
        trend += [thousands(t["demands"]), thousands(disclosed), t["quarter"]]
    same("html trend chart", p.svg["trend"], trend)
    return p


def check_csv(path, J):
    data = open(path, encoding="utf-8", newline="").read()
    tables = {}
    for chunk in data.split("\r\n\r\n"):
        rows = list(csv.reader(chunk.strip("\r\n").split("\r\n")))
        header, body = rows[0], rows[1:]
        for r in body:
            # A cell a spreadsheet would run is escaped with an apostrophe; undo that to compare.
            r = [c[1:] if c[:2] in ("'=", "'+", "'-", "'@", "'\t", "'\r") else c for c in r]
            tables.setdefault(r[0], []).append(dict(zip(header, r)))
    t = tables
    meta = {r["field"]: r["value"] for r in t["report"]}
    same("csv report", [meta["period"], meta["from"], meta["to"], meta["as_of"], meta["by"], meta["band_width"]],
         [J["period"]["label"], J["period"]["from"], J["period"]["to"], J["as_of"], J["breakdown"]["by"],
          str(J["national_security"]["band_width"])])
    fig = lambda name: {r["figure"]: int(r["value"]) for r in t[name]}
    same("csv demands", fig("demands"), J["demands"])
    for key in ("by_requester_kind", "by_instrument", "by_country"):
        same("csv " + key, [(r["key"], r["label"], int(r["demands"]), int(r["identifiers"])) for r in t[key]],
             [(r["key"], r["label"], r["demands"], r["identifiers"]) for r in J[key]])
    for key in ("outcomes", "customer_notice"):
        same("csv " + key, [(r["key"], r["label"], int(r["demands"]), float(r["percent"])) for r in t[key]],
             [(r["key"], r["label"], r["demands"], r["percent"]) for r in J[key]])
    same("csv breakdown", [(r["key"], int(r["demands"]), int(r["identifiers"]), {k: int(r[k]) for k in OUTCOMES})
                           for r in t["breakdown"]],
         [(r["key"], r["demands"], r["identifiers"], r["outcomes"]) for r in J["breakdown"]["rows"]])
    same("csv orders", fig("orders"), J["orders"])
    same("csv emergency", fig("emergency"), J["emergency"])
    same("csv cross_border", fig("cross_border"), J["cross_border"])
    same("csv preservation", fig("preservation"), J["preservation"])
    num = lambda s: float(s) if s else None
    same("csv time_to_close", [(r["outcome"], int(r["closed"]), num(r["median_days"]), num(r["p90_days"]))
                               for r in t["time_to_close"]],
         [(r["outcome"], r["closed"], r["median_days"], r["p90_days"]) for r in J["time_to_close"]])
    same("csv national_security", {r["figure"]: {"band": r["band"], "low": int(r["low"]), "high": int(r["high"])}
                                   for r in t["national_security"]},
         {k: J["national_security"][k] for k in ("demands", "identifiers")})
    same("csv trend", [(r["quarter"], r["from"], r["to"], int(r["demands"]), {k: int(r[k]) for k in OUTCOMES})
                       for r in t["trend"]],
         [(r["quarter"], r["from"], r["to"], r["demands"], r["outcomes"]) for r in J["trend"]])
    return t


# ---- 4. national security in bands only ----

def check_never_exact(ns_exact, J, text_path, csv_tables, html_parsed):
    ns = J["national_security"]
    for key, exact in zip(("demands", "identifiers"), ns_exact):
        band = ns[key]
        if exact in (band["low"], band["high"]):
            continue  # the band's own bound: nothing more is given away
        pattern = re.compile(r"(?<![0-9,])%s(?![0-9,])" % re.escape(str(exact)))
        shown = [json.dumps(ns)]
        shown += [" ".join(r.values()) for r in csv_tables["national_security"]]
        shown += [" ".join(v) for v in html_parsed.rows["national-security"].values()]
        text = open(text_path, encoding="utf-8").read()
        at = text.index("\nNational-security process (in bands only)\n")
        shown.append(text[at:text.index("\nPreservation requests\n", at)])
        for s in shown:
            if pattern.search(s):
                fail("the exact national-security count %d appears: %s" % (exact, s))


def main():
    db, jpath, tpath, cpath, hpath = sys.argv[1:6]
    J = json.load(open(jpath, encoding="utf-8"))
    ns_exact = check_figures(recompute(db, J), J)
    check_reconciles(J)
    check_text(tpath, J)
    tables = check_csv(cpath, J)
    parsed = check_html(hpath, J)
    check_never_exact(ns_exact, J, tpath, tables, parsed)


if __name__ == "__main__":
    main()
