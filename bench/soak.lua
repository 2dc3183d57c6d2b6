-- Mixed traffic for the soak (scripts/soak): public pages and API reads, a signed-in citizen's
-- pages, dossier submissions and Open311 reports, at a steady pace set by `delay`.
-- Environment: SOAK_TOKEN (dossiers + open311 scopes), SOAK_COOKIE (the citizen's session),
-- SOAK_BODY (a dossier submission as JSON), SOAK_DELAY_MS (pause between requests per connection).

local token = os.getenv("SOAK_TOKEN")
local cookie = os.getenv("SOAK_COOKIE")
local body = os.getenv("SOAK_BODY")
local pause = tonumber(os.getenv("SOAK_DELAY_MS") or "40")

local reads = {
  "/", "/procedures", "/procedures?q=khai%20sinh", "/procedures/1.001193", "/feedback",
  "/api/v1/statistics/feedback", "/agencies", "/api/v1/procedures",
  "/api/v1/agencies?q=tu%20phap", "/open311/v2/services.json", "/open311/v2/requests.json",
  "/login", "/track?code=000.00.60.H56-000000-0001", "/healthz", "/khong-co-trang-nay",
}
local signed_in = { "/dossiers", "/account" }

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local n = 0
function request()
  n = n + 1
  local slot = n % 40
  if slot == 0 then
    return wrk.format("POST", "/api/v1/dossiers", {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = string.format("soak-%d-%d-%d", id, os.time(), n),
    }, body)
  elseif slot == 1 then
    local form = "api_key=" .. token .. "&service_code=giao-thong&lat=19.8067&long=105.7852"
      .. "&email=soak%40example.com&description=Den%20duong%20hong%20truoc%20so%20" .. n
    return wrk.format("POST", "/open311/v2/requests.json",
      { ["Content-Type"] = "application/x-www-form-urlencoded" }, form)
  elseif slot < 6 then
    return wrk.format("GET", signed_in[(n % #signed_in) + 1], { ["Cookie"] = cookie })
  end
  return wrk.format("GET", reads[(n % #reads) + 1])
end

function delay()
  return pause
end
