#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unmodified TCP programs over ETP with tools/etp-run (LD_PRELOAD): curl from
# python3's http.server, iperf3 both ways, nc (netcat-openbsd and busybox)
# both ways.
# Each case proves the traffic was ETP: the server's listener is in
# /proc/net/etp (and not in /proc/net/tcp), the namespace's ActiveOpens and
# PassiveOpens rose, and a capture shows ETP segments and no TCP segment on
# the port; the bytes received are checked against what was sent. Also: the
# socket options these programs use, non-TCP sockets left alone, a clear
# failure when ETP's number is not there, and the static-binary warning.
#
# ETP_APPS_RUN=env runs the programs without etp-run, to see the checks fail.
. "$(dirname "$0")/lib.sh"

RUN=${ETP_APPS_RUN:-$TOP/tools/etp-run}
# etp-run -4 (IPv6 TCP sockets fail), or the same program as RUN.
RUN4=("$RUN")
[ -z "${ETP_APPS_RUN:-}" ] && RUN4+=(-4)
NC=nc.openbsd

# begin: what each case needs first: the library, a work directory and its
# background processes (PIDS), removed and killed when the case ends.
begin() {
	[ -f "$TOP/tools/etp-preload.so" ] || fail "no tools/etp-preload.so: run 'make tools'"
	WORK=$(mktemp -d /tmp/etp-apps.XXXXXX)
	PIDS=()
	trap cleanup EXIT
}

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$WORK"
}

# start_capture NETNS IFACE: capture everything on IFACE into $WORK/cap.pcap
# (dumpcap, tshark's capture engine; in the classic pcap format, which
# etp_packet.py reads: tshark takes seconds to start in the guest).
start_capture() {
	local ns=$1 dev=$2 capper=dumpcap i
	need dumpcap
	ip netns exec "$ns" $capper -P -i "$dev" -w "$WORK/cap.pcap" -q 2>"$WORK/cap.err" &
	CAP_PID=$!
	PIDS+=("$CAP_PID")
	for i in $(seq 1 300); do
		grep -q 'Capturing on' "$WORK/cap.err" && return 0
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/cap.err" >&2
	fail "$capper did not start capturing in 30 s"
}

# wire_check PORT: stop the capture; it must hold ETP segments to or from
# PORT and no TCP segment to or from it.
wire_check() {
	local port=$1 protos etp tcp
	sleep 0.3
	kill -INT "$CAP_PID" 2>/dev/null || true
	wait "$CAP_PID" 2>/dev/null || true
	protos=$(python3 "$SELFTESTS/etp_packet.py" pcap-protos "$WORK/cap.pcap" "$port") ||
		fail "cannot read the capture"
	etp=$(grep -cx "$ETP_PROTO" <<<"$protos" || true)
	tcp=$(grep -cx 6 <<<"$protos" || true)
	echo "on the wire, port $port: $etp ETP segments, $tcp TCP segments"
	[ "$etp" -gt 0 ] || fail "no ETP segment on port $port in the capture"
	[ "$tcp" = 0 ] || fail "$tcp TCP segments on port $port in the capture"
}

# wait_etp_listener NETNS PORT: wait until a socket listens on PORT in NETNS;
# it must be ETP's (in /proc/net/etp), not TCP's (in /proc/net/tcp).
wait_etp_listener() {
	local ns=$1 port=$2 hex end prog etp tcp
	hex=$(printf '%04X' "$port")
	# Lines whose local port is PORT, in state LISTEN (0A).
	prog='substr($2, length($2) - 4) == p && $4 == "0A" { n++ } END { print n + 0 }'
	end=$((SECONDS + 30))
	while :; do
		etp=$(ip netns exec "$ns" awk -v p=":$hex" "$prog" /proc/net/etp)
		tcp=$(ip netns exec "$ns" awk -v p=":$hex" "$prog" /proc/net/tcp)
		[ "$etp" != 0 ] || [ "$tcp" != 0 ] && break
		[ $SECONDS -lt $end ] || fail "nothing listens on port $port after 30 s"
		sleep 0.1
	done
	[ "$tcp" = 0 ] || fail "a TCP listener on port $port (in /proc/net/tcp)"
	[ "$etp" = 1 ] || fail "$etp ETP listeners on port $port in /proc/net/etp"
}

