# Malformed JSON and bad arguments: classed R errors, never a crash.

test_that("malformed JSON is an sbwapi_json_error with the byte offset", {
  e <- expect_error(sbwapi_parse('{"a": [1, 2,, 3]}'), class = "sbwapi_json_error")
  expect_identical(e$offset, 12)
  expect_match(conditionMessage(e), "byte offset 12")
  expect_s3_class(e, "sbwapi_error")
  e <- expect_error(sbwapi_parse('[{"a":1}] trailing'), class = "sbwapi_json_error")
  expect_identical(e$offset, 10)
  e <- expect_error(sbwapi_parse(""), class = "sbwapi_json_error")
  expect_identical(e$offset, 0)
  expect_match(conditionMessage(e), "empty input")
  expect_error(sbwapi_parse('[{"a":1},'), class = "sbwapi_json_error")
  expect_error(sbwapi_parse('{"a":"unterminated'), class = "sbwapi_json_error")
  expect_error(sbwapi_parse("{'a':1}"), class = "sbwapi_json_error")
  expect_error(sbwapi_parse("[NaN]"), class = "sbwapi_json_error")
})

test_that("very deep nesting is an error, not a stack overflow", {
  deep <- paste0(strrep("[", 100000), strrep("]", 100000))
  expect_error(sbwapi_parse(deep), class = "sbwapi_json_error")
})

test_that("bad arguments are plain R errors", {
  expect_error(sbwapi_parse(NA_character_), "json must be")
  expect_error(sbwapi_parse(1), "json must be")
  expect_error(sbwapi_parse("[]", path = 1), "path must be")
  expect_error(sbwapi_get(NA_character_), "url must be")
  expect_error(sbwapi_get("http://127.0.0.1:1/", timeout = 0), "timeout must be")
})

test_that("mutated inputs decode or fail cleanly (no crash)", {
  set.seed(1)
  base <- '{"generation":4,"data":[{"day":"2026-11-20","n":1,"r":0.5,"s":"x\\u00e9","b":true,"z":null}],"t":{"columns":["a"],"rows":[[1]]}}'
  bytes <- charToRaw(base)
  alphabet <- charToRaw('{}[]",:0123456789.-eE tfnul\\')
  outcomes <- character(0)
  for (i in 1:2000) {
    b <- bytes
    k <- sample.int(length(b), sample.int(3, 1))
    b[k] <- alphabet[sample.int(length(alphabet), length(k), TRUE)]
    if (runif(1) < 0.2) b <- b[seq_len(sample.int(length(b), 1))]
    r <- tryCatch({ sbwapi_parse(rawToChar(b)); "ok" },
                  sbwapi_json_error = function(e) "json", warning = function(w) "warning")
    outcomes <- c(outcomes, r)
  }
  expect_true(all(outcomes %in% c("ok", "json", "warning")))
  expect_true(any(outcomes == "ok"))
  expect_true(any(outcomes == "json"))
})
