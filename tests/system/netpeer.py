"""tests/system/netpeer.py: a raw Ethernet peer for QEMU's dgram netdev.

With `-netdev dgram,...` QEMU sends each frame its NIC transmits as one UDP
datagram to a host port and takes each datagram it receives as a frame, so
a test can be the whole network: answer ARP, send well-formed and malformed
frames of its own making, and check what comes back. Frames are built and
parsed here with their checksums (RFC 791, 768, 826).
"""
import socket
import struct
import threading
import time

BROADCAST = b"\xff" * 6
ETH_IP, ETH_ARP = 0x0800, 0x0806


_given = set()  # (kind, port) handed out in this process: never twice
_given_lock = threading.Lock()


def _free_port(kind):
    """A port of 127.0.0.1 nobody has bound, and that no other test in this
    run (tests run two at a time) was given already."""
    with _given_lock:
        while True:
            with socket.socket(socket.AF_INET, kind) as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            if (kind, port) not in _given:
                _given.add((kind, port))
                return port


def tcp_echo(port, sizes, rng, timeout=30):
    """Echo each size (random bytes from rng) over one connection to
    127.0.0.1:port, then close it in order; a failure message or None."""
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError as e:
        return f"connect: {e}"
    try:
        with c:
            for n in sizes:
                data = bytes(rng.getrandbits(8) for _ in range(n))
                c.sendall(data)
                got = b""
                while len(got) < n:
                    part = c.recv(65536)
                    if not part:
                        return f"{n} bytes: the connection ended after {len(got)}"
                    got += part
                if got != data:
                    return f"{n} bytes: the echo differs"
            c.shutdown(socket.SHUT_WR)
            if c.recv(1) != b"":
                return "no orderly close after ours"
    except OSError as e:
        return f"{e}"
    return None


def free_udp_port():
    return _free_port(socket.SOCK_DGRAM)


def free_tcp_port():
    return _free_port(socket.SOCK_STREAM)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ip_bytes(ip):
    return socket.inet_aton(ip)


def eth(dst, src, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


ETH_VLAN = 0x8100


def eth_vlan(dst, src, vid, ethertype, payload):
    """An 802.1Q-tagged frame (priority 0) on VLAN vid."""
    return dst + src + struct.pack("!HHH", ETH_VLAN, vid & 0xFFF, ethertype) + payload


def untag(frame):
    """(VLAN id, the frame without its tag), or (None, frame) if untagged."""
    if len(frame) >= 18 and struct.unpack("!H", frame[12:14])[0] == ETH_VLAN:
        return struct.unpack("!H", frame[14:16])[0] & 0xFFF, frame[:12] + frame[16:]
    return None, frame


def ipv4(src, dst, proto, payload, ttl=64, ident=1, total_len=None, ihl=5, flags_frag=0,
         bad_csum=False):
    length = total_len if total_len is not None else 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, length, ident, flags_frag, ttl, proto, 0,
                      ip_bytes(src), ip_bytes(dst))
    c = csum(hdr) ^ (0x5555 if bad_csum else 0)
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def udp(src_ip, dst_ip, sport, dport, data, length=None, bad_csum=False):
    ulen = length if length is not None else 8 + len(data)
    hdr = struct.pack("!HHHH", sport, dport, ulen, 0)
    pseudo = ip_bytes(src_ip) + ip_bytes(dst_ip) + struct.pack("!BBH", 0, 17, 8 + len(data))
    c = csum(pseudo + hdr + data) or 0xFFFF
    if bad_csum:
        c ^= 0x1234
    return hdr[:6] + struct.pack("!H", c) + data


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_IP, 6, 4, op, sha, ip_bytes(spa), tha,
                       ip_bytes(tpa))


def parse(frame):
    """A dict describing frame (Ethernet, ARP, IPv4 and UDP fields), or None."""
    if len(frame) < 14:
        return None
    out = {"dst": frame[:6], "src": frame[6:12], "type": struct.unpack("!H", frame[12:14])[0]}
    body = frame[14:]
    if out["type"] == ETH_ARP and len(body) >= 28:
        f = struct.unpack("!HHBBH6s4s6s4s", body[:28])
        out.update(op=f[4], sha=f[5], spa=socket.inet_ntoa(f[6]), tpa=socket.inet_ntoa(f[8]))
    elif out["type"] == ETH_IP and len(body) >= 20:
        ihl = (body[0] & 15) * 4
        total = struct.unpack("!H", body[2:4])[0]
        out.update(proto=body[9], ip_src=socket.inet_ntoa(body[12:16]),
                   ip_dst=socket.inet_ntoa(body[16:20]), ip_ok=csum(body[:ihl]) == 0)
        payload = body[ihl:total]
        if body[9] == 17 and len(payload) >= 8:
            sport, dport, ulen = struct.unpack("!HHH", payload[:6])
            out.update(sport=sport, dport=dport, data=payload[8:ulen])
    return out


class Peer:
    """The host end of a dgram netdev: QEMU sends to `port`, receives on
    `qemu_port`. It answers ARP for its own address by itself."""

    def __init__(self, mac=b"\x02\x00\x00\x00\x00\x02", ip="10.0.2.2"):
        self.mac, self.ip = mac, ip
        self.port, self.qemu_port = free_udp_port(), free_udp_port()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", self.port))
        self.neighbours = {}  # ip -> mac, learned from ARP

    def netdev(self):
        return (f"dgram,id=net0,local.type=inet,local.host=127.0.0.1,"
                f"local.port={self.qemu_port},remote.type=inet,remote.host=127.0.0.1,"
                f"remote.port={self.port}")

    def send(self, frame):
        self.sock.sendto(frame, ("127.0.0.1", self.qemu_port))

    def recv(self, timeout):
        """The next frame (answering ARP requests for us on the way), or None."""
        end = time.time() + timeout
        while time.time() < end:
            self.sock.settimeout(max(0.01, end - time.time()))
            try:
                frame, _ = self.sock.recvfrom(65536)
            except socket.timeout:
                return None
            p = parse(frame)
            if p and p["type"] == ETH_ARP and "op" in p:
                self.neighbours[p["spa"]] = p["sha"]
                if p["op"] == 1 and p["tpa"] == self.ip:
                    self.send(eth(p["sha"], self.mac, ETH_ARP,
                                  arp(2, self.mac, self.ip, p["sha"], p["spa"])))
                    continue
            return frame
        return None

    def resolve(self, ip, timeout=10.0):
        """The MAC of ip (ARP), or None."""
        end = time.time() + timeout
        while ip not in self.neighbours and time.time() < end:
            self.send(eth(BROADCAST, self.mac, ETH_ARP,
                          arp(1, self.mac, self.ip, b"\0" * 6, ip)))
            stop = time.time() + 1.0
            while ip not in self.neighbours and time.time() < stop:
                self.recv(0.2)
        return self.neighbours.get(ip)

    def udp_frame(self, dst_mac, dst_ip, dport, data, sport=40000):
        return eth(dst_mac, self.mac, ETH_IP,
                   ipv4(self.ip, dst_ip, 17, udp(self.ip, dst_ip, sport, dport, data)))

    def udp_reply(self, src_ip, sport, dport, timeout=3.0):
        """The payload of the next UDP datagram from src_ip:sport to our dport, or None."""
        end = time.time() + timeout
        while time.time() < end:
            frame = self.recv(end - time.time())
            p = parse(frame) if frame else None
            if p and p.get("ip_src") == src_ip and p.get("sport") == sport and \
                    p.get("dport") == dport:
                return p["data"]
        return None

    def close(self):
        self.sock.close()
