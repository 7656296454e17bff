# Unit tests of R/shape.R (pure functions).

test_that("dates: today in a zone, default range, previous period, interval", {
  now <- as.POSIXct("2026-01-10 20:30:00", tz = "UTC")
  expect_equal(sbw_today("UTC", now), as.Date("2026-01-10"))
  expect_equal(sbw_today("Asia/Ho_Chi_Minh", now), as.Date("2026-01-11")) # UTC+7
  expect_equal(sbw_today("America/New_York", now), as.Date("2026-01-10"))
  expect_equal(sbw_default_range(as.Date("2026-01-10")), as.Date(c("2026-01-04", "2026-01-10")))
  expect_equal(sbw_range_days("2026-01-10", "2026-01-11"), 2L)
  expect_equal(sbw_previous_period("2026-01-10", "2026-01-11"),
               list(from = as.Date("2026-01-08"), to = as.Date("2026-01-09")))
  expect_equal(sbw_previous_period("2026-03-01", "2026-03-31")$from, as.Date("2026-01-29"))
  expect_equal(sbw_interval("2026-01-10", "2026-01-10"), "hour")
  expect_equal(sbw_interval("2026-01-10", "2026-01-11"), "hour")
  expect_equal(sbw_interval("2026-01-10", "2026-01-12"), "day")
})

test_that("filter query: valid ranges pass, reversed or missing dates are filter errors", {
  q <- sbw_filter_query("2026-01-10", "2026-01-11", "Europe/London", "guest")
  expect_equal(q, list(from = as.Date("2026-01-10"), to = as.Date("2026-01-11"),
                       tz = "Europe/London", login_state = "guest"))
  expect_equal(sbw_filter_query("2026-01-10", "2026-01-10", "", "bogus")[c("tz", "login_state")],
               list(tz = "UTC", login_state = "all"))
  expect_error(sbw_filter_query("2026-01-12", "2026-01-10"), "2026-01-12 is after the end date",
               class = "sbw_filter_error")
  expect_error(sbw_filter_query(NA, "2026-01-10"), class = "sbw_filter_error")
  expect_equal(sbw_query(q, by = "brand", steps = NULL, limit = 5L)[c("by", "limit")],
               list(by = "brand", limit = 5L))
  expect_false("steps" %in% names(sbw_query(q, steps = NULL)))
})

test_that("number formats", {
  expect_equal(fmt_int(c(0, 16, 1234567, NA)), c("0", "16", "1,234,567", "\u2013"))
  expect_equal(fmt_num(c(2.666, NA), 1), c("2.7", "\u2013"))
  expect_equal(fmt_pct(c(16.666, 50, NA)), c("16.7%", "50.0%", "\u2013"))
  expect_equal(fmt_pct(16.67, 2), "16.67%")
  expect_equal(fmt_vnd(c(1790000, NA)), c("1,790,000 VND", "\u2013"))
  expect_equal(fmt_duration(c(0, 45.4, 59.6, 245, 3600, 3725, NA)),
               c("0s", "45s", "1m 00s", "4m 05s", "1h 00m", "1h 02m", "\u2013"))
  expect_equal(fmt_raw(c(16, 16.67, 5754030000, NA)), c("16", "16.67", "5754030000", ""))
  expect_equal(fmt_raw(0.1 + 0.2), "0.3")
  expect_equal(fmt_raw(TRUE), "true")
  expect_equal(fmt_time(as.POSIXct("2026-01-10 23:30:00", tz = "UTC"), "Asia/Ho_Chi_Minh"),
               "2026-01-11 06:30")
  expect_equal(fmt_time(as.POSIXct("2026-01-10 23:30:05", tz = "UTC"), seconds = TRUE),
               "2026-01-10 23:30:05")
})

test_that("deltas: counts with percent, rates in points, new, unknown, tone", {
  expect_equal(fmt_delta(16, 8, 8, 100, "count"), "+8 (+100.0%)")
  expect_equal(fmt_delta(1790000, 2000000, -210000, -10.5, "money"), "-210,000 VND (-10.5%)")
  expect_equal(fmt_delta(33.33, 50, -16.67, -33.34, "rate"), "-16.67 pp")
  expect_equal(fmt_delta(60, 75.5, -15.5, -20.53, "duration"), "-16s (-20.5%)")
  expect_equal(fmt_delta(6, 0, 6, NA, "count"), "+6")
  expect_equal(fmt_delta(4, 4, 0, 0, "count"), "no change")
  expect_equal(fmt_delta(16.67, NA, NA, NA, "rate"), "\u2013")
  expect_equal(fmt_delta(5, 0, NA, NA, "count"), "new")
  expect_equal(sbw_delta_direction(NA), "none")
  expect_equal(sbw_delta_direction(-1), "down")
  expect_equal(sbw_delta_tone("down", higher_is_better = FALSE), "good")
  expect_equal(sbw_delta_tone("up", higher_is_better = FALSE), "bad")
  expect_equal(sbw_delta_tone("up", TRUE), "good")
  expect_equal(sbw_delta_tone("flat", TRUE), "neutral")
})

