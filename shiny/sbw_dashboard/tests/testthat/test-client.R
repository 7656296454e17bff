# R/client.R against a local HTTP responder: URLs, decoding, totals, CSV, errors.

test_that("client: base URL from SBW_API_URL, default 127.0.0.1:8081", {
  withr_env <- Sys.getenv("SBW_API_URL", unset = NA)
  on.exit(if (is.na(withr_env)) Sys.unsetenv("SBW_API_URL") else Sys.setenv(SBW_API_URL = withr_env))
  Sys.unsetenv("SBW_API_URL")
  expect_equal(sbw_api_url(), "http://127.0.0.1:8081")
  Sys.setenv(SBW_API_URL = "http://api.local:9000/")
  expect_equal(sbw_api_url(), "http://api.local:9000")
  expect_equal(sbw_client("http://x:1//")$base_url, "http://x:1")
})

test_that("client: query strings like sbwapi's", {
  expect_equal(sbw_query_string(list()), "")
  expect_equal(sbw_query_string(list(from = as.Date("2026-01-10"), tz = "Asia/Ho_Chi_Minh",
                                     steps = "a,b", product_only = TRUE, limit = 1000L,
                                     skip = NULL)),
               "?from=2026-01-10&tz=Asia%2FHo_Chi_Minh&steps=a%2Cb&product_only=true&limit=1000")
})

test_that("client: table() decodes a table and sends the query", {
  h <- serve(list(list(status = "200 OK", body =
    '{"columns":["day","events"],"types":["date","integer"],"rows":[["2026-01-10",14],["2026-01-11",2]],"generation":1}')))
  df <- sbw_client(h$url)$table("timeseries", list(from = as.Date("2026-01-10"),
                                                   to = as.Date("2026-01-11"), tz = "UTC"))
  req <- served(h)
  expect_equal(req, "GET /api/v1/timeseries?from=2026-01-10&to=2026-01-11&tz=UTC HTTP/1.1")
  expect_equal(df$day, as.Date(c("2026-01-10", "2026-01-11")))
  expect_identical(df$events, c(14L, 2L))
})

test_that("client: paged() returns the rows and the envelope's total", {
  body <- '{"columns":["session_key","events"],"types":["string","integer"],"rows":[["s:a",3]],"total":41,"limit":1,"offset":20}'
  h <- serve(list(list(status = "200 OK", body = body), list(status = "200 OK", body = body)))
  p <- sbw_client(h$url)$paged("sessions", list(limit = 1L, offset = 20L))
  req <- served(h)
  expect_equal(req, rep("GET /api/v1/sessions?limit=1&offset=20 HTTP/1.1", 2))
  expect_equal(p$total, 41)
  expect_equal(p$rows$session_key, "s:a")
})

test_that("client: health() is a named list with times", {
  h <- serve(list(list(status = "200 OK", body =
    '{"status":"ok","generation":3,"newest_event_at":"2026-01-11T09:00:00Z","last_refresh_at":"2026-11-27T03:24:31.51Z"}')))
  x <- sbw_client(h$url)$health()
  expect_equal(served(h), "GET /api/v1/health HTTP/1.1")
  expect_equal(x$generation, 3L)
  expect_equal(format(x$newest_event_at, "%Y-%m-%d %H:%M", tz = "UTC"), "2026-01-11 09:00")
})

test_that("client: csv() writes the API's CSV body and adds format=csv", {
  h <- serve(list(list(status = "200 OK", type = "text/csv",
                       body = "brand,events\r\nAULA,3\r\nUNKNOWN,1\r\n")))
  f <- tempfile(fileext = ".csv")
  sbw_client(h$url)$csv("brands/top", list(by = "events"), f)
  expect_equal(served(h), "GET /api/v1/brands/top?by=events&format=csv HTTP/1.1")
  expect_equal(readLines(f), c("brand,events", "AULA,3", "UNKNOWN,1"))
})

test_that("client: HTTP and connection failures are classed errors with a clear message", {
  h <- serve(list(list(status = "400 Bad Request",
                       body = '{"error":{"status":400,"parameter":"from","message":"from: 2026-01-12 is after to (2026-01-10)"}}')))
  err <- tryCatch(sbw_client(h$url)$table("kpis", list()), error = function(e) e)
  served(h)
  expect_s3_class(err, "sbwapi_http_error")
  expect_equal(sbw_error_message(err),
               "The analytics API answered HTTP 400: from: 2026-01-12 is after to (2026-01-10)")
  err <- tryCatch(sbw_client(closed_port_url(), timeout = 5)$health(), error = function(e) e)
  expect_s3_class(err, "sbwapi_connection_error")
  expect_match(sbw_error_message(err), "^The analytics API cannot be reached")

  h <- serve(list(list(status = "503 Service Unavailable", body = "{}")))
  expect_error(sbw_client(h$url)$csv("kpis", list(), tempfile()), "503")
  served(h)
})
