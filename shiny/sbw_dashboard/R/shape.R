# shape.R: pure data-shaping and formatting functions of the dashboard (no Shiny, no HTTP).
# Every function here is unit tested in tests/testthat/test-shape.R.

# ---- filters and time ---------------------------------------------------------------------

SBW_LOGIN_STATES <- c("all", "logged_in", "anonymous", "guest")
SBW_TIME_ZONES <- c("UTC", "Asia/Ho_Chi_Minh", "Europe/London", "America/New_York")
SBW_PAGE_SIZE <- 20L

# Today's date in time zone tz.
sbw_today <- function(tz = "UTC", now = Sys.time()) {
  as.Date(format(now, "%Y-%m-%d", tz = tz))
}

# The default range: the 7 days ending today (inclusive).
sbw_default_range <- function(today) {
  today <- as.Date(today)
  c(today - 6, today)
}

# The common query of every table endpoint, or an error (class sbw_filter_error) when the
# range is unusable.
sbw_filter_query <- function(from, to, tz = "UTC", login_state = "all") {
  from <- as.Date(from)
  to <- as.Date(to)
  if (length(from) != 1L || length(to) != 1L || is.na(from) || is.na(to)) {
    stop(structure(class = c("sbw_filter_error", "error", "condition"),
                   list(message = "Pick a start and an end date.", call = NULL)))
  }
  if (from > to) {
    stop(structure(class = c("sbw_filter_error", "error", "condition"),
                   list(message = sprintf("The start date %s is after the end date %s.",
                                          format(from), format(to)), call = NULL)))
  }
  if (!login_state %in% SBW_LOGIN_STATES) login_state <- "all"
  if (is.null(tz) || !nzchar(tz)) tz <- "UTC"
  list(from = from, to = to, tz = tz, login_state = login_state)
}

# Number of days of an inclusive range.
sbw_range_days <- function(from, to) as.integer(as.Date(to) - as.Date(from)) + 1L

# Time-series interval: hours for ranges of up to 2 days, else days.
sbw_interval <- function(from, to) if (sbw_range_days(from, to) <= 2L) "hour" else "day"

# The previous period the API compares with: as many days, just before from.
sbw_previous_period <- function(from, to) {
  n <- sbw_range_days(from, to)
  list(from = as.Date(from) - n, to = as.Date(from) - 1)
}

# ---- number formatting --------------------------------------------------------------------

SBW_DASH <- "\u2013"

fmt_int <- function(x) {
  out <- formatC(round(as.numeric(x)), format = "f", digits = 0, big.mark = ",")
  out[is.na(x)] <- SBW_DASH
  out
}

fmt_num <- function(x, digits = 1) {
  out <- formatC(as.numeric(x), format = "f", digits = digits, big.mark = ",")
  out[is.na(x)] <- SBW_DASH
  out
}

fmt_pct <- function(x, digits = 1) {
  out <- paste0(formatC(as.numeric(x), format = "f", digits = digits, big.mark = ","), "%")
  out[is.na(x)] <- SBW_DASH
  out
}

fmt_vnd <- function(x) {
  out <- paste(fmt_int(x), "VND")
  out[is.na(x)] <- SBW_DASH
  out
}

# Seconds as "45s", "4m 05s", "1h 02m".
fmt_duration <- function(s) {
  s <- as.numeric(s)
  out <- vapply(s, function(v) {
    if (is.na(v)) return(SBW_DASH)
    v <- round(v)
    if (v < 60) return(sprintf("%ds", as.integer(v)))
    if (v < 3600) return(sprintf("%dm %02ds", as.integer(v %/% 60), as.integer(v %% 60)))
    sprintf("%dh %02dm", as.integer(v %/% 3600), as.integer((v %% 3600) %/% 60))
  }, "")
  out
}

# A number as the API sent it, for data-* attributes: no grouping, no exponent; NA is "".
fmt_raw <- function(x) {
  out <- vapply(x, function(v) {
    if (is.na(v)) return("")
    if (is.logical(v)) return(if (v) "true" else "false")
    if (is.numeric(v)) return(format(v, scientific = FALSE, digits = 15, trim = TRUE))
    as.character(v)
  }, "", USE.NAMES = FALSE)
  out
}

# A timestamp in time zone tz, "2026-01-10 11:01 UTC".
fmt_time <- function(x, tz = "UTC", seconds = FALSE) {
  f <- if (seconds) "%Y-%m-%d %H:%M:%S" else "%Y-%m-%d %H:%M"
  out <- format(as.POSIXct(x, tz = "UTC"), f, tz = tz)
  out[is.na(x)] <- SBW_DASH
  out
}

# ---- KPIs ---------------------------------------------------------------------------------

