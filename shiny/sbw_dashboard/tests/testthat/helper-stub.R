# A stub client with the same functions as sbw_client(): answers come from fixed tables
# (decoded from API-shaped JSON by sbwapi, so types are the real ones), every call is logged.

# An error like the one sbwapi raises for an HTTP failure.
http_error <- function(status = 503L, message = "warehouse unavailable") {
  structure(class = c("sbwapi_http_error", "sbwapi_error", "error", "condition"),
            list(message = sprintf("GET http://api/x: HTTP %d: %s", status, message),
                 call = NULL, status = status, server_message = message))
}
connection_error <- function() {
  structure(class = c("sbwapi_connection_error", "sbwapi_error", "error", "condition"),
            list(message = "GET http://api/x: Couldn't connect to server", call = NULL))
}

# tables: named list path -> data.frame, or function(query) returning one (or raising).
# paged: named list path -> function(query) returning list(rows, total).
stub_client <- function(tables = list(), paged = list(), health = NULL) {
  log <- new.env()
  log$calls <- list()
  rec <- function(kind, path, query) {
    log$calls[[length(log$calls) + 1L]] <- list(kind = kind, path = path, query = query)
  }
  answer <- function(v, query, path) {
    if (is.null(v)) stop("stub has no answer for ", path)
    if (is.function(v)) v(query) else v
  }
  list(
    calls = function(kind = NULL, path = NULL) {
      Filter(function(c) (is.null(kind) || c$kind == kind) && (is.null(path) || c$path == path),
             log$calls)
    },
    last_query = function(path) {
      cc <- Filter(function(c) c$path == path && c$kind != "csv", log$calls)
      if (length(cc) == 0L) NULL else cc[[length(cc)]]$query
    },
    health = function() {
      rec("health", "health", NULL)
      if (is.function(health)) health() else health
    },
    table = function(path, query = list()) {
      rec("table", path, query)
      answer(tables[[path]], query, path)
    },
    paged = function(path, query = list()) {
      rec("paged", path, query)
      answer(paged[[path]], query, path)
    },
    csv = function(path, query = list(), file) {
      rec("csv", path, query)
      writeLines(c("a,b", "1,2"), file)
      invisible(file)
    }
  )
}

# Filters of the fixture range.
fixture_filters <- function(from = "2026-01-10", to = "2026-01-11", tz = "UTC", login_state = "all") {
  list(from = as.Date(from), to = as.Date(to), tz = tz, login_state = login_state)
}

# Runs a module server with a stub, fixed filters and refresh = 1.
module_args <- function(client, filters = shiny::reactive(fixture_filters()),
                        refresh = shiny::reactiveVal(1L), status = sbw_status()) {
  list(client = client, filters = filters, refresh = refresh, status = status)
}
