#!/usr/bin/env bash
# tests/r/run_dashboard_tests.sh: builds shiny/sbwapi with R CMD build, installs the tarball
# into a temporary library, runs the dashboard's testthat suite (shiny/sbw_dashboard/tests/
# testthat: shaping functions, the client against a local responder, every module through
# shiny::testServer with a stub client) and ends with "N passed, M failed" (N, M = test_that
# blocks). Exit status 0 only when M is 0 and N > 0. The source tree is left untouched.
# Needs (Debian): r-base-core r-base-dev r-cran-testthat r-cran-shiny r-cran-bslib r-cran-dt
# r-cran-ggplot2, libcurl4-openssl-dev libcjson-dev. Used by CTest (r.dashboard).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PKG="$ROOT/shiny/sbwapi"
APP="$ROOT/shiny/sbw_dashboard"
for tool in R Rscript; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install r-base-core r-base-dev r-cran-testthat r-cran-shiny r-cran-bslib r-cran-dt r-cran-ggplot2)"; echo "0 passed, 1 failed"; exit 1; }
done
work=$(mktemp -d /tmp/sbw-dashboard-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lib"

fail_setup() { echo "$1 failed:"; cat "$2"; echo "0 passed, 1 failed"; exit 1; }
(cd "$work" && R CMD build --no-build-vignettes --no-manual "$PKG" >build.log 2>&1) || fail_setup "R CMD build" "$work/build.log"
tarball=$(ls "$work"/sbwapi_*.tar.gz)
R CMD INSTALL -l "$work/lib" "$tarball" >"$work/install.log" 2>&1 || fail_setup "R CMD INSTALL" "$work/install.log"

R_LIBS="$work/lib" Rscript --vanilla - "$APP/tests/testthat" <<'RSCRIPT'
dir <- commandArgs(trailingOnly = TRUE)[1]
missing <- Filter(function(p) !requireNamespace(p, quietly = TRUE),
                  c("testthat", "shiny", "bslib", "DT", "ggplot2", "sbwapi"))
if (length(missing)) {
  cat("missing R packages:", paste(missing, collapse = ", "), "\n0 passed, 1 failed\n")
  quit(status = 1)
}
suppressPackageStartupMessages(library(testthat))
options(warn = 1)
res <- as.data.frame(testthat::test_dir(dir, reporter = "summary", load_package = "none",
                                        stop_on_failure = FALSE))
bad <- res$failed > 0 | res$error
skipped <- res$skipped & !bad
passed <- sum(!bad & !skipped)
failed <- sum(bad)
if (failed) cat("failed:", paste0(res$file[bad], ": ", res$test[bad]), sep = "\n  ")
cat(sprintf("\n%d expectations; %d skipped; %d warnings\n", sum(res$nb), sum(skipped),
            sum(res$warning)))
cat(sprintf("%d passed, %d failed\n", passed, failed))
quit(status = if (failed == 0 && passed > 0) 0 else 1)
RSCRIPT
