# The Sessions tab: summary tiles, durations, the paged and sorted session list.

sessions_stub <- function(total = 45, summary = FX_SUMMARY) {
  stub_client(
    tables = list(`sessions/summary` = summary, `sessions/durations` = FX_DURATIONS),
    paged = list(sessions = function(q) {
      n <- max(0, min(q$limit, total - q$offset))
      list(rows = fx_sessions(n, q$offset), total = total)
    }))
}

test_that("sessions: summary tiles carry raw values", {
  client <- sessions_stub()
  testServer(mod_sessions_server, args = module_args(client), {
    session$flushReact()
    html <- output$summary$html
    expect_match(html, '<div class="sbw-stat card" data-metric="sessions" data-value="6">')
    expect_match(html, 'data-metric="median_duration_s" data-value="30"')
    expect_match(html, '<div class="sbw-stat-value">4m 00s</div>') # p90 240 s
    expect_match(html, '<div class="sbw-stat-value">2.7</div>') # avg events 2.67
    st <- sbw_session_stats(FX_SUMMARY)
    expect_equal(st$formatted[st$metric == "bounce_rate"], "33.33%")
    expect_equal(st$formatted[st$metric == "revenue"], "80 VND")
    expect_equal(durations()$sessions, c(3L, 0L, 1L, 1L, 1L, 0L, 0L))
    expect_match(output$durations, "30m\\+")
    expect_type(output$durations_plot, "list")
  })
})

test_that("sessions: the list pages by 20 and a new sort starts at page 1", {
  client <- sessions_stub(45)
  testServer(mod_sessions_server, args = module_args(client), {
    session$flushReact()
    expect_equal(output$page, "Page 1 of 3")
    q <- client$last_query("sessions")
    expect_equal(q[c("sort", "limit", "offset")], list(sort = "started_at", limit = 20L, offset = 0L))
    expect_equal(sessions()$rows$session_id[1], "s1")
    session$setInputs(`next` = 1)
    expect_equal(output$page, "Page 2 of 3")
    expect_equal(client$last_query("sessions")$offset, 20L)
    expect_equal(sessions()$rows$session_id[1], "s21")
    session$setInputs(sort = "revenue")
    expect_equal(output$page, "Page 1 of 3")
    q <- client$last_query("sessions")
    expect_equal(q$sort, "revenue")
    expect_equal(q$offset, 0L)
    session$setInputs(prev = 1) # already on page 1
    expect_equal(output$page, "Page 1 of 3")
    expect_match(output$list, "s1")
    output$csv_sessions
    csv <- client$calls("csv")[[1]]
    expect_equal(csv$query[c("sort", "limit")], list(sort = "revenue", limit = 1000L))
  })
})

test_that("sessions: no sessions is the empty state", {
  client <- sessions_stub(0, FX_SUMMARY_EMPTY)
  testServer(mod_sessions_server, args = module_args(client), {
    session$flushReact()
    expect_match(output$summary$html, "No events in this range")
    expect_error(output$durations_plot, "No events in this range")
    expect_equal(output$page, "Page 1 of 1")
    expect_error(output$list, "No events in this range")
  })
})

test_that("sessions: an error reaches the banner state", {
  status <- sbw_status()
  client <- stub_client(tables = list(`sessions/summary` = function(q) stop(connection_error()),
                                      `sessions/durations` = FX_DURATIONS),
                        paged = list(sessions = function(q) stop(connection_error())))
  testServer(mod_sessions_server, args = module_args(client, status = status), {
    session$flushReact()
    output$page
    expect_match(status$errors()[["sessions.summary"]], "cannot be reached")
    expect_match(status$errors()[["sessions.list"]], "cannot be reached")
    expect_equal(output$page, "Page 1 of 1")
  })
})
