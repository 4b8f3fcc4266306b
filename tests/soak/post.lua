-- tests/soak/post.lua - wrk script: POST a file's body to one path, for a
-- set time, then let every request in flight finish, so that what wrk
-- sent is exactly what the server answered.
--
--   wrk -t2 -c64 -d(SECONDS+10)s -s tests/soak/post.lua URL -- PATH BODY SECONDS
--
-- PATH (/predict) and BODY (a file, sent as application/json) make the
-- request; new requests stop after SECONDS, each thread stops once all
-- its connections have had their answer, and wrk's own -d is only a
-- backstop.  done() prints one line, "soak-json: {...}": requests sent
-- and answered, the run's time from the first request to the last
-- answer, the errors, and latency percentiles in microseconds.

local ffi = require("ffi")
ffi.cdef [[
	struct hd_timespec { long tv_sec; long tv_nsec; };
	int clock_gettime(int clock, struct hd_timespec *t);
	unsigned long pthread_self(void);
]]
local ts = ffi.new("struct hd_timespec")

-- CLOCK_MONOTONIC, in seconds.
local function now()
	ffi.C.clock_gettime(1, ts)
	return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

-- Per thread: what it sent and what came back, by status class.
sent, answered, non2xx, first, last = 0, 0, 0, nil, 0
local req, stop_at, draining, main_thread

function init(args)
	local path, file, seconds = args[1], args[2], tonumber(args[3])
	local f = assert(io.open(file, "rb"))
	local body = f:read("*a")
	f:close()
	req = wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
	stop_at = now() + seconds
	main_thread = ffi.C.pthread_self()
end

function request()
	-- wrk calls this once from its main thread (after init, to check
	-- the script): not a request sent.
	if ffi.C.pthread_self() == main_thread then
		return req
	end
	if first == nil then
		first = now()
	end
	if not draining and now() >= stop_at then
		draining = true
	end
	if draining then
		-- Nothing more to send: wrk writes no bytes and waits on this
		-- connection, which is idle from now on.
		return ""
	end
	sent = sent + 1
	return req
end

function response(status, headers, body)
	answered = answered + 1
	last = now()
	if last >= stop_at then
		draining = true
	end
	if status < 200 or status > 299 then
		non2xx = non2xx + 1
	end
	if draining and answered == sent then
		wrk.thread:stop()
	end
end

function done(summary, latency, requests)
	local s, a, n, t0, t1 = 0, 0, 0, math.huge, 0
	for _, t in ipairs(threads) do
		s = s + t:get("sent")
		a = a + t:get("answered")
		n = n + t:get("non2xx")
		t0 = math.min(t0, t:get("first"))
		t1 = math.max(t1, t:get("last"))
	end
	local e = summary.errors
	local p = function(q) return latency:percentile(q) end
	io.write(string.format(
		'soak-json: {"sent":%d,"answered":%d,"completed":%d,"non2xx":%d,' ..
		'"seconds":%.3f,"errors":{"connect":%d,"read":%d,"write":%d,' ..
		'"status":%d,"timeout":%d},"latency_us":{"p50":%d,"p90":%d,' ..
		'"p99":%d,"p999":%d,"max":%d,"mean":%.1f}}\n',
		s, a, summary.requests, n, t1 - t0, e.connect, e.read, e.write,
		e.status, e.timeout, p(50), p(90), p(99), p(99.9), latency.max,
		latency.mean))
end
