"""
Runs AWS CLI commands in one long-lived Python process, for the test suites (aws-cli-daemon.ts).

Each command goes through the CLI's own entry point, `awscli.clidriver.create_clidriver().main(argv)`,
with the caller's environment and working directory, its stdout and stderr captured and its exit
status returned: what the `aws` script does, minus the interpreter start and the imports (most of
a second per call). One loader of botocore's models is shared by the calls' sessions.

Protocol: one connection per command on the Unix socket given as argv[1]; the client sends a JSON
request ({"args", "env", "cwd", "timeoutSeconds"}) and shuts down its side; the answer is JSON
({"status", "stdout", "stderr"}). Exits when its parent does.
"""
import contextlib
import io
import json
import os
import signal
import socket
import sys

before = dict(os.environ)
import awscli.clidriver  # noqa: E402  (the import is what a fresh process pays on every call)

# What importing awscli sets for itself (AWS_DATA_PATH: where its own models are) stays set.
OWN_ENV = {k: v for k, v in os.environ.items() if before.get(k) != v}
shared_loader = None


class CommandTimeout(Exception):
    pass


def on_alarm(_signum, _frame):
    raise CommandTimeout('the command did not finish in time')


def driver():
    """A fresh driver and session per call (each reads its own environment), one model loader."""
    global shared_loader
    d = awscli.clidriver.create_clidriver()
    if shared_loader is None:
        shared_loader = d.session.get_component('data_loader')
    else:
        d.session.register_component('data_loader', shared_loader)
    return d


def run(req):
    os.environ.clear()
    os.environ.update(req['env'])
    os.environ.update(OWN_ENV)
    os.chdir(req['cwd'])
    out = io.TextIOWrapper(io.BytesIO(), encoding='utf-8', newline='')
    err = io.TextIOWrapper(io.BytesIO(), encoding='utf-8', newline='')
    signal.alarm(int(req.get('timeoutSeconds', 120)))
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = driver().main(req['args'])
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException as e:  # what the process would have died of
            print(f'{type(e).__name__}: {e}', file=sys.stderr)
            status = 255
        finally:
            signal.alarm(0)
    out.flush()
    err.flush()
    return {
        'status': status,
        'stdout': out.buffer.getvalue().decode('utf-8', 'replace'),
        'stderr': err.buffer.getvalue().decode('utf-8', 'replace'),
    }


def main():
    signal.signal(signal.SIGALRM, on_alarm)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sys.argv[1])
    srv.listen(4)
    srv.settimeout(1.0)
    try:
        serve(srv)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(sys.argv[1])


def serve(srv):
    parent = os.getppid()
    while True:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            if os.getppid() != parent:
                return
            continue
        with conn:
            conn.settimeout(None)
            chunks = []
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            answer = run(json.loads(b''.join(chunks)))
            conn.sendall(json.dumps(answer).encode('utf-8'))


if __name__ == '__main__':
    main()
