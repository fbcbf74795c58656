-- Neovim (0.7+) as a plain LSP client: open -> save -> diagnostic -> hover -> quick-fix -> save -> clean.
-- Driven by test/e2e/nvim.test.ts through environment variables; writes what it saw as JSON to
-- XDP_RESULT and exits 0 when every step succeeded (the test reads the JSON for the details).
local server = os.getenv('XDP_SERVER')
local file = os.getenv('XDP_FILE')
local out = os.getenv('XDP_RESULT')
local result = { steps = {} }

local function finish(code)
  local f = io.open(out, 'w')
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd((code == 0) and 'qa!' or ('cquit ' .. code))
end

local function step(name, ok, detail)
  table.insert(result.steps, { name = name, ok = ok and true or false, detail = detail })
  if not ok then
    result.failed = name
    finish(1)
  end
end

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
vim.bo[bufnr].filetype = 'c'
local client_id = vim.lsp.start_client({
  name = 'xdp-lens',
  cmd = { 'node', server, '--stdio' },
  root_dir = vim.fn.fnamemodify(file, ':h'),
})
step('start_client', client_id ~= nil)
vim.lsp.buf_attach_client(bufnr, client_id)
local uri = vim.uri_from_bufnr(bufnr)

step('initialized', vim.wait(20000, function()
  local c = vim.lsp.get_client_by_id(client_id)
  return c ~= nil and c.initialized
end, 50))

vim.cmd('write')
local got = vim.wait(30000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
local diags = vim.diagnostic.get(bufnr)
step('diagnostic after save', got, diags)
local d = diags[1]
result.diagnostic = { lnum = d.lnum, col = d.col, end_col = d.end_col, message = d.message, source = d.source, code = d.code }

local hover = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', {
  textDocument = { uri = uri },
  position = { line = d.lnum, character = d.col },
}, 10000)
local hover_text = nil
for _, r in pairs(hover or {}) do
  if r.result and r.result.contents then hover_text = r.result.contents.value end
end
result.hover = hover_text
step('hover', hover_text ~= nil)

local line_diags = vim.lsp.diagnostic.get_line_diagnostics(bufnr, d.lnum)
local actions = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', {
  textDocument = { uri = uri },
  range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.lnum, character = d.end_col } },
  context = { diagnostics = line_diags },
}, 10000)
local action = nil
for _, r in pairs(actions or {}) do
  for _, a in ipairs(r.result or {}) do
    if action == nil then action = a end
  end
end
result.action = action and action.title
step('code action', action ~= nil and action.edit ~= nil)
vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16')
result.fixed_line = vim.api.nvim_buf_get_lines(bufnr, d.lnum, d.lnum + 1, false)[1]

vim.cmd('write')
-- Clean = no errors or warnings (an info diagnostic says driver checks need a selected driver).
local function problems()
  return vim.diagnostic.get(bufnr, { severity = { min = vim.diagnostic.severity.WARN } })
end
local clean = vim.wait(30000, function()
  local all = vim.diagnostic.get(bufnr)
  return #problems() == 0 and #all > 0 and all[1].code ~= 'clang/error'
end, 50)
step('clean after fix and save', clean, vim.diagnostic.get(bufnr))
result.after = {}
for _, x in ipairs(vim.diagnostic.get(bufnr)) do table.insert(result.after, { code = x.code, severity = x.severity }) end
finish(0)