# wait_tcp_listener NETNS PORT: wait until a TCP socket listens on PORT in
# NETNS (30 s at most).
wait_tcp_listener() {
	local hex end
	hex=$(printf '%04X' "$2")
	end=$((SECONDS + 30))
	until ip netns exec "$1" awk -v p=":$hex" \
		'substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp; do
		[ $SECONDS -lt $end ] || fail "no TCP listener on port $2 after 30 s"
		sleep 0.1
	done
}

# opens_rose NS_CLIENT NS_SERVER N: the namespaces (new for the test) counted
# at least N active and N passive ETP opens.
opens_rose() {
	local act pas
	act=$(etp_stat ActiveOpens "$1")
	pas=$(etp_stat PassiveOpens "$2")
	echo "ActiveOpens $act, PassiveOpens $pas"
	[ "$act" -ge "$3" ] || fail "ActiveOpens is $act, expected at least $3"
	[ "$pas" -ge "$3" ] || fail "PassiveOpens is $pas, expected at least $3"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# curl fetches a 3 MiB random file from python3 -m http.server, across a
# veth pair, both on ETP.
test_curl_http_server() {
	local a b port=8000
	begin
	need curl
	a=$(new_netns)
	b=$(new_netns)
	veth_link "$a" "$b" 10.199.2 no_ipv6
	mkdir "$WORK/www"
	head -c $((3 << 20)) /dev/urandom >"$WORK/www/file.bin"
	ip netns exec "$b" timeout 300 "$RUN" python3 -m http.server --bind 10.199.2.2 \
		--directory "$WORK/www" "$port" >"$WORK/http.log" 2>&1 &
	PIDS+=("$!")
	wait_etp_listener "$b" $port
	start_capture "$a" va
	ip netns exec "$a" timeout 120 "$RUN" curl -sS --noproxy "*" --max-time 100 -o "$WORK/got.bin" \
		"http://10.199.2.2:$port/file.bin" || { cat "$WORK/http.log" >&2; fail "curl failed"; }
	expect_eq "$(sha "$WORK/www/file.bin")" "$(sha "$WORK/got.bin")" "sha256 of the file curl fetched"
	grep -q '"GET /file.bin HTTP/1.1" 200' "$WORK/http.log" || fail "http.server did not log the GET"
	opens_rose "$a" "$b" 1
	wire_check $port
}

# iperf3_check JSON BYTES up|down: the client's iperf3 -J -n BYTES output.
# iperf3 3.12 ends the test when the sender has sent BYTES (up) or the
# receiver has received them (-R, down), and the other end's count stops at
# that moment, over TCP as well: so the receiver may count less than was
# sent, the sender of -R more than BYTES, never the receiver more than sent.
# The sender may pass BYTES by one block: iperf_send() writes up to 10
# blocks per select() and checks BYTES before each but the last (3.12's
# libiperf, disassembled), so a burst that reaches BYTES on its 9th write
# sends a 10th if the socket has room. CI saw it once (65 blocks of 128 KiB);
# the path is the same over TCP.
iperf3_check() {
	python3 - "$@" <<'EOF'
import json, sys
f, n, way = sys.argv[1], int(sys.argv[2]), sys.argv[3]
j = json.load(open(f))
def fail(m):
    sys.exit("FAIL: %s: %s" % (f, m))
if "error" in j:
    fail("iperf3 error: %s" % j["error"])
e = j["end"]
sent, rcvd = e["sum_sent"]["bytes"], e["sum_received"]["bytes"]
print("%s: sent %d, received %d, congestion %s/%s, max_snd_cwnd %s" %
      (f, sent, rcvd, e.get("sender_tcp_congestion"), e.get("receiver_tcp_congestion"),
       e["streams"][0]["sender"].get("max_snd_cwnd")))
blk = j["start"]["test_start"]["blksize"]
if way == "up" and not n <= sent <= n + blk:
    fail("sent %d bytes, asked for %d (blocks of %d)" % (sent, n, blk))
if way == "down" and rcvd < n:
    fail("received %d bytes, asked for %d" % (rcvd, n))
if not 0 < rcvd <= sent:
    fail("received %d bytes of %d sent" % (rcvd, sent))
# TCP_CONGESTION and TCP_INFO through ETP (the sender's TCP_INFO is only in
# its own output).
for k in ("sender_tcp_congestion", "receiver_tcp_congestion"):
    if e.get(k) != "newreno":
        fail("%s is %r, expected 'newreno'" % (k, e.get(k)))
if j["start"]["tcp_mss_default"] <= 0:
    fail("tcp_mss_default %r" % j["start"]["tcp_mss_default"])
s = e["streams"][0]["sender"]
if way == "up" and s.get("max_snd_cwnd", 0) <= 0:
    fail("max_snd_cwnd (TCP_INFO) is %r" % s.get("max_snd_cwnd"))
EOF
}

# iperf3 server and client in one namespace over lo: client to server, then
# server to client (-R) asking for the "reno" algorithm (-C).
test_iperf3() {
	local ns port=5201 n=$((8 << 20))
	begin
	need iperf3
	ns=$(new_netns)
	ip netns exec "$ns" timeout 300 "$RUN" iperf3 -s -B 127.0.0.1 -p $port \
		>"$WORK/iperf3-server.log" 2>&1 &
	PIDS+=("$!")
	wait_etp_listener "$ns" $port
	start_capture "$ns" lo
	ip netns exec "$ns" timeout 120 "$RUN" iperf3 -c 127.0.0.1 -p $port -n $n -J \
		>"$WORK/up.json" || { cat "$WORK/up.json" "$WORK/iperf3-server.log" >&2; fail "iperf3 failed"; }
	iperf3_check "$WORK/up.json" $n up
	ip netns exec "$ns" timeout 120 "$RUN" iperf3 -c 127.0.0.1 -p $port -n $n -J -R -C reno \
		>"$WORK/down.json" || { cat "$WORK/down.json" "$WORK/iperf3-server.log" >&2; fail "iperf3 -R failed"; }
	iperf3_check "$WORK/down.json" $n down
	# Each run: a control connection and a data connection.
	opens_rose "$ns" "$ns" 4
	wire_check $port
}

# nc_both_ways WHAT PORT HOLD LISTENER... -- CLIENT...: the listener in one
# namespace, the client in another across a veth pair; each sends 1 MiB of
# its own and receives the other's. Both arrive intact, over ETP. HOLD=1:
# the client's input ends (so it sends its FIN) only once it has the
# listener's whole file, for nc.openbsd, whose listener quits as soon as its
# network input ends and its input buffer is empty, with input still to
# send ("listen and net in gone, queues empty, done"; over TCP too): a
# client FIN first would cut the listener's file short. Not for busybox nc,
# which exits at the end of its network input: each end must reach the end
# of its own input first, as it does reading a file (from a pipe, 4 of 10
# runs over plain TCP cut the client's file short).
nc_both_ways() {
	local what=$1 port=$2 hold=$3 a b srv lcmd=()
	shift 3
	while [ "$1" != -- ]; do lcmd+=("$1"); shift; done
	shift
	a=$(new_netns)
	b=$(new_netns)
	veth_link "$a" "$b" 10.199.2 no_ipv6
	head -c $((1 << 20)) /dev/urandom >"$WORK/to-server"
	head -c $((1 << 20)) /dev/urandom >"$WORK/to-client"
	ip netns exec "$b" timeout 120 "${lcmd[@]}" \
		<"$WORK/to-client" >"$WORK/server-got" 2>"$WORK/nc.err" &
	srv=$!
	PIDS+=("$srv")
	wait_etp_listener "$b" "$port"
	start_capture "$a" va
	if [ "$hold" = 1 ]; then
		: >"$WORK/client-got"
		{
			cat "$WORK/to-server"
			for _ in $(seq 1 1000); do
				[ "$(stat -c %s "$WORK/client-got")" -lt $((1 << 20)) ] || break
				sleep 0.1
			done
		} | ip netns exec "$a" timeout 120 "$@" >"$WORK/client-got"
	else
		ip netns exec "$a" timeout 120 "$@" <"$WORK/to-server" >"$WORK/client-got"
	fi || fail "the $what client failed"
	wait $srv || { cat "$WORK/nc.err" >&2; fail "the $what listener failed"; }
	expect_eq "$(sha "$WORK/to-server")" "$(sha "$WORK/server-got")" "sha256, client to server"
	# A mismatch: short or wrong?
	cmp "$WORK/to-client" "$WORK/client-got" >&2 ||
		echo "server to client: $(stat -c %s "$WORK/client-got") of $(stat -c %s "$WORK/to-client") bytes" >&2
	expect_eq "$(sha "$WORK/to-client")" "$(sha "$WORK/client-got")" "sha256, server to client"
	opens_rose "$a" "$b" 1
	wire_check "$port"
}

# nc (netcat-openbsd): -N shuts the socket down at the end of the input.
test_nc_both_ways() {
	begin
	need $NC
	nc_both_ways $NC 9000 1 "$RUN" $NC -N -l 10.199.2.2 9000 -- "$RUN" $NC -N 10.199.2.2 9000
}

# busybox nc (Debian's dynamically linked busybox, unpacked by scripts/setup:
# the busybox-static of the test VM cannot be preloaded). Each end shuts
# down its sending side at the end of its input and reads the other's file
# to the end: a half-close both ways. The listener tries IPv6 first: etp-run
# -4 makes it fall back to IPv4, so ETP.
test_busybox_nc_both_ways() {
	local bb
	begin
	bb=$(. "$TOP/scripts/lib.sh"; etp_busybox)
	[ -x "$bb" ] || fail "no $bb (scripts/setup unpacks it)"
	nc_both_ways "busybox nc" 9001 0 "${RUN4[@]}" "$bb" nc -l -p 9001 -- "$RUN" "$bb" nc 10.199.2.2 9001
}

# The options curl, http.server, iperf3 and nc set or read at level
# IPPROTO_TCP (strace on TCP), on an ETP socket from etp-run.
test_tcp_options() {
	local ns
	begin
	ns=$(new_netns)
	ip netns exec "$ns" timeout 120 "$RUN" python3 - "$ETP_PROTO" <<'EOF'
import errno, socket, struct, sys
ETP = int(sys.argv[1])
def expect(c, m):
    if not c:
        sys.exit("FAIL: " + m)
def info(s):
    b = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    expect(len(b) == 104, "TCP_INFO gave %d bytes" % len(b))
    u = struct.unpack("8B24I", b)
    return dict(state=u[0], snd_mss=u[10], pmtu=u[21], rtt=u[23], snd_cwnd=u[26],
                total_retrans=u[31])
TCP = socket.IPPROTO_TCP
l = socket.socket()
expect(l.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL) == ETP, "not an ETP socket")
# No route yet: TCP_INFO still answers (it used to dereference a NULL route).
expect(info(l)["pmtu"] == 0, "pmtu of an unconnected socket")
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 6000))
l.listen(5)
expect(info(l)["state"] == 10, "TCP_INFO state of a listener")
c = socket.socket()
c.connect(("127.0.0.1", 6000))
s, _ = l.accept()
for k in (c, s):
    k.setsockopt(TCP, socket.TCP_NODELAY, 1)
    expect(k.getsockopt(TCP, socket.TCP_NODELAY) == 1, "TCP_NODELAY")
    k.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    k.setsockopt(TCP, socket.TCP_KEEPIDLE, 60)
    k.setsockopt(TCP, socket.TCP_KEEPINTVL, 60)
    k.setsockopt(TCP, socket.TCP_KEEPCNT, 5)
    expect(k.getsockopt(TCP, socket.TCP_KEEPIDLE) == 60, "TCP_KEEPIDLE")
    expect(0 < k.getsockopt(TCP, socket.TCP_MAXSEG) <= 65535, "TCP_MAXSEG")
    expect(k.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0, "SO_ERROR")
