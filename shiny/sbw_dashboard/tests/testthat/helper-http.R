# A small HTTP responder for the client tests: a forked R child (parallel::mcparallel) accepts
# one connection per canned response, in order, and returns the request lines it saw. The
# socket listens before the fork, so there is no start-up race.
serve <- function(responses) {
  srv <- NULL
  for (i in 1:50) {
    port <- sample(20000:45000, 1)
    srv <- tryCatch(serverSocket(port), error = function(e) NULL)
    if (!is.null(srv)) break
  }
  if (is.null(srv)) stop("no free port for the test HTTP responder")
  job <- parallel::mcparallel({
    seen <- character(0)
    for (r in responses) {
      con <- socketAccept(srv, blocking = TRUE, open = "r+b", timeout = 20)
      head <- character(0)
      repeat {
        line <- readLines(con, n = 1, warn = FALSE)
        if (length(line) == 0 || !nzchar(line)) break
        head <- c(head, line)
      }
      seen <- c(seen, head[1])
      body <- charToRaw(enc2utf8(r$body))
      hdr <- paste0("HTTP/1.1 ", r$status, "\r\nContent-Type: ", r$type %||% "application/json",
                    "\r\nContent-Length: ", length(body), "\r\nConnection: close\r\n\r\n")
      try(writeBin(c(charToRaw(hdr), body), con), silent = TRUE)
      try(flush(con), silent = TRUE)
      close(con)
    }
    seen
  }, silent = TRUE)
  list(url = sprintf("http://127.0.0.1:%d", port), job = job, srv = srv)
}

served <- function(h) {
  res <- parallel::mccollect(h$job, wait = TRUE)[[1]]
  close(h$srv)
  if (inherits(res, "try-error")) NULL else res
}

closed_port_url <- function() {
  for (i in 1:50) {
    port <- sample(20000:45000, 1)
    s <- tryCatch(serverSocket(port), error = function(e) NULL)
    if (!is.null(s)) {
      close(s)
      return(sprintf("http://127.0.0.1:%d", port))
    }
  }
  stop("no free port")
}

`%||%` <- function(a, b) if (is.null(a)) b else a
