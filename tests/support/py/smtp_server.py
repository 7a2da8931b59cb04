#!/usr/bin/python3
"""A real SMTP server on loopback for the tests (Debian's python3-aiosmtpd).

Every delivered message is written to --dir as <n>.json: the envelope, the headers the tests
read, the text body decoded (quoted-printable or base64 undone), whether the session was
encrypted and who signed in. Prints "listening <port>" once it accepts connections.

  --tls starttls|implicit --cert C --key K   STARTTLS required, or TLS from the first byte
  --user U --password P                      AUTH (PLAIN, LOGIN) required, only over TLS
  --refuse LOCAL                             RCPT TO <LOCAL@…> answers 550 (repeatable)
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult


class Keep:
    def __init__(self, folder, refuse):
        self.folder = folder
        self.refuse = set(refuse)
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0] in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "body": body.get_content() if body is not None else "",
            "raw": envelope.original_content.decode("utf-8", "replace"),
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "login": session.auth_data.login.decode() if session.authenticated and session.auth_data else None,
        }
        path = os.path.join(self.folder, f"{self.count:04}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Message accepted for delivery"


def main():
    # aiosmtpd 1.4 warns about its own use of Session.login_data on every AUTH.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--dir", required=True)
    p.add_argument("--tls", choices=["starttls", "implicit"])
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--refuse", action="append", default=[])
    a = p.parse_args()

    context = None
    if a.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == a.user.encode() and auth_data.password == a.password.encode()
        # handled=False: aiosmtpd answers the failure itself (535); with its default it says nothing.
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    handler = Keep(a.dir, a.refuse)

    def factory():
        kwargs = {"hostname": "localhost"}
        if a.tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        if a.user:
            # With implicit TLS the whole connection is encrypted, which aiosmtpd does not see.
            kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=a.tls != "implicit")
        return SMTP(handler, **kwargs)

    async def serve():
        server = await asyncio.get_running_loop().create_server(
            factory, "127.0.0.1", a.port, ssl=context if a.tls == "implicit" else None
        )
        port = server.sockets[0].getsockname()[1]
        print(f"listening {port}", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())
