# The app's UI: every element id the browser test relies on is there.

test_that("app: the UI has the stable ids and classes", {
  env <- new.env(parent = globalenv())
  app <- sys.source(file.path(SBW_APP_DIR, "app.R"), envir = env)
  page <- env$sbw_page()
  expect_s3_class(page, "shiny.tag.list")
  html <- as.character(page)
  ids <- c("sbw-filters", "range", "login_state", "tz", "tabs",
           "overview-kpis", "overview-timeseries", "overview-event_types", "overview-login_states",
           "overview-csv_kpis", "overview-csv_timeseries", "overview-csv_event_types",
           "overview-csv_login_states",
           "funnel-steps", "funnel-reset", "funnel-chart", "funnel-table", "funnel-csv_funnel",
           "products-rank", "products-limit", "products-rank_groups", "products-products",
           "products-categories", "products-brands", "products-csv_products",
           "products-csv_categories", "products-csv_brands",
           "sessions-summary", "sessions-durations", "sessions-sort", "sessions-list",
           "sessions-prev", "sessions-next", "sessions-page", "sessions-csv_summary",
           "sessions-csv_durations", "sessions-csv_sessions",
           "traffic-metric", "traffic-heatmap", "traffic-csv_heatmap",
           "events-product_only", "events-prev", "events-next", "events-page", "events-table",
           "events-csv_events", "status-banner", "status-freshness")
  for (id in ids) expect_match(html, sprintf('id="%s"', id), fixed = TRUE, label = id)
  for (tab in c("overview", "funnel", "products", "sessions", "traffic", "events")) {
    expect_match(html, sprintf('data-value="%s"', tab), fixed = TRUE)
  }
  expect_false(grepl('(src|href)="/', html)) # relative URLs only (served under a prefix)
  # The default range ends on the day the page is built (the UI is a function of the request).
  expect_match(html, sprintf('data-initial-date="%s"', format(sbw_today("UTC"))), fixed = TRUE)
})

test_that("app: the page is rendered once a day and served from memory", {
  env <- new.env(parent = globalenv())
  sys.source(file.path(SBW_APP_DIR, "app.R"), envir = env)
  r1 <- env$ui(list())
  expect_s3_class(r1, "httpResponse")
  expect_equal(r1$status, 200L)
  body <- paste(r1$content, collapse = "")
  expect_match(body, "<!DOCTYPE html>", fixed = TRUE)
  expect_match(body, 'id="overview-kpis"', fixed = TRUE)
  expect_match(body, "shiny.min.js", fixed = TRUE) # Shiny's own scripts are in the page
  expect_equal(env$sbw_page_cache$day, format(sbw_today("UTC")))
  env$sbw_page_cache$html <- "cached" # a second request is answered from the cache
  expect_equal(env$ui(list())$content, "cached")
  env$sbw_page_cache$day <- "2000-01-01" # a new day renders again
  expect_match(paste(env$ui(list())$content, collapse = ""), 'id="overview-kpis"', fixed = TRUE)
})

test_that("app: poll interval from SBW_DASHBOARD_POLL_S", {
  env <- new.env(parent = globalenv())
  sys.source(file.path(SBW_APP_DIR, "app.R"), envir = env)
  old <- Sys.getenv("SBW_DASHBOARD_POLL_S", unset = NA)
  on.exit(if (is.na(old)) Sys.unsetenv("SBW_DASHBOARD_POLL_S") else Sys.setenv(SBW_DASHBOARD_POLL_S = old))
  Sys.unsetenv("SBW_DASHBOARD_POLL_S")
  expect_equal(env$sbw_poll_ms(), 30000)
  Sys.setenv(SBW_DASHBOARD_POLL_S = "5")
  expect_equal(env$sbw_poll_ms(), 5000)
  Sys.setenv(SBW_DASHBOARD_POLL_S = "nonsense")
  expect_equal(env$sbw_poll_ms(), 30000)
})

test_that("app: filters reach the modules; a reversed range is shown in the banner", {
  client <- stub_client(tables = list(kpis = FX_KPIS, timeseries = FX_TS_DAY,
                                      breakdown = FX_EVENT_NAMES),
                        health = function() FX_HEALTH(1L))
  old <- options(sbw.client = client)
  on.exit(options(old))
  env <- new.env(parent = globalenv())
  sys.source(file.path(SBW_APP_DIR, "app.R"), envir = env)
  testServer(env$server, {
    session$setInputs(range = as.Date(c("2026-01-05", "2026-01-11")), tz = "Europe/London",
                      login_state = "logged_in")
    session$elapse(400) # past the filters' debounce
    f <- filters()
    expect_equal(f, list(from = as.Date("2026-01-05"), to = as.Date("2026-01-11"),
                         tz = "Europe/London", login_state = "logged_in"))
    expect_equal(st$refresh(), 1L)
    session$setInputs(range = as.Date(c("2026-01-12", "2026-01-11")))
    session$elapse(400)
    expect_match(output$`status-banner`$html, "The start date 2026-01-12 is after the end date 2026-01-11")
    session$setInputs(range = as.Date(c("2026-01-10", "2026-01-11")))
    session$elapse(400)
    banner <- output$`status-banner`
    expect_false(grepl("start date", if (is.null(banner)) "" else banner$html))
  })
})

test_that("app: a tab's module starts when the tab is first opened", {
  client <- stub_client(tables = list(kpis = FX_KPIS, timeseries = FX_TS_DAY,
                                      breakdown = FX_EVENT_NAMES, `traffic/heatmap` = FX_HEATMAP),
                        health = function() FX_HEALTH(1L))
  old <- options(sbw.client = client)
  on.exit(options(old))
  env <- new.env(parent = globalenv())
  sys.source(file.path(SBW_APP_DIR, "app.R"), envir = env)
  testServer(env$server, {
    session$setInputs(range = as.Date(c("2026-01-10", "2026-01-11")), tz = "UTC",
                      login_state = "all", tabs = "overview")
    session$elapse(400)
    expect_null(started$traffic)
    expect_length(client$calls("table", "traffic/heatmap"), 0L)
    session$setInputs(tabs = "traffic")
    session$elapse(400)
    expect_true(started$traffic)
    expect_gt(length(client$calls("table", "traffic/heatmap")), 0L)
    session$setInputs(tabs = "overview")
    session$setInputs(tabs = "traffic") # opened again: not started twice
    expect_equal(sort(ls(started)), "traffic")
  })
})
