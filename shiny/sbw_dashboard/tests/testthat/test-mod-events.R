# The Raw events tab: paging, query parameters, empty and error states.

events_stub <- function(total = 41) {
  stub_client(paged = list(`events/recent` = function(q) {
    n <- max(0, min(q$limit, total - q$offset))
    rows <- FX_EVENTS_ONE[rep(1L, n), ]
    list(rows = rows, total = total)
  }))
}

test_that("events: 20 a page, Next/Prev move the offset, Page X of N", {
  client <- events_stub(41)
  testServer(mod_events_server, args = module_args(client), {
    session$flushReact()
    expect_equal(output$page, "Page 1 of 3")
    q <- client$last_query("events/recent")
    expect_equal(q[c("from", "to", "tz", "login_state", "limit", "offset")],
                 list(from = as.Date("2026-01-10"), to = as.Date("2026-01-11"), tz = "UTC",
                      login_state = "all", limit = 20L, offset = 0L))
    expect_null(q$product_only)
    expect_equal(nrow(events()$rows), 20L)

    session$setInputs(`next` = 1)
    expect_equal(output$page, "Page 2 of 3")
    expect_equal(client$last_query("events/recent")$offset, 20L)
    session$setInputs(`next` = 2)
    expect_equal(output$page, "Page 3 of 3")
    expect_equal(client$last_query("events/recent")$offset, 40L)
    expect_equal(nrow(events()$rows), 1L)
    session$setInputs(`next` = 3) # already on the last page
    expect_equal(output$page, "Page 3 of 3")
    session$setInputs(prev = 1)
    expect_equal(output$page, "Page 2 of 3")
    expect_equal(client$last_query("events/recent")$offset, 20L)

    # Product events only: a new query from page 1.
    session$setInputs(product_only = TRUE)
    expect_equal(output$page, "Page 1 of 3")
    q <- client$last_query("events/recent")
    expect_true(q$product_only)
    expect_equal(q$offset, 0L)
  })
})

test_that("events: a filter change goes back to page 1", {
  client <- events_stub(100)
  f <- reactiveVal(fixture_filters())
  testServer(mod_events_server, args = module_args(client, filters = f), {
    session$flushReact()
    session$setInputs(`next` = 1)
    expect_equal(output$page, "Page 2 of 5")
    f(fixture_filters(login_state = "guest"))
    session$flushReact()
    expect_equal(output$page, "Page 1 of 5")
    q <- client$last_query("events/recent")
    expect_equal(q$login_state, "guest")
    expect_equal(q$offset, 0L)
  })
})

test_that("events: an empty range says so and shows Page 1 of 1", {
  client <- events_stub(0)
  testServer(mod_events_server, args = module_args(client), {
    session$flushReact()
    expect_equal(output$page, "Page 1 of 1")
    expect_error(output$table, "No events in this range")
  })
})

test_that("events: an API error is reported to the banner state, then cleared", {
  fail <- TRUE
  client <- stub_client(paged = list(`events/recent` = function(q) {
    if (fail) stop(http_error(503L, "warehouse unavailable"))
    list(rows = FX_EVENTS_ONE, total = 3)
  }))
  status <- sbw_status()
  refresh <- reactiveVal(1L)
  testServer(mod_events_server, args = module_args(client, refresh = refresh, status = status), {
    session$flushReact()
    expect_equal(status$errors()[["events.recent"]],
                 "The analytics API answered HTTP 503: warehouse unavailable")
    fail <<- FALSE
    refresh(2L)
    session$flushReact()
    expect_null(status$errors()[["events.recent"]])
    expect_equal(output$page, "Page 1 of 1")
    expect_match(output$table, "Keyboard One")
  })
})

test_that("events: the CSV download asks the API for the same range as CSV", {
  client <- events_stub(41)
  testServer(mod_events_server, args = module_args(client), {
    session$flushReact()
    file <- output$csv_events
    expect_equal(readLines(file), c("a,b", "1,2"))
    csv <- client$calls("csv")
    expect_length(csv, 1L)
    expect_equal(csv[[1]]$path, "events/recent")
    expect_equal(csv[[1]]$query$limit, 1000L)
    expect_equal(csv[[1]]$query$from, as.Date("2026-01-10"))
  })
})
