# Freshness polling, the refresh trigger and the error banner.

test_that("status: the first answer triggers a fetch, the same generation does not, a new one does", {
  gen <- 1L
  client <- stub_client(health = function() FX_HEALTH(gen))
  status <- sbw_status()
  testServer(mod_status_server, args = list(client = client, status = status, poll_ms = 30000), {
    session$flushReact()
    expect_equal(session$getReturned()$refresh(), 1L)
    expect_length(client$calls("health"), 1L)
    expect_match(output$freshness$html, 'id="sbw-freshness"')
    expect_match(output$freshness$html, 'data-generation="1"')
    expect_match(output$freshness$html,
                 "data as of 2026-01-11 09:00 UTC \\(refreshed 2026-11-27 03:24 UTC\\)")
    expect_null(output$banner)

    session$elapse(30000) # next poll, same generation: nothing to re-fetch
    expect_length(client$calls("health"), 2L)
    expect_equal(session$getReturned()$refresh(), 1L)

    gen <<- 2L
    session$elapse(30000)
    expect_length(client$calls("health"), 3L)
    expect_equal(session$getReturned()$refresh(), 2L)
    expect_match(output$freshness$html, 'data-generation="2"')
  })
})

test_that("status: an unreachable API shows the banner; its return clears it and re-fetches", {
  up <- FALSE
  client <- stub_client(health = function() if (up) FX_HEALTH(1L) else stop(connection_error()))
  status <- sbw_status()
  testServer(mod_status_server, args = list(client = client, status = status, poll_ms = 5000), {
    session$flushReact()
    expect_equal(session$getReturned()$refresh(), 0L)
    html <- output$banner$html
    expect_match(html, 'id="sbw-error-banner"')
    expect_match(html, "The analytics API cannot be reached")
    expect_match(output$freshness$html, "API not reached yet")

    up <<- TRUE
    session$elapse(5000)
    expect_null(output$banner)
    expect_equal(session$getReturned()$refresh(), 1L)

    up <<- FALSE # goes away again, comes back with the same generation: re-fetch anyway
    session$elapse(5000)
    expect_match(output$banner$html, "cannot be reached")
    expect_equal(session$getReturned()$refresh(), 1L)
    up <<- TRUE
    session$elapse(5000)
    expect_null(output$banner)
    expect_equal(session$getReturned()$refresh(), 2L)
  })
})

test_that("status: a failed table is retried at the next poll even without a new generation", {
  client <- stub_client(health = function() FX_HEALTH(1L))
  status <- sbw_status()
  testServer(mod_status_server, args = list(client = client, status = status, poll_ms = 1000), {
    session$flushReact()
    expect_equal(session$getReturned()$refresh(), 1L)
    status$report("overview.kpis", http_error(503L, "warehouse unavailable"))
    session$flushReact()
    expect_match(output$banner$html, "HTTP 503: warehouse unavailable")
    session$elapse(1000)
    expect_equal(session$getReturned()$refresh(), 2L)
    status$clear("overview.kpis")
    session$flushReact()
    expect_null(output$banner)
    session$elapse(1000)
    expect_equal(session$getReturned()$refresh(), 2L)
  })
})

test_that("status: freshness follows the chosen time zone", {
  client <- stub_client(health = function() FX_HEALTH(1L))
  tz <- reactiveVal("UTC")
  testServer(mod_status_server, args = list(client = client, status = sbw_status(),
                                            poll_ms = 30000, tz = tz), {
    session$flushReact()
    tz("Asia/Ho_Chi_Minh")
    session$flushReact()
    expect_match(output$freshness$html, "data as of 2026-01-11 16:00 Asia/Ho_Chi_Minh")
  })
})
