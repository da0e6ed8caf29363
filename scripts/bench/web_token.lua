-- wrk script of scripts/bench-web.sh: GET /api/token, each request with the
-- next signed-in session's cookie (one `Cookie:` value per line of $COOKIES).
local cookies = {}
for line in io.lines(os.getenv("COOKIES")) do
  if #line > 0 then cookies[#cookies + 1] = line end
end
local i = 0
function init(args)
  i = math.random(#cookies)
end
function request()
  i = i % #cookies + 1
  return wrk.format("GET", "/api/token", { ["Cookie"] = cookies[i] })
end
