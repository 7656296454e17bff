#!/usr/bin/env bash
# bench/r.sh: sbwapi_parse (shiny/sbwapi, C + cJSON) vs jsonlite::fromJSON on the same 100k-row
# JSON table (shape a: an array of flat objects, 10 columns of mixed types with nulls), in the
# same R process: median of several runs each, the ratio, and a check that both decode to equal
# values. With --url, both decode the body of a running API endpoint instead (fetched once;
# --path selects the table inside an envelope), and sbwapi_get's end-to-end time is shown too.
# Writes var/bench/r-<utc>.json. Not a test: numbers depend on the machine.
# Usage: ./sbw bench r [--rows N] [--runs N] [--url URL [--path P]]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROWS=100000; RUNS=7; URL=""; JPATH=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --url) URL=$2; shift 2 ;;
    --path) JPATH=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v Rscript >/dev/null || { echo "needs R (apt-get install r-base-core r-base-dev r-cran-jsonlite)" >&2; exit 1; }
work=$(mktemp -d /tmp/sbw-bench-r.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lib" "$ROOT/var/bench"
# Build and install the package into a private library (the source tree stays clean).
(cd "$work" && R CMD build --no-build-vignettes --no-manual "$ROOT/shiny/sbwapi" >build.log 2>&1) \
  || { cat "$work/build.log" >&2; exit 1; }
R CMD INSTALL -l "$work/lib" "$work"/sbwapi_*.tar.gz >"$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; exit 1; }

OUT="$ROOT/var/bench/r-$(date -u +%Y%m%dT%H%M%SZ).json" \
SBW_ROWS=$ROWS SBW_RUNS=$RUNS SBW_URL=$URL SBW_PATH=$JPATH Rscript --vanilla - "$work/lib" <<'RSCRIPT'
lib <- commandArgs(trailingOnly = TRUE)[1]
library(sbwapi, lib.loc = lib)
library(jsonlite)
rows <- as.integer(Sys.getenv("SBW_ROWS")); runs <- as.integer(Sys.getenv("SBW_RUNS"))
url <- Sys.getenv("SBW_URL"); path <- Sys.getenv("SBW_PATH")
path <- if (nzchar(path)) strsplit(path, "/", fixed = TRUE)[[1]] else NULL

# --- the text ------------------------------------------------------------------------------
if (nzchar(url)) {
  con <- url(url, method = "libcurl")
  text <- paste(readLines(con, warn = FALSE, encoding = "UTF-8"), collapse = "\n")
  close(con)
  source_desc <- url
} else {
  # What /api/v1 table endpoints return: ~10 columns of mixed types, some nulls.
  set.seed(42)
  n <- rows
  day <- format(as.Date("2026-01-01") + sample(0:364, n, TRUE))
  ts <- format(as.POSIXct("2026-01-01", tz = "UTC") + sample(0:(365 * 86400), n, TRUE),
               "%Y-%m-%dT%H:%M:%SZ", tz = "UTC")
  event <- sample(c("page_view", "product_view", "add_to_cart_click", "checkout_complete"), n, TRUE)
  client <- sprintf("%08x-1111-4222-8333-%012x", sample.int(1e9, n, TRUE), sample.int(1e9, n, TRUE))
  events <- sample.int(100000L, n, TRUE)
  revenue <- round(runif(n, 0, 5e6), 2)
  rate <- round(runif(n), 4)
  logged <- sample(c("true", "false"), n, TRUE)
  category <- sample(c("\"keyboard\"", "\"mouse\"", "\"headset\"", "null"), n, TRUE)
  price <- ifelse(runif(n) < 0.1, "null", as.character(sample.int(5000000L, n, TRUE)))
  text <- paste0("[", paste0(sprintf(
    '{"day":"%s","ts":"%s","event_name":"%s","client_id":"%s","events":%d,"revenue":%s,"rate":%s,"is_logged_in":%s,"category":%s,"price":%s}',
    day, ts, event, client, events, format(revenue, nsmall = 2, trim = TRUE, scientific = FALSE),
    format(rate, trim = TRUE, scientific = FALSE), logged, category, price), collapse = ","), "]")
  source_desc <- "generated"
}

time_it <- function(f) {
  t <- numeric(runs)
  for (i in seq_len(runs)) { gc(FALSE); t[i] <- system.time(r <- f())[["elapsed"]] }
  list(median = stats::median(t), all = t, value = r)
}
a <- time_it(function() sbwapi_parse(text, path = path))
b <- time_it(function() { v <- jsonlite::fromJSON(text); for (k in path) v <- v[[k]]; v })
x <- a$value; y <- b$value
cat(sprintf("table (%s): %d rows x %d columns, %.1f MB of JSON\n", source_desc,
            NROW(x), NCOL(x), nchar(text, "bytes") / 1e6))

# --- same values? jsonlite leaves dates and date-times as strings: compare those as instants.
iso_seconds <- function(s) {
  s <- as.character(s)
  substr(s, 11, 11) <- "T"
  base <- as.numeric(as.POSIXct(substr(s, 1, 19), format = "%Y-%m-%dT%H:%M:%S", tz = "UTC"))
  frac <- suppressWarnings(as.numeric(sub("^.{19}(\\.[0-9]+)?.*$", "0\\1", s)))
  zone <- substring(s, 20)
  m <- regmatches(zone, regexec("([+-])([0-9]{2}):?([0-9]{2})?$", zone))
  off <- vapply(m, function(g) if (length(g) == 0) 0 else
    (if (g[2] == "-") -1 else 1) * (as.numeric(g[3]) * 3600 + if (nzchar(g[4])) as.numeric(g[4]) * 60 else 0), 0)
  base + frac - off
}
same_column <- function(p, q) {
  if (inherits(p, "Date")) return(identical(format(p), as.character(q)))
  if (inherits(p, "POSIXct")) return(isTRUE(all.equal(as.numeric(p), iso_seconds(q), tolerance = 1e-12)))
  if (is.list(p)) return(NA) # nested cells: jsonlite simplifies them differently
  isTRUE(all.equal(p, q, tolerance = 1e-12, check.attributes = FALSE))
}
same <- if (is.data.frame(x) && is.data.frame(y)) {
  identical(names(x), names(y)) && nrow(x) == nrow(y) &&
    all(vapply(names(x), function(k) same_column(x[[k]], y[[k]]), NA), na.rm = TRUE)
} else isTRUE(all.equal(x, y))
if (!nzchar(url)) same <- same && inherits(x$day, "Date") && inherits(x$ts, "POSIXct") &&
  is.integer(x$events) && is.integer(x$price) && is.logical(x$is_logged_in)

cat(sprintf("sbwapi_parse:       median %.3f s  (runs: %s)\n", a$median, paste(sprintf("%.3f", a$all), collapse = " ")))
cat(sprintf("jsonlite::fromJSON: median %.3f s  (runs: %s)\n", b$median, paste(sprintf("%.3f", b$all), collapse = " ")))
ratio <- b$median / a$median
cat(sprintf("ratio: sbwapi is %.1fx faster (target >= 3x: %s)\n", ratio, if (ratio >= 3) "met" else "NOT met"))
cat(sprintf("values equal: %s\n", if (same) "yes" else "NO"))
get_s <- NA_real_
if (nzchar(url)) {
  g <- time_it(function() sbwapi_get(url, path = path, timeout = 60))
  get_s <- g$median
  cat(sprintf("sbwapi_get end to end (fetch + decode): median %.3f s\n", get_s))
}
writeLines(sprintf('{"source":"%s","rows":%d,"runs":%d,"sbwapi_s":%.4f,"jsonlite_s":%.4f,"ratio":%.2f,"equal":%s,"sbwapi_get_s":%s}',
                   source_desc, NROW(x), runs, a$median, b$median, ratio, tolower(same),
                   if (is.na(get_s)) "null" else sprintf("%.4f", get_s)), Sys.getenv("OUT"))
if (!same) quit(status = 1)
RSCRIPT
