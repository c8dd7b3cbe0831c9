"""The soak's client traffic, run inside the client namespace: one HTTP request per new connection,
round robin over the targets listed in TARGETS_FILE (re-read twice a second, so the driver can add and
remove a VIP), each with a 1 s timeout. Bounded: it stops after DURATION seconds or MAX_REQUESTS
requests, whichever comes first. Once a second it prints one JSON line with the cumulative counts per
target: {"t": seconds, "counts": {"host:port": [ok, failed], ...}}.

usage: traffic.py TARGETS_FILE DURATION MAX_REQUESTS PAUSE_SECONDS
"""
import json
import socket
import sys
import time


def request(host, port, timeout=1.0):
    """One GET on a fresh connection; True when a complete HTTP 200 answer came back."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        try:
            s.connect((host, port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n")
            data = b""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and len(data) < 65536:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            # nginx answers "rsN\n": a body from a real server, not a page of the LB node's own.
            return data.startswith(b"HTTP/1.1 200") and b"\r\n\r\nrs" in data
        except OSError:
            return False


def read_targets(path):
    try:
        lines = open(path).read().split()
    except OSError:
        return []
    out = []
    for line in lines:
        host, _, port = line.rpartition(":")
        out.append((host.strip("[]"), int(port)))
    return out


def main():
    targets_file, duration, max_requests, pause = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    start = time.monotonic()
    counts = {}
    targets, next_read, next_print, sent, i = [], 0.0, 1.0, 0, 0
    while sent < max_requests:
        now = time.monotonic() - start
        if now >= duration:
            break
        if now >= next_read:
            targets = read_targets(targets_file) or targets
            next_read = now + 0.5
        if now >= next_print:
            print(json.dumps({"t": round(now, 1), "counts": counts}), flush=True)
            next_print = now + 1.0
        if not targets:
            time.sleep(0.1)
            continue
        host, port = targets[i % len(targets)]
        i += 1
        key = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        ok = request(host, port)
        counts.setdefault(key, [0, 0])[0 if ok else 1] += 1
        sent += 1
        time.sleep(pause)
    print(json.dumps({"t": round(time.monotonic() - start, 1), "counts": counts, "done": True}), flush=True)


if __name__ == "__main__":
    main()