# TCP_CONGESTION: the name, and only NewReno's names are accepted.
name = c.getsockopt(TCP, socket.TCP_CONGESTION, 16)
expect(name.rstrip(b"\0") == b"newreno", "TCP_CONGESTION is %r" % name)
expect(len(c.getsockopt(TCP, socket.TCP_CONGESTION, 4)) == 4, "TCP_CONGESTION, short buffer")
c.setsockopt(TCP, socket.TCP_CONGESTION, b"reno")
c.setsockopt(TCP, socket.TCP_CONGESTION, b"newreno")
try:
    c.setsockopt(TCP, socket.TCP_CONGESTION, b"cubic")
    expect(False, "TCP_CONGESTION 'cubic' accepted")
except OSError as e:
    expect(e.errno == errno.ENOENT, "TCP_CONGESTION 'cubic': %s, expected ENOENT" % e)
# IPV6_V6ONLY on an IPv4 socket (http.server tries it): ENOPROTOOPT, as TCP.
try:
    c.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    expect(False, "IPV6_V6ONLY accepted")
except OSError as e:
    expect(e.errno == errno.ENOPROTOOPT, "IPV6_V6ONLY: %s" % e)
# TCP_CORK is accepted, and the data gets through once uncorked (less than
# the receive window: nobody reads until sendall() returns).
c.setsockopt(TCP, socket.TCP_CORK, 1)
c.sendall(b"x" * 50000)
c.setsockopt(TCP, socket.TCP_CORK, 0)
got = 0
while got < 50000:
    d = s.recv(65536)
    expect(d, "EOF after %d bytes" % got)
    got += len(d)
