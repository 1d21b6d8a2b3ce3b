"""Two ThiĐua servers on one PostgreSQL database: a session, a token, a sign-in lock, a record, the results each
keeps and a structure change made through one (or by the command line) are seen through the other at once.

Usage: two_servers.py URL_A URL_B PASSWORD THIDUA_BINARY  (DATABASE_URL set for the binary)"""
import http.cookiejar
import json
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

A, B, PASSWORD, BIN = sys.argv[1:5]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


jar = http.cookiejar.CookieJar()
browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def call(method, url, body=None, headers=None, opener=None):
    data = None
    headers = dict(headers or {})
    if isinstance(body, dict):
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    elif isinstance(body, str):
        data = body.encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with (opener or urllib.request.build_opener(NoRedirect)).open(request) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def sign_in_form(base, username, password):
    status, _, page = call("GET", base + "/sign-in", opener=browser)
    csrf = re.search(rb'name="_csrf" value="([^"]+)"', page).group(1).decode()
    form = urllib.parse.urlencode({"_csrf": csrf, "username": username, "password": password, "next": "/"})
    return call("POST", base + "/sign-in", form, opener=browser)


# A session made on A is good on B (sessions live in the database).
status, headers, _ = sign_in_form(A, "thuongtruc", PASSWORD)
assert status == 303 and headers.get("location") == "/", (status, headers)
status, headers, _ = call("GET", B + "/records", opener=browser)
assert status == 200, ("session not seen on B", status, headers.get("location"))
print("a session made on A is good on B")

# A token issued by A is good on B.
status, _, body = call("POST", A + "/api/v1/auth/token", {"username": "ca.vangdanh", "password": PASSWORD})
assert status == 201, status
token = json.loads(body)["token"]
auth = {"Authorization": "Bearer " + token}
results = "/api/v1/movements/uong-bi-2024-2025/phases/dot-1/results?unit=06808&asOf=2025-02-03"
status, headers, body = call("GET", B + results, headers=auth)
assert status == 200, status
tag = headers["etag"]
before = json.loads(body)["units"][0]["targets"][0]["numerator"]
status, _, _ = call("GET", B + results, headers={**auth, "If-None-Match": tag})
assert status == 304, status
print("a token issued by A is good on B; B answers 304 while nothing changed")

# A record written through A is in the very next results read through B (its old tag no longer matches).
status, _, body = call("POST", A + "/api/v1/records", {"kind": "information_source", "unit": "06808", "date": "2024-12-01",
                                                      "category": "social_order", "origin": "people"}, headers=auth)
assert status == 201, (status, body)
status, headers, body = call("GET", B + results, headers={**auth, "If-None-Match": tag})
assert status == 200 and headers["etag"] != tag, status
after = json.loads(body)["units"][0]["targets"][0]["numerator"]
assert after == before + 1, (before, after)
print(f"a record written through A counts at once through B ({before:g} → {after:g} tips)")

# Both servers keep the whole phase's results; a record written through B moves A's kept results at its next read.
whole = "/api/v1/movements/uong-bi-2024-2025/phases/dot-1/results?asOf=2025-02-03"


def kept_tips(base):
    status, _, body = call("GET", base + whole, headers=auth)
    assert status == 200, status
    unit = next(u for u in json.loads(body)["units"] if u["unit"]["code"] == "06808")
    return unit["targets"][0]["numerator"]


first = kept_tips(A)
assert kept_tips(B) == first and kept_tips(A) == first
status, _, body = call("POST", B + "/api/v1/records", {"kind": "information_source", "unit": "06808", "date": "2024-12-02",
                                                      "category": "social_order", "origin": "people"}, headers=auth)
assert status == 201, (status, body)
assert kept_tips(A) == first + 1 and kept_tips(B) == first + 1, (first, kept_tips(A), kept_tips(B))
print(f"a record written through B moves the results A keeps at its next read ({first:g} → {first + 1:g})")

# Five wrong passwords through A lock the account through B too.
for _ in range(5):
    call("POST", A + "/api/v1/auth/token", {"username": "lanhdao", "password": "wrong-password-x"})
status, _, _ = call("POST", B + "/api/v1/auth/token", {"username": "lanhdao", "password": PASSWORD})
assert status == 429, ("sign-in lock not seen on B", status)
print("five wrong passwords through A lock the account on B")

# A structure change by a third process (the command line) is in both servers' unit trees at once.
with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    f.write("village,kind\nHai Máy Chủ,khu\n")
subprocess.run([BIN, "units", "import", f.name, "--unit", "06820"], check=True, capture_output=True)
for base in (A, B):
    status, _, body = call("GET", base + "/api/v1/units")
    assert status == 200 and "Hai Máy Chủ" in body.decode(), base
print("a village added by the command line is in both servers' unit trees at once")
