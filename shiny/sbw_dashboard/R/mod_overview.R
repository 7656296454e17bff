# mod_overview.R: the Overview tab. KPI cards with the change against the previous period,
# events over time, top event types and events by login state.

mod_overview_ui <- function(id) {
  ns <- shiny::NS(id)
  shiny::tagList(
    shiny::div(class = "d-flex justify-content-between align-items-center mb-2",
               shiny::uiOutput(ns("period"), inline = TRUE),
               shiny::downloadButton(ns("csv_kpis"), "KPIs CSV",
                                     class = "btn-sm btn-outline-secondary sbw-csv")),
    shiny::uiOutput(ns("kpis")),
    sbw_card("Events over time", shiny::plotOutput(ns("timeseries"), height = "260px"),
             download_id = ns("csv_timeseries")),
    bslib::layout_column_wrap(
      width = 1 / 2, fill = FALSE,
      sbw_card("Top event types",
               shiny::plotOutput(ns("event_types_plot"), height = "260px"),
               DT::dataTableOutput(ns("event_types")),
               download_id = ns("csv_event_types")),
      sbw_card("Events by login state",
               shiny::plotOutput(ns("login_states_plot"), height = "160px"),
               DT::dataTableOutput(ns("login_states")),
               download_id = ns("csv_login_states"))
    )
  )
}

mod_overview_server <- function(id, client, filters, refresh, status) {
  shiny::moduleServer(id, function(input, output, session) {
    ns <- session$ns
    fetch <- function(key, path, query) {
      shiny::req(refresh() > 0)
      sbw_try(status, paste0("overview.", key), client$table(path, query))
    }
    q_kpis <- shiny::reactive(sbw_query(filters(), compare = "previous_period"))
    q_ts <- shiny::reactive({
      f <- filters()
      interval <- sbw_interval(f$from, f$to)
      sbw_query(f, metric = "events", interval = if (interval == "hour") "hour" else NULL)
    })
    q_types <- shiny::reactive(sbw_query(filters(), by = "event_name"))
    q_login <- shiny::reactive(sbw_query(filters(), by = "login_state"))

    kpis <- shiny::reactive(fetch("kpis", "kpis", q_kpis()))
    timeseries <- shiny::reactive(fetch("timeseries", "timeseries", q_ts()))
    event_types <- shiny::reactive(fetch("event_types", "breakdown", q_types()))
    login_states <- shiny::reactive(fetch("login_states", "breakdown", q_login()))
    empty <- shiny::reactive(sbw_kpis_empty(shiny::req(kpis())))
    cards <- shiny::reactive(sbw_kpi_cards(shiny::req(kpis())))

    need_data <- function() shiny::validate(shiny::need(!empty(), SBW_EMPTY_TEXT))

    # The KPI cards reach the browser in a flush of their own; the charts and tables, which
    # take R much longer to draw, follow in the next one. Shiny sends the outputs of one
    # reactive cycle together, so without this the cards would wait for every plot. The plots
    # are cached for the whole R process (bindCache): later sessions get them without drawing.
    cards_sent <- shiny::reactiveVal(FALSE)
    mark_cards_sent <- function() {
      if (!shiny::isolate(cards_sent())) session$onFlushed(function() cards_sent(TRUE), once = TRUE)
    }

    output$period <- shiny::renderUI({
      f <- filters()
      p <- sbw_previous_period(f$from, f$to)
      shiny::span(id = "overview-period", class = "text-muted small",
                  sprintf("%s to %s (%s), compared with %s to %s", format(f$from), format(f$to),
                          f$tz, format(p$from), format(p$to)))
    })

    output$kpis <- shiny::renderUI({
      on.exit(mark_cards_sent())
      if (empty()) return(sbw_empty_ui(ns("empty")))
      cc <- cards()
      tiles <- lapply(seq_len(nrow(cc)), function(i) {
        sbw_stat_ui(cc$metric[i], cc$label[i], cc$value[i], cc$formatted[i],
                    extra = shiny::div(
                      class = sprintf("sbw-kpi-delta sbw-delta-%s sbw-delta-%s",
                                      cc$direction[i], cc$tone[i]),
                      `data-change` = fmt_raw(cc$change[i]),
                      `data-change-pct` = fmt_raw(cc$change_pct[i]),
                      `data-previous` = fmt_raw(cc$previous[i]),
                      cc$delta[i], shiny::span(class = "text-muted", " vs previous period")))
      })
      do.call(bslib::layout_column_wrap,
              c(list(width = 1 / 4, fill = FALSE, class = "sbw-kpis mb-3"), tiles))
    })

    # Everything below the cards is defined once the cards went out: building a plot or table
    # output costs R tens of milliseconds each, and none of it is needed for the first view.
    ts_frame <- shiny::reactive(sbw_timeseries_frame(shiny::req(timeseries()), filters()$tz))
    define_below_cards <- function() {
      output$timeseries <- shiny::renderPlot({
        need_data()
        d <- ts_frame()
        hourly <- inherits(d$time, "POSIXct")
        ggplot2::ggplot(d, ggplot2::aes(time, value)) +
          ggplot2::geom_line(colour = "#2c7be5", linewidth = 0.8) +
          ggplot2::geom_point(colour = "#2c7be5", size = if (hourly) 0.8 else 2) +
          ggplot2::scale_y_continuous(labels = fmt_int, limits = c(0, NA)) +
          ggplot2::labs(x = if (hourly) sprintf("hour (%s)", filters()$tz) else "day",
                        y = if (hourly) "events per hour" else "events per day") +
          ggplot2::theme_minimal(base_size = 13)
      }, res = 96) |>
        shiny::bindCache("timeseries", ts_frame(), filters()$tz)

      sbw_bar_plot <- function(d, fill) {
        ggplot2::ggplot(d, ggplot2::aes(value, label)) +
          ggplot2::geom_col(fill = fill) +
          ggplot2::scale_x_continuous(labels = fmt_int) +
          ggplot2::labs(x = "events", y = NULL) +
          ggplot2::theme_minimal(base_size = 13)
      }
      output$event_types_plot <- shiny::renderPlot({
        need_data()
        sbw_bar_plot(sbw_top_bars(shiny::req(event_types()), "event_name", "events", 10L), "#6f42c1")
      }, res = 96) |>
        shiny::bindCache("event_types", event_types())
      output$login_states_plot <- shiny::renderPlot({
        need_data()
        sbw_bar_plot(sbw_top_bars(shiny::req(login_states()), "login_state", "events", 4L), "#00a37a")
      }, res = 96) |>
        shiny::bindCache("login_states", login_states())
      output$event_types <- sbw_render_dt({
        need_data()
        sbw_datatable(sbw_columns(shiny::req(event_types()),
                                  c(event_name = "Event", events = "Events", share = "Share %")),
                      pct = "Share %", page_length = 10)
      })
      output$login_states <- sbw_render_dt({
        need_data()
        sbw_datatable(sbw_columns(shiny::req(login_states()),
                                  c(login_state = "Login state", events = "Events", share = "Share %")),
                      pct = "Share %")
      })

      output$csv_timeseries <- sbw_csv_download(client, status, "timeseries", "timeseries", q_ts)
      output$csv_event_types <- sbw_csv_download(client, status, "event_types", "breakdown", q_types)
      output$csv_login_states <- sbw_csv_download(client, status, "login_states", "breakdown", q_login)
    }
    shiny::observeEvent(cards_sent(), if (cards_sent()) define_below_cards())

    output$csv_kpis <- sbw_csv_download(client, status, "kpis", "kpis", q_kpis)
  })
}