i = info(c)
print("client TCP_INFO:", i)
expect(i["state"] == 1, "TCP_INFO state %d" % i["state"])
expect(i["snd_mss"] > 0 and i["snd_cwnd"] > 0, "snd_mss and snd_cwnd")
# lo's MTU is 65536; a route's is at most IP_MAX_MTU.
expect(i["pmtu"] == 65535, "pmtu on lo is %d" % i["pmtu"])
expect(i["total_retrans"] == 0, "retransmissions on lo: %d" % i["total_retrans"])
EOF
}

# tcpi_total_retrans counts the segments a connection sent again: 10% loss
# from A to B on a veth pair (rto_min_ms 20, as netem.sh), 3 MB from
# A to B at a time until one was sent again (at most 30 MB). netem drops
# veth's large skbs whole (up to 64 KB each, as the window allows since
# autotuning): 3 MB is only some 50 of them.
test_tcp_info_retransmissions() {
	local a b ns
	begin
	a=$(new_netns)
	b=$(new_netns)
	veth_link "$a" "$b" 10.199.2 static no_ipv6
	for ns in "$a" "$b"; do
		ip netns exec "$ns" sh -c 'echo 20 >/proc/sys/net/etp/rto_min_ms; echo 200 >/proc/sys/net/etp/rto_initial_ms'
	done
	ip netns exec "$a" tc qdisc add dev va root netem loss 10% || fail "cannot add netem to va"
	ip netns exec "$b" timeout 120 "$RUN" python3 - <<'EOF' >"$WORK/server.log" 2>&1 &
import socket
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("10.199.2.2", 6001))
l.listen(1)
s, _ = l.accept()
n = 0
while True:
    d = s.recv(65536)
    if not d:
        break
    n += len(d)
