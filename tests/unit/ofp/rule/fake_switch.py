import socket, os, sys, struct
path, ver = sys.argv[1], int(sys.argv[2])
try: os.unlink(path)
except FileNotFoundError: pass
s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(1)
c, _ = s.accept()
c.sendall(struct.pack('!BBHI', ver, 0, 8, 1))
buf = b''
while True:
    d = c.recv(65536)
    if not d: break
    buf += d
    while len(buf) >= 8:
        v, t, l, x = struct.unpack('!BBHI', buf[:8])
        if len(buf) < l: break
        msg, buf = buf[:l], buf[l:]
        if t == 0: continue
        bar_req = 18 if ver == 1 else 20
        if t == bar_req:
            c.sendall(struct.pack('!BBHI', ver, t + 1, 8, x)); continue
        if t == 2:
            c.sendall(struct.pack('!BBHI', ver, 3, 8, x)); continue
        print(msg.hex(), flush=True)
