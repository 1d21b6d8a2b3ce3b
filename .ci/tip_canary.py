"""The canary: a tip sent with a marked address, browser string and contact, then looked up by its code; none
of the three may appear in the server's files (the database and its write-ahead log, the tip files) or its log.
With CANARY_RELEASE (a shell command: `thidua tips release`), the tip must first be held: its text in none of the
places searched until the command has written it.

usage: tip_canary.py URL PATH... (folders and files to search; the log among them)
"""
import json
import os
import subprocess
import sys
import urllib.request
import uuid

BASE, PATHS = sys.argv[1], sys.argv[2:]
ADDRESS = "203.0.113.77"
BROWSER = "CanaryBrowser/9.9 (canary-" + uuid.uuid4().hex[:8] + ")"
CONTACT = "canary-contact-" + uuid.uuid4().hex[:8] + "@example.org"
HEADERS = {"User-Agent": BROWSER, "X-Forwarded-For": ADDRESS, "Content-Type": "application/json"}


def post(path, body):
    request = urllib.request.Request(BASE + path, data=json.dumps(body).encode(), headers=HEADERS, method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, json.load(answer)


TEXT = "Canary tip: tụ tập gây rối trước cổng chợ " + uuid.uuid4().hex[:8]


def search(paths, canaries):
    found = []
    for root in paths:
        files = [root] if os.path.isfile(root) else [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
        for path in files:
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            for canary in canaries:
                if canary.encode() in data:
                    found.append(f"{canary} in {path}")
            # What the citizen wrote is in the database, and in no log at any level (no query is logged with its values).
            if path.endswith(".log") and "ba người, hai xe máy".encode() in data:
                found.append(f"the citizen's message in {path}")
    return found


status, receipt = post("/api/v1/tips", {"unit": "06820", "category": "social_order", "occurredOn": __import__("datetime").date.today().isoformat(),
                                        "description": TEXT, "contact": CONTACT})
assert status == 201, status
code = receipt["receiptCode"]
if os.environ.get("CANARY_CODE_FILE"):
    # For the key rotation that follows: the code must still be found under the next key.
    with open(os.environ["CANARY_CODE_FILE"], "w") as f:
        f.write(code)
status, seen = post("/api/v1/tips/status", {"receiptCode": code, "message": "Thêm thông tin: ba người, hai xe máy"})
assert status == 200 and seen["status"] == "received", seen

RELEASE = os.environ.get("CANARY_RELEASE")
if RELEASE:
    # Held for the release: nothing of the tip, not even its text, is in the database or its log yet (sealed in
    # the spool); the receipt and the status say when the police will have it.
    assert receipt.get("reachesPoliceAt") and seen["waiting"] and seen["waitingMessages"] == 1 and not seen["messages"], (receipt, seen)
    early = search(PATHS, (TEXT,))
    if early:
        print("before the release:\n" + "\n".join(early))
        sys.exit(1)
    subprocess.run(RELEASE, shell=True, check=True)
    status, seen = post("/api/v1/tips/status", {"receiptCode": code})
    assert status == 200 and not seen["waiting"] and seen["waitingMessages"] == 0, seen
assert len(seen["messages"]) == 1, seen

found = search(PATHS, (ADDRESS, "CanaryBrowser", CONTACT, code.replace("-", "")))
if found:
    print("\n".join(found))
    sys.exit(1)
held = " (held sealed until its release, then written)" if RELEASE else ""
print(f"canary tip {code[:5]}…{held}: its address, browser string, contact and code are in none of {len(PATHS)} places searched, its text in no log")
