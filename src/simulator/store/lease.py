"""Redis keys and scripts of the replicated store: one lease per session, fenced writes.

A lease is `SET jobsim:lease:<session> "<replica>|<token>" NX PX <ms>`, the token an `INCR` of the session's fence
counter, so every holder of a session in its history has a larger token than the one before. Every write of a
session's state runs in a script that first compares the lease's value with the writer's own: a replica whose lease
expired (a pause, a partition) and was taken by another can no longer write (docs/decisions.md "Replicas").
"""

from __future__ import annotations

PREFIX = "jobsim"
SESSIONS = f"{PREFIX}:sessions"  # set of every session id the deployment has saved
REPLICAS = f"{PREFIX}:replicas"  # hash: replica -> its published metrics (JSON), refreshed every save interval
REPLICA_ALIVE = f"{PREFIX}:alive:"  # + replica: a key with a TTL while the replica runs


def lease_key(session_id: str) -> str:
    return f"{PREFIX}:lease:{session_id}"


def wanted_key(session_id: str) -> str:
    """Set (with a TTL) by a replica refused a session: the holder frees it as soon as its own requests stop."""
    return f"{PREFIX}:want:{session_id}"


def fence_key(session_id: str) -> str:
    return f"{PREFIX}:fence:{session_id}"


def head_key(session_id: str) -> str:
    return f"{PREFIX}:s:{session_id}:head"


def items_key(session_id: str) -> str:
    return f"{PREFIX}:s:{session_id}:items"


def journal_key(session_id: str) -> str:
    return f"{PREFIX}:s:{session_id}:journal"


def ids_key(session_id: str) -> str:
    return f"{PREFIX}:s:{session_id}:ids"


def session_keys(session_id: str) -> list[str]:
    """The keys a fenced write touches, in the order the scripts expect them."""
    return [
        lease_key(session_id),
        head_key(session_id),
        items_key(session_id),
        journal_key(session_id),
        ids_key(session_id),
        SESSIONS,
        fence_key(session_id),
    ]


# Is the lease (KEYS[a]) still `holder`? A lease that lapsed (the holder was too busy to renew it in time) while no
# other replica took the session since (the fence counter is still the holder's token) is taken again: nobody else
# can have written in between, since every taker first increments the fence counter.
_HOLDS = """
local function holds(lease, fence, holder, ttl)
  local current = redis.call('GET', lease)
  if current == holder then return true end
  if current then return false end
  local token = string.match(holder, '|(%d+)$')
  if token and redis.call('GET', fence) == token then
    redis.call('SET', lease, holder, 'PX', ttl)
    return true
  end
  return false
end
"""


# KEYS: lease, head, items, journal, ids, sessions, fence.
# ARGV: holder, session id, head ('' = keep), replace_items (0/1), n_set, n_set x (name, value), n_del, n_del x name,
#       n_journal, n_journal x entry, journal_keep, n_ids, n_ids x (kind, ceiling), lease ms, drop (0/1).
SAVE = (
    _HOLDS
    + """
if not holds(KEYS[1], KEYS[7], ARGV[1], ARGV[#ARGV - 1]) then return 0 end
local i = 3
local head = ARGV[i]; i = i + 1
local replace = ARGV[i]; i = i + 1
if ARGV[#ARGV] == '1' then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
  redis.call('SREM', KEYS[6], ARGV[2])
  return 1
end
if head ~= '' then redis.call('SET', KEYS[2], head) end
if replace == '1' then redis.call('DEL', KEYS[3], KEYS[4]) end
local n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]); i = i + 2 end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do redis.call('HDEL', KEYS[3], ARGV[i]); i = i + 1 end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do redis.call('RPUSH', KEYS[4], ARGV[i]); i = i + 1 end
local keep = tonumber(ARGV[i]); i = i + 1
redis.call('LTRIM', KEYS[4], -keep, -1)
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do redis.call('HSET', KEYS[5], ARGV[i], ARGV[i + 1]); i = i + 2 end
redis.call('SADD', KEYS[6], ARGV[2])
return 1
"""
)

# KEYS: lease and fence of each session, in pairs; ARGV: the holder value of each, then the TTL in ms.
# Returns 1/0 per session (0: lost).
RENEW = (
    _HOLDS
    + """
local ttl = ARGV[#ARGV]
local out = {}
for i = 1, #KEYS / 2 do
  if holds(KEYS[2 * i - 1], KEYS[2 * i], ARGV[i], ttl) then
    redis.call('PEXPIRE', KEYS[2 * i - 1], ttl)
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
"""
)

# KEYS: lease; ARGV: new holder, this replica's name + '|', lease ms. Takes a free lease, or one still recorded for
# this replica's name but not held by this process: an earlier incarnation of the same replica (killed, and restarted
# under its stable name) that can no longer renew it. The caller took a new fencing token first, so whatever that
# earlier incarnation might still try to write is refused (docs/decisions.md "Replicas"). 1: taken, 0: another
# replica holds it.
TAKE = """
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, #ARGV[2]) ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
"""

# KEYS: lease; ARGV: holder. Deletes the lease only while it is still ours.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