s.sendall(b"%d" % n)
s.close()
EOF
	PIDS+=("$!")
	wait_etp_listener "$b" 6001
	ip netns exec "$a" timeout 120 "$RUN" python3 - "$WORK/retrans" <<'EOF' || fail "the sender failed"
import socket, struct, sys
c = socket.socket()
c.connect(("10.199.2.2", 6001))
def total_retrans():
    return struct.unpack("8B24I", c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104))[31]
sent = 0
while sent < 30000000 and (sent == 0 or total_retrans() == 0):
    c.sendall(b"y" * 3000000)
    sent += 3000000
c.shutdown(socket.SHUT_WR)
reply = c.recv(100)
if reply != b"%d" % sent:
    sys.exit("FAIL: the receiver got %r bytes of %d" % (reply, sent))
u = struct.unpack("8B24I", c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104))
print("sender: %d bytes, tcpi_total_retrans %d" % (sent, u[31]))
open(sys.argv[1], "w").write("%d\n" % u[31])
EOF
	local mine all
	mine=$(cat "$WORK/retrans")
	all=$(etp_stat RetransSegs "$a")
	echo "tcpi_total_retrans $mine, RetransSegs in A $all"
	[ "$mine" -gt 0 ] || fail "no retransmission counted in TCP_INFO with 10% loss"
	# Only the connection's segments (and no SYN-ACK) are sent from A.
	[ "$mine" = "$all" ] || fail "tcpi_total_retrans $mine, RetransSegs in A $all"
}

# Under etp-run only IPv4 TCP becomes ETP: the flags SOCK_NONBLOCK and
# SOCK_CLOEXEC stay; UDP, IPv6 TCP and AF_UNIX sockets stay what they were
# and still work.
test_other_sockets_untouched() {
	local ns
	begin
	ns=$(new_netns)
	ip netns exec "$ns" timeout 120 "$TOP/tools/etp-run" python3 - "$ETP_PROTO" <<'EOF'
import fcntl, os, socket, sys
ETP = int(sys.argv[1])
def expect(c, m):
    if not c:
        sys.exit("FAIL: " + m)
def proto(s):
    return s.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL)
