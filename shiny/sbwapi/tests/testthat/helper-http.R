# A one-shot HTTP responder for tests: a forked R child (parallel::mcparallel) accepts one
# connection on a listening socket opened here, reads the request head, waits `delay` seconds,
# and sends a canned status and body. The socket is listening before the fork, so there is no
# start-up race.

serve_once <- function(status, body = "", headers = character(0), delay = 0) {
  srv <- NULL
  for (i in 1:50) {
    port <- sample(20000:45000, 1)
    srv <- tryCatch(serverSocket(port), error = function(e) NULL)
    if (!is.null(srv)) break
  }
  if (is.null(srv)) stop("no free port for the test HTTP responder")
  job <- parallel::mcparallel({
    con <- socketAccept(srv, blocking = TRUE, open = "r+b", timeout = 20)
    head <- character(0)
    repeat {
      line <- readLines(con, n = 1, warn = FALSE)
      if (length(line) == 0 || !nzchar(line)) break
      head <- c(head, line)
    }
    if (delay > 0) Sys.sleep(delay)
    raw_body <- charToRaw(enc2utf8(body))
    hdr <- paste0("HTTP/1.1 ", status, "\r\n",
                  "Content-Type: application/json\r\n",
                  paste0(headers, "\r\n", collapse = "")[length(headers) > 0],
                  "Content-Length: ", length(raw_body), "\r\n",
                  "Connection: close\r\n\r\n")
    try(writeBin(c(charToRaw(hdr), raw_body), con), silent = TRUE)
    try(flush(con), silent = TRUE)
    close(con)
    head
  }, silent = TRUE)
  list(url = sprintf("http://127.0.0.1:%d", port), job = job, srv = srv)
}

# The request head the responder saw (or NULL); closes the listening socket.
served_request <- function(h, kill = FALSE) {
  if (kill) {
    tools::pskill(h$job$pid)
    suppressWarnings(parallel::mccollect(h$job, wait = TRUE)) # "did not deliver a result"
    close(h$srv)
    return(NULL)
  }
  res <- parallel::mccollect(h$job, wait = TRUE)[[1]]
  close(h$srv)
  if (inherits(res, "try-error")) NULL else res
}

# A port nothing listens on.
closed_port <- function() {
  for (i in 1:50) {
    port <- sample(20000:45000, 1)
    s <- tryCatch(serverSocket(port), error = function(e) NULL)
    if (!is.null(s)) {
      close(s)
      return(port)
    }
  }
  stop("no free port")
}
