-- Lip Sync for DaVinci Resolve (Lua): Workspace > Scripts > Lip Sync (Lua).
-- Written by `lipsync resolve install` (lipsync @LIPSYNC_VERSION@); `lipsync resolve uninstall`
-- removes it. Free Resolve 21.1 lists only Lua scripts: this one does what the Python
-- launcher does (export, render out of process with lipsync's own Python, bring back), with
-- the choices from the settings file, as free editions offer no script dialogs.
-- Template: the @LIPSYNC_...@ values are filled in when installed.

local LIPSYNC_PYTHON = [==[@LIPSYNC_PYTHON@]==]
local JOB_MODULE = "lipsync.integrations.resolve.job"
local PROGRESS, PLAN = "LIPSYNC-PROGRESS", "LIPSYNC-PLAN"
local BIN_NAME, TITLE = "Lip sync", "Lip Sync"
local VIDEO_ONLY = 1

local function say(text)
  print(TITLE .. ": " .. text)
end

local WINDOWS = package.config:sub(1, 1) == "\\"

-- The helper's argv: the same, in the same order, as command.job_command in Python.
local function job_argv(python, exported, plan, start_frame, timeline_name, project_name)
  local argv = { python, "-m", JOB_MODULE, "--exported", exported, "--plan", plan }
  if start_frame ~= nil then
    argv[#argv + 1] = "--start-frame"
    argv[#argv + 1] = string.format("%d", math.floor(start_frame + 0.5))
  end
  if timeline_name ~= nil and timeline_name ~= "" then
    argv[#argv + 1] = "--timeline-name"
    argv[#argv + 1] = timeline_name
  end
  if project_name ~= nil and project_name ~= "" then
    argv[#argv + 1] = "--project-name"
    argv[#argv + 1] = project_name
  end
  return argv
end

local function quote_posix(arg)
  if arg ~= "" and not arg:find("[^%w@%%+=:,./_%-]") then
    return arg
  end
  return "'" .. arg:gsub("'", "'\"'\"'") .. "'"
end

local function quote_windows(arg)
  local out, slashes = {}, 0
  for i = 1, #arg do
    local c = arg:sub(i, i)
    if c == "\\" then
      slashes = slashes + 1
    else
      if c == '"' then
        out[#out + 1] = string.rep("\\", 2 * slashes + 1) .. '"'
      else
        out[#out + 1] = string.rep("\\", slashes) .. c
      end
      slashes = 0
    end
  end
  out[#out + 1] = string.rep("\\", 2 * slashes)
  return '"' .. table.concat(out) .. '"'
end

-- One shell line of argv, stderr merged: as command.shell_join in Python.
local function shell_join(argv, windows)
  local parts = {}
  for i, a in ipairs(argv) do
    parts[i] = windows and quote_windows(a) or quote_posix(a)
  end
  if windows then
    return '"' .. table.concat(parts, " ") .. ' 2>&1"'
  end
  return table.concat(parts, " ") .. " 2>&1"
end

local function split_tabs(line)
  local parts = {}
  for piece in (line .. "\t"):gmatch("([^\t]*)\t") do
    parts[#parts + 1] = piece
  end
  return parts
end

local function temp_dir()
  return os.getenv("TEMP") or os.getenv("TMP") or os.getenv("TMPDIR") or "/tmp"
end

local function run_job(argv, plan_path)
  say("rendering the lip sync…")
  local pipe = io.popen(shell_join(argv, WINDOWS), "r")
  if not pipe then
    error({ message = "lipsync's Python '" .. argv[1] .. "' cannot be started." })
  end
  local last = ""
  for line in pipe:lines() do
    line = line:gsub("\r$", "")
    local parts = split_tabs(line)
    if parts[1] == PROGRESS and #parts == 4 then
      local total = parts[4] ~= "-" and (" of " .. parts[4]) or ""
      say(parts[2] .. ": " .. parts[3] .. total)
    elseif parts[1] ~= PLAN and line:match("%S") then
      print(line)
      last = line
    end
  end
  pipe:close()
  local ok, plan = pcall(dofile, plan_path)
  if not ok or type(plan) ~= "table" then
    local why = last ~= "" and (": " .. last) or "."
    error({ message = "The lip-sync helper stopped without a result" .. why })
  end
  return plan
end

local function lip_sync_bin(media_pool)
  local root = media_pool:GetRootFolder()
  for _, folder in ipairs(root:GetSubFolderList() or {}) do
    if folder:GetName() == BIN_NAME then
      return folder
    end
  end
  local folder = media_pool:AddSubFolder(root, BIN_NAME)
  if not folder then
    error({ message = "Resolve could not add the media pool bin '" .. BIN_NAME .. "'." })
  end
  return folder
end

local function import_renders(media_pool, clips)
  local folder = lip_sync_bin(media_pool)
  local found = {}
  for _, item in ipairs(folder:GetClipList() or {}) do
    found[item:GetClipProperty("File Path") or ""] = item
  end
  local missing = {}
  for _, clip in ipairs(clips) do
    if not found[clip.path] then
      missing[#missing + 1] = clip.path
    end
  end
  if #missing > 0 then
    local before = media_pool:GetCurrentFolder()
    media_pool:SetCurrentFolder(folder)
    for _, item in ipairs(media_pool:ImportMedia(missing) or {}) do
      found[item:GetClipProperty("File Path") or ""] = item
    end
    if before then
      media_pool:SetCurrentFolder(before)
    end
  end
  for _, clip in ipairs(clips) do
    if not found[clip.path] then
      error({ message = "Resolve could not import the render '" .. clip.path .. "'." })
    end
  end
  return found
end

local function append(media_pool, timeline, items, clips, index, exclusive_end)
  local infos = {}
  for i, clip in ipairs(clips) do
    infos[i] = {
      mediaPoolItem = items[clip.path],
      startFrame = clip.start_frame,
      endFrame = clip.end_frame + (exclusive_end and 1 or 0),
      trackIndex = index,
      recordFrame = clip.record_frame,
      mediaType = VIDEO_ONLY,
    }
  end
  local appended = media_pool:AppendToTimeline(infos) or {}
  if #appended ~= #clips then
    error({ message = "Resolve placed " .. #appended .. " of " .. #clips
      .. " renders on the new track; none were kept. Try the new-timeline placement." })
  end
  local by_start = {}
  for _, item in ipairs(appended) do
    by_start[item:GetStart()] = item
  end
  local placed, short, short_items = {}, {}, {}
  for _, clip in ipairs(clips) do
    local item = by_start[clip.record_frame]
    if not item then
      error({ message = "Resolve placed the render of '" .. clip.name .. "' elsewhere." })
    end
    if item:GetDuration() == clip.frames - 1 and not exclusive_end then
      short[#short + 1] = clip  -- this Resolve reads endFrame as exclusive
      short_items[#short_items + 1] = item
    else
      placed[#placed + 1] = { clip = clip, item = item }
    end
  end
  if #short > 0 then
    timeline:DeleteClips(short_items, false)
    for _, p in ipairs(append(media_pool, timeline, items, short, index, true)) do
      placed[#placed + 1] = p
    end
  end
  return placed
end

-- TimelineItem properties copied from each original to its render: the same list, in the same
-- order, as transform.PROPERTY_KEYS in Python.
local PROPERTY_KEYS = {
  "ZoomGang", "ZoomX", "ZoomY", "Pan", "Tilt", "RotationAngle", "AnchorPointX",
  "AnchorPointY", "Pitch", "Yaw", "FlipX", "FlipY", "CropLeft", "CropRight", "CropTop",
  "CropBottom", "CropSoftness", "CropRetain", "DynamicZoomEase", "CompositeMode", "Opacity",
  "Distortion", "RetimeProcess", "MotionEstimation", "Scaling", "ResizeFilter",
}

local function source_item(timeline, clip)
  local number = tonumber(string.match(clip.track or "", "^V(%d+)"))
  if not number then
    return nil
  end
  for _, item in ipairs(timeline:GetItemListInTrack("video", number) or {}) do
    if item:GetStart() == clip.record_frame then
      return item
    end
  end
  return nil
end

local function same(a, b)
  if type(a) == "number" and type(b) == "number" then
    return math.abs(a - b) <= 1e-6 * math.max(1, math.abs(b))
  end
  return a == b
end

local function carry_properties(source, target)
  local failed = {}
  local values = source:GetProperty() or {}
  for _, key in ipairs(PROPERTY_KEYS) do
    local value = values[key]
    if value == nil then
      value = source:GetProperty(key)
    end
    if value == nil then
      failed[#failed + 1] = key
    elseif not same(target:GetProperty(key), value) then
      if not target:SetProperty(key, value) or not same(target:GetProperty(key), value) then
        failed[#failed + 1] = key
      end
    end
  end
  return failed
end

-- The sentences for what could not be carried over to the renders (as transform.carry_over).
local function carry_over(timeline, placed)
  local notes = {}
  for _, p in ipairs(placed) do
    local source = source_item(timeline, p.clip)
    local name = p.clip.name or "?"
    if not source then
      notes[#notes + 1] = "The original of '" .. name .. "' was not found at its frame on "
        .. (string.match(p.clip.track or "", "^(%S+)") or "?")
        .. ": check the render's zoom, position and crop by hand."
    else
      local failed = carry_properties(source, p.item)
      if #failed > 0 then
        local shown = table.concat(failed, ", ", 1, math.min(#failed, 6))
          .. (#failed > 6 and " …" or "")
        notes[#notes + 1] = "Resolve did not let Lip Sync copy " .. shown .. " from '" .. name
          .. "' to its render: set them on the new track by hand (Inspector > Transform)."
      end
    end
    if p.clip.warning and p.clip.warning ~= "" then
      notes[#notes + 1] = p.clip.warning
    end
  end
  return notes
end

local function place_on_new_track(media_pool, timeline, plan)
  local items = import_renders(media_pool, plan.clips)
  if not timeline:AddTrack("video") then
    error({ message = "Resolve could not add a video track to the timeline." })
  end
  local index = timeline:GetTrackCount("video")
  timeline:SetTrackName("video", index, plan.track_name or BIN_NAME)
  local ok, placed = pcall(append, media_pool, timeline, items, plan.clips, index, false)
  if not ok then
    timeline:DeleteTrack("video", index)
    error(placed)
  end
  for _, p in ipairs(placed) do
    p.item:AddMarker(0, "Green", "Lip sync", p.clip.note, 1, p.clip.custom_data)
  end
  return index, carry_over(timeline, placed)
end

local function import_timeline(media_pool, plan)
  local folder = lip_sync_bin(media_pool)
  local before = media_pool:GetCurrentFolder()
  media_pool:SetCurrentFolder(folder)
  local new = media_pool:ImportTimelineFromFile(plan.result,
    { timelineName = plan.new_timeline_name, importSourceClips = true })
  if before then
    media_pool:SetCurrentFolder(before)
  end
  if not new then
    error({ message = "Resolve could not import the lip-synced timeline '" .. plan.result
      .. "': import it with File > Import > Timeline to see why." })
  end
  return new
end

local function apply_plan(project, timeline, plan)
  if not plan.ok then
    error({ message = plan.error or "The lip sync failed." })
  end
  local media_pool = project:GetMediaPool()
  local clips = plan.clips or {}
  local done
  if plan.placement == "timeline" then
    local new = import_timeline(media_pool, plan)
    project:SetCurrentTimeline(new)
    done = "The lip-synced timeline '" .. new:GetName() .. "' was added to the media pool."
  elseif #clips == 0 then
    local why = "."
    local left = (plan.left or {})[1]
    if left and left.reason and left.reason ~= "" then
      why = ": '" .. left.name .. "' " .. left.status .. ": " .. left.reason
    elseif plan.warnings and plan.warnings[1] then
      why = ": " .. plan.warnings[1]
    end
    error({ message = "No clip was lip-synced" .. why })
  else
    local index, notes = place_on_new_track(media_pool, timeline, plan)
    done = #clips .. " lip-synced clip" .. (#clips == 1 and "" or "s")
      .. " placed on the new track V" .. index .. " '" .. (plan.track_name or BIN_NAME) .. "'."
    for _, note in ipairs(notes) do
      say(note)
      done = done .. " " .. note
    end
  end
  if plan.render_error then
    done = done .. " " .. plan.render_error
  end
  return done
end

local function lip_sync(resolve)
  if not resolve then
    error({ message = "Lip Sync runs inside DaVinci Resolve: start it from Workspace > Scripts." })
  end
  local version = resolve:GetVersion() or {}
  local major, minor = tonumber(version[1]) or 0, tonumber(version[2]) or 0
  if major < 18 or (major == 18 and minor < 5) or resolve.EXPORT_OTIO == nil then
    error({ message = "DaVinci Resolve " .. (resolve:GetVersionString() or "?")
      .. " cannot export timelines as OTIO: Lip Sync needs Resolve 18.5 or later." })
  end
  local project = resolve:GetProjectManager():GetCurrentProject()
  if not project then
    error({ message = "No project is open in Resolve: open one and run Lip Sync again." })
  end
  local timeline = project:GetCurrentTimeline()
  if not timeline then
    error({ message = "No timeline is open: open the timeline to lip-sync on the Edit page "
      .. "and run Lip Sync again." })
  end
  say("using the choices in lipsync's settings file (see `lipsync resolve doctor`).")
  local stem = temp_dir() .. (WINDOWS and "\\" or "/") .. "lipsync-resolve-"
    .. os.time() .. "-" .. math.random(100000, 999999)
  local exported, plan_path = stem .. ".otio", stem .. ".lua"
  local ok = timeline:Export(exported, resolve.EXPORT_OTIO, resolve.EXPORT_NONE)
  if not ok then
    os.remove(exported)
    error({ message = "Resolve could not export the timeline '" .. timeline:GetName()
      .. "' as OTIO: check that it has clips and that the temporary folder is writable." })
  end
  local argv = job_argv(LIPSYNC_PYTHON, exported, plan_path, timeline:GetStartFrame(),
    timeline:GetName(), project:GetName())
  local done, plan = pcall(run_job, argv, plan_path)
  -- the exported timeline and the plan are ours: leave nothing in the temporary folder
  os.remove(exported)
  os.remove(plan_path)
  if not done then
    error(plan, 0)
  end
  return apply_plan(project, timeline, plan)
end

local function main()
  local app_resolve = resolve
  if app_resolve == nil and Resolve ~= nil then
    app_resolve = Resolve()
  end
  local ok, result = pcall(lip_sync, app_resolve)
  if ok then
    say(result)
  elseif type(result) == "table" and result.message then
    say(result.message)
  else
    say("Lip sync stopped unexpectedly (" .. tostring(result) .. ").")
  end
  return ok and result or nil
end

-- The tests load this file with LIPSYNC_LUA_TEST set to reach the functions above.
if LIPSYNC_LUA_TEST then
  return {
    job_argv = job_argv,
    shell_join = shell_join,
    quote_posix = quote_posix,
    quote_windows = quote_windows,
    carry_over = carry_over,
    property_keys = PROPERTY_KEYS,
    main = main,
  }
end
if LIPSYNC_PYTHON:sub(1, 1) ~= "@" then  -- the installed copy, not the template
  main()
end
