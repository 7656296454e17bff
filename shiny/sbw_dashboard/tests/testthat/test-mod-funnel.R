# The Funnel tab: default steps, a custom funnel from the picker, empty state.

funnel_stub <- function(funnel = function(q) if (is.null(q$steps)) FX_FUNNEL else FX_FUNNEL_CUSTOM) {
  stub_client(tables = list(funnel = funnel, breakdown = FX_EVENT_NAMES))
}

test_that("funnel: the default funnel has no steps parameter and its numbers", {
  client <- funnel_stub()
  testServer(mod_funnel_server, args = module_args(client), {
    session$flushReact()
    q <- client$last_query("funnel")
    expect_null(q$steps)
    expect_equal(q$login_state, "all")
    expect_equal(funnel()$sessions, c(3L, 1L, 1L, 1L))
    expect_equal(funnel()$conversion_from_previous, c(100, 33.33, 100, 100))
    expect_equal(funnel()$drop_off, c(0L, 2L, 0L, 0L))
    expect_match(output$note$html, "Default funnel: product_view")
    expect_match(output$table, "add_to_cart_click")
    expect_type(output$chart, "list")
    expect_equal(client$last_query("breakdown")$by, "event_name")
  })
})

test_that("funnel: picked steps go to the API in order; one pick keeps the default", {
  client <- funnel_stub()
  testServer(mod_funnel_server, args = module_args(client), {
    session$flushReact()
    session$setInputs(steps = "page_view")
    expect_null(client$last_query("funnel")$steps)
    expect_match(output$note$html, "Pick at least 2 steps")
    session$setInputs(steps = c("page_view", "checkout_complete"))
    expect_equal(client$last_query("funnel")$steps, "page_view,checkout_complete")
    expect_equal(funnel()$event_name, c("page_view", "checkout_complete"))
    expect_equal(funnel()$conversion_from_first, c(100, 20))
    expect_match(output$note$html, "Custom funnel: page_view")
    session$setInputs(steps = character(0))
    expect_null(client$last_query("funnel")$steps)
  })
})

test_that("funnel: no session at step 1 is an empty state", {
  empty <- FX_FUNNEL
  empty$sessions <- 0L
  client <- funnel_stub(empty)
  testServer(mod_funnel_server, args = module_args(client), {
    session$flushReact()
    expect_error(output$chart, "No events in this range")
    expect_error(output$table, "No events in this range")
  })
})

test_that("funnel: errors reach the banner state; CSV asks for the custom steps", {
  status <- sbw_status()
  client <- funnel_stub(function(q) stop(http_error(400L, "steps: unknown")))
  testServer(mod_funnel_server, args = module_args(client, status = status), {
    session$flushReact()
    session$setInputs(steps = c("page_view", "click"))
    expect_null(funnel())
    expect_equal(status$errors()[["funnel.funnel"]], "The analytics API answered HTTP 400: steps: unknown")
    output$csv_funnel
    expect_equal(client$calls("csv")[[1]]$query$steps, "page_view,click")
  })
})
