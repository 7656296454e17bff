#!/usr/bin/env Rscript
# run.R: starts the dashboard. Rscript shiny/sbw_dashboard/run.R [--port N] [--host H]
# sbwapi is looked up in R_LIBS, then in $SBW_BUILD_DIR/R-lib and <repo>/build/R-lib (where
# `./sbw build` installs it). The API is SBW_API_URL (default http://127.0.0.1:8081).
args <- commandArgs(trailingOnly = TRUE)
opt <- list(port = 3838L, host = "127.0.0.1")
i <- 1L
while (i <= length(args)) {
  a <- args[i]
  if (a %in% c("--port", "--host") && i < length(args)) {
    opt[[sub("^--", "", a)]] <- args[i + 1L]
    i <- i + 2L
  } else if (a %in% c("-h", "--help")) {
    cat("usage: Rscript run.R [--port N] [--host ADDRESS]\n",
        "env: SBW_API_URL, SBW_DASHBOARD_POLL_S, R_LIBS (a library holding sbwapi)\n")
    quit(status = 0)
  } else {
    stop("unknown argument: ", a, " (see --help)")
  }
}
file_arg <- grep("^--file=", commandArgs(FALSE), value = TRUE)
app_dir <- if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1]))) else getwd()
repo <- normalizePath(file.path(app_dir, "..", ".."), mustWork = FALSE)
if (!requireNamespace("sbwapi", quietly = TRUE)) {
  build <- Sys.getenv("SBW_BUILD_DIR", file.path(repo, "build"))
  lib <- file.path(build, "R-lib")
  if (dir.exists(file.path(lib, "sbwapi"))) .libPaths(c(lib, .libPaths()))
}
if (!requireNamespace("sbwapi", quietly = TRUE)) {
  stop("R package sbwapi not found: run ./sbw build (installs it into build/R-lib) ",
       "or set R_LIBS to a library that holds it")
}
port <- as.integer(opt$port)
if (is.na(port)) stop("--port must be a number")
message(sprintf("sbw dashboard on http://%s:%d/ (API %s)", opt$host, port,
                Sys.getenv("SBW_API_URL", "http://127.0.0.1:8081")))
shiny::runApp(app_dir, port = port, host = opt$host, launch.browser = FALSE)
