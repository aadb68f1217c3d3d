"""The soak test's stand-ins on loopback, served from threads of the driver:

- a Prometheus that answers GET /api/v1/query for `soak_health{canary="NAME"}`
  with the value the driver set for NAME (a vector of one sample);
- a webhook recorder that answers every POST /hook/TYPE with 200 and logs the
  call: the time, the hook type, the body's canary, phase and checksum, the
  remote's branch head at that moment (whose status file tells which step the
  canary is at), and which serve process made the call (found from the
  connection's socket in /proc).
"""
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body, content_type="application/json"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True


class _LoopbackServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A caller gone before the answer (a replica killed mid-call) is part of the test.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Server:
    def __init__(self, handler):
        self.httpd = _LoopbackServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _PrometheusHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_message = _Quiet.log_message
    reply = _Quiet.reply

    def do_GET(self):
        owner = self.server.owner
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query).get("query", [""])[0]
        m = re.search(r'canary="([^"]+)"', query)
        if url.path != "/api/v1/query":
            return self.reply(404, '{"status":"error","error":"not found"}')
        with owner.lock:
            owner.queries += 1
            value = owner.values.get(m.group(1)) if m else None
        if query == "vector(1)":
            value = 1
        if value is None:  # no data: an empty vector, as Prometheus answers
            body = {"status": "success", "data": {"resultType": "vector", "result": []}}
        else:
            body = {"status": "success",
                    "data": {"resultType": "vector", "result": [{"metric": {}, "value": [time.time(), str(value)]}]}}
        self.reply(200, json.dumps(body))


class Prometheus(_Server):
    """values: canary name -> the number its soak_health query returns."""

    def __init__(self):
        self.lock = threading.Lock()
        self.values = {}
        self.queries = 0
        super().__init__(_PrometheusHandler)

    def set(self, canary, value):
        with self.lock:
            self.values[canary] = value


def _socket_inode(client_port, server_port):
    """The inode of the client end of a loopback TCP connection, from /proc/net/tcp."""
    local, remote = f"0100007F:{client_port:04X}", f"0100007F:{server_port:04X}"
    with open("/proc/net/tcp") as f:
        for line in f:
            cols = line.split()
            if len(cols) > 9 and cols[1] == local and cols[2] == remote:
                return cols[9]
    return None


def _owner_pid(inode, pids, first):
    """The process among `pids` (`first` tried first) holding socket `inode`."""
    target = f"socket:[{inode}]"
    for pid in sorted(pids, key=lambda p: p != first):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
            except OSError:
                continue
    return None


class _HookHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_message = _Quiet.log_message
    reply = _Quiet.reply

    def do_POST(self):
        # Stamped on arrival: a caller killed while the lookup below runs has
        # its kill stamped after its call, never before.
        arrived, started = time.time(), time.monotonic()
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode(errors="replace") if length else ""
        hook = self.path.rsplit("/", 1)[-1]
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        name = payload.get("name", "")
        pid = inode = None
        for _ in range(3):  # the caller's socket, looked up again if it was not there yet
            inode = _socket_inode(self.client_address[1], self.server.server_address[1])
            pid = _owner_pid(inode, owner.pids(), owner.last_pid) if inode else None
            if pid:
                break
            time.sleep(0.002)
        call = {"time": round(arrived, 3), "hook": hook, "canary": name, "namespace": payload.get("namespace", ""),
                "phase": payload.get("phase", ""), "checksum": payload.get("checksum", ""),
                "head": owner.branch_head(), "pid": pid or 0, "inode": inode or "", "body": body,
                "handler_ms": round((time.monotonic() - started) * 1000, 2)}
        with owner.lock:
            owner.last_pid = pid
            owner.calls.append(call)
            owner.log.write(json.dumps(call, sort_keys=True) + "\n")
            owner.log.flush()
        self.reply(200, '{"ok":true}')


class WebhookRecorder(_Server):
    """Logs every call to `log_path` (JSON lines) and keeps them in `calls`.
    `pids`: a function giving the serve processes' ids (to name the caller);
    `remote`: the bare remote, read for the canary's status at each call."""

    def __init__(self, log_path, pids, remote, branch="main"):
        self.lock = threading.Lock()
        self.calls = []
        self.last_pid = None
        self.log = open(log_path, "w")
        self.pids = pids
        self.remote = remote
        self.branch = branch
        super().__init__(_HookHandler)

    def branch_head(self):
        """The branch's commit on the remote now, read from the ref file (no
        process started, so the recorder answers at once)."""
        ref = f"refs/heads/{self.branch}"
        try:
            with open(os.path.join(self.remote, ref)) as f:
                return f.read().strip()
        except OSError:
            pass
        try:
            with open(os.path.join(self.remote, "packed-refs")) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2 and parts[1] == ref:
                        return parts[0]
        except OSError:
            pass
        return ""

    def stop(self):
        super().stop()
        self.log.close()
