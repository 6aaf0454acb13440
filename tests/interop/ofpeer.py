#!/usr/bin/env python3
"""A minimal OpenFlow 1.3 peer for the interop tests: what ovs-ofctl cannot send.

  ofpeer.py roles SOCKET FLOWMOD_HEX   two sessions, master/slave with generation ids: the
                                       slave's FLOW_MOD gets IS_SLAVE, a stale generation
                                       ROLE_REQUEST_FAILED/STALE, the master's FLOW_MOD applies
  ofpeer.py watch SOCKET OUT SECONDS   one session that asks for the vsx host info and writes
                                       every message it gets as a line to OUT:
                                       "PORT_STATUS reason name", "FLOW_REMOVED reason cookie",
                                       "VSX type [reason vm_id name]", "TYPE n"
Exit status 0 on success; a failed expectation prints why and exits 1.
"""
import socket
import struct
import sys
import time

VSX = 0x00025658


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(struct.pack("!BBHI", 4, 0, 8, 1))
    return s


class Reader:
    def __init__(self, sock):
        self.s, self.buf = sock, b""

    def next(self, timeout=3.0):
        end = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 8:
                length = struct.unpack("!H", self.buf[2:4])[0]
                if len(self.buf) >= length:
                    m, self.buf = self.buf[:length], self.buf[length:]
                    return m
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return None
            if not d:
                return None
            self.buf += d

    def until(self, xid, timeout=3.0):
        """Messages up to the one with xid (HELLO and unsolicited ones skipped)."""
        got = []
        while True:
            m = self.next(timeout)
            if m is None:
                return got
            if m[1] == 0 or struct.unpack("!I", m[4:8])[0] == 0:
                continue
            got.append(m)
            if struct.unpack("!I", m[4:8])[0] == xid:
                return got


def fail(why):
    print("ofpeer: " + why, file=sys.stderr)
    sys.exit(1)


def role(sock, rd, r, gen, xid):
    sock.sendall(struct.pack("!BBHIIIQ", 4, 24, 24, xid, r, 0, gen))
    return rd.until(xid)[-1]


def roles(path, hexfile):
    fm = bytearray.fromhex("".join(l for l in open(hexfile) if not l.startswith("#")))
    a, b = connect(path), connect(path)
    ra, rb = Reader(a), Reader(b)
    m = role(a, ra, 2, 1, 11)
    if m[1] != 25 or struct.unpack("!I", m[8:12])[0] != 2:
        fail("A did not become master: type %d" % m[1])
    m = role(b, rb, 2, 2, 12)
    if m[1] != 25:
        fail("B did not become master: type %d" % m[1])
    m = role(a, ra, 0, 0, 13)  # nochange: what am I now?
    if m[1] != 25 or struct.unpack("!I", m[8:12])[0] != 3:
        fail("A is not a slave after B took over")
    fm[4:8] = struct.pack("!I", 14)
    a.sendall(bytes(fm) + struct.pack("!BBHI", 4, 20, 8, 15))
    got = ra.until(15)
    if not got or got[0][1] != 1 or struct.unpack("!HH", got[0][8:12]) != (1, 10):
        fail("the slave's FLOW_MOD was not refused with IS_SLAVE: %r" % [g.hex() for g in got])
    m = role(a, ra, 2, 1, 16)
    if m[1] != 1 or struct.unpack("!HH", m[8:12]) != (11, 0):
        fail("a stale generation was not refused with ROLE_REQUEST_FAILED/STALE")
    fm[4:8] = struct.pack("!I", 17)
    b.sendall(bytes(fm) + struct.pack("!BBHI", 4, 20, 8, 18))
    got = rb.until(18)
    if [g[1] for g in got] != [21]:
        fail("the master's FLOW_MOD did not apply cleanly: %r" % [g.hex() for g in got])
    print("roles ok")


def watch(path, out, seconds):
    s = connect(path)
    rd = Reader(s)
    # HOST_INFO_REQUEST: the session speaks vsx, so it gets the reports from now on
    s.sendall(struct.pack("!BBHIII", 4, 4, 16, 5, VSX, 2))
    end = time.monotonic() + seconds
    with open(out, "w") as f:
        while time.monotonic() < end:
            m = rd.next(end - time.monotonic())
            if m is None:
                break
            t = m[1]
            if t == 12:
                name = m[16 + 16:16 + 32].split(b"\0")[0].decode()
                f.write("PORT_STATUS %d %s\n" % (m[8], name))
            elif t == 11:
                cookie = struct.unpack("!Q", m[8:16])[0]
                f.write("FLOW_REMOVED %d 0x%x\n" % (m[18], cookie))
            elif t == 4 and struct.unpack("!I", m[8:12])[0] == VSX:
                et = struct.unpack("!I", m[12:16])[0]
                if et == 3:
                    name = m[16 + 56:16 + 88].split(b"\0")[0].decode()
                    f.write("VSX %d %d %d %s\n" % (et, m[20], m[21], name))
                elif et == 1:
                    cores, queues = struct.unpack("!II", m[24:32])
                    f.write("VSX 1 cores=%d rx_queues=%d\n" % (cores, queues))
                else:
                    f.write("VSX %d\n" % et)
            elif t != 0:
                f.write("TYPE %d\n" % t)
            f.flush()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "roles":
        roles(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "watch":
        watch(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
