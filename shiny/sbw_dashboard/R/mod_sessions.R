# mod_sessions.R: the Sessions tab. Summary, duration distribution and a paged session list.

SBW_SESSION_SORTS <- c("Newest" = "started_at", "Longest" = "duration", "Most events" = "events",
                       "Highest revenue" = "revenue")

SBW_SESSION_STATS <- data.frame(
  metric = c("sessions", "bounce_rate", "conversion_rate", "avg_duration_s", "median_duration_s",
             "p90_duration_s", "avg_events", "avg_page_views", "revenue", "clients",
             "first_visits"),
  label = c("Sessions", "Bounce rate", "Conversion rate", "Avg. duration", "Median duration",
            "90th percentile duration", "Avg. events", "Avg. page views", "Revenue", "Clients",
            "First visits"),
  kind = c("count", "rate", "rate", "duration", "duration", "duration", "number", "number",
           "money", "count", "count"),
  stringsAsFactors = FALSE
)

# The summary row -> stat tiles (metric, label, value, formatted).
sbw_session_stats <- function(summary) {
  s <- SBW_SESSION_STATS
  s$value <- vapply(s$metric, function(m)
    if (!is.null(summary) && m %in% names(summary) && nrow(summary) > 0L)
      as.numeric(summary[[m]][1]) else NA_real_, 0, USE.NAMES = FALSE)
  s$formatted <- vapply(seq_len(nrow(s)), function(i) {
    if (s$kind[i] == "number") fmt_num(s$value[i], 1) else fmt_kpi_value(s$value[i], s$kind[i])
  }, "")
  s
}

mod_sessions_ui <- function(id) {
  ns <- shiny::NS(id)
  shiny::tagList(
    shiny::div(class = "d-flex justify-content-end mb-2",
               shiny::downloadButton(ns("csv_summary"), "Summary CSV",
                                     class = "btn-sm btn-outline-secondary sbw-csv")),
    shiny::uiOutput(ns("summary")),
    sbw_card("Session durations", shiny::plotOutput(ns("durations_plot"), height = "240px"),
             DT::dataTableOutput(ns("durations")), download_id = ns("csv_durations")),
    sbw_card(
      "Sessions",
      shiny::selectInput(ns("sort"), "Sort by", SBW_SESSION_SORTS, width = "220px"),
      sbw_pager_ui(ns),
      DT::dataTableOutput(ns("list")),
      download_id = ns("csv_sessions")
    )
  )
}

mod_sessions_server <- function(id, client, filters, refresh, status, per_page = SBW_PAGE_SIZE) {
  shiny::moduleServer(id, function(input, output, session) {
    ns <- session$ns
    fetch <- function(key, path, query) {
      shiny::req(refresh() > 0)
      sbw_try(status, paste0("sessions.", key), client$table(path, query))
    }
    q_range <- shiny::reactive(sbw_query(filters()))
    summary <- shiny::reactive(fetch("summary", "sessions/summary", q_range()))
    durations <- shiny::reactive(fetch("durations", "sessions/durations", q_range()))
    empty <- shiny::reactive({
      s <- shiny::req(summary())
      nrow(s) == 0L || is.na(s$sessions[1]) || s$sessions[1] == 0
    })
    need_data <- function() shiny::validate(shiny::need(!empty(), SBW_EMPTY_TEXT))

    output$summary <- shiny::renderUI({
      if (empty()) return(sbw_empty_ui(ns("empty")))
      st <- sbw_session_stats(summary())
      tiles <- lapply(seq_len(nrow(st)), function(i)
        sbw_stat_ui(st$metric[i], st$label[i], st$value[i], st$formatted[i], class = "sbw-stat"))
      do.call(bslib::layout_column_wrap,
              c(list(width = "210px", fill = FALSE, class = "sbw-stats mb-3"), tiles))
    })

    output$durations_plot <- shiny::renderPlot({
      need_data()
      d <- shiny::req(durations())
      d$bucket <- factor(d$bucket, levels = d$bucket)
      ggplot2::ggplot(d, ggplot2::aes(bucket, sessions)) +
        ggplot2::geom_col(fill = "#2c7be5") +
        ggplot2::scale_y_continuous(labels = fmt_int) +
        ggplot2::labs(x = "duration", y = "sessions") +
        ggplot2::theme_minimal(base_size = 13)
    }, res = 96) |>
      shiny::bindCache("durations", durations())
    output$durations <- sbw_render_dt({
      need_data()
      sbw_datatable(sbw_columns(shiny::req(durations()),
                                c(bucket = "Duration", sessions = "Sessions", share = "Share %")),
                    pct = "Share %")
    })

    # The paged list.
    total <- shiny::reactiveVal(NA_real_)
    pager <- sbw_pager(input, total, per_page)
    sort <- shiny::reactive(if (is.null(input$sort)) "started_at" else input$sort)
    shiny::observeEvent(list(filters(), sort()), pager$reset(), ignoreInit = TRUE)
    q_list <- shiny::reactive(sbw_query(filters(), sort = sort()))
    sessions <- shiny::reactive({
      shiny::req(refresh() > 0)
      q <- sbw_query(q_list(), limit = per_page, offset = sbw_page_offset(pager$page(), per_page))
      sbw_try(status, "sessions.list", client$paged("sessions", q))
    })
    shiny::observe({
      s <- sessions()
      if (!is.null(s)) total(s$total)
    })
    output$page <- shiny::renderText(sbw_page_label(pager$page(), total(), per_page))
    output$list <- sbw_render_dt({
      s <- shiny::req(sessions())
      shiny::validate(shiny::need(s$total > 0 && nrow(s$rows) > 0, SBW_EMPTY_TEXT))
      sbw_datatable(sbw_display_sessions(s$rows, filters()$tz), money = "Revenue (VND)")
    })

    output$csv_summary <- sbw_csv_download(client, status, "sessions_summary", "sessions/summary",
                                           q_range)
    output$csv_durations <- sbw_csv_download(client, status, "session_durations",
                                             "sessions/durations", q_range)
    # The CSV is the first 1000 sessions in the chosen order (the API's largest page).
    csv_list <- shiny::reactive(sbw_query(q_list(), limit = 1000L))
    output$csv_sessions <- sbw_csv_download(client, status, "sessions", "sessions", csv_list)
  })
}
