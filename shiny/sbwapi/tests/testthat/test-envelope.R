# Tables under a member of an envelope object: path.

env <- '{"generation":4,"as_of":"2026-11-20T10:00:00Z",
         "data":[{"day":"2026-11-20","events":5},{"day":"2026-11-21","events":6}],
         "meta":{"table":{"columns":["k","v"],"rows":[["a",1]]}}}'

test_that("path selects a member; the whole envelope decodes too", {
  x <- sbwapi_parse(env, path = "data")
  expect_identical(x, data.frame(day = as.Date(c("2026-11-20", "2026-11-21")), events = 5:6))
  all <- sbwapi_parse(env)
  expect_identical(all$generation, 4L)
  expect_identical(all$data, x)
  expect_identical(all$meta$table, data.frame(k = "a", v = 1L))
})

test_that("nested paths: a character vector or 'a/b'", {
  want <- data.frame(k = "a", v = 1L)
  expect_identical(sbwapi_table(env, path = c("meta", "table")), want)
  expect_identical(sbwapi_table(env, path = "meta/table"), want)
  expect_identical(sbwapi_parse(env, path = "generation"), 4L)
})

test_that("sbwapi_table returns empty tables and refuses non-tables", {
  expect_identical(dim(sbwapi_table('{"data":[]}', path = "data")), c(0L, 0L))
  e <- expect_error(sbwapi_table(env, path = "generation"), class = "sbwapi_shape_error")
  expect_match(conditionMessage(e), "not a table")
  expect_error(sbwapi_table('[1,2]'), class = "sbwapi_shape_error")
  expect_error(sbwapi_table(env, path = "meta"), "at path meta is not a table")
  expect_error(sbwapi_table('{"a":{"b":1}}', path = "a/b"), "at path a/b is not a table")
  expect_error(sbwapi_parse(env, path = "nope"), class = "sbwapi_shape_error")
  e <- expect_error(sbwapi_parse(env, path = "generation/x"), class = "sbwapi_shape_error")
  expect_match(conditionMessage(e), "generation/x")
  expect_s3_class(e, "sbwapi_error")
})

test_that("a columns/rows object inside an array of records is a list cell", {
  x <- sbwapi_parse('[{"t":{"columns":["a"],"rows":[[1]]}}]')
  expect_identical(x$t[[1]], data.frame(a = 1L))
})