# The eight overview cards: API metric, label, kind, and whether a rise is good.
SBW_KPI_CARDS <- data.frame(
  metric = c("events", "unique_clients", "sessions", "conversion_rate", "checkout_rate",
             "revenue", "bounce_rate", "avg_session_duration_s"),
  label = c("Events", "Unique clients", "Sessions", "Conversion rate", "Checkout rate",
            "Revenue", "Bounce rate", "Avg. session duration"),
  kind = c("count", "count", "count", "rate", "rate", "money", "rate", "duration"),
  higher_is_better = c(TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, FALSE, TRUE),
  stringsAsFactors = FALSE
)

fmt_kpi_value <- function(value, kind) {
  switch(kind,
         count = fmt_int(value),
         rate = fmt_pct(value, 2),
         money = fmt_vnd(value),
         duration = fmt_duration(value),
         fmt_num(value))
}

# The change line of a card: counts and money as "+16 (+12.5%)", rates in percentage points
# "+0.28 pp", durations "+1.8s (-3.0%)"; "new" when there was nothing before, "no change",
# or a dash when unknown.
fmt_delta <- function(value, previous, change, change_pct, kind) {
  if (is.na(change)) {
    if (!is.na(value) && !is.na(previous) && previous == 0 && value > 0) return("new")
    return(SBW_DASH)
  }
  if (change == 0) return("no change")
  sign <- if (change > 0) "+" else "-"
  mag <- abs(change)
  if (kind == "rate") return(sprintf("%s%s pp", sign, formatC(mag, format = "f", digits = 2)))
  body <- switch(kind,
                 count = fmt_int(mag),
                 money = fmt_vnd(mag),
                 duration = fmt_duration(mag),
                 fmt_num(mag))
  pct <- if (is.na(change_pct)) "" else sprintf(" (%s%s%%)", if (change_pct >= 0) "+" else "-",
                                                formatC(abs(change_pct), format = "f", digits = 1))
  paste0(sign, body, pct)
}

# Direction ("up", "down", "flat", "none") and tone ("good", "bad", "neutral") of a change.
sbw_delta_direction <- function(change) {
  if (is.na(change)) return("none")
  if (change > 0) "up" else if (change < 0) "down" else "flat"
}

sbw_delta_tone <- function(direction, higher_is_better) {
  if (!direction %in% c("up", "down")) return("neutral")
  if ((direction == "up") == higher_is_better) "good" else "bad"
}

# kpis: the /kpis table (metric, value[, previous, change, change_pct]) -> one row per card
# with raw and formatted values, in card order; a metric missing from the answer is NA.
sbw_kpi_cards <- function(kpis) {
  cards <- SBW_KPI_CARDS
  col <- function(name) {
    if (is.null(kpis) || !name %in% names(kpis)) return(rep(NA_real_, nrow(cards)))
    as.numeric(kpis[[name]][match(cards$metric, kpis$metric)])
  }
  cards$value <- col("value")
  cards$previous <- col("previous")
  cards$change <- col("change")
  cards$change_pct <- col("change_pct")
  cards$formatted <- vapply(seq_len(nrow(cards)), function(i)
    fmt_kpi_value(cards$value[i], cards$kind[i]), "")
  cards$delta <- vapply(seq_len(nrow(cards)), function(i)
    fmt_delta(cards$value[i], cards$previous[i], cards$change[i], cards$change_pct[i],
              cards$kind[i]), "")
  cards$direction <- vapply(cards$change, sbw_delta_direction, "")
  cards$tone <- vapply(seq_len(nrow(cards)), function(i)
    sbw_delta_tone(cards$direction[i], cards$higher_is_better[i]), "")
  cards
}

# One metric's value from a /kpis table (NA when absent).
sbw_kpi_value <- function(kpis, metric) {
  if (is.null(kpis) || nrow(kpis) == 0L) return(NA_real_)
  v <- kpis$value[kpis$metric == metric]
  if (length(v) == 0L) NA_real_ else as.numeric(v[1])
}

# TRUE when a /kpis answer says the range holds no events.
sbw_kpis_empty <- function(kpis) {
  v <- sbw_kpi_value(kpis, "events")
  is.na(v) || v == 0
}

# ---- paging -------------------------------------------------------------------------------

sbw_page_count <- function(total, per_page = SBW_PAGE_SIZE) {
  total <- suppressWarnings(as.numeric(total))
  if (length(total) != 1L || is.na(total) || total <= 0) return(1L)
  as.integer(max(1, ceiling(total / per_page)))
}

sbw_clamp_page <- function(page, total, per_page = SBW_PAGE_SIZE) {
  page <- suppressWarnings(as.integer(page))
  if (length(page) != 1L || is.na(page) || page < 1L) return(1L)
  min(page, sbw_page_count(total, per_page))
}

