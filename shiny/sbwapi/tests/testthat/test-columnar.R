# Shape (b): {"columns": [...], "rows": [[...], ...], "types": [...]?}.

test_that("columns and rows become a data.frame with inferred types", {
  x <- sbwapi_parse('{"columns":["day","events","rate","name"],
                      "rows":[["2026-11-20",123,0.5,null],["2026-11-21",4,null,"n"]]}')
  expect_identical(names(x), c("day", "events", "rate", "name"))
  expect_identical(x$day, as.Date(c("2026-11-20", "2026-11-21")))
  expect_identical(x$events, c(123L, 4L))
  expect_identical(x$rate, c(0.5, NA))
  expect_identical(x$name, c(NA, "n"))
})

test_that("declared types win over inference", {
  x <- sbwapi_parse('{"columns":["a","b","c","d","e"],
                      "types":["double","string","date","datetime","boolean"],
                      "rows":[[1,2,"2026-11-20","2026-11-20",true],[3,4.5,"2026-11-21T23:30:00-02:00","2026-11-20T01:02:03Z",null]]}')
  expect_identical(x$a, c(1, 3))
  expect_identical(x$b, c("2", "4.5"))
  expect_identical(x$c, as.Date(c("2026-11-20", "2026-11-22")))
  expect_identical(as.numeric(x$d), as.numeric(as.POSIXct(c("2026-11-20 00:00:00", "2026-11-20 01:02:03"), tz = "UTC")))
  expect_identical(x$e, c(TRUE, NA))
})

test_that("a declared integer that does not fit int32 becomes double, not wrong", {
  x <- sbwapi_parse('{"columns":["n"],"types":["bigint"],"rows":[[1],[5000000000]]}')
  expect_identical(x$n, c(1, 5e9))
  y <- sbwapi_parse('{"columns":["n"],"types":["integer"],"rows":[[1],[2]]}')
  expect_identical(y$n, c(1L, 2L))
})

test_that("values that do not fit a declared type become NA with a warning", {
  expect_warning(x <- sbwapi_parse('{"columns":["n","d"],"types":["integer","date"],"rows":[[1,"2026-01-01"],["x","soon"]]}'),
                 "2 JSON value")
  expect_identical(x$n, c(1L, NA))
  expect_identical(x$d, as.Date(c("2026-01-01", NA)))
})

test_that("short rows are padded with NA; long rows warn and drop the extra cells", {
  x <- sbwapi_parse('{"columns":["a","b"],"rows":[[1],[2,"y"],null]}')
  expect_identical(x$a, c(1L, 2L, NA))
  expect_identical(x$b, c(NA, "y", NA))
  expect_warning(y <- sbwapi_parse('{"columns":["a"],"rows":[[1,2]]}'), "1 JSON value")
  expect_identical(y, data.frame(a = 1L))
})

test_that("0-row tables keep their columns, typed when types are given", {
  x <- sbwapi_parse('{"columns":["day","n","at","s"],"types":["date","integer","timestamptz","text"],"rows":[]}')
  expect_identical(names(x), c("day", "n", "at", "s"))
  expect_identical(nrow(x), 0L)
  expect_s3_class(x$day, "Date")
  expect_identical(x$n, integer(0))
  expect_s3_class(x$at, "POSIXct")
  expect_identical(x$s, character(0))
  y <- sbwapi_parse('{"columns":["a","b"],"rows":[]}')
  expect_identical(names(y), c("a", "b"))
  expect_identical(y$a, logical(0))
})

test_that("unknown type names fall back to inference", {
  x <- sbwapi_parse('{"columns":["a"],"types":["uuid"],"rows":[[1],[2]]}')
  expect_identical(x$a, 1:2)
})

test_that("columns may be {name, type} objects; a types array still wins", {
  x <- sbwapi_parse('{"columns":[{"name":"day","type":"date"},{"name":"n","type":"double"},{"name":"s"}],
                      "rows":[["2026-11-20",1,"a"]]}')
  expect_identical(x, data.frame(day = as.Date("2026-11-20"), n = 1, s = "a"))
  y <- sbwapi_parse('{"columns":[{"name":"n","type":"double"}],"types":["integer"],"rows":[[1]]}')
  expect_identical(y$n, 1L)
  z <- sbwapi_parse('{"columns":[{"type":"date"}],"rows":[]}')
  expect_type(z, "list")
  expect_false(is.data.frame(z))
})
