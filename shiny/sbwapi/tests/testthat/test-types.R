# Column type inference.

col <- function(values) sbwapi_parse(sprintf('{"columns":["v"],"rows":[%s]}',
                                             paste0("[", values, "]", collapse = ",")))$v

test_that("integers within int32 are integer, anything else is double", {
  expect_identical(col(c("1", "-2", "2147483647", "-2147483647")), c(1L, -2L, 2147483647L, -2147483647L))
  expect_identical(col(c("1", "2147483648")), c(1, 2147483648))
  expect_identical(col(c("1", "-2147483648")), c(1, -2147483648)) # INT_MIN is R's NA_integer_
  expect_identical(col(c("1", "1.5")), c(1, 1.5))
  expect_identical(col(c("1e3", "2")), c(1000L, 2L)) # by value: 1e3 is the integer 1000
  expect_equal(col(c("1", "null", "1e300")), c(1, NA, 1e300), tolerance = 1e-15)
  expect_type(col(c("1", "null", "1e300")), "double")
})

test_that("booleans are logical; booleans mixed with numbers are numeric", {
  expect_identical(col(c("true", "false", "null")), c(TRUE, FALSE, NA))
  expect_identical(col(c("true", "2")), c(1L, 2L))
})

test_that("YYYY-MM-DD strings are Date; an invalid day or one other string makes character", {
  expect_identical(col(c('"2026-11-20"', "null", '"2024-02-29"')), as.Date(c("2026-11-20", NA, "2024-02-29")))
  expect_identical(col(c('"2026-11-20"', '"2026-02-30"')), c("2026-11-20", "2026-02-30"))
  expect_identical(col(c('"2026-11-20"', '"x"')), c("2026-11-20", "x"))
  expect_identical(col(c('"2026-11-20"', '"2026-11-20 "')), c("2026-11-20", "2026-11-20 "))
  expect_identical(col('"1970-01-01"'), as.Date("1970-01-01"))
  expect_identical(col('"1969-12-31"'), as.Date("1969-12-31"))
})

test_that("ISO 8601 date-times are POSIXct in UTC, offsets applied", {
  v <- col(c('"2026-11-20T10:00:00Z"', '"2026-11-20T10:00:00+02:00"', '"2026-11-20T10:00:00-05:30"',
             '"2026-11-20T10:00:00.250Z"', '"2026-11-20 10:00:00+0100"', '"2026-11-20t10:00:00+03"', "null"))
  expect_s3_class(v, "POSIXct")
  expect_identical(attr(v, "tzone"), "UTC")
  base <- as.numeric(as.POSIXct("2026-11-20 10:00:00", tz = "UTC"))
  expect_equal(as.numeric(v), c(base, base - 7200, base + 5.5 * 3600, base + 0.25, base - 3600,
                                base - 3 * 3600, NA))
})

test_that("date-times without a zone, or mixed with plain dates, stay character", {
  expect_identical(col('"2026-11-20T10:00:00"'), "2026-11-20T10:00:00")
  expect_identical(col(c('"2026-11-20T10:00:00Z"', '"2026-11-20"')), c("2026-11-20T10:00:00Z", "2026-11-20"))
  expect_identical(col('"2026-11-20T24:00:00Z"'), "2026-11-20T24:00:00Z")
})

test_that("numbers mixed with strings make a character column (numbers as JSON text)", {
  expect_identical(col(c('"a"', "1", "0.5", "1e20", "true", "null")), c("a", "1", "0.5", "1e+20", "true", NA))
})

test_that("scalar objects become named lists with typed scalars", {
  x <- sbwapi_parse('{"status":"ok","generation":4,"ratio":0.25,"ready":true,"missing":null,
                      "day":"2026-11-20","as_of":"2026-11-20T10:00:00Z","big":3000000000,"nested":{"a":[1,2]}}')
  expect_type(x, "list")
  expect_identical(names(x), c("status", "generation", "ratio", "ready", "missing", "day", "as_of", "big", "nested"))
  expect_identical(x$status, "ok")
  expect_identical(x$generation, 4L)
  expect_identical(x$ratio, 0.25)
  expect_identical(x$ready, TRUE)
  expect_null(x$missing)
  expect_identical(x$day, as.Date("2026-11-20"))
  expect_identical(x$as_of, as.POSIXct("2026-11-20 10:00:00", tz = "UTC"))
  expect_identical(x$big, 3e9)
  expect_identical(x$nested, list(a = 1:2))
  expect_identical(sbwapi_parse("{}"), setNames(list(), character(0)))
})

test_that("arrays of scalars become vectors; mixed arrays become lists", {
  expect_identical(sbwapi_parse('[1,2,null]'), c(1L, 2L, NA))
  expect_identical(sbwapi_parse('["a","b"]'), c("a", "b"))
  expect_identical(sbwapi_parse('[1,[2],{"a":3}]'), list(1L, 2L, list(a = 3L)))
  expect_identical(sbwapi_parse('[null,null]'), c(NA, NA))
  expect_identical(sbwapi_parse('"x"'), "x")
  expect_null(sbwapi_parse("null"))
})

test_that("raw and multi-element character input are accepted", {
  expect_identical(sbwapi_parse(charToRaw('[{"a":1}]')), data.frame(a = 1L))
  expect_identical(sbwapi_parse(c('[{"a":', "1}]")), data.frame(a = 1L))
})