expect(proto(socket.socket()) == ETP, "AF_INET stream is not ETP")
expect(proto(socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)) == ETP,
       "AF_INET stream with IPPROTO_TCP is not ETP")
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC)
expect(proto(s) == ETP, "AF_INET stream with flags is not ETP")
expect(fcntl.fcntl(s.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK, "SOCK_NONBLOCK lost")
expect(fcntl.fcntl(s.fileno(), fcntl.F_GETFD) & fcntl.FD_CLOEXEC, "SOCK_CLOEXEC lost")
# UDP: still UDP, and it works.
u1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
expect(proto(u1) == socket.IPPROTO_UDP, "UDP socket has protocol %d" % proto(u1))
u2.bind(("127.0.0.1", 0))
u1.sendto(b"datagram", u2.getsockname())
u2.settimeout(10)
expect(u2.recv(100) == b"datagram", "UDP datagram")
# IPv6 TCP: still TCP, and a connection works.
l6 = socket.socket(socket.AF_INET6)
expect(proto(l6) == socket.IPPROTO_TCP, "AF_INET6 stream has protocol %d" % proto(l6))
l6.bind(("::1", 0))
l6.listen(1)
c6 = socket.create_connection(l6.getsockname()[:2], timeout=10)
a6, _ = l6.accept()
c6.sendall(b"six")
expect(a6.recv(10) == b"six", "IPv6 TCP data")
expect(proto(a6) == socket.IPPROTO_TCP, "accepted IPv6 socket")
# AF_UNIX.
x, y = socket.socketpair()
x.sendall(b"unix")
expect(y.recv(10) == b"unix", "AF_UNIX socketpair")
# An explicit other protocol is left for the kernel to judge.
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_UDP)
    expect(False, "AF_INET stream with IPPROTO_UDP created")
except OSError:
    pass
EOF
}

# With a protocol number ETP does not have (ETP_PROTO=other), a TCP socket
# fails with EPROTONOSUPPORT, as when ETP is not loaded: no silent TCP.
test_missing_proto_fails() {
	local other=254
	begin
	[ "$ETP_PROTO" = 254 ] && other=253
	ETP_PROTO=$other timeout 60 "$RUN" python3 - <<'EOF'
import errno, socket, sys
try:
    s = socket.socket()
    sys.exit("FAIL: socket() gave a socket of protocol %d"
             % s.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL))
except OSError as e:
    if e.errno != errno.EPROTONOSUPPORT:
        sys.exit("FAIL: %s, expected EPROTONOSUPPORT" % e)
EOF
	# curl to a TCP server that works: a curl whose socket() silently
	# stayed TCP would get its page. Under the wrapper it cannot make a
	# socket at all (exit 7, no "Trying", no request at the server).
	local ns out rc=0
	ns=$(new_netns)
	mkdir "$WORK/www"
	echo hello >"$WORK/www/index.html"
	ip netns exec "$ns" timeout 120 python3 -m http.server --bind 127.0.0.1 \
		--directory "$WORK/www" 8002 >"$WORK/http.log" 2>&1 &
	PIDS+=("$!")
	wait_tcp_listener "$ns" 8002
	out=$(ip netns exec "$ns" timeout 60 curl -sS --noproxy "*" --max-time 20 \
		http://127.0.0.1:8002/) || fail "curl over TCP, without the wrapper, failed"
	expect_eq hello "$out" "the page over TCP"
	out=$(ip netns exec "$ns" env ETP_PROTO=$other timeout 60 "$RUN" curl -v --noproxy "*" \
		--max-time 20 http://127.0.0.1:8002/ 2>&1) || rc=$?
	echo "curl under the wrapper: status $rc: $(grep -E '^\*' <<<"$out" | tr '\n' ' ')"
	expect_eq 7 "$rc" "curl's status when it cannot connect"
	! grep -q 'Trying' <<<"$out" || fail "curl made a socket and tried to connect: $out"
	expect_eq 1 "$(grep -c '"GET / ' "$WORK/http.log")" "requests the TCP server got"
}

# A statically linked program cannot be preloaded: etp-run says so.
test_static_binary_warned() {
	local out
	begin
	need busybox readelf
	! readelf -lW "$(command -v busybox)" | grep -q ' INTERP ' ||
		fail "the busybox on PATH is dynamic: scripts/setup installs busybox-static"
	out=$("$TOP/tools/etp-run" busybox true 2>&1) || fail "etp-run busybox true failed: $out"
	echo "$out"
	grep -q 'statically linked' <<<"$out" || fail "no warning for a static busybox"
	out=$("$TOP/tools/etp-run" python3 -c pass 2>&1) || fail "etp-run python3 failed: $out"
	[ -z "$out" ] || fail "etp-run said something for a dynamic program: $out"
}

run_tests
