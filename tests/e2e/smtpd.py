#!/usr/bin/python3
"""An SMTP server on loopback for the outbox tests, built on aiosmtpd.

Every message it accepts is written, as the bytes it received, to a Maildir, after two lines naming
the envelope (X-Envelope-From, X-Envelope-To). Options make it behave as the tests need:

  --refuse PREFIX   answer 550 to RCPT TO for addresses starting with PREFIX
  --cert/--key      a certificate, for --starttls (required before MAIL) or --implicit (smtps)
  --auth USER:PASS  require AUTH with these credentials (only after TLS)
  --hold FILE       while FILE exists, store each message but hold back the reply to it, so that
                    the test can kill the client between the delivery and its record of it

It runs until it is sent SIGTERM or SIGINT.
"""
import argparse
import asyncio
import logging
import mailbox
import os
import signal
import ssl
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, args):
        self.args = args
        self.box = mailbox.Maildir(args.maildir, create=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.refuse and address.startswith(self.args.refuse):
            return "550 5.1.1 <%s>: Recipient address rejected: no such mailbox" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        head = "X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (envelope.mail_from, ",".join(envelope.rcpt_tos))
        self.box.add(head.encode() + envelope.original_content)
        while self.args.hold and os.path.exists(self.args.hold):
            await asyncio.sleep(0.05)
        return "250 OK: queued"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        return AuthResult(success=ok, handled=False)
    return check


def main():
    warnings.simplefilter("ignore", DeprecationWarning)
    # aiosmtpd logs a deprecation on every login, and a traceback for every TLS handshake a
    # client gives up (which some tests mean to happen); the tests read what matters.
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--maildir", required=True)
    p.add_argument("--refuse")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--starttls", action="store_true")
    p.add_argument("--implicit", action="store_true")
    p.add_argument("--auth")
    p.add_argument("--hold")
    args = p.parse_args()

    kwargs = {}
    if args.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        if args.implicit:
            kwargs["ssl_context"] = ctx
        if args.starttls:
            kwargs["tls_context"] = ctx
            kwargs["require_starttls"] = True
    if args.auth:
        user, password = args.auth.split(":", 1)
        kwargs["authenticator"] = authenticator(user, password)
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = True
    controller = Controller(Handler(args), hostname="127.0.0.1", port=args.port, **kwargs)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    controller.start()
    try:
        while not done.wait(0.2):
            pass
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
