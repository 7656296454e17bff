# client.R: every HTTP request of the dashboard. sbw_client(base_url) returns a list of
# functions; the modules only call these, so tests pass a stub list with the same functions:
#
#   health()                  GET /api/v1/health -> named list (generation, newest_event_at, ...)
#   table(path, query)        GET /api/v1/<path>?<query> -> data.frame (sbwapi decodes it in C)
#   paged(path, query)        the same for a paged table -> list(rows = data.frame, total = n)
#   csv(path, query, file)    GET ...&format=csv, the body written to file (downloads)
#
# query is a named list (NULL values dropped; Dates as YYYY-MM-DD).

# The API's base URL: env SBW_API_URL, default http://127.0.0.1:8081.
sbw_api_url <- function() {
  u <- Sys.getenv("SBW_API_URL", "")
  if (!nzchar(u)) u <- "http://127.0.0.1:8081"
  sub("/+$", "", u)
}

# A query string like sbwapi's (used for the CSV requests, which sbwapi does not decode).
sbw_query_string <- function(query) {
  query <- query[!vapply(query, is.null, NA)]
  if (length(query) == 0L) return("")
  value <- vapply(query, function(v) {
    if (inherits(v, "Date")) return(format(v, "%Y-%m-%d"))
    if (is.logical(v)) return(if (isTRUE(v)) "true" else "false")
    if (is.numeric(v)) return(format(v, scientific = FALSE, trim = TRUE, digits = 15))
    as.character(v)
  }, "")
  enc <- function(x) vapply(x, utils::URLencode, "", reserved = TRUE, USE.NAMES = FALSE)
  paste0("?", paste0(enc(names(query)), "=", enc(enc2utf8(value)), collapse = "&"))
}

sbw_client <- function(base_url = sbw_api_url(), timeout = 10) {
  base_url <- sub("/+$", "", base_url)
  endpoint <- function(path) paste0(base_url, "/api/v1/", sub("^/+", "", path))
  get <- function(ep, query = NULL, ...) {
    sbwapi::sbwapi_get(endpoint(ep), query = query, timeout = timeout, ...)
  }
  list(
    base_url = base_url,
    health = function() get("health"),
    table = function(path, query = list()) get(path, query, table = TRUE),
    # sbwapi decodes the table and drops the envelope, so the total is a second, cached,
    # request for the "total" member of the same answer.
    paged = function(path, query = list()) {
      rows <- get(path, query, table = TRUE)
      total <- get(path, query, path = "total")
      list(rows = rows, total = if (is.null(total)) nrow(rows) else as.numeric(total))
    },
    csv = function(path, query = list(), file) {
      url <- paste0(endpoint(path), sbw_query_string(c(query, list(format = "csv"))))
      # A non-2xx status makes url() fail with a warning naming the status.
      con <- tryCatch(url(url, open = "rb", method = "libcurl"),
                      warning = function(w) stop(conditionMessage(w), call. = FALSE))
      on.exit(close(con), add = TRUE)
      body <- readBin(con, "raw", n = 256 * 1024^2)
      writeBin(body, file)
      invisible(file)
    }
  )
}
