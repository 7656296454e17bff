# The Traffic tab: weekday x hour heatmap.

test_that("traffic: 168 cells from the API, events or sessions", {
  client <- stub_client(tables = list(`traffic/heatmap` = FX_HEATMAP))
  f <- reactiveVal(fixture_filters(tz = "Asia/Ho_Chi_Minh"))
  testServer(mod_traffic_server, args = module_args(client, filters = f), {
    session$flushReact()
    expect_equal(client$last_query("traffic/heatmap")$tz, "Asia/Ho_Chi_Minh")
    expect_equal(nrow(cells()), 168L)
    expect_equal(sum(cells()$value), 16)
    session$setInputs(metric = "sessions")
    expect_equal(sum(cells()$value), 6)
    expect_equal(cells()$value[cells()$weekday == "Sat" & cells()$hour == 10], 5)
    expect_type(output$heatmap, "list")
    expect_length(client$calls("table"), 1L) # the metric switch does not re-fetch
  })
})

test_that("traffic: all zeros is the empty state", {
  z <- FX_HEATMAP
  z$events <- 0L
  z$sessions <- 0L
  client <- stub_client(tables = list(`traffic/heatmap` = z))
  testServer(mod_traffic_server, args = module_args(client), {
    session$flushReact()
    expect_error(output$heatmap, "No events in this range")
  })
})
