"""Real services inside lab namespaces: nginx web servers that say who they are, an HTTP client
that keeps one connection open and reports which server answered each request, and a UDP echo
server with its one-shot client."""
import textwrap
from pathlib import Path

NGINX_CONF = """\
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    keepalive_requests 100000;
    keepalive_timeout 300s;
    server {{
        listen {port} reuseport;
        listen [::]:{port} reuseport;
        location = /health {{ return 200 "ok\\n"; }}
        location = /big {{ alias {work}/big; }}
        location / {{ add_header X-Server {name}; return 200 "{name}\\n"; }}
    }}
}}
"""


def start_nginx(procs, ns, name, workdir, port=80, big_bytes=0):
    """nginx in `ns` answering "<name>\\n" on every path (and /health); /big serves big_bytes."""
    work = Path(workdir) / f"nginx-{name}"
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)
    if big_bytes:
        with open(work / "big", "wb") as f:
            f.truncate(big_bytes)
        (work / "big").chmod(0o644)
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=work, name=name, port=port))
    return procs.start(f"nginx-{name}", ["nginx", "-c", conf, "-g", "daemon off; user root;"], ns=ns)


HTTP_STREAM = textwrap.dedent('''\
    import socket, sys, time
    host, port, count, interval = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(30)  # a failover stalls a stream for seconds (TCP backs off); only a reset or close breaks it
    s.connect((host, port))
    buf = b""
    for i in range(count):
        s.sendall(b"GET / HTTP/1.1\\r\\nHost: vip\\r\\n\\r\\n")
        while b"\\r\\n\\r\\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                print("closed", flush=True)
                sys.exit(1)
            buf += chunk
        head, _, buf = buf.partition(b"\\r\\n\\r\\n")
        length = int([l.split(b":")[1] for l in head.split(b"\\r\\n") if l.lower().startswith(b"content-length")][0])
        while len(buf) < length:
            buf += s.recv(4096)
        body, buf = buf[:length], buf[length:]
        print(body.decode().strip(), flush=True)
        time.sleep(interval)
    print("done", flush=True)
''')


def start_http_stream(procs, ns, workdir, host, port=80, count=100, interval=0.1, name="stream"):
    """One keep-alive connection sending `count` requests; its log has one server name per line,
    then "done" (or "closed" / a traceback when the connection broke)."""
    script = Path(workdir) / "http_stream.py"
    if not script.exists():
        # Written once, atomically: streams started back to back must never read a half-written file.
        tmp = script.with_suffix(".tmp")
        tmp.write_text(HTTP_STREAM)
        tmp.rename(script)
    return procs.start(name, ["/usr/bin/python3", script, host, port, count, interval], ns=ns)


def stream_answers(proc):
    """The server names a stream process has printed so far."""
    lines = proc.log().splitlines()[1:]  # first line is the command
    return [l for l in lines if l and not l.startswith("$")]


# A UDP echo server: `python3 -c UDP_ECHO ADDRESS PORT` answers each datagram with b"echo:" + it.
UDP_ECHO = """
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(b"echo:" + data, peer)
"""

# The client's view of one UDP exchange: `python3 -c UDP_CLIENT ADDRESS PORT` prints the reply, and
# the address and port it came from.
UDP_CLIENT = """
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"ping", (sys.argv[1], int(sys.argv[2])))
data, peer = s.recvfrom(2048)
print(data.decode(), peer[0], peer[1])
"""
