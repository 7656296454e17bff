# Loads the dashboard's R/ files (as Shiny does) and the packages the tests use.
suppressPackageStartupMessages({
  library(shiny)
  library(sbwapi)
})
local({
  app_dir <- normalizePath(file.path(testthat::test_path(), "..", ".."))
  for (f in sort(list.files(file.path(app_dir, "R"), pattern = "[.]R$", full.names = TRUE))) {
    sys.source(f, envir = globalenv())
  }
  assign("SBW_APP_DIR", app_dir, envir = globalenv())
})
