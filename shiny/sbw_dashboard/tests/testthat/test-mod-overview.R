# The Overview tab: KPI cards, time series, breakdowns, empty and error states.

overview_stub <- function(kpis = FX_KPIS) {
  stub_client(tables = list(
    kpis = kpis,
    timeseries = function(q) if (identical(q$interval, "hour")) FX_TS_HOUR else FX_TS_DAY,
    breakdown = function(q) switch(q$by, event_name = FX_EVENT_NAMES, login_state = FX_LOGIN)
  ))
}

test_that("overview: KPI cards carry metric, raw value and formatted value", {
  client <- overview_stub()
  testServer(mod_overview_server, args = module_args(client), {
    session$flushReact()
    html <- output$kpis$html
    expect_match(html, '<div class="sbw-kpi card" data-metric="events" data-value="16">')
    expect_match(html, 'data-metric="revenue" data-value="1790000"')
    expect_match(html, 'data-metric="checkout_rate" data-value="50"')
    expect_match(html, '<div class="sbw-kpi-value">1,790,000 VND</div>')
    expect_match(html, '<div class="sbw-kpi-value">33.33%</div>')
    expect_match(html, 'data-change="-16.67"')
    expect_match(html, "sbw-delta-down sbw-delta-good") # bounce rate fell
    expect_equal(length(gregexpr('class="sbw-kpi card"', html)[[1]]), 8L)
    expect_equal(cards()$formatted[1], "16")

    q <- client$last_query("kpis")
    expect_equal(q, list(from = as.Date("2026-01-10"), to = as.Date("2026-01-11"), tz = "UTC",
                         login_state = "all", compare = "previous_period"))
    expect_match(output$period$html, "2026-01-10 to 2026-01-11 \\(UTC\\), compared with 2026-01-08 to 2026-01-09")
  })
})

test_that("overview: hours for a 2-day range, days for longer; breakdown parameters", {
  client <- overview_stub()
  f <- reactiveVal(fixture_filters())
  testServer(mod_overview_server, args = module_args(client, filters = f), {
    session$flushReact() # the KPI cards
    session$flushReact() # then the charts and tables
    expect_equal(client$last_query("timeseries")$interval, "hour")
    expect_equal(client$last_query("timeseries")$metric, "events")
    expect_true(inherits(ts_frame()$time, "POSIXct"))
    expect_equal(ts_frame()$value, c(5, 9))
    f(fixture_filters(from = "2026-01-05", to = "2026-01-11", tz = "Europe/London"))
    session$flushReact()
    q <- client$last_query("timeseries")
    expect_null(q$interval)
    expect_equal(q$tz, "Europe/London")
    expect_equal(ts_frame()$time, as.Date(c("2026-01-10", "2026-01-11")))
    bys <- vapply(client$calls("table", "breakdown"), function(c) c$query$by, "")
    expect_setequal(unique(bys), c("event_name", "login_state"))
    expect_match(output$event_types, "page_view")
    expect_match(output$login_states, "anonymous")
    expect_type(output$timeseries, "list") # the plot renders
  })
})

test_that("overview: an empty range shows 'No events in this range' instead of cards and charts", {
  client <- overview_stub(FX_KPIS_EMPTY)
  testServer(mod_overview_server, args = module_args(client), {
    session$flushReact() # the KPI cards
    session$flushReact() # then the charts and tables
    html <- output$kpis$html
    expect_match(html, 'id="[^"]*-empty" class="sbw-empty')
    expect_match(html, "No events in this range")
    expect_false(grepl("sbw-kpi card", html))
    expect_error(output$timeseries, "No events in this range")
    expect_error(output$event_types, "No events in this range")
  })
})

test_that("overview: an API error sets the banner state and the app keeps running", {
  fail <- TRUE
  client <- stub_client(tables = list(
    kpis = function(q) if (fail) stop(http_error(400L, "from: bad")) else FX_KPIS,
    timeseries = FX_TS_DAY, breakdown = FX_EVENT_NAMES))
  status <- sbw_status()
  refresh <- reactiveVal(1L)
  testServer(mod_overview_server, args = module_args(client, refresh = refresh, status = status), {
    session$flushReact()
    expect_equal(status$errors()[["overview.kpis"]], "The analytics API answered HTTP 400: from: bad")
    expect_null(kpis())
    fail <<- FALSE
    refresh(2L)
    session$flushReact()
    expect_length(status$errors(), 0L)
    expect_match(output$kpis$html, 'data-value="16"')
  })
})

test_that("overview: nothing is fetched before the first health answer", {
  client <- overview_stub()
  testServer(mod_overview_server, args = module_args(client, refresh = reactiveVal(0L)), {
    session$flushReact()
    expect_length(client$calls("table"), 0L)
  })
})

test_that("overview: CSV downloads fetch the same queries as CSV", {
  client <- overview_stub()
  testServer(mod_overview_server, args = module_args(client), {
    session$flushReact() # the cards
    session$flushReact() # the rest of the tab
    expect_equal(readLines(output$csv_kpis), c("a,b", "1,2"))
    output$csv_event_types
    csv <- client$calls("csv")
    expect_equal(vapply(csv, function(c) c$path, ""), c("kpis", "breakdown"))
    expect_equal(csv[[1]]$query$compare, "previous_period")
    expect_equal(csv[[2]]$query$by, "event_name")
  })
})

test_that("overview: the KPI cards are sent in a flush before the charts are drawn", {
  client <- overview_stub()
  testServer(mod_overview_server, args = module_args(client), {
    expect_false(cards_sent())
    session$flushReact()
    expect_match(output$kpis$html, 'data-metric="events" data-value="16"')
    expect_true(cards_sent()) # set once that flush went out
    expect_error(output$event_types) # not defined until that flush went out
    session$flushReact()
    expect_match(output$event_types, "page_view")
    expect_type(output$timeseries, "list") # the plot is drawn (then cached by its key)
  })
})
