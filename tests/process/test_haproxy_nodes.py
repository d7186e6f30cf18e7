"""Several ftpd nodes behind HAProxy (the guide in ftpd(8) and the README, the example
etc/haproxy-ftpd.cfg): two nodes on 127.0.0.2 and 127.0.0.3 serve one shared directory,
each with its own pasv_address and pasv_ports, behind our own HAProxy process on
127.0.0.1 (TCP mode, balance source, send-proxy-v2 or send-proxy). Clients from
different source addresses land on both nodes; logins, listings, an upload on one node
and its download through the other all work, and each node sees the real client."""

import ftplib
import io
import os
import random
import shutil
import signal
import subprocess
import tempfile
import unittest

from ftpd_fixture import Server, free_port, status_json, wait_until

CURL = shutil.which("curl")
HAPROXY = shutil.which("haproxy") or next(
    (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if os.path.exists(p)), None)
DEADLINE = 15.0
NODES = ("127.0.0.2", "127.0.0.3")
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "etc", "haproxy-ftpd.cfg")

HAPROXY_CFG = """\
global
    maxconn 200
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
frontend ftp
    bind 127.0.0.1:{port}
    default_backend ftpd_nodes
backend ftpd_nodes
    balance source
    hash-type consistent
    option tcp-check
    tcp-check connect send-proxy
    tcp-check expect rstring ^220
    tcp-check send QUIT\\r\\n
{servers}
"""


