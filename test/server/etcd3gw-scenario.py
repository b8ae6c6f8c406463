"""A short scenario with Debian's python3-etcd3gw (a JSON gateway client nobody here wrote).

Run with /usr/bin/python3 etcd3gw-scenario.py PORT; prints one JSON document of what it saw, with the
values that belong to one member (IDs, sizes, raft indexes) left out so two servers can be compared.
"""

import json
import sys

from etcd3gw.client import Etcd3Client

c = Etcd3Client(host="127.0.0.1", port=int(sys.argv[1]), api_path="/v3/")
out = {}
out["put"] = sorted(c.put("cfg/a", "1") and ["ok"])
out["get"] = c.get("cfg/a")
out["get_missing"] = c.get("cfg/none")
out["create_new"] = c.create("cfg/b", "2")
out["create_existing"] = c.create("cfg/b", "3")
out["replace_ok"] = c.replace("cfg/a", "1", "10")
out["replace_stale"] = c.replace("cfg/a", "1", "11")
out["prefix"] = sorted((v, m["key"], m["version"]) for v, m in c.get_prefix("cfg/"))
out["get_meta"] = [(v, m["create_revision"], m["mod_revision"], m["version"]) for v, m in c.get("cfg/a", metadata=True)]
lease = c.lease(ttl=60)
out["lease_ttl"] = lease.ttl() in (59, 60)
c.put("cfg/l", "x", lease=lease)
out["lease_keys"] = lease.keys()
out["lease_refresh"] = lease.refresh() in (59, 60)
out["lease_revoke"] = lease.revoke()
out["after_revoke"] = c.get("cfg/l")
status = c.status()
out["status_fields"] = sorted(status.keys())
out["status_version"] = status["version"]
out["members"] = len(c.members())
events, cancel = c.watch("cfg/w")
c.put("cfg/w", "watched")
event = next(events)
cancel()
out["watch_event"] = [event.get("type", "PUT"), event["kv"]["key"], event["kv"]["value"]]
out["delete"] = c.delete("cfg/a")
out["delete_missing"] = c.delete("cfg/none")
out["delete_prefix"] = c.delete_prefix("cfg/")
out["all"] = c.get_all()
print(json.dumps(out, sort_keys=True, default=str))
