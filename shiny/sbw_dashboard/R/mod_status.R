# mod_status.R: freshness and errors. Polls /api/v1/health every poll_ms; the returned
# reactive `refresh` counts data generations: it moves when the generation changes, when the
# API comes back after a failed poll, and when some table failed (a retry), and every module
# re-fetches only then (or when the filters change).

mod_status_banner_ui <- function(id) shiny::uiOutput(shiny::NS(id, "banner"))

mod_status_freshness_ui <- function(id) shiny::uiOutput(shiny::NS(id, "freshness"), inline = TRUE)

mod_status_server <- function(id, client, status, poll_ms = 30000, tz = shiny::reactive("UTC")) {
  shiny::moduleServer(id, function(input, output, session) {
    health <- shiny::reactiveVal(NULL)
    refresh <- shiny::reactiveVal(0L)
    seen_generation <- NULL
    last_failed <- TRUE # before the first answer, an answer is a recovery

    poll <- function() {
      h <- sbw_try(status, "health", client$health())
      if (is.null(h)) {
        last_failed <<- TRUE
        return(invisible(NULL))
      }
      health(h)
      other_errors <- setdiff(names(shiny::isolate(status$errors())), "health")
      if (last_failed || !identical(h$generation, seen_generation) || length(other_errors) > 0L) {
        seen_generation <<- h$generation
        refresh(shiny::isolate(refresh()) + 1L)
      }
      last_failed <<- FALSE
      invisible(h)
    }

    shiny::observe({
      shiny::invalidateLater(poll_ms)
      shiny::isolate(poll())
    })

    output$freshness <- shiny::renderUI({
      h <- health()
      shiny::span(id = "sbw-freshness", class = "sbw-freshness navbar-text small",
                  `data-generation` = if (is.null(h)) "" else fmt_raw(h$generation),
                  `data-newest-event-at` = if (is.null(h)) "" else
                    format(h$newest_event_at, "%Y-%m-%dT%H:%M:%SZ", tz = "UTC"),
                  sbw_freshness_text(h, tz()))
    })

    output$banner <- shiny::renderUI({
      errs <- status$errors()
      if (length(errs) == 0L) return(NULL)
      shiny::div(id = "sbw-error-banner", class = "alert alert-danger sbw-error-banner",
                 role = "alert",
                 shiny::strong("Problem: "),
                 lapply(unique(unlist(errs, use.names = FALSE)), shiny::div,
                        class = "sbw-error-message"))
    })

    list(refresh = shiny::reactive(refresh()), health = shiny::reactive(health()))
  })
}
