-- How long to wait after a keystroke before asking for a suggestion.
--
-- A request per keystroke wastes the model's time (the next key cancels it), and a long fixed
-- wait makes a fast model feel slow. "adaptive" learns two things as you type:
--
--   K  EWMA of the interval between your keystrokes (pauses > 1 s are not typing, ignored)
--   D  EWMA of |interval − K| (jitter), as TCP's RTO estimator does for round trips
--   L  EWMA of the model's recent latency (time to first byte, else total; cached answers skipped)
--
--   delay = clamp( max(1.5·K + 2·D − L/4,  1.1·K),  15, 300 ) ms        (α = 0.25 for all three)
--
-- 1.5·K + 2·D is "a bit longer than your usual gap between keys": while you type steadily the
-- timer never fires, so no request is sent mid-word (≤ 0.1 requests per character at 10
-- chars/s). A slow model costs L on top of the delay, so a quarter of L is taken back, but
-- never below 1.1·K (that would fire between two keys again).
--
--   keys:    a   b   c   d                 (K ≈ 100 ms, D ≈ 10 ms, L ≈ 200 ms → delay ≈ 120 ms)
--   time:    |---|---|---|--------|------------|
--   timer:   [--x[--x[--x[-------]fire        x = reset by the next key, no request
--   request:                      |===L===|ghost
--
-- A number in the options fixes the delay instead (0 = ask at once; the stale request is
-- cancelled at the socket by the next key anyway).
local M = {}

local ALPHA = 0.25
local MIN_MS, MAX_MS = 15, 300
local PAUSE_MS = 1000

---@class zeke.completion.Debounce
---@field fixed? integer fixed delay in ms, nil when adaptive
---@field K number EWMA inter-key interval (ms)
---@field D number EWMA deviation of the interval (ms)
---@field L number EWMA model latency (ms)
---@field last_key? number uv.now() of the last keystroke
local Debounce = {}
Debounce.__index = Debounce

---@param setting "adaptive"|integer
---@return zeke.completion.Debounce
function M.new(setting)
  return setmetatable({
    fixed = type(setting) == 'number' and setting or nil,
    -- Priors for a typist at ~8 chars/s and a local model: the first delay is ≈ 150 ms.
    K = 120,
    D = 30,
    L = 200,
  }, Debounce)
end

local function ewma(old, sample)
  return old + ALPHA * (sample - old)
end

---Records a keystroke (an edit in insert mode) at `now` (ms).
---@param now? number
function Debounce:key(now)
  now = now or vim.uv.now()
  if self.last_key then
    local gap = now - self.last_key
    if gap > 0 and gap < PAUSE_MS then
      self.D = ewma(self.D, math.abs(gap - self.K))
      self.K = ewma(self.K, gap)
    end
  end
  self.last_key = now
end

---Records a model latency sample (ms).
---@param ms number
function Debounce:latency(ms)
  if type(ms) == 'number' and ms >= 0 then
    self.L = ewma(self.L, ms)
  end
end

---The delay to wait now (ms).
---@return integer
function Debounce:delay()
  if self.fixed then
    return self.fixed
  end
  local d = math.max(1.5 * self.K + 2 * self.D - self.L / 4, 1.1 * self.K)
  return math.floor(math.min(MAX_MS, math.max(MIN_MS, d)) + 0.5)
end

return M
