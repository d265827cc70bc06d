-- Mirror of src/protocol.ts: the host's methods and whether Lua may call them synchronously
-- (`instant`: answered from memory). test/unit/protocol.test.ts keeps the two in step.
local M = {}

M.methods = {
  initialize = { instant = false },
  ping = { instant = true },
  config = { instant = true },
  health = { instant = false },
  generate = { instant = false },
  complete = { instant = false },
  ['chat.send'] = { instant = false },
  ['chat.history'] = { instant = false },
  ['chat.new'] = { instant = false },
  ['context.preview'] = { instant = false },
  ['edit.propose'] = { instant = false },
  ['edit.from_text'] = { instant = false },
  ['edit.reanchor'] = { instant = false },
  models = { instant = true },
  ['model.set'] = { instant = true },
  why = { instant = true },
  stats = { instant = false },
  shutdown = { instant = true },
}

-- Lua → host messages on the job channel.
M.REQUEST = 'zeke_request' -- notification: id, method, params
M.CANCEL = 'zeke_cancel' -- notification: id
M.CALL = 'zeke_call' -- request: method, params (instant methods only)

-- Exit code of a host whose Node.js is too old (src/main.ts).
M.EXIT_NODE_TOO_OLD = 3

return M
