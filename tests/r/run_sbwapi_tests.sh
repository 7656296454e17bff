#!/usr/bin/env bash
# tests/r/run_sbwapi_tests.sh: builds shiny/sbwapi with R CMD build, installs the tarball into a
# temporary library, runs its testthat suite, and ends with the line "N passed, M failed"
# (N, M = test_that blocks; a block fails on any failed expectation or error). Exit status 0
# only when M is 0 and N > 0. The source tree is left untouched. Used by CTest.
# Usage: tests/r/run_sbwapi_tests.sh [--check]   (--check also runs R CMD check --no-manual)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PKG="$ROOT/shiny/sbwapi"
CHECK=0
[ "${1:-}" = "--check" ] && CHECK=1
for tool in R Rscript; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install r-base-core r-base-dev r-cran-testthat r-cran-jsonlite)"; echo "0 passed, 1 failed"; exit 1; }
done
work=$(mktemp -d /tmp/sbwapi-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lib"

fail_setup() { echo "$1 failed:"; cat "$2"; echo "0 passed, 1 failed"; exit 1; }
(cd "$work" && R CMD build --no-build-vignettes --no-manual "$PKG" >build.log 2>&1) || fail_setup "R CMD build" "$work/build.log"
tarball=$(ls "$work"/sbwapi_*.tar.gz)
R CMD INSTALL -l "$work/lib" "$tarball" >"$work/install.log" 2>&1 || fail_setup "R CMD INSTALL" "$work/install.log"
if [ "$CHECK" = 1 ]; then
  (cd "$work" && _R_CHECK_FORCE_SUGGESTS_=false R CMD check --no-manual "$tarball" >check.log 2>&1) || fail_setup "R CMD check" "$work/check.log"
  grep -E "^Status:|WARNING|NOTE" "$work/check.log" || true
fi

R_LIBS="$work/lib" Rscript --vanilla - "$PKG/tests/testthat" <<'RSCRIPT'
dir <- commandArgs(trailingOnly = TRUE)[1]
suppressPackageStartupMessages({ library(testthat); library(sbwapi) })
res <- as.data.frame(testthat::test_dir(dir, reporter = "summary", load_package = "none",
                                        stop_on_failure = FALSE))
bad <- res$failed > 0 | res$error
skipped <- res$skipped & !bad
passed <- sum(!bad & !skipped)
failed <- sum(bad)
if (failed) cat("failed:", paste0(res$file[bad], ": ", res$test[bad]), sep = "\n  ")
cat(sprintf("\n%d expectations; %d skipped\n", sum(res$nb), sum(skipped)))
cat(sprintf("%d passed, %d failed\n", passed, failed))
quit(status = if (failed == 0 && passed > 0) 0 else 1)
RSCRIPT