sbw_page_offset <- function(page, per_page = SBW_PAGE_SIZE) as.integer((page - 1L) * per_page)

sbw_page_label <- function(page, total, per_page = SBW_PAGE_SIZE) {
  sprintf("Page %d of %d", sbw_clamp_page(page, total, per_page), sbw_page_count(total, per_page))
}

# ---- funnels ------------------------------------------------------------------------------

SBW_DEFAULT_FUNNEL <- c("product_view", "add_to_cart_click", "checkout_start", "checkout_complete")

# The steps= parameter for picked steps: NULL (the default funnel) for fewer than 2 picks,
# the picks joined with commas otherwise; more than 8 or repeated names are an error.
sbw_funnel_steps <- function(steps) {
  steps <- steps[!is.na(steps) & nzchar(steps)]
  if (length(steps) < 2L) return(NULL)
  if (length(steps) > 8L) stop("a funnel has at most 8 steps")
  if (anyDuplicated(steps)) stop("funnel steps must be distinct")
  paste(steps, collapse = ",")
}

# TRUE when a funnel table has no session at step 1.
sbw_funnel_empty <- function(funnel) {
  is.null(funnel) || nrow(funnel) == 0L || is.na(funnel$sessions[1]) || funnel$sessions[1] == 0
}

# ---- tables -------------------------------------------------------------------------------

# Missing or empty labels as "UNKNOWN" (the API already does this for categories and brands).
sbw_unknown <- function(x) {
  x <- as.character(x)
  x[is.na(x) | !nzchar(trimws(x))] <- "UNKNOWN"
  x
}

# Raw events: category/brand UNKNOWN when the event carries a product without one, empty when
# the event has no product at all.
sbw_product_label <- function(x, product_id) {
  x <- as.character(x)
  has_product <- !is.na(product_id) & nzchar(as.character(product_id))
  out <- ifelse(has_product, sbw_unknown(x), "")
  out[is.na(out)] <- ""
  out
}

# Keeps and renames columns for display: map is c(api_name = "Label", ...); absent columns
# are skipped.
sbw_columns <- function(df, map) {
  keep <- names(map)[names(map) %in% names(df)]
  out <- df[, keep, drop = FALSE]
  names(out) <- unname(map[keep])
  out
}

# Long ids cut to their first n characters for tables (the CSV keeps them whole).
sbw_short_id <- function(x, n = 8L) {
  x <- as.character(x)
  long <- !is.na(x) & nchar(x) > n + 1L
  x[long] <- paste0(substr(x[long], 1L, n), "\u2026")
  x
}

sbw_display_events <- function(df, tz = "UTC") {
  if (is.null(df) || nrow(df) == 0L) return(data.frame())
  df$client_id <- sbw_short_id(df$client_id)
  df$session_id <- sbw_short_id(df$session_id)
  df$event_timestamp <- fmt_time(df$event_timestamp, tz, seconds = TRUE)
  df$category <- sbw_product_label(df$category, df$product_id)
  df$brand <- sbw_product_label(df$brand, df$product_id)
  sbw_columns(df, c(event_timestamp = "Time", event_name = "Event", login_state = "Login state",
                    user_id = "User", client_id = "Client", session_id = "Session",
                    product_id = "Product", product_name = "Product name",
                    category = "Category", brand = "Brand", price = "Price (VND)",
                    discount_price = "Discount price (VND)", page_url = "Page"))
}

sbw_display_sessions <- function(df, tz = "UTC") {
  if (is.null(df) || nrow(df) == 0L) return(data.frame())
  df$started_at <- fmt_time(df$started_at, tz, seconds = TRUE)
  df$client_id <- sbw_short_id(df$client_id)
  df$session_id <- sbw_short_id(df$session_id)
  df$duration <- fmt_duration(df$duration_s)
  df$is_bounce <- ifelse(is.na(df$is_bounce), "", ifelse(df$is_bounce, "yes", "no"))
  sbw_columns(df, c(started_at = "Started", duration = "Duration", login_state = "Login state",
                    client_id = "Client", user_id = "User", events = "Events",
                    page_views = "Page views", product_views = "Product views",
                    add_to_carts = "Add to cart", purchases = "Purchases",
                    revenue = "Revenue (VND)", is_bounce = "Bounce", entry_page = "Entry page",
                    exit_page = "Exit page", session_id = "Session"))
}

