"""Behind a real nginx configured as docs/operations.md says: a client that writes a fresh X-Forwarded-For on every
tip is still one client (nginx puts its own $remote_addr there and the server believes only its trusted proxy), so
its tips stop at the hourly limit, each refusal a 429 with Retry-After; none of the addresses it wrote is anywhere.

usage: tip_proxy.py URL ALLOWED PATH...  (ALLOWED: tips this client may still send this hour; PATHs searched after)
"""
import json
import os
import random
import sys
import urllib.error
import urllib.request

BASE, ALLOWED, PATHS = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
TRIES = ALLOWED + 5
spoofed = [f"198.51.100.{random.randrange(1, 255)}, 192.0.2.{n + 1}" for n in range(TRIES)]
statuses = []
for n, forwarded in enumerate(spoofed):
    body = {"unit": "06820", "category": "other", "occurredOn": __import__("datetime").date.today().isoformat(),
            "description": f"Tin thử giới hạn số {n + 1}: người lạ hỏi đường vào khu tập thể"}
    request = urllib.request.Request(BASE + "/api/v1/tips", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            statuses.append(answer.status)
    except urllib.error.HTTPError as e:
        statuses.append(e.code)
        if e.code == 429:
            assert e.headers.get("Retry-After", "").isdigit(), dict(e.headers)
expected = [201] * ALLOWED + [429] * (TRIES - ALLOWED)
if statuses != expected:
    print(f"a client spoofing X-Forwarded-For through nginx: {statuses}, expected {expected}")
    sys.exit(1)

found = []
for root in PATHS:
    files = [root] if os.path.isfile(root) else [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
    for path in files:
        try:
            data = open(path, "rb").read()
        except OSError:
            continue
        for address in {s.split(",")[0] for s in spoofed} | {"192.0.2."}:
            if address.encode() in data:
                found.append(f"{address} in {path}")
if found:
    print("\n".join(sorted(set(found))))
    sys.exit(1)
print(f"{TRIES} tips through nginx, each with a fresh X-Forwarded-For: {ALLOWED} taken, then 429; no address written in {len(PATHS)} places")
