# sbwapi.R: the package's R surface; fetching and decoding happen in C (src/), this file checks
# arguments and turns C-reported failures into classed R conditions.

# Fetch an API endpoint and decode its JSON (see man/sbwapi.Rd).
sbwapi_get <- function(url, path = NULL, timeout = 10, max_bytes = 256 * 1024^2, table = FALSE,
                       query = NULL) {
  if (!is.character(url) || length(url) != 1L || is.na(url)) {
    stop("url must be a single non-NA string")
  }
  url <- sbwapi_query_url(url, query)
  if (!is.numeric(timeout) || length(timeout) != 1L || is.na(timeout) || timeout <= 0) {
    stop("timeout must be a positive number of seconds")
  }
  if (!is.numeric(max_bytes) || length(max_bytes) != 1L || is.na(max_bytes) || max_bytes < 1) {
    stop("max_bytes must be a positive number")
  }
  out <- .Call(C_sbwapi_c_get, enc2utf8(url), sbwapi_path(path), isTRUE(table),
               as.double(timeout), as.double(max_bytes))
  sbwapi_result(out, sys.call())
}

# Decode JSON text (see man/sbwapi.Rd).
sbwapi_parse <- function(json, path = NULL, table = FALSE) {
  out <- .Call(C_sbwapi_c_parse, sbwapi_text(json), sbwapi_path(path), isTRUE(table))
  sbwapi_result(out, sys.call())
}

# Decode JSON text that must be a table (see man/sbwapi.Rd).
sbwapi_table <- function(json, path = NULL) {
  out <- .Call(C_sbwapi_c_parse, sbwapi_text(json), sbwapi_path(path), TRUE)
  sbwapi_result(out, sys.call())
}

# JSON text as one UTF-8 string: a character vector is joined with newlines, a raw vector is
# read as UTF-8 bytes.
sbwapi_text <- function(json) {
  if (is.raw(json)) json <- rawToChar(json)
  if (!is.character(json) || length(json) < 1L || anyNA(json)) {
    stop("json must be a non-NA character string (or a raw vector)")
  }
  if (length(json) > 1L) json <- paste(json, collapse = "\n")
  enc2utf8(json)
}

# path: NULL, or member names as a character vector and/or "a/b" strings -> character vector.
sbwapi_path <- function(path) {
  if (is.null(path)) return(character(0))
  if (!is.character(path) || anyNA(path)) stop("path must be NULL or a character vector")
  parts <- unlist(strsplit(path, "/", fixed = TRUE), use.names = FALSE)
  enc2utf8(parts[nzchar(parts)])
}

# A value from C, or an error condition built from its "sbwapi_failure" report.
sbwapi_result <- function(out, call) {
  if (!inherits(out, "sbwapi_failure")) return(out)
  cond <- structure(
    class = c(paste0("sbwapi_", out$kind, "_error"), "sbwapi_error", "error", "condition"),
    list(message = out$message, call = call, status = out$status, offset = out$offset,
         url = out$url, server_message = out$server_message, body = out$body)
  )
  stop(cond)
}

# url with query appended: a named list (or named vector) of single values, NULL ones dropped,
# names and values percent-encoded; Date as YYYY-MM-DD, POSIXct as UTC ISO 8601, logical as
# true/false.
sbwapi_query_url <- function(url, query) {
  if (is.null(query) || length(query) == 0L) return(url)
  query <- as.list(query)
  if (is.null(names(query)) || any(!nzchar(names(query)))) stop("query must be a named list")
  query <- query[!vapply(query, is.null, NA)]
  if (length(query) == 0L) return(url)
  value <- vapply(query, function(v) {
    if (length(v) != 1L || is.na(v)) stop("query values must be single non-NA values")
    if (inherits(v, "Date")) return(format(v, "%Y-%m-%d"))
    if (inherits(v, "POSIXt")) return(format(v, "%Y-%m-%dT%H:%M:%SZ", tz = "UTC"))
    if (is.logical(v)) return(if (v) "true" else "false")
    if (is.numeric(v)) return(format(v, scientific = FALSE, trim = TRUE, digits = 15))
    as.character(v)
  }, "")
  enc <- function(x) vapply(x, utils::URLencode, "", reserved = TRUE, USE.NAMES = FALSE)
  pairs <- paste0(enc(names(query)), "=", enc(enc2utf8(value)))
  paste0(url, if (grepl("?", url, fixed = TRUE)) "&" else "?", paste(pairs, collapse = "&"))
}
