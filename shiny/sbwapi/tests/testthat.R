library(testthat)
library(sbwapi)

test_check("sbwapi")
