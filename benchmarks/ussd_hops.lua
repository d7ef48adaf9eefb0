-- USSD hops for wrk, as Africa's Talking sends them: wrk -s ussd_hops.lua URL -- SESSIONS PHONES REFERENCE
--
-- Every request is the next hop of a session picked at random among SESSIONS. A session that has sent its
-- last hop starts again under the same sessionId for a phone picked at random among PHONES, so its first
-- hop finds another phone's saved state; two connections that pick the same session at once send hops
-- that do not extend the saved ones. Both make the app replay the inputs from the start, as it does when
-- Redis lost a session.
--
-- At the end it writes one line: "hops <requests> <microseconds> <errors> <p50 us> <p99 us> <bad bodies>",
-- where a bad body is anything but a CON/END screen, or the app's apology for a failed hop.

local sessions = {}
local phones, scripts = 0, {}
local threads = {}
bad = 0

local SORRY = "END Maaf, terjadi gangguan"

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local count = tonumber(args[1])
  phones = tonumber(args[2])
  local reference = args[3]
  local typo = reference:sub(1, -2) .. tostring((tonumber(reference:sub(-1)) + 1) % 10)
  -- Browse a service's requirements, read the office's info, look up a status after a typo.
  scripts = {{"1", "98", "2"}, {"5", "98", "98"}, {"2", typo, reference}}
  math.randomseed(os.time())
  for i = 1, count do
    sessions[i] = {id = "bench-" .. i, script = scripts[1], step = #scripts[1] + 1}
  end
end

local function form(session, text)
  -- Only "+" (phone), "*" and "#" (service code and inputs) need escaping in these fields.
  local escaped = text:gsub("%*", "%%2A")
  return "sessionId=" .. session.id .. "&phoneNumber=%2B" .. session.phone
    .. "&serviceCode=%2A384%2A5758%23&networkCode=51010&text=" .. escaped
end

function request()
  local session = sessions[math.random(#sessions)]
  if session.step > #session.script then
    session.phone = string.format("62813%07d", math.random(phones) - 1)
    session.script = scripts[math.random(#scripts)]
    session.step = 0
  end
  local text = table.concat(session.script, "*", 1, session.step)
  session.step = session.step + 1
  return wrk.format("POST", "/ussd", {["Content-Type"] = "application/x-www-form-urlencoded"},
                    form(session, text))
end

function response(status, headers, body)
  local screen = body:sub(1, 4) == "CON " or body:sub(1, 4) == "END "
  if status ~= 200 or not screen or body:sub(1, #SORRY) == SORRY then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local wrong = 0
  for _, thread in ipairs(threads) do
    wrong = wrong + thread:get("bad")
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("hops %d %d %d %d %d %d\n", summary.requests, summary.duration, errors,
                         latency:percentile(50), latency:percentile(99), wrong))
end