@unittest.skipIf(HAPROXY is None, "haproxy is not installed (apt-get install haproxy)")
class HaproxyNodesTest(unittest.TestCase):

    def setUp(self):
        self.shared = tempfile.mkdtemp(prefix="ftpd-shared-")
        self.addCleanup(shutil.rmtree, self.shared, True)
        os.chmod(self.shared, 0o777)  # the workers run as nobody and write here
        with open(os.path.join(self.shared, "readme.txt"), "wb") as f:
            f.write(b"served by every node\n")
        os.chmod(os.path.join(self.shared, "readme.txt"), 0o644)

    # ---- the cluster

    def start_nodes(self):
        base = random.randrange(20000, 30000, 100)  # below the ephemeral range
        nodes = []
        for i, address in enumerate(NODES):
            low = base + 50 * i
            extra = (f"listen = {address}:0 proxy_protocol\n"
                     "proxy_trusted = 127.0.0.1\n"
                     f"pasv_address = {address}\n"
                     f"pasv_ports = {low}-{low + 49}\n"
                     f"root = {self.shared}\n"
                     "upload_overwrite = yes\n")
            node = Server.for_test(self, config_extra=extra, probe_header=b"PROXY UNKNOWN\r\n")
            node.address = address
            node.pasv_range = (low, low + 49)
            nodes.append(node)
        return nodes

    def start_haproxy(self, nodes, directive):
        port = free_port()
        servers = "\n".join(
            f"    server node{i + 1} {n.address}:{n.port} {directive} check inter 1s"
            for i, n in enumerate(nodes))
        cfg = os.path.join(nodes[0].dir, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(HAPROXY_CFG.format(port=port, servers=servers))
        log = open(os.path.join(nodes[0].dir, "haproxy.log"), "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen([HAPROXY, "-f", cfg, "-db"], stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.addCleanup(self.stop_haproxy, proc)

        def greets():
            if proc.poll() is not None:
                raise AssertionError(f"haproxy exited with status {proc.returncode}")
            try:
                ftp = self.client("127.0.0.1", port, login=False)
            except OSError:
                return False
            ftp.close()
            return True
        wait_until(greets, DEADLINE, "a 220 through haproxy")
        return port

    @staticmethod
    def stop_haproxy(proc):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # haproxy -db: stops at once
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def client(self, source, port, login=True):
        ftp = ftplib.FTP(timeout=DEADLINE, source_address=(source, 0))
        # The 227 reply names the node (pasv_address); ftplib would otherwise take the
        # control connection's address, which is HAProxy's.
        ftp.trust_server_pasv_ipv4_address = True
        ftp.connect("127.0.0.1", port)
        if login:
            ftp.login("anonymous", "test@example.com")
        return ftp

    def node_of(self, nodes, source):
        """The node whose status lists a session from `source` (waits for it)."""
        def find():
            for node in nodes:
                if any(s["client"].startswith(source + ":") for s in status_json(node)["sessions"]):
                    return node
            return None
        return wait_until(find, DEADLINE, f"a node with a session from {source}")

    def one_client_per_node(self, nodes, port):
        """Logged-in clients from 127.0.0.10, .11, ... until each node serves one:
        {node address: (ftp, source, node)}."""
        found = {}
        for last in range(10, 60):
            source = f"127.0.0.{last}"
            ftp = self.client(source, port)
            node = self.node_of(nodes, source)
            if node.address in found:
                ftp.quit()
                continue
            self.addCleanup(ftp.close)
            found[node.address] = (ftp, source, node)
            if len(found) == len(nodes):
                return found
        self.fail(f"balance source sent 50 client addresses to {list(found)} only")

    # ---- the scenario, with either PROXY protocol version

    def run_cluster(self, directive):
        nodes = self.start_nodes()
        port = self.start_haproxy(nodes, directive)
        try:
            self.cluster_scenario(nodes, port)
            self.check_health_checks(nodes)
        except BaseException:
            for node in nodes:
                print(f"--- node {node.address} log:\n{node.log_text()[-3000:]}")
            with open(os.path.join(nodes[0].dir, "haproxy.log"), errors="replace") as f:
                print(f"--- haproxy log:\n{f.read()[-3000:]}")
            raise

    def check_health_checks(self, nodes):
        """HAProxy's checks (tcp-check connect send-proxy, expect 220, QUIT) reach each
        node as sessions from HAProxy's own address, and no node was marked down."""
        # A check (like the readiness probe) names HAProxy's own connection, so the
        # client's port is the balancer's; a client through HAProxy has its own.
        own = r"session \d+ from 127\.0\.0\.1 port (\d+): connected \(PROXY protocol, via 127\.0\.0\.1 port \1\)"
        for node in nodes:
            wait_until(lambda: len(node.log_findall(own)) >= 4, DEADLINE,
                       f"three health checks of {node.address} (besides the readiness probe)")
            self.assertNotIn("bad PROXY header", node.log_text())
        with open(os.path.join(nodes[0].dir, "haproxy.log"), errors="replace") as f:
            self.assertNotIn(" is DOWN", f.read())

    def cluster_scenario(self, nodes, port):
        clients = self.one_client_per_node(nodes, port)
        (ftp_a, source_a, node_a), (ftp_b, source_b, node_b) = (clients[a] for a in NODES)

        # Each node logged the real client, not HAProxy, and passive data went to it.
        for ftp, source, node in ((ftp_a, source_a, node_a), (ftp_b, source_b, node_b)):
            node.wait_for_log(rf"session \d+ from {source.replace('.', '[.]')} port \d+: "
                              r"connected \(PROXY protocol, via 127\.0\.0\.1 port \d+\)")
            names = ftp.nlst()
            self.assertIn("readme.txt", names)
            host, pasv_port = ftplib.parse227(ftp.sendcmd("PASV"))
            self.assertEqual(host, node.address)
            self.assertTrue(node.pasv_range[0] <= pasv_port <= node.pasv_range[1], pasv_port)

        # Upload through node A, then list and download the same file through node B.
        payload = os.urandom(300 * 1024)
        reply = ftp_a.storbinary("STOR shared.bin", io.BytesIO(payload))
        self.assertTrue(reply.startswith("226"), reply)
        node_a.wait_for_log(rf"from {source_a.replace('.', '[.]')} port \d+ user 'anonymous'")
        lines = []
        ftp_b.retrlines("LIST", lines.append)
        self.assertTrue(any(line.endswith(" shared.bin") for line in lines), lines)
        got = io.BytesIO()
        reply = ftp_b.retrbinary("RETR shared.bin", got.write)
        self.assertTrue(reply.startswith("226"), reply)
        self.assertEqual(got.getvalue(), payload)
        # EPSV's reply has only a port, which the client would take to HAProxy's address:
        # refused, so that clients fall back to PASV.
        with self.assertRaises(ftplib.error_perm) as refused:
            ftp_b.sendcmd("EPSV")
        self.assertTrue(str(refused.exception).startswith("502"), refused.exception)
        for ftp in (ftp_a, ftp_b):
            ftp.quit()

    def test_two_nodes_behind_haproxy_send_proxy_v2(self):
        self.run_cluster("send-proxy-v2")

    def test_two_nodes_behind_haproxy_send_proxy_v1(self):
        self.run_cluster("send-proxy")

    @unittest.skipIf(CURL is None, "curl is not installed")
    def test_curl_through_haproxy_falls_back_from_epsv_to_pasv(self):
        nodes = self.start_nodes()
        port = self.start_haproxy(nodes, "send-proxy-v2")
        out = subprocess.run(
            [CURL, "-sS", "--max-time", "20", "--interface", "127.0.0.30",
             "--no-ftp-skip-pasv-ip", "-v", f"ftp://127.0.0.1:{port}/readme.txt"],
            capture_output=True, timeout=30)
        err = out.stderr.decode(errors="replace")
        self.assertEqual(out.returncode, 0, err)
        self.assertEqual(out.stdout, b"served by every node\n")
        self.assertIn("EPSV", err)
        self.assertRegex(err, r"227 Entering Passive Mode \(127,0,0,[23],")

    def test_the_example_config_is_valid_haproxy(self):
        out = subprocess.run([HAPROXY, "-c", "-f", EXAMPLE], capture_output=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stdout.decode() + out.stderr.decode())


if __name__ == "__main__":
    unittest.main()