test_that("KPI cards: eight cards in order with raw and formatted values", {
  cards <- sbw_kpi_cards(FX_KPIS)
  expect_equal(cards$metric, c("events", "unique_clients", "sessions", "conversion_rate",
                               "checkout_rate", "revenue", "bounce_rate", "avg_session_duration_s"))
  expect_equal(cards$value, c(16, 4, 6, 16.67, 50, 1790000, 33.33, 60))
  expect_equal(cards$formatted, c("16", "4", "6", "16.67%", "50.00%", "1,790,000 VND", "33.33%", "1m 00s"))
  expect_equal(cards$delta[cards$metric == "bounce_rate"], "-16.67 pp")
  expect_equal(cards$tone[cards$metric == "bounce_rate"], "good") # lower bounce is good
  expect_equal(cards$tone[cards$metric == "revenue"], "bad")
  expect_equal(cards$delta[cards$metric == "sessions"], "+6")
  expect_equal(cards$delta[cards$metric == "conversion_rate"], "\u2013")
  expect_equal(sbw_kpi_value(FX_KPIS, "purchases"), 1)
  expect_true(is.na(sbw_kpi_value(FX_KPIS, "nope")))
  # A metric missing from the answer is NA, shown as a dash.
  partial <- FX_KPIS[FX_KPIS$metric != "revenue", ]
  expect_equal(sbw_kpi_cards(partial)$formatted[6], "\u2013")
  expect_false(sbw_kpis_empty(FX_KPIS))
  expect_true(sbw_kpis_empty(FX_KPIS_EMPTY))
  expect_true(sbw_kpis_empty(NULL))
})

test_that("paging: page count, clamping, offsets and the label", {
  expect_equal(sbw_page_count(0), 1L)
  expect_equal(sbw_page_count(NA), 1L)
  expect_equal(sbw_page_count(1), 1L)
  expect_equal(sbw_page_count(20), 1L)
  expect_equal(sbw_page_count(21), 2L)
  expect_equal(sbw_page_count(71190), 3560L)
  expect_equal(sbw_page_count(45, 10), 5L)
  expect_equal(sbw_clamp_page(5, 41), 3L)
  expect_equal(sbw_clamp_page(0, 41), 1L)
  expect_equal(sbw_clamp_page(NA, 41), 1L)
  expect_equal(sbw_page_offset(1), 0L)
  expect_equal(sbw_page_offset(3), 40L)
  expect_equal(sbw_page_label(1, 0), "Page 1 of 1")
  expect_equal(sbw_page_label(2, 41), "Page 2 of 3")
  expect_equal(sbw_page_label(9, 41), "Page 3 of 3")
})

test_that("funnel steps: default below two, joined in order, limits", {
  expect_null(sbw_funnel_steps(NULL))
  expect_null(sbw_funnel_steps("page_view"))
  expect_equal(sbw_funnel_steps(c("page_view", "checkout_complete")), "page_view,checkout_complete")
  expect_error(sbw_funnel_steps(paste0("e", 1:9)), "at most 8")
  expect_error(sbw_funnel_steps(c("a", "b", "a")), "distinct")
  expect_false(sbw_funnel_empty(FX_FUNNEL))
  empty <- FX_FUNNEL
  empty$sessions <- 0L
  expect_true(sbw_funnel_empty(empty))
  expect_equal(names(sbw_display_funnel(FX_FUNNEL)),
               c("Step", "Event", "Sessions", "From step 1 %", "From previous %", "Drop-off"))
})

