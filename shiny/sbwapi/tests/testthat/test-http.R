# sbwapi_get against a real socket: success, HTTP errors, connection errors, limits.

test_that("a 200 JSON table is fetched and decoded, with path", {
  h <- serve_once("200 OK", '{"generation":7,"data":[{"day":"2026-11-20","events":5,"rate":null}]}')
  x <- sbwapi_get(paste0(h$url, "/api/v1/daily?from=2026-11-20"), path = "data")
  req <- served_request(h)
  expect_identical(x, data.frame(day = as.Date("2026-11-20"), events = 5L, rate = NA))
  expect_identical(req[1], "GET /api/v1/daily?from=2026-11-20 HTTP/1.1")
  expect_true(any(grepl("^Accept: application/json", req)))
})

test_that("a scalar object is fetched as a named list", {
  h <- serve_once("200 OK", '{"status":"ok","generation":4,"as_of":"2026-11-20T10:00:00Z"}')
  x <- sbwapi_get(paste0(h$url, "/api/v1/health"))
  served_request(h)
  expect_identical(x$generation, 4L)
  expect_identical(x$as_of, as.POSIXct("2026-11-20 10:00:00", tz = "UTC"))
})

test_that("non-2xx is an sbwapi_http_error with the status and the server's message", {
  h <- serve_once("500 Internal Server Error", '{"error":"database unavailable"}')
  e <- expect_error(sbwapi_get(paste0(h$url, "/api/v1/kpis")), class = "sbwapi_http_error")
  served_request(h)
  expect_identical(e$status, 500L)
  expect_identical(e$server_message, "database unavailable")
  expect_match(conditionMessage(e), "HTTP 500: database unavailable", fixed = TRUE)
  expect_s3_class(e, "sbwapi_error")

  h <- serve_once("400 Bad Request", '{"error":{"code":"bad_range","message":"from must be <= to"}}')
  e <- expect_error(sbwapi_get(paste0(h$url, "/x")), class = "sbwapi_http_error")
  served_request(h)
  expect_identical(e$status, 400L)
  expect_identical(e$server_message, "from must be <= to")

  h <- serve_once("404 Not Found", '{"message":"no such endpoint"}')
  e <- expect_error(sbwapi_get(paste0(h$url, "/x")), class = "sbwapi_http_error")
  served_request(h)
  expect_identical(e$status, 404L)
  expect_identical(e$server_message, "no such endpoint")

  h <- serve_once("502 Bad Gateway", "<html>bad gateway</html>")
  e <- expect_error(sbwapi_get(paste0(h$url, "/x")), class = "sbwapi_http_error")
  served_request(h)
  expect_identical(e$status, 502L)
  expect_identical(e$server_message, NA_character_)
  expect_identical(e$body, "<html>bad gateway</html>")
})

test_that("redirects are not followed", {
  h <- serve_once("302 Found", "", headers = "Location: http://127.0.0.1:1/elsewhere")
  e <- expect_error(sbwapi_get(paste0(h$url, "/x")), class = "sbwapi_http_error")
  served_request(h)
  expect_identical(e$status, 302L)
})

test_that("a 200 with malformed JSON is an sbwapi_json_error naming the URL", {
  h <- serve_once("200 OK", '{"data":[{"a":1},]}')
  e <- expect_error(sbwapi_get(paste0(h$url, "/x")), class = "sbwapi_json_error")
  served_request(h)
  expect_identical(e$offset, 17)
  expect_match(conditionMessage(e), "GET http://127.0.0.1:[0-9]+/x: malformed JSON at byte offset 17")
})

test_that("connection refused is an sbwapi_connection_error", {
  port <- closed_port()
  e <- expect_error(sbwapi_get(sprintf("http://127.0.0.1:%d/api/v1/health", port)),
                    class = "sbwapi_connection_error")
  expect_s3_class(e, "sbwapi_error")
  expect_identical(e$status, NA_integer_)
  expect_error(sbwapi_get("ftp://127.0.0.1/x"), class = "sbwapi_connection_error")
})

test_that("a server slower than the timeout is an sbwapi_connection_error", {
  h <- serve_once("200 OK", "[]", delay = 5)
  t0 <- Sys.time()
  e <- expect_error(sbwapi_get(paste0(h$url, "/slow"), timeout = 0.5), class = "sbwapi_connection_error")
  elapsed <- as.numeric(Sys.time() - t0, units = "secs")
  served_request(h, kill = TRUE)
  expect_lt(elapsed, 3)
  expect_match(conditionMessage(e), "[Tt]imeout|timed out")
})

test_that("a body over max_bytes is an sbwapi_limit_error", {
  h <- serve_once("200 OK", paste0("[", paste(rep("1", 1000), collapse = ","), "]"))
  e <- expect_error(sbwapi_get(paste0(h$url, "/big"), max_bytes = 100), class = "sbwapi_limit_error")
  served_request(h)
  expect_match(conditionMessage(e), "exceeds 100 bytes")
})

test_that("query values are encoded into the URL", {
  h <- serve_once("200 OK", "[]")
  sbwapi_get(paste0(h$url, "/api/v1/events"),
             query = list(from = as.Date("2026-11-20"), tz = "Asia/Ho_Chi_Minh", state = NULL,
                          q = "a b&c=d", page = 2, desc = TRUE))
  req <- served_request(h)
  expect_identical(req[1], "GET /api/v1/events?from=2026-11-20&tz=Asia%2FHo_Chi_Minh&q=a%20b%26c%3Dd&page=2&desc=true HTTP/1.1")
  expect_error(sbwapi_get("http://127.0.0.1:1/", query = list(1)), "named list")
  expect_error(sbwapi_get("http://127.0.0.1:1/", query = list(a = 1:2)), "single")
})
