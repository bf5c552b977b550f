#!/usr/bin/env python3
"""A SCIM and admin smoke run through a real `npm start` process.

Starts the gateway on a free 127.0.0.1 port with a fresh data directory (and whatever store the
environment selects: MONGODB_URI for MongoDB, else SQLite), waits for /readyz, then: creates a
tenant, mints a SCIM token, POSTs, GETs (by id and by filter) and PATCHes a User, POSTs, GETs and
PATCHes a Group with that member, deletes both, and stops the process with SIGTERM (it must
exit 0). Standard library only. Prints `N passed, N failed` as its last line.

    python3 .ci/smoke.py
"""
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SCIM = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gateway:
    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.admin_key = secrets.token_urlsafe(32)
        self.data = tempfile.mkdtemp(prefix="trustgate-smoke-")
        self.log = open(os.path.join(self.data, "gateway.log"), "w")
        env = dict(os.environ)
        env.update(
            PORT=str(self.port),
            HOST="127.0.0.1",
            TRUSTGATE_PUBLIC_URL=self.base,
            TRUSTGATE_DATA_DIR=self.data,
            TRUSTGATE_ADMIN_KEY=self.admin_key,
            TRUSTGATE_LOG_LEVEL="warn",
        )
        self.proc = subprocess.Popen(["npm", "start", "--silent"], env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited early with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as res:
                    if res.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise RuntimeError("gateway not ready in time")

    def gateway_pid(self) -> int:
        """The node process under npm (npm → sh → node): it gets the SIGTERM, as under an init."""
        pids = {self.proc.pid}
        for _ in range(4):
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
                    with open(f"/proc/{entry}/cmdline", "rb") as cmd:
                        cmdline = cmd.read()
                except OSError:
                    continue
                if ppid in pids:
                    argv = cmdline.split(b"\0")
                    if os.path.basename(argv[0]) == b"node" and b"src/main.ts" in argv:
                        return int(entry)
                    pids.add(int(entry))
        return self.proc.pid

    def stop(self) -> int:
        if self.proc.poll() is None:
            os.kill(self.gateway_pid(), signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def request(self, method: str, path: str, token: str, body=None, content_type="application/json"):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {token}")
        req.add_header("Accept", "application/json, application/scim+json")
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=15) as res:
                raw = res.read()
                return res.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                return err.code, json.loads(raw) if raw else None
            except ValueError:
                return err.code, raw.decode(errors="replace")


def main() -> int:
    gw = Gateway()
    results: list[tuple[str, bool, str]] = []

    def check(name: str, ok: bool, detail="") -> bool:
        results.append((name, ok, str(detail)[:300]))
        print(("  ok   " if ok else "  FAIL ") + name + ("" if ok else f": {str(detail)[:300]}"), flush=True)
        return ok

    try:
        gw.wait_ready()
        check("gateway ready (/readyz 200)", True)
        slug = "smoke-" + secrets.token_hex(4)
        admin = lambda m, p, b=None: gw.request(m, "/admin" + p, gw.admin_key, b)  # noqa: E731
        status, tenant = admin("POST", "/tenants", {"slug": slug, "name": "Smoke Inc", "domains": [f"{slug}.example"]})
        check("admin: create tenant (201)", status == 201 and tenant.get("slug") == slug, (status, tenant))
        status, body = admin("GET", f"/tenants/{slug}")
        check("admin: read tenant (200)", status == 200 and body.get("id") == tenant.get("id"), (status, body))
        status, minted = admin("POST", f"/tenants/{slug}/scim-tokens", {"label": "smoke"})
        check("admin: mint SCIM token (201, tgs_…)", status == 201 and str(minted.get("token", "")).startswith("tgs_"), (status, minted))
        token = minted["token"]
        scim = lambda m, p, b=None: gw.request(m, f"/scim/v2/{slug}" + p, token, b, SCIM)  # noqa: E731

        user_name = f"kim@{slug}.example"
        status, user = scim("POST", "/Users", {
            "schemas": [USER], "userName": user_name, "name": {"givenName": "Kim", "familyName": "Lee"},
            "emails": [{"value": user_name, "type": "work", "primary": True}], "active": True,
        })
        check("SCIM: POST /Users (201)", status == 201 and user.get("userName") == user_name, (status, user))
        uid = user["id"]
        status, body = scim("GET", f"/Users/{uid}")
        check("SCIM: GET /Users/{id} (200)", status == 200 and body.get("id") == uid, (status, body))
        status, body = scim("GET", f"/Users?filter=userName%20eq%20%22{user_name}%22")
        check("SCIM: GET /Users?filter=userName eq (1 result)", status == 200 and body.get("totalResults") == 1, (status, body))
        status, body = scim("PATCH", f"/Users/{uid}", {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]})
        check("SCIM: PATCH /Users/{id} active false (200)", status == 200 and body.get("active") is False, (status, body))

        status, group = scim("POST", "/Groups", {"schemas": [GROUP], "displayName": "Smoke Ops", "members": [{"value": uid}]})
        check("SCIM: POST /Groups with a member (201)", status == 201 and group.get("displayName") == "Smoke Ops", (status, group))
        gid = group["id"]
        status, body = scim("PATCH", f"/Groups/{gid}", {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "displayName", "value": "Smoke Platform"}]})
        check("SCIM: PATCH /Groups/{id} displayName (200/204)", status in (200, 204), (status, body))
        status, body = scim("GET", f"/Groups/{gid}")
        members = [m.get("value") for m in (body or {}).get("members", [])]
        check("SCIM: GET /Groups/{id} (renamed, member kept)", status == 200 and body.get("displayName") == "Smoke Platform" and members == [uid], (status, body))
        status, body = scim("PATCH", f"/Groups/{gid}", {"schemas": [PATCH], "Operations": [{"op": "remove", "path": f'members[value eq "{uid}"]'}]})
        check("SCIM: PATCH /Groups/{id} remove member (200/204)", status in (200, 204), (status, body))

        status, _ = scim("DELETE", f"/Groups/{gid}")
        check("SCIM: DELETE /Groups/{id} (204)", status == 204, status)
        status, _ = scim("DELETE", f"/Users/{uid}")
        check("SCIM: DELETE /Users/{id} (204)", status == 204, status)
        status, _ = scim("GET", f"/Users/{uid}")
        check("SCIM: GET of the deleted user (404)", status == 404, status)
        status, audit = admin("GET", f"/tenants/{slug}/audit?limit=100")
        types = [e.get("type") for e in (audit or {}).get("data", [])]
        check("admin: audit trail records the changes", status == 200 and len(types) >= 6, (status, types))
        status, _ = admin("DELETE", f"/tenants/{slug}")
        check("admin: delete tenant (204)", status == 204, status)
    except Exception as err:  # a crash is a failed check, with the gateway's log below
        check("smoke run", False, repr(err))
    finally:
        code = gw.stop()
        check("gateway stops on SIGTERM with exit 0", code == 0, code)
        sqlite_file = os.path.exists(os.path.join(gw.data, "trustgate.db"))
        if os.environ.get("MONGODB_URI"):
            check("the store was MongoDB (no SQLite file written)", not sqlite_file)
        else:
            check("the store was the SQLite file", sqlite_file)

    failed = [r for r in results if not r[1]]
    if failed:
        with open(os.path.join(gw.data, "gateway.log")) as log:
            print("--- gateway log (tail)\n" + "".join(log.readlines()[-40:]))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
