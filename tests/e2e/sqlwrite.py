#!/usr/bin/python3
"""A write behind docket's back, as a shell with docket's SQL function would make it.

    sqlwrite.py DB SQL
    sqlwrite.py DB - <SCRIPT      (a script of many statements, from standard input)

The sqlite3 shell cannot write a letter's recipient or status at all (it lacks
docket_address_reaches); this tool has a plain version of it (case and the contact's domain and
subdomains only), so that what the triggers of schema/0008 themselves refuse can be tested.
Exit 0 when the statement was committed, 1 with the database's message on stderr when refused."""
import sqlite3
import sys


def reaches(r, a, whole_domain):
    if not r or not a or "@" not in r or "@" not in a:
        return 0
    r, a = r.strip().lower(), a.strip().lower()
    if r == a:
        return 1
    rd, ad = r.rsplit("@", 1)[1], a.rsplit("@", 1)[1]
    return int(bool(whole_domain) and (rd == ad or rd.endswith("." + ad)))


db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.create_function("docket_address_reaches", 3, reaches, deterministic=True)
try:
    if sys.argv[2] == "-":
        db.executescript(sys.stdin.read())
    else:
        db.execute(sys.argv[2])
except sqlite3.DatabaseError as e:
    print("Error: %s" % e, file=sys.stderr)
    sys.exit(1)
