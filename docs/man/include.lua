-- pandoc filter for the man pages written in Markdown (docs/man/*.md): a Div with an `include`
-- attribute is replaced by (part of) another Markdown file, so a man page shows the reference text
-- without a copy of it.
--   include="../configuration.md"   the file, relative to the page's own directory
--   section="TITLE"                 only the section under the heading TITLE (without the heading)
--   drop="A|B"                      leave out the sections headed A and B (with their subsections)
--   title="DESCRIPTION"             replace the file's first heading with this one
--   shift="-1"                      add this to every heading's level (man: level 1 is .SH, and
--                                   is written in upper case)
-- Links to other files or anchors become their text: a man page has nowhere to point them.

local function page_dir()
  local input = PANDOC_STATE.input_files[1]
  return input:match("^(.*)/[^/]*$") or "."
end

local function read_markdown(path)
  local file = assert(io.open(path, "r"), "include.lua: cannot read " .. path)
  local text = file:read("a")
  file:close()
  return pandoc.read(text, "markdown").blocks
end

local function split(text)
  local set = {}
  for item in (text or ""):gmatch("[^|]+") do set[item] = true end
  return set
end

-- The blocks of `blocks` from the heading titled `title` to the next heading of its level or above.
local function section_of(blocks, title)
  local out, level = {}, nil
  for _, block in ipairs(blocks) do
    if block.t == "Header" then
      if level and block.level <= level then break end
      if not level and pandoc.utils.stringify(block) == title then
        level = block.level
        goto continue
      end
    end
    if level then table.insert(out, block) end
    ::continue::
  end
  assert(level, "include.lua: no section \"" .. title .. "\"")
  return out
end

local function without_sections(blocks, dropped)
  local out, skip_level = {}, nil
  for _, block in ipairs(blocks) do
    if block.t == "Header" then
      if skip_level and block.level <= skip_level then skip_level = nil end
      if not skip_level and dropped[pandoc.utils.stringify(block)] then skip_level = block.level end
    end
    if not skip_level then table.insert(out, block) end
  end
  return out
end

local function include(div)
  local path = div.attributes.include
  if not path then return nil end
  local blocks = read_markdown(page_dir() .. "/" .. path)
  if div.attributes.section then blocks = section_of(blocks, div.attributes.section) end
  blocks = without_sections(blocks, split(div.attributes.drop))
  local shift = tonumber(div.attributes.shift or "0")
  local retitle = div.attributes.title
  local out = {}
  for _, block in ipairs(blocks) do
    if block.t == "Header" and retitle then
      block = pandoc.Header(1, retitle)
      retitle = nil
    elseif block.t == "Header" then
      block.level = math.max(1, block.level + shift)
      -- man's section headings (.SH) are upper case
      if block.level == 1 then block = pandoc.Header(1, pandoc.text.upper(pandoc.utils.stringify(block))) end
    end
    table.insert(out, block)
  end
  return out
end

-- A table becomes a list of tagged paragraphs (.TP): the last cell of a row is the text, the ones
-- before it the tag ("keyword VALUES (default)"). A reference table's cells hold long words and code
-- (keyword lists, paths), which tbl cannot fit in 80 columns without warnings; as tagged paragraphs
-- they read like any man page's options.
local function table_to_list(tbl)
  local simple = pandoc.utils.to_simple_table(tbl)
  local items = {}
  for _, row in ipairs(simple.rows) do
    local term = pandoc.List()
    for column = 1, math.max(1, #row - 1) do
      local cell = pandoc.utils.blocks_to_inlines(row[column])
      if #cell > 0 then
        if #term > 0 then term:insert(pandoc.Space()) end
        term:extend(cell)
      end
    end
    local text = {}
    if #row > 1 then
      for _, block in ipairs(row[#row]) do table.insert(text, block) end
    end
    if #text == 0 then text = { pandoc.Plain({}) } end
    table.insert(items, { term, { text } })
  end
  return pandoc.DefinitionList(items)
end

local function unlink(link)
  if not link.target:match("^%a[%w+.-]*:") then return link.content end
end

return { { Div = include }, { Link = unlink, Table = table_to_list } }
