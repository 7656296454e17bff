# Shape (a): an array of flat objects.

test_that("an array of objects becomes a typed data.frame in first-seen key order", {
  x <- sbwapi_parse('[
    {"day":"2026-11-20","events":123,"rate":0.5,"name":null,"ok":true},
    {"day":"2026-11-21","events":7,"rate":1,"name":"b","ok":false,"late":"x"}
  ]')
  expect_s3_class(x, "data.frame")
  expect_identical(names(x), c("day", "events", "rate", "name", "ok", "late"))
  expect_identical(nrow(x), 2L)
  expect_identical(x$day, as.Date(c("2026-11-20", "2026-11-21")))
  expect_identical(x$events, c(123L, 7L))
  expect_identical(x$rate, c(0.5, 1))
  expect_identical(x$name, c(NA, "b"))
  expect_identical(x$ok, c(TRUE, FALSE))
  expect_identical(x$late, c(NA, "x"))
  expect_identical(attr(x, "row.names"), 1:2)
})

test_that("missing keys, null values and null rows are NA of the column's type", {
  x <- sbwapi_parse('[{"a":1,"b":"x","c":true,"d":"2026-01-02"}, null, {"d":null}, {"b":"y"}]')
  expect_identical(nrow(x), 4L)
  expect_identical(x$a, c(1L, NA, NA, NA))
  expect_identical(x$b, c("x", NA, NA, "y"))
  expect_identical(x$c, c(TRUE, NA, NA, NA))
  expect_identical(x$d, as.Date(c("2026-01-02", NA, NA, NA)))
})

test_that("keys in a different order per row land in the right columns", {
  x <- sbwapi_parse('[{"a":1,"b":2,"c":3},{"c":30,"a":10,"b":20},{"b":200,"d":4}]')
  expect_identical(names(x), c("a", "b", "c", "d"))
  expect_identical(x$a, c(1L, 10L, NA))
  expect_identical(x$b, c(2L, 20L, 200L))
  expect_identical(x$c, c(3L, 30L, NA))
  expect_identical(x$d, c(NA, NA, 4L))
})

test_that("a duplicate key in one row: the last value wins, other rows unaffected", {
  x <- sbwapi_parse('[{"a":1,"a":2},{"b":3}]')
  expect_identical(x$a, c(2L, NA))
  expect_identical(x$b, c(NA, 3L))
})

test_that("a column of only nulls is logical NA", {
  x <- sbwapi_parse('[{"a":null,"b":1},{"a":null,"b":2}]')
  expect_identical(x$a, c(NA, NA))
})

test_that("strings stay character, never factors, and keep UTF-8", {
  x <- sbwapi_parse('[{"s":"B\\u00e0n ph\\u00edm"},{"s":"\u65e5\u672c \\"q\\" \\\\ \\n"}]')
  expect_type(x$s, "character")
  expect_identical(x$s, c("B\u00e0n ph\u00edm", "\u65e5\u672c \"q\" \\ \n"))
  expect_identical(Encoding(x$s[1]), "UTF-8")
})

test_that("nested objects and arrays in cells become a list column", {
  x <- sbwapi_parse('[{"id":1,"tags":["a","b"],"p":{"price":2}},{"id":2,"tags":null,"p":{"price":3.5}}]')
  expect_type(x$tags, "list")
  expect_identical(x$tags[[1]], c("a", "b"))
  expect_null(x$tags[[2]])
  expect_identical(x$p[[2]], list(price = 3.5))
})

test_that("empty arrays give an empty data.frame", {
  x <- sbwapi_parse("[]")
  expect_s3_class(x, "data.frame")
  expect_identical(dim(x), c(0L, 0L))
})

test_that("a 10k-row table decodes like jsonlite", {
  skip_if_not_installed("jsonlite")
  n <- 10000
  df <- data.frame(i = seq_len(n), d = seq_len(n) / 7, s = sprintf("row %d", seq_len(n)),
                   b = seq_len(n) %% 3 == 0, stringsAsFactors = FALSE)
  df$s[c(5, 50)] <- NA
  df$d[7] <- NA
  txt <- as.character(jsonlite::toJSON(df, digits = NA, na = "null"))
  x <- sbwapi_parse(txt)
  expect_equal(x, jsonlite::fromJSON(txt), tolerance = 1e-12)
  expect_identical(x$s, df$s)
  expect_identical(x$i, df$i)
})
