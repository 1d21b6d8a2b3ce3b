"""Resilience checks against a real `thidua serve`: kill -9 under write load, and a graceful SIGTERM.

    python3 Tests/ops/resilience.py crash-loop --bin BIN --port P [--cycles 20]   (SQLite: THIDUA_DATA_DIR; PostgreSQL: DATABASE_URL)
    python3 Tests/ops/resilience.py shutdown --bin BIN --port P

crash-loop: each cycle starts the server, writes records from four threads for a moment, and kills the server with
SIGKILL mid-write. Every record the server acknowledged (201) must be there afterwards, the totals must equal a fresh
count, the audit chain must be whole, and a SQLite file must pass `PRAGMA integrity_check`.

shutdown: with results requests in flight, SIGTERM must end the server with exit code 0 within 15 seconds, with no
fatal error, and free the port.
"""
import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

PASSWORD = os.environ.get("THIDUA_DEMO_PASSWORD", "")


def request(port, method, path, token=None, body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def start(binary, port, log):
    proc = subprocess.Popen([binary, "serve", "--demo", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} while starting")
        try:
            if request(port, "GET", "/healthz", timeout=1)[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not answer within 60 s")


def token(port):
    status, body = request(port, "POST", "/api/v1/auth/token", body={"username": "thuongtruc", "password": PASSWORD})
    if status != 201:
        raise SystemExit(f"no token: {status} {body[:200]!r}")
    return json.loads(body)["token"]


def run_command(binary, *args):
    out = subprocess.run([binary, *args], capture_output=True, text=True)
    return out.returncode, out.stdout + out.stderr


def crash_loop(args):
    acknowledged = []
    lock = threading.Lock()
    log = open(args.log, "ab")
    rng = random.Random(2025)
    for cycle in range(args.cycles):
        proc = start(args.bin, args.port, log)
        tok = token(args.port)
        stop = threading.Event()

        def writer(n):
            i = 0
            while not stop.is_set():
                i += 1
                day = f"2025-0{3 + (n + i) % 4}-{1 + (i * 7 + n) % 28:02d}"
                try:
                    status, body = request(args.port, "POST", "/api/v1/records", tok,
                                           {"kind": "information_source", "unit": "06808", "date": day,
                                            "category": "social_order", "origin": "people" if i % 2 else "police",
                                            "summary": f"crash-loop {cycle}/{n}/{i}"}, timeout=5)
                except OSError:
                    return  # the server is gone: what it did not acknowledge may or may not be there
                if status == 201:
                    with lock:
                        acknowledged.append(json.loads(body)["id"])

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.4, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join()
    # Every acknowledged write is there.
    proc = start(args.bin, args.port, log)
    tok = token(args.port)
    missing = [rid for rid in acknowledged if request(args.port, "GET", f"/api/v1/records/{rid}", tok)[0] != 200]
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    problems = []
    if missing:
        problems.append(f"{len(missing)} acknowledged records missing, e.g. {missing[:3]}")
    for command in (["verify-totals"], ["verify-audit"]):
        code, out = run_command(args.bin, *command)
        if code != 0:
            problems.append(f"{' '.join(command)} exited {code}: {out.strip()[-300:]}")
    data_dir = os.environ.get("THIDUA_DATA_DIR")
    if data_dir and not os.environ.get("DATABASE_URL"):
        db = sqlite3.connect(os.path.join(data_dir, "thidua.sqlite"))
        result = db.execute("PRAGMA integrity_check").fetchone()[0]
        db.close()
        if result != "ok":
            problems.append(f"integrity_check: {result}")
    print(f"crash loop: {args.cycles} kill -9 cycles, {len(acknowledged)} acknowledged writes, "
          f"{len(acknowledged) - len(missing)} present")
    if problems:
        print("\n".join(problems))
        sys.exit(1)


def shutdown(args):
    log = open(args.log, "ab")
    proc = start(args.bin, args.port, log)
    tok = token(args.port)
    results = []

    def ask():
        try:
            results.append(request(args.port, "GET", "/api/v1/movements/uong-bi-2024-2025/phases/dot-2/results", tok,
                                   timeout=20)[0])
        except OSError as e:
            results.append(str(e))

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    started = time.time()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise SystemExit("the server did not stop within 15 s of SIGTERM")
    for t in threads:
        t.join()
    took = time.time() - started
    log.flush()
    text = open(args.log, "rb").read().decode("utf-8", "replace")
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", args.port))  # fails if anything still holds the port
    print(f"graceful shutdown: exit {code} after {took:.1f} s; requests in flight answered {results}")
    if code != 0 or "Fatal error" in text:
        print(text[-2000:])
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("check", choices=["crash-loop", "shutdown"])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--log", default="/tmp/thidua-resilience.log")
    args = parser.parse_args()
    crash_loop(args) if args.check == "crash-loop" else shutdown(args)


if __name__ == "__main__":
    main()
