"""A short python-etcd3 (Debian's python3-etcd3, gRPC) session against an etcd endpoint.

Usage: /usr/bin/python3 scenario.py HOST PORT PREFIX
Prints one line per result; the vitest test compares the lines with what etcd would answer.
"""

import sys
import threading

import etcd3

host, port, p = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = etcd3.client(host=host, port=port, timeout=10)


def out(*parts):
    print(*parts, flush=True)


# put / get / prefix / delete
c.put(p + "a", "1")
c.put(p + "b", "2")
c.put(p + "c/1", "x")
value, meta = c.get(p + "a")
out("get a", value.decode(), meta.version, meta.create_revision == meta.mod_revision)
out("get missing", c.get(p + "missing")[0])
out("prefix", [(m.key.decode(), v.decode()) for v, m in c.get_prefix(p)])
out("prefix sorted desc", [m.key.decode() for _, m in c.get_prefix(p, sort_order="descend")])
out("delete b", c.delete(p + "b"), "again", c.delete(p + "b"))
out("replace a", c.replace(p + "a", "1", "one"), c.replace(p + "a", "1", "uno"), c.get(p + "a")[0].decode())
out("put_if_not_exists", c.put_if_not_exists(p + "a", "z"), c.put_if_not_exists(p + "new", "z"))
ok, responses = c.transaction(
    compare=[c.transactions.value(p + "a") == "one", c.transactions.version(p + "new") > 0],
    success=[c.transactions.put(p + "t", "yes"), c.transactions.get(p + "a")],
    failure=[c.transactions.put(p + "t", "no")],
)
out("txn", ok, c.get(p + "t")[0].decode(), [v.decode() for v, _ in responses[1]])

# watch: an iterator on a prefix, and a callback on a key
events, cancel = c.watch_prefix(p + "w/")
seen = []
got_two = threading.Event()


def callback(response):
    for e in response.events:
        seen.append((type(e).__name__, e.key.decode(), e.value.decode()))
    if len(seen) >= 2:
        got_two.set()


watch_id = c.add_watch_callback(p + "w/k", callback)
c.put(p + "w/k", "v1")
c.put(p + "w/other", "v2")
c.delete(p + "w/k")
it = iter(events)
for _ in range(3):
    e = next(it)
    out("watch event", type(e).__name__, e.key.decode(), e.value.decode())
cancel()
out("callback events", got_two.wait(10), seen)
c.cancel_watch(watch_id)

# lease: grant, attach, refresh, info, revoke
lease = c.lease(60)
c.put(p + "leased", "v", lease=lease)
out("lease granted ttl", lease.granted_ttl, "keys", [k.decode() for k in lease.keys])
refreshed = lease.refresh()
out("lease refresh ttl", refreshed[0].TTL, "id matches", refreshed[0].ID == lease.id)
out("lease remaining within ttl", 0 < lease.remaining_ttl <= 60)
lease.revoke()
out("after revoke", c.get(p + "leased")[0], "ttl", lease.remaining_ttl)

# lock: one holder at a time. A waiting acquire (timeout > 0 on a held lock) fails inside python-etcd3
# 0.12 with Debian's tenacity (its wait callback has the old signature), on any server; timeout=0 tries
# once and does not wait.
first = c.lock(p + "lock", ttl=30)
second = c.lock(p + "lock", ttl=30)
out("first acquire", first.acquire(timeout=5), first.is_acquired())
out("second acquire while held", second.acquire(timeout=0), second.is_acquired())
out("first release", first.release(), "again", first.release())
out("second acquire after release", second.acquire(timeout=0), "first holds", first.is_acquired())
out("second refresh ttl", second.refresh()[0].TTL)
second.release()
with c.lock(p + "lock", ttl=30) as held:
    out("context manager holds", held.is_acquired())
out("lock key after release", c.get(p + "lock")[0])

# status and members
status = c.status()
out("status", status.version.count("."), status.leader.name, status.raft_term, status.db_size > 0)
out("members", [(m.name, list(m.client_urls)) for m in c.members])
c.close()
out("done")
# (python-etcd3's watch thread may log "Cannot invoke RPC: Channel closed!" as the process exits: it
# reopens its stream after close, against any server.)