test_that("UNKNOWN for missing categories and brands; raw events only when a product is there", {
  expect_equal(sbw_unknown(c("AULA", NA, "", "  ")), c("AULA", "UNKNOWN", "UNKNOWN", "UNKNOWN"))
  expect_equal(sbw_product_label(c("keyboard", NA, NA), c("P1", "P9", NA)),
               c("keyboard", "UNKNOWN", ""))
  ev <- sbw_display_events(FX_EVENTS_ONE, "UTC")
  expect_equal(ev$Category, c("keyboard", "UNKNOWN", ""))
  expect_equal(ev$Brand, c("AULA", "UNKNOWN", ""))
  expect_equal(ev$Time[1], "2026-01-11 00:10:00")
  expect_equal(sbw_display_events(FX_EVENTS_ONE, "America/New_York")$Time[1], "2026-01-10 19:10:00")
  expect_equal(nrow(sbw_display_events(FX_EVENTS_ONE[0, ])), 0L)
  g <- sbw_display_groups(data.frame(brand = c("AULA", NA), events = 2:1), "Brand")
  expect_equal(g$Brand, c("AULA", "UNKNOWN"))
  expect_equal(names(g), c("Brand", "Events"))
  p <- sbw_display_products(FX_PRODUCTS)
  expect_equal(p$Brand, c("AULA", "Logitech", "UNKNOWN"))
  expect_equal(p[["View\u2192cart %"]], c(50, 100, 0))
  expect_equal(sbw_short_id(c("4734f776-8b25-40ca", "c4", NA)), c("4734f776\u2026", "c4", NA))
})

test_that("session list display: times in the zone, durations, bounce as yes/no", {
  s <- sbw_display_sessions(fx_sessions(2), "Asia/Ho_Chi_Minh")
  expect_equal(s$Started, c("2026-01-10 16:59:00", "2026-01-10 16:58:00"))
  expect_equal(s$Duration, c("4m 00s", "4m 00s"))
  expect_equal(s$Bounce, c("no", "no"))
  expect_equal(nrow(sbw_display_sessions(NULL)), 0L)
})

test_that("charts: time series frames, heatmap grid, top bars", {
  d <- sbw_timeseries_frame(FX_TS_DAY)
  expect_equal(d$time, as.Date(c("2026-01-10", "2026-01-11")))
  expect_equal(d$value, c(14, 2))
  h <- sbw_timeseries_frame(FX_TS_HOUR, "Asia/Ho_Chi_Minh")
  expect_equal(format(h$time, "%Y-%m-%d %H:%M"), c("2026-01-10 17:00", "2026-01-10 18:00"))
  expect_equal(nrow(sbw_timeseries_frame(NULL)), 0L)

  cells <- sbw_heatmap_frame(FX_HEATMAP, "events")
  expect_equal(nrow(cells), 168L)
  expect_equal(sum(cells$value), 16)
  expect_equal(cells$value[cells$weekday == "Sat" & cells$hour == 10], 14)
  expect_equal(levels(cells$weekday), rev(SBW_WEEKDAYS))
  expect_equal(sum(sbw_heatmap_frame(FX_HEATMAP, "sessions")$value), 6)
  # Missing cells are zeros, an empty answer is all zeros.
  expect_equal(sum(sbw_heatmap_frame(FX_HEATMAP[FX_HEATMAP$events > 0, ], "events")$value), 16)
  expect_equal(sum(sbw_heatmap_frame(NULL)$value), 0)

  bars <- sbw_top_bars(FX_EVENT_NAMES, "event_name", "events", 3L)
  expect_equal(as.character(bars$label), c("page_view", "product_view", "add_to_cart_click"))
  expect_equal(levels(bars$label)[3], "page_view") # largest on top of a horizontal chart
  expect_equal(nrow(sbw_top_bars(NULL, "x", "y")), 0L)
  b <- sbw_top_bars(data.frame(brand = c(NA, "AULA"), events = c(1L, 3L)), "brand", "events")
  expect_equal(as.character(b$label), c("AULA", "UNKNOWN"))
})

test_that("freshness text and error messages", {
  expect_equal(sbw_freshness_text(FX_HEALTH()),
               "data as of 2026-01-11 09:00 UTC (refreshed 2026-11-27 03:24 UTC)")
  expect_equal(sbw_freshness_text(FX_HEALTH(), "Asia/Ho_Chi_Minh"),
               "data as of 2026-01-11 16:00 Asia/Ho_Chi_Minh (refreshed 2026-11-27 10:24 Asia/Ho_Chi_Minh)")
  h <- FX_HEALTH()
  h$newest_event_at <- NULL
  expect_match(sbw_freshness_text(h), "^data as of \u2013")
  expect_match(sbw_freshness_text(NULL), "not reached")
  expect_equal(sbw_error_message(http_error(400L, "from: bad")),
               "The analytics API answered HTTP 400: from: bad")
  expect_match(sbw_error_message(connection_error()), "^The analytics API cannot be reached: ")
  expect_equal(sbw_error_message(simpleError("boom")), "boom")
})
