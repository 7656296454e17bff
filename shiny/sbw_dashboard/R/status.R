# status.R: the shared error state behind the banner, the fetch wrapper every module uses,
# and small UI builders shared by the modules.

# Errors by source key ("health", "overview.kpis", ...); the banner shows them all.
sbw_status <- function() {
  rv <- shiny::reactiveValues(errors = list())
  list(
    report = function(key, err) {
      e <- shiny::isolate(rv$errors)
      msg <- if (is.character(err)) err else sbw_error_message(err)
      if (!identical(e[[key]], msg)) {
        e[[key]] <- msg
        rv$errors <- e
      }
    },
    clear = function(key) {
      e <- shiny::isolate(rv$errors)
      if (!is.null(e[[key]])) {
        e[[key]] <- NULL
        rv$errors <- e
      }
    },
    errors = function() rv$errors
  )
}

# Runs expr (a client call); on success clears key's error and returns the value, on any
# error reports it under key and returns NULL, so the app keeps running.
sbw_try <- function(status, key, expr) {
  tryCatch({
    value <- expr
    status$clear(key)
    value
  }, error = function(e) {
    status$report(key, e)
    NULL
  })
}

# ---- UI helpers ---------------------------------------------------------------------------

SBW_EMPTY_TEXT <- "No events in this range"

# A card with a title, its content and, when given, a CSV download button (id download_id).
sbw_card <- function(title, ..., download_id = NULL, class = NULL) {
  bslib::card(
    class = paste(c("sbw-card", class), collapse = " "),
    bslib::card_header(
      class = "d-flex justify-content-between align-items-center",
      shiny::span(title),
      if (!is.null(download_id)) {
        shiny::downloadButton(download_id, "CSV", class = "btn-sm btn-outline-secondary sbw-csv")
      }
    ),
    bslib::card_body(...)
  )
}

# The "No events in this range" block (id e.g. "overview-empty").
sbw_empty_ui <- function(id, text = SBW_EMPTY_TEXT) {
  shiny::div(id = id, class = "sbw-empty alert alert-secondary", text)
}

# A stat tile carrying its raw value for the browser test.
sbw_stat_ui <- function(metric, label, value, formatted, class = "sbw-kpi", extra = NULL) {
  shiny::div(
    class = paste(class, "card"), `data-metric` = metric, `data-value` = fmt_raw(value),
    shiny::div(class = "card-body",
               shiny::div(class = paste0(class, "-label"), label),
               shiny::div(class = paste0(class, "-value"), formatted),
               extra)
  )
}

# A DT table without DT's own paging (the API pages), with number formats.
sbw_datatable <- function(df, money = character(), pct = character(), page_length = NULL) {
  opts <- list(dom = if (is.null(page_length)) "t" else "tp", paging = !is.null(page_length),
               pageLength = if (is.null(page_length)) -1 else page_length,
               ordering = FALSE, scrollX = TRUE, language = list(emptyTable = SBW_EMPTY_TEXT))
  dt <- DT::datatable(df, rownames = FALSE, options = opts, selection = "none",
                      class = "compact stripe")
  money <- intersect(money, names(df))
  pct <- intersect(pct, names(df))
  ints <- setdiff(names(df)[vapply(df, is.integer, NA)], c(money, pct))
  if (length(ints)) dt <- DT::formatCurrency(dt, ints, currency = "", digits = 0)
  if (length(money)) dt <- DT::formatCurrency(dt, money, currency = "", digits = 0)
  if (length(pct)) dt <- DT::formatRound(dt, pct, digits = 2)
  dt
}

# A downloadHandler that fetches the same query as CSV from the API.
sbw_csv_download <- function(client, status, name, path, query) {
  shiny::downloadHandler(
    filename = function() {
      q <- query()
      sprintf("sbw_%s_%s_%s.csv", name, format(q$from), format(q$to))
    },
    content = function(file) {
      ok <- sbw_try(status, paste0("csv.", name), {
        client$csv(path, query(), file)
        TRUE
      })
      if (is.null(ok)) writeLines("error", file)
    },
    contentType = "text/csv"
  )
}

# Prev / "Page X of N" / Next (ids <module>-prev, <module>-page, <module>-next).
sbw_pager_ui <- function(ns) {
  shiny::div(
    class = "d-flex align-items-center gap-3 my-2 sbw-pager",
    shiny::actionButton(ns("prev"), "Prev", class = "btn-sm btn-outline-primary"),
    shiny::textOutput(ns("page"), inline = TRUE),
    shiny::actionButton(ns("next"), "Next", class = "btn-sm btn-outline-primary")
  )
}

# Page state of a paged table: page() and its moves; reset() goes back to page 1.
sbw_pager <- function(input, total, per_page = SBW_PAGE_SIZE) {
  page <- shiny::reactiveVal(1L)
  shiny::observeEvent(input$`next`, {
    page(sbw_clamp_page(page() + 1L, shiny::isolate(total()), per_page))
  })
  shiny::observeEvent(input$prev, {
    page(sbw_clamp_page(page() - 1L, shiny::isolate(total()), per_page))
  })
  list(page = shiny::reactive(page()), reset = function() page(1L))
}

# DT output with the rows in the page (client-side): the tables are small (the API pages and
# limits them), and tests can read the rendered rows.
sbw_render_dt <- function(expr) {
  DT::renderDataTable(substitute(expr), server = FALSE, env = parent.frame(), quoted = TRUE)
}
