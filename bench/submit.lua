-- Dossier submissions through the JSON API, each with its own idempotency key (scripts/bench-durability).
local token = os.getenv("TOKEN")
local body = os.getenv("DOSSIER_BODY")
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
local n = 0
function request()
  n = n + 1
  return wrk.format("POST", "/api/v1/dossiers", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("bench-%d-%d-%d", id, os.time(), n),
  }, body)
end
function response(status)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. "\n")
  end
end