sbw_display_products <- function(df) {
  if (is.null(df) || nrow(df) == 0L) return(data.frame())
  df$category <- sbw_unknown(df$category)
  df$brand <- sbw_unknown(df$brand)
  sbw_columns(df, c(product_id = "Product", name = "Name", category = "Category", brand = "Brand",
                    price = "Price (VND)", views = "Views", add_to_carts = "Add to cart",
                    purchases = "Purchases", view_to_cart_rate = "View\u2192cart %",
                    cart_to_purchase_rate = "Cart\u2192purchase %", revenue = "Revenue (VND)"))
}

# Top categories or brands (first column is the label).
sbw_display_groups <- function(df, label) {
  if (is.null(df) || nrow(df) == 0L) return(data.frame())
  key <- names(df)[1]
  df[[key]] <- sbw_unknown(df[[key]])
  map <- c(label, events = "Events", views = "Views", add_to_carts = "Add to cart",
           purchases = "Purchases", revenue = "Revenue (VND)")
  names(map)[1] <- key
  sbw_columns(df, map)
}

sbw_display_funnel <- function(df) {
  if (is.null(df) || nrow(df) == 0L) return(data.frame())
  sbw_columns(df, c(step = "Step", event_name = "Event", sessions = "Sessions",
                    conversion_from_first = "From step 1 %",
                    conversion_from_previous = "From previous %", drop_off = "Drop-off"))
}

# ---- charts -------------------------------------------------------------------------------

# /timeseries rows -> data.frame(time, value): days as Date, hours as POSIXct shown in tz.
sbw_timeseries_frame <- function(df, tz = "UTC", metric = "events") {
  if (is.null(df) || nrow(df) == 0L) return(data.frame(time = as.Date(character()), value = numeric()))
  if ("hour_at" %in% names(df)) {
    time <- as.POSIXct(df$hour_at, tz = "UTC")
    attr(time, "tzone") <- tz
  } else {
    time <- as.Date(df$day)
  }
  data.frame(time = time, value = as.numeric(df[[metric]]))
}

SBW_WEEKDAYS <- c("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# /traffic/heatmap rows -> all 168 weekday x hour cells (missing ones 0), weekday as a factor
# Mon..Sun, value = the chosen metric.
sbw_heatmap_frame <- function(df, metric = "events") {
  grid <- expand.grid(hour = 0:23, weekday = 1:7)
  value <- rep(0, nrow(grid))
  if (!is.null(df) && nrow(df) > 0L) {
    idx <- match(paste(grid$weekday, grid$hour), paste(df$weekday, df$hour))
    value <- as.numeric(df[[metric]][idx])
    value[is.na(value)] <- 0
  }
  data.frame(weekday = factor(SBW_WEEKDAYS[grid$weekday], levels = rev(SBW_WEEKDAYS)),
             hour = grid$hour, value = value)
}

# The n largest rows of a breakdown (already sorted by the API), labels UNKNOWN-safe, as a
# factor ordered for a horizontal bar chart (largest on top).
sbw_top_bars <- function(df, label_col, value_col, n = 10L) {
  if (is.null(df) || nrow(df) == 0L) return(data.frame(label = factor(), value = numeric()))
  df <- df[order(-as.numeric(df[[value_col]])), , drop = FALSE]
  df <- utils::head(df, n)
  label <- sbw_unknown(df[[label_col]])
  data.frame(label = factor(label, levels = rev(unique(label))),
             value = as.numeric(df[[value_col]]))
}

# ---- freshness and errors -----------------------------------------------------------------

# "data as of 2026-11-27 04:55 UTC (refreshed 2026-11-27 04:56 UTC)" from /health.
sbw_freshness_text <- function(health, tz = "UTC") {
  if (is.null(health)) return("data as of \u2013 (API not reached yet)")
  newest <- health$newest_event_at
  refreshed <- health$last_refresh_at
  zone <- if (tz == "UTC") "UTC" else tz
  part <- function(x) if (is.null(x) || length(x) == 0L || is.na(x)) SBW_DASH else
    paste(fmt_time(x, tz), zone)
  sprintf("data as of %s (refreshed %s)", part(newest), part(refreshed))
}

# A short message for the error banner.
sbw_error_message <- function(err) {
  if (inherits(err, "sbwapi_connection_error")) {
    return(paste("The analytics API cannot be reached:", conditionMessage(err)))
  }
  if (inherits(err, "sbwapi_http_error")) {
    detail <- err$server_message
    if (is.null(detail) || !nzchar(detail)) detail <- conditionMessage(err)
    return(sprintf("The analytics API answered HTTP %s: %s", format(err$status), detail))
  }
  conditionMessage(err)
}

# The query of one request: the filters plus endpoint parameters (NULL ones dropped).
sbw_query <- function(filters, ...) {
  extra <- list(...)
  extra <- extra[!vapply(extra, is.null, NA)]
  c(filters, extra)
}
